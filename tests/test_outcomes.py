"""What became of contributions once the plan is published (services/evaluation/outcomes.py):
the profiles with their priority groups, or the general answer; nothing before publication or
after taking the plan back; one mail per idea whose author consented, over real SMTP, never
twice; the follow page, the idea's page and a focus group's result page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import SessionMaker, create_engine, create_sessionmaker
from participation.mail_sender import send_pending
from participation.models import Contribution, OutgoingMail, utcnow
from participation.services.evaluation import outcomes, publication
from participation.services.mail import MailContext, enable
from participation.settings import MailSettings, Settings
from tests.helpers import add_idea
from tests.outcome_rows import GENERAL_ANSWER, plan_with_ideas
from tests.smtp_inbox import Inbox, body_of, smtp_inbox

BASE = "http://testserver.local"


# --- the service ---------------------------------------------------------------------------


async def test_profiles_with_their_groups_or_the_general_answer(session: AsyncSession) -> None:
    plan = await plan_with_ideas(session)
    a, _b, _c, d = plan.made.profiles
    ids = [
        c.id or 0
        for c in (
            plan.in_a,
            plan.in_two,
            plan.in_none,
            plan.merged,
            plan.rejected,
            plan.comment,
        )
    ]
    found = await outcomes.outcomes_of(session, ids)

    one = found[plan.in_a.id or 0]
    assert [(p.title, p.group) for p in one.profiles] == [("A", "Premium+")]
    assert one.profiles[0].path == f"/processes/{plan.process.slug}/steckbriefe/{a.id}"
    assert one.general_answer == ""
    # Two profiles, the higher group first.
    two = found[plan.in_two.id or 0]
    assert [(p.profile_id, p.group) for p in two.profiles] == [
        (a.id, "Premium+"),
        (d.id, "Premium"),
    ]
    none = found[plan.in_none.id or 0]
    assert not none.in_profiles
    assert none.general_answer == GENERAL_ANSWER
    assert none.plan_path == f"/processes/{plan.process.slug}/plan"
    # A merged idea shares the outcome of the idea it was merged into.
    merged = found[plan.merged.id or 0]
    assert [p.title for p in merged.profiles] == ["A"]
    assert merged.via_id == plan.in_a.id
    # Rejected ideas and comments get nothing.
    assert plan.rejected.id not in found
    assert plan.comment.id not in found


async def test_nothing_before_publication_or_after_withdrawal(session: AsyncSession) -> None:
    plan = await plan_with_ideas(session, publish=False)
    ids = [plan.in_a.id or 0, plan.in_none.id or 0]
    assert await outcomes.outcomes_of(session, ids) == {}

    await publication.publish_plan(session, plan.made.process_id, plan.made.admin)
    assert set(await outcomes.outcomes_of(session, ids)) == set(ids)

    await publication.withdraw_plan(session, plan.made.process_id, plan.made.admin)
    assert await outcomes.outcomes_of(session, ids) == {}


async def test_a_profile_taken_back_leaves_the_outcome(session: AsyncSession) -> None:
    from participation.models import ProfileStatus
    from tests.profile_rows import set_status

    plan = await plan_with_ideas(session)
    _a, _b, _c, d = plan.made.profiles
    await set_status(session, d, ProfileStatus.WORKING_GROUP)
    found = await outcomes.outcomes_of(session, [plan.in_two.id or 0])
    assert [p.title for p in found[plan.in_two.id or 0].profiles] == ["A"]


async def test_outcomes_take_a_fixed_number_of_statements(session: AsyncSession) -> None:
    from sqlalchemy import event

    plan = await plan_with_ideas(session)
    more = [await add_idea(session, plan.process, title=f"Idee {i}") for i in range(40)]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = session.bind
    assert engine is not None
    sync_engine = engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        small = await outcomes.outcomes_of(session, [plan.in_none.id or 0])
        few = len(statements)
        statements.clear()
        large = await outcomes.outcomes_of(
            session, [c.id or 0 for c in more] + [plan.in_a.id or 0, plan.merged.id or 0]
        )
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    assert len(small) == 1
    assert len(large) == 42
    assert few <= 4
    assert len(statements) <= 5  # one more: the merged idea's target


# --- the mails -------------------------------------------------------------------------------


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as received:
        yield received


@pytest.fixture
def mail_settings(settings: Settings, inbox: Inbox) -> Settings:
    mail = MailSettings(
        host="127.0.0.1", port=inbox.port, security="none", sender="Beteiligung <b@example.org>"
    )
    return replace(settings, base_url=BASE, mail=mail)


@pytest.fixture
async def mail_sessions(mail_settings: Settings) -> AsyncIterator[SessionMaker]:
    """Sessions that queue mails, as the app's do; `send_pending` delivers them."""
    engine = create_engine(mail_settings)
    sessionmaker = create_sessionmaker(engine)
    enable(sessionmaker, MailContext(mail_settings))
    yield sessionmaker
    await engine.dispose()


