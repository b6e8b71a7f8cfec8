"""What became of contributions once the plan is published (services/evaluation/outcomes.py):
the profiles with their priority groups, or the general answer; nothing before publication or
after taking the plan back; one mail per idea whose author consented, over real SMTP, never
twice; the follow page, the idea's page and a focus group's result page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from functools import partial

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import SessionMaker, create_engine, create_sessionmaker
from participation.mail_sender import send_pending
from participation.models import (
    Contribution,
    FocusGroupDot,
    FocusGroupIdea,
    OutgoingMail,
    Role,
    User,
    utcnow,
)
from participation.services.evaluation import outcomes, publication
from participation.services.mail import MailContext, enable
from participation.settings import MailSettings, Settings
from tests.focus_group_helpers import CODE, add_member, add_session, facilitator_client
from tests.helpers import (
    Client,
    add_idea,
    add_staff,
    attr,
    html,
    in_db,
    login,
    one,
    text_of,
)
from tests.outcome_rows import GENERAL_ANSWER, Plan, plan_with_ideas
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
        # Commenters are not contacted.
        await _consent(session, plan.comment, address="eva@example.org")
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


# --- the pages -------------------------------------------------------------------------------


def _plan(settings: Settings, *, publish: bool = True) -> Plan:
    return in_db(settings, lambda s: plan_with_ideas(s, publish=publish))


def _set_published(settings: Settings, plan: Plan, published: bool) -> None:
    async def change(session: AsyncSession) -> None:
        admin = await session.get(User, plan.made.admin.id)
        assert admin is not None
        if published:
            await publication.publish_plan(session, plan.made.process_id, admin)
        else:
            await publication.withdraw_plan(session, plan.made.process_id, admin)

    in_db(settings, change)


def test_follow_page_shows_profiles_with_their_groups(client: Client, settings: Settings) -> None:
    plan = _plan(settings)
    a, _b, _c, d = plan.made.profiles
    outcome = one(html(client.get("/follow/folge-b").text), ".followed .outcome")
    assert text_of(one(outcome, "h3")) == "Was aus Ihrer Idee geworden ist"
    items = [text_of(li) for li in outcome.select(".outcome__profiles li")]
    assert items[0].startswith(
        "Ihre Idee ist in den Steckbrief „A“ eingeflossen. Priorität: Premium+"
    )
    assert items[1].startswith(
        "Ihre Idee ist in den Steckbrief „D“ eingeflossen. Priorität: Premium"
    )
    links = [attr(link, "href") for link in outcome.select("a")]
    slug = plan.process.slug
    assert links == [
        f"/processes/{slug}/steckbriefe/{a.id}",
        f"/processes/{slug}/steckbriefe/{d.id}",
        f"/processes/{slug}/plan",
    ]


def test_follow_page_shows_the_general_answer_as_safe_markdown(
    client: Client, settings: Settings
) -> None:
    plan = _plan(settings)

    async def risky(session: AsyncSession) -> None:
        admin = await session.get(User, plan.made.admin.id)
        assert admin is not None
        text = GENERAL_ANSWER + "\n\n<script>alert(1)</script> [Bericht](javascript:alert(1))"
        await publication.save_general_answer(session, plan.made.process_id, text, admin)

    in_db(settings, risky)
    outcome = one(html(client.get("/follow/folge-c").text), ".followed .outcome")
    assert text_of(outcome).startswith(
        "Was aus Ihrer Idee geworden ist Ihre Idee ist in keinen Steckbrief eingeflossen. "
        "Die Antwort des Verfahrens:"
    )
    answer = one(outcome, ".outcome__answer")
    assert text_of(one(answer, "strong")) == "Beteiligungsbericht"
    assert answer.select("script") == []
    assert "<script>" in text_of(answer)  # shown as text
    assert all(not attr(a, "href").startswith("javascript") for a in answer.select("a[href]"))
    assert attr(one(outcome, "a[href$='/plan']"), "href") == f"/processes/{plan.process.slug}/plan"


def test_follow_page_of_a_merged_idea_names_the_profile_of_the_kept_one(
    client: Client, settings: Settings
) -> None:
    _plan(settings)
    outcome = one(html(client.get("/follow/folge-d").text), ".followed .outcome")
    assert "„A“ eingeflossen" in text_of(outcome)
    assert "zusammengeführt" in text_of(one(outcome, ".hint"))


def test_follow_page_shows_no_outcome_before_publication_or_after_withdrawal(
    client: Client, settings: Settings
) -> None:
    plan = _plan(settings, publish=False)
    for token in ("folge-a", "folge-c"):
        page = html(client.get(f"/follow/{token}").text)
        assert page.select(".outcome") == []
    _set_published(settings, plan, True)
    assert len(html(client.get("/follow/folge-c").text).select(".outcome")) == 1
    _set_published(settings, plan, False)
    page = html(client.get("/follow/folge-c").text)
    assert page.select(".outcome") == []
    assert GENERAL_ANSWER.replace("**", "") not in text_of(page)


def test_idea_page_shows_the_outcome_once_published(client: Client, settings: Settings) -> None:
    plan = _plan(settings, publish=False)
    slug = plan.process.slug
    two = f"/processes/{slug}/ideas/{plan.in_two.id}"
    none = f"/processes/{slug}/ideas/{plan.in_none.id}"
    assert html(client.get(two).text).select(".outcome") == []
    _set_published(settings, plan, True)

    outcome = one(html(client.get(two).text), "section.outcome")
    assert text_of(one(outcome, "h2")) == "Was aus dieser Idee geworden ist"
    items = [text_of(li) for li in outcome.select(".outcome__profiles li")]
    assert items[0].startswith(
        "Diese Idee ist in den Steckbrief „A“ eingeflossen. Priorität: Premium+"
    )
    assert len(items) == 2
    outcome = one(html(client.get(none).text), "section.outcome")
    assert "Diese Idee ist in keinen Steckbrief eingeflossen." in text_of(outcome)
    assert text_of(one(outcome, ".outcome__answer strong")) == "Beteiligungsbericht"


# --- the focus group's result page -----------------------------------------------------------


async def _session_with_ideas(session: AsyncSession, plan: Plan, state: str) -> None:
    """A session (open, closed or expired) of the plan's process: one idea that became
    `in_a`'s source, one in no profile, one never handed over, with dots and pseudonyms."""
    fg = await add_session(session, plan.process, state=state)
    eisvogel = await add_member(session, fg, "Eisvogel")
    blauwal = await add_member(session, fg, "Blauwal")
    given = [
        (eisvogel.id, "Tablets für alle", "Jede Klasse bekommt Tablets.", plan.in_a.id),
        (blauwal.id, "Schulkino", "Filme in der Aula.", plan.in_none.id),
        (None, "Papierkarte", "Von der Karte.", None),
    ]
    ideas = [
        FocusGroupIdea(
            session_id=fg.id or 0, member_id=member, title=title, body=body, contribution_id=cid
        )
        for member, title, body, cid in given
    ]
    session.add_all(ideas)
    await session.flush()
    session.add(FocusGroupDot(idea_id=ideas[0].id or 0, member_id=blauwal.id or 0, dots=3))
    session.add(FocusGroupDot(idea_id=ideas[1].id or 0, member_id=eisvogel.id or 0, dots=1))
    await session.commit()


