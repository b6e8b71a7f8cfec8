"""The demo: seeded into an empty database only, with the variety a first look needs."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation import demo_plan
from participation.bootstrap import DEMO_LOGIN_FILE, prepare_database, read_demo_login
from participation.db import create_engine, create_sessionmaker
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Criterion,
    FocusGroupIdea,
    FocusGroupSession,
    ModerationAction,
    ModerationEvent,
    Phase,
    PlanEntry,
    Process,
    Profile,
    ProfileSource,
    ProfileStatus,
    ProfileUpdate,
    QuestionKind,
    RatingRound,
    Role,
    RoundStatus,
    Segment,
    Support,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    Theme,
    UpdateKind,
    User,
    utcnow,
)
from participation.services.evaluation import groups, publication
from participation.services.evaluation.calibration import calibration
from participation.services.idea_list import IdeaFilters, Sort, list_ideas
from participation.services.processes import get_process, list_processes
from participation.services.seed import DEMO_ADMIN_EMAIL, DEMO_MODERATOR_EMAIL, seed_demo
from participation.services.users import authenticate
from participation.settings import Settings
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
    assert login.moderator.email == DEMO_MODERATOR_EMAIL

    processes = await list_processes(session)
    assert len(processes) == 1
    demo = processes[0]
    assert demo.accepts_ideas  # the demo's idea call is running whenever it is seeded
    assert demo.deadline is not None
    assert len(demo.phases) >= 2
    assert await count(session, Theme) >= 6

    ideas = list(
        await session.exec(select(Contribution).where(Contribution.kind == ContributionKind.IDEA))
    )
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
    moderator = (await session.exec(select(User).where(User.email == login.moderator.email))).one()
    assert moderator.role is Role.MODERATOR
    idea_ids = {idea.id for idea in ideas}
    events = [
        e for e in await session.exec(select(ModerationEvent)) if e.contribution_id in idea_ids
    ]
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


async def test_demo_moderator_and_admin_can_sign_in(session: AsyncSession) -> None:
    logins = await seed_demo(session)
    assert logins is not None
    assert logins.admin is not None
    for login, role in ((logins.moderator, Role.MODERATOR), (logins.admin, Role.ADMIN)):
        assert len(login.password) >= 12
        user = await authenticate(session, login.email, login.password)
        assert user is not None
        assert user.role is role
        assert await authenticate(session, login.email, login.password + "x") is None
    assert logins.admin.email == DEMO_ADMIN_EMAIL
    assert logins.admin.password != logins.moderator.password


async def test_the_demo_has_supports_and_comments_with_right_counts(
    session: AsyncSession,
) -> None:
    """Every sort order of the ideas list has something to show, and the kept counts are
    the rows."""
    await seed_demo(session)
    [overview] = await list_processes(session)
    assert overview.process.id is not None
    published = await list_ideas(session, overview.process.id, IdeaFilters(), per_page=100)
    ideas = {item.contribution.id or 0: item for item in published.items}
    supports = Counter(s.contribution_id for s in await session.exec(select(Support)))
    comments = Counter(
        c.parent_id
        for c in await session.exec(
            select(Contribution).where(Contribution.kind == ContributionKind.COMMENT)
        )
    )
    assert sum(supports.values()) >= 50
    assert sum(comments.values()) >= 8
    assert any(c.reply_to_id for c in await session.exec(select(Contribution)))
    for idea_id, item in ideas.items():
        assert (item.supports, item.comments) == (supports[idea_id], comments[idea_id])
    assert set(supports) | set(comments) <= set(ideas)  # only on published ideas
    # The most supported and the most discussed ideas lead their lists, not the newest.
    newest = [item.contribution.id for item in published.items[:10]]
    for sort, counted in ((Sort.SUPPORTED, supports), (Sort.DISCUSSED, comments)):
        first = await list_ideas(session, overview.process.id, IdeaFilters(sort=sort), 10)
        top = first.items[0]
        assert (top.supports if sort is Sort.SUPPORTED else top.comments) == max(counted.values())
        assert [item.contribution.id for item in first.items] != newest
    # Comments went through moderation like ideas: each has its approval by the moderator.
    comment_ids = {
        c.id
        for c in await session.exec(
            select(Contribution).where(Contribution.kind == ContributionKind.COMMENT)
        )
    }
    approved = {
        e.contribution_id
        for e in await session.exec(select(ModerationEvent))
        if e.action is ModerationAction.APPROVE
    }
    assert comment_ids <= approved


async def test_the_logins_are_written_for_the_operator(settings: Settings) -> None:
    """var/demo-login.txt: the moderator on lines 1-2 (as before), the admin on lines 3-4,
    then the two jurors."""
    logins = await prepare_database(replace(settings, seed_demo=True))
    assert logins is not None
    assert logins.admin is not None
    lines = (settings.var_dir / DEMO_LOGIN_FILE).read_text().splitlines()
    first, second = logins.jurors
    assert lines == [
        logins.moderator.email,
        logins.moderator.password,
        logins.admin.email,
        logins.admin.password,
        first.email,
        first.password,
        second.email,
        second.password,
    ]
    assert read_demo_login(settings) == logins
    async with create_sessionmaker(create_engine(settings))() as session:
        juror = await authenticate(session, first.email, first.password)
    assert juror is not None
    assert juror.role is Role.EVALUATOR


async def test_each_seed_has_its_own_password(session: AsyncSession) -> None:
    first = await seed_demo(session)
    assert first is not None
    tables = ["moderation_event", "contribution_theme", "contribution", "theme", "phase"]
    for table in [*tables, "process", "user_account"]:
        await session.exec(text(f'DELETE FROM "{table}"'))  # type: ignore[call-overload]
    await session.commit()
    second = await seed_demo(session)
    assert second is not None
    assert second.moderator.password != first.moderator.password


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


async def test_the_demo_has_profiles_in_several_states_built_from_several_channels(
    session: AsyncSession,
) -> None:
    # Without its plan, as for walking through a round in a training.
    await seed_demo(session, with_plan=False)
    profiles = (await session.exec(select(Profile).order_by(col(Profile.id)))).all()
    assert {p.status for p in profiles} >= {
        ProfileStatus.DRAFT,
        ProfileStatus.WORKING_GROUP,
        ProfileStatus.READY,
        ProfileStatus.PUBLISHED,
    }
    assert await count(session, Criterion) == 0
    for profile in profiles[:4]:
        channels = (
            await session.exec(
                select(Contribution.channel)
                .join(ProfileSource, col(ProfileSource.contribution_id) == Contribution.id)
                .where(ProfileSource.profile_id == profile.id)
            )
        ).all()
        assert len(channels) == profile.source_count >= 4
        assert all(s is ContributionStatus.PUBLISHED for s in await _statuses(session, profile))
    # Together they show sources from the idea call, the survey, focus groups and workshops.
    linked = (
        await session.exec(
            select(Contribution.channel)
            .join(ProfileSource, col(ProfileSource.contribution_id) == Contribution.id)
            .distinct()
        )
    ).all()
    assert set(linked) >= {Channel.IDEA_CALL, Channel.SURVEY, Channel.FOCUS_GROUP, Channel.WORKSHOP}
    assert all(p.source_count >= 1 for p in profiles)


async def test_the_demo_ends_with_a_published_plan_in_three_groups(session: AsyncSession) -> None:
    """A fresh installation shows the whole path: criteria, a closed round rated by two
    jurors (one disagreement flagged), three groups with a move by hand, the published plan
    with its general answer, and a focus group whose ideas went into its profiles."""
    await seed_demo(session)
    (process,) = await session.exec(select(Process))
    assert process.id is not None
    state = await publication.plan_state(session, process.id)
    assert state.published
    assert state.general_answer.startswith("Nicht jede Idee")
    names = {g.id: g.name for g in await groups.groups_of(session, process.id)}
    assert {names[g]: n for g, n in state.per_group.items()} == {
        "Premium+": 2,
        "Premium": 4,
        "Weitere Projektideen": 2,
    }
    (round_,) = await session.exec(select(RatingRound))
    assert round_.status is RoundStatus.CLOSED
    view = await calibration(session, round_.id or 0)
    assert view.flagged == 2
    moved = [e for e in await session.exec(select(PlanEntry)) if e.moved_by_id is not None]
    assert [e.reason for e in moved] == [demo_plan.MOVE[2]]
    placed = {e.profile_id for e in await session.exec(select(PlanEntry))}
    statuses = {p.id: p.status for p in await session.exec(select(Profile))}
    assert {statuses[pid] for pid in placed} == {
        ProfileStatus.PUBLISHED,
        ProfileStatus.IN_IMPLEMENTATION,  # the first reports on one of them
    }
    (tracked,) = await session.exec(select(Profile).where(col(Profile.progress).is_not(None)))
    assert tracked.status is ProfileStatus.IN_IMPLEMENTATION
    kinds = {u.kind for u in await session.exec(select(ProfileUpdate))}
    assert kinds == set(UpdateKind)
    (focus_group,) = await session.exec(select(FocusGroupSession))
    assert focus_group.closed_at is not None
    ideas = list(await session.exec(select(FocusGroupIdea)))
    sources = set(await session.exec(select(ProfileSource.contribution_id)))
    assert len(ideas) == 9
    assert sum(1 for idea in ideas if idea.contribution_id in sources) >= 5


async def _statuses(session: AsyncSession, profile: Profile) -> list[ContributionStatus]:
    rows = await session.exec(
        select(Contribution.status)
        .join(ProfileSource, col(ProfileSource.contribution_id) == Contribution.id)
        .where(ProfileSource.profile_id == profile.id)
    )
    return [ContributionStatus(status) for status in rows.all()]
