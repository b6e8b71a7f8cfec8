"""The demo: seeded into an empty database only, with the variety a first look needs."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionStatus,
    ContributionTheme,
    ModerationAction,
    ModerationEvent,
    Phase,
    Process,
    QuestionKind,
    Role,
    Segment,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    Theme,
    User,
    utcnow,
)
from participation.services.processes import get_process, list_processes
from participation.services.seed import DEMO_MODERATOR_EMAIL, seed_demo
from participation.services.users import authenticate
from tests.helpers import add_process, count

TABLES: list[type] = [
    Process,
    Phase,
    Theme,
    Contribution,
    ContributionTheme,
    ModerationEvent,
    User,
]


async def counts(session: AsyncSession) -> dict[str, int]:
    return {model.__name__: await count(session, model) for model in TABLES}


async def test_seeding_an_empty_database_creates_the_demo(session: AsyncSession) -> None:
    login = await seed_demo(session)
    assert login is not None
    assert login.email == DEMO_MODERATOR_EMAIL

    processes = await list_processes(session)
    assert len(processes) == 1
    demo = processes[0]
    assert demo.accepts_ideas  # the demo's idea call is running whenever it is seeded
    assert demo.deadline is not None
    assert len(demo.phases) >= 2
    assert await count(session, Theme) >= 6

    ideas = list(await session.exec(select(Contribution)))
    assert len(ideas) >= 40
    segments = Counter(idea.segment for idea in ideas)
    assert {Segment.RESIDENT, Segment.PUPIL, Segment.FIRM} <= set(segments)
    firms = [idea for idea in ideas if idea.segment is Segment.FIRM]
    assert any(idea.organisation_name for idea in firms)
    statuses = Counter(idea.status for idea in ideas)
    assert statuses[ContributionStatus.PENDING] > 0
    assert statuses[ContributionStatus.PUBLISHED] > 0
    assert demo.published_ideas == statuses[ContributionStatus.PUBLISHED]
    for idea in ideas:
        assert (idea.published_at is not None) is (idea.status is ContributionStatus.PUBLISHED)
        assert idea.consent_at is not None

    # Every decided idea has its event, from pending to its state, by the demo moderator.
    moderator = (await session.exec(select(User).where(User.email == login.email))).one()
    assert moderator.role is Role.MODERATOR
    events = list(await session.exec(select(ModerationEvent)))
    by_idea = {event.contribution_id: event for event in events}
    assert len(by_idea) == len(events)  # one each
    for idea in ideas:
        if idea.status is ContributionStatus.PENDING:
            assert idea.id not in by_idea
            continue
        event = by_idea[idea.id or 0]
        assert event.actor_id == moderator.id
        assert event.from_status is ContributionStatus.PENDING
        assert event.to_status is idea.status
        expected = (
            ModerationAction.APPROVE
            if idea.status is ContributionStatus.PUBLISHED
            else ModerationAction.REJECT
        )
        assert event.action is expected
        if event.action is ModerationAction.REJECT:
            assert event.reason

    # Ideas carry themes of their own process.
    tagged = await count(session, ContributionTheme)
    assert tagged >= len(ideas) // 2
    theme_processes = set(await session.exec(select(Theme.process_id)))
    assert theme_processes == {demo.process.id}


async def test_demo_moderator_can_sign_in(session: AsyncSession) -> None:
    login = await seed_demo(session)
    assert login is not None
    assert len(login.password) >= 12
    user = await authenticate(session, login.email, login.password)
    assert user is not None
    assert user.role is Role.MODERATOR
    assert await authenticate(session, login.email, login.password + "x") is None


async def test_each_seed_has_its_own_password(session: AsyncSession) -> None:
    first = await seed_demo(session)
    assert first is not None
    tables = ["moderation_event", "contribution_theme", "contribution", "theme", "phase"]
    for table in [*tables, "process", "user_account"]:
        await session.exec(text(f'DELETE FROM "{table}"'))  # type: ignore[call-overload]
    await session.commit()
    second = await seed_demo(session)
    assert second is not None
    assert second.password != first.password


async def test_seeding_again_does_nothing(session: AsyncSession) -> None:
    assert await seed_demo(session) is not None
    before = await counts(session)
    assert await seed_demo(session) is None
    assert await counts(session) == before


async def test_no_demo_into_a_database_with_a_process(session: AsyncSession) -> None:
    await add_process(session)
    assert await seed_demo(session) is None
    assert await count(session, Contribution) == 0
    assert await count(session, User) == 0
    assert await get_process(session, "digitalstrategie-auetal") is None
    titles = list(await session.exec(select(Process.slug).order_by(col(Process.id))))
    assert titles == ["radwege-auetal"]


async def test_the_demo_survey_has_sent_responses_to_show(session: AsyncSession) -> None:
    """The results page of a fresh installation has charts to show: firms' responses that
    answer every required question (and leave the free text, which would need moderation)."""
    await seed_demo(session)
    (survey,) = await session.exec(select(Survey))
    responses = list(await session.exec(select(SurveyResponse)))
    assert len(responses) == 48
    assert all(r.submitted_at is not None and r.segment == Segment.FIRM for r in responses)
    assert all(r.submitted_at <= utcnow() for r in responses if r.submitted_at)
    questions = list(await session.exec(select(SurveyQuestion)))
    answers = list(await session.exec(select(SurveyAnswer)))
    answered = {(a.response_id, a.question_id) for a in answers}
    for question in questions:
        if question.required:
            assert all((r.id, question.id) in answered for r in responses), question.text
        if question.kind == QuestionKind.FREE_TEXT:
            assert not any(a.question_id == question.id for a in answers)
    assert survey.opens_at is not None
    assert min(r.submitted_at for r in responses if r.submitted_at) > survey.opens_at