RESULT = f"/mitmachen/{CODE}/ergebnis"


def test_result_page_before_publication_is_friendly(client: Client, settings: Settings) -> None:
    plan = _plan(settings, publish=False)
    in_db(settings, lambda s: _session_with_ideas(s, plan, "closed"))
    response = client.get(RESULT)
    assert response.status_code == 200
    page = html(response.text)
    assert text_of(one(page, "h1")) == "BBS Auetal, Klasse 11b"
    assert text_of(one(page, ".notice h2")) == "Der Plan ist noch nicht veröffentlicht"
    assert "Tablets für alle" not in response.text
    assert page.select("form") == []  # not the live session


@pytest.mark.parametrize("state", ["closed", "expired", "open"])
def test_result_page_shows_each_idea_and_its_outcome(
    client: Client, settings: Settings, state: str
) -> None:
    plan = _plan(settings)
    a, *_rest = plan.made.profiles
    in_db(settings, lambda s: _session_with_ideas(s, plan, state))
    response = client.get(RESULT)
    assert response.status_code == 200
    page = html(response.text)
    ideas = page.select(".result-idea")
    assert [text_of(one(i, "h3")) for i in ideas] == [
        "Tablets für alle",
        "Schulkino",
        "Papierkarte",
    ]
    first, second, third = ideas
    assert "Jede Klasse bekommt Tablets." in text_of(first)
    assert text_of(one(first, ".meta")) == "3 Punkte"
    assert text_of(one(second, ".meta")) == "1 Punkt"
    assert text_of(one(first, ".outcome__profiles li")).startswith(
        "Diese Idee ist in den Steckbrief „A“ eingeflossen. Priorität: Premium+"
    )
    assert attr(one(first, "a"), "href") == f"/processes/{plan.process.slug}/steckbriefe/{a.id}"
    for other in (second, third):
        assert "Diese Idee ist in keinen Steckbrief eingeflossen." in text_of(other)
        assert other.select(".outcome__answer") == []
    # The general answer once, below the ideas.
    assert response.text.count("Beteiligungsbericht") == 1
    assert text_of(one(page, "#general-answer-title")).startswith("Zu den Ideen")
    # Nothing personal.
    for pseudonym in ("Eisvogel", "Blauwal"):
        assert pseudonym not in response.text