async def _consent(session: AsyncSession, *contributions: Contribution, address: str) -> None:
    for contribution in contributions:
        contribution.notify_email = address
        contribution.notify_consent_at = utcnow()
        contribution.notify_locale = "de"
        session.add(contribution)
    await session.commit()


async def _queued(sessions: SessionMaker) -> list[tuple[str, int | None]]:
    """(recipient, contribution id) of every mail in the outbox."""
    async with sessions() as db:
        rows = await db.exec(select(OutgoingMail.recipient, OutgoingMail.contribution_id))
        return sorted(rows)


async def test_one_mail_per_idea_with_consent_delivered_never_twice(
    mail_sessions: SessionMaker, mail_settings: Settings, inbox: Inbox
) -> None:
    async with mail_sessions() as session:
        plan = await plan_with_ideas(session, publish=False)
        await _consent(session, plan.in_two, plan.in_none, address="anna@example.org")
        await _consent(session, plan.merged, address="bert@example.org")
        await _consent(session, plan.rejected, address="carl@example.org")
        # An address without consent: no mail.
        plan.in_a.notify_email = "dora@example.org"
        plan.in_a.notify_locale = "de"
        session.add(plan.in_a)
        await session.commit()
        process_id, admin = plan.made.process_id, plan.made.admin
        await publication.publish_plan(session, process_id, admin)

    assert await _queued(mail_sessions) == sorted(
        [
            ("anna@example.org", plan.in_two.id),
            ("anna@example.org", plan.in_none.id),
            ("bert@example.org", plan.merged.id),
        ]
    )
    assert mail_settings.mail is not None
    result = await send_pending(mail_sessions, mail_settings.mail)
    assert result.sent == 3
    received = {m["Subject"]: body_of(m) for m in inbox.wait_for(3)}
    slug = plan.process.slug
    a, _b, _c, d = plan.made.profiles

    two = received["Was aus Ihrer Idee geworden ist: WLAN in Bussen"]
    assert (
        "Ihre Idee „WLAN in Bussen“ ist in den Steckbrief „A“ eingeflossen, Priorität Premium+:\n"
        f"{BASE}/processes/{slug}/steckbriefe/{a.id}\n" in two
    )
    assert "„D“ eingeflossen, Priorität Premium:\n" in two
    assert f"{BASE}/processes/{slug}/steckbriefe/{d.id}\n" in two
    assert f"{BASE}/processes/{slug}/plan\n" in two
    assert GENERAL_ANSWER not in two

    none = received["Was aus Ihrer Idee geworden ist: Ein Kino"]
    assert "„Ein Kino“ ist in keinen Steckbrief eingeflossen" in none
    assert GENERAL_ANSWER in none
    assert f"{BASE}/processes/{slug}/plan\n" in none
    assert f"{BASE}/abbestellen/" in none

    merged = received["Was aus Ihrer Idee geworden ist: Schnelles Netz"]
    assert "„A“ eingeflossen, Priorität Premium+" in merged

    # Taken back and published again: nothing new is queued or sent.
    async with mail_sessions() as session:
        await publication.withdraw_plan(session, process_id, admin)
        await publication.publish_plan(session, process_id, admin)
    assert len(await _queued(mail_sessions)) == 3
    assert (await send_pending(mail_sessions, mail_settings.mail)).sent == 0
    assert len(inbox.messages) == 3


async def test_no_mail_when_sending_is_off(session: AsyncSession) -> None:
    plan = await plan_with_ideas(session, publish=False)
    await _consent(session, plan.in_a, address="anna@example.org")
    await publication.publish_plan(session, plan.made.process_id, plan.made.admin)
    assert list(await session.exec(select(OutgoingMail))) == []