def test_result_page_in_english_and_by_a_lower_case_code(
    client: Client, settings: Settings
) -> None:
    plan = _plan(settings)
    in_db(settings, lambda s: _session_with_ideas(s, plan, "closed"))
    response = client.get(f"/mitmachen/{CODE.lower()}/ergebnis", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == RESULT
    page = html(client.get(RESULT, headers={"Accept-Language": "en"}).text)
    assert "The plan is published." in text_of(page)
    assert "This idea went into the project profile “A”." in text_of(page)
    assert "Priority: Premium+" in text_of(page)


def test_result_page_of_an_unknown_code_is_404(client: Client, settings: Settings) -> None:
    _plan(settings)
    for code in ("ZZZZZZ", "x", "K7P2QX-too-long"):
        response = client.get(f"/mitmachen/{code}/ergebnis")
        assert response.status_code == 404
        assert html(response.text).select_one("h1") is not None  # the error page


async def _staff(session: AsyncSession, *, email: str, role: Role) -> User:
    return await add_staff(session, email, role)


def test_result_page_is_the_same_for_everybody(client: Client, settings: Settings) -> None:
    """A public read: every role and anonymous visitors get it, nothing to sign in for."""
    plan = _plan(settings)
    in_db(settings, lambda s: _session_with_ideas(s, plan, "closed"))
    anonymous = client.get(RESULT)
    for role in Role:
        email = f"{role.value}-leser@example.org"
        in_db(settings, partial(_staff, email=email, role=role))
        client.cookies.clear()
        assert login(client, email).status_code == 303
        response = client.get(RESULT)
        assert response.status_code == 200
        assert [h.get_text() for h in html(response.text).select(".result-idea h3")] == [
            h.get_text() for h in html(anonymous.text).select(".result-idea h3")
        ]


def test_ended_session_links_its_result_page(client: Client, settings: Settings) -> None:
    plan = _plan(settings, publish=False)
    in_db(settings, lambda s: _session_with_ideas(s, plan, "closed"))
    page = html(client.get(f"/mitmachen/{CODE}").text)
    assert attr(one(page, ".notice a"), "href") == RESULT


def test_the_facilitator_sees_the_result_address_of_a_closed_session(
    client: Client, settings: Settings
) -> None:
    plan = _plan(settings, publish=False)
    facilitator = facilitator_client(client, settings)
    fg = in_db(settings, lambda s: add_session(s, plan.process, facilitator, state="closed"))
    page = html(client.get(f"/focus-groups/{fg.id}").text)
    link = one(page, f".notice a[href='{RESULT}']")
    assert text_of(link).endswith(RESULT)
