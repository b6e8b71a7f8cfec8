"""The demo's evaluation, seeded through the same services people use, so the log, the
revisions and the scores are what a real round leaves (participation/demo_plan.py holds
the content). Also the demo's focus group, whose class can look up what became of its
ideas once the plan is published."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation import demo_plan
from participation.models import (
    Channel,
    Contribution,
    FocusGroupIdea,
    FocusGroupSession,
    Profile,
    ProfileIndicator,
    ProfileStatus,
    Role,
    User,
)
from participation.services import tracking
from participation.services.evaluation import criteria, groups, publication, ratings, rounds
from participation.services.evaluation.groups import GroupRow
from participation.services.evaluation.ratings import Entry
from participation.services.evaluation.rounds import Assignment
from participation.services.focus_groups import new_join_code
from participation.services.users import add_user

if TYPE_CHECKING:
    from participation.services.seed import DemoLogin


async def seed_jurors(session: AsyncSession, logins: Sequence[DemoLogin]) -> list[User]:
    """The demo's evaluators, with the logins written beside the admin's."""
    names = {juror["email"]: juror["name"] for juror in demo_plan.JURORS}
    jurors = [
        await add_user(
            session,
            email=login.email,
            password=login.password,
            role=Role.EVALUATOR,
            display_name=names[login.email],
        )
        for login in logins
    ]
    await session.commit()
    return jurors


async def seed_focus_group(
    session: AsyncSession,
    process_id: int,
    ideas: Mapping[str, Contribution],
    facilitator: User,
    now: datetime,
) -> FocusGroupSession:
    """A closed focus group whose ideas are the demo's published focus-group contributions."""
    closed = now - timedelta(days=20)
    group = FocusGroupSession(
        process_id=process_id,
        title=demo_plan.FOCUS_GROUP_TITLE,
        join_code=new_join_code(),
        facilitator_id=facilitator.id,
        created_at=closed - timedelta(hours=2),
        expires_at=closed,
        closed_at=closed,
    )
    session.add(group)
    await session.flush()
    assert group.id is not None
    session.add_all(
        FocusGroupIdea(
            session_id=group.id,
            title=idea.title[:120],
            body=idea.body,
            created_at=closed - timedelta(hours=1),
            contribution_id=idea.id,
        )
        for idea in ideas.values()
        if idea.channel is Channel.FOCUS_GROUP
    )
    await session.commit()
    return group


async def seed_plan(
    session: AsyncSession,
    process_id: int,
    profiles: Mapping[str, Profile],
    jurors: list[User],
    admin: User,
    now: datetime,
) -> None:
    """Criteria, a closed round rated by the jurors, the groups proposed and one moved, the
    published plan with its general answer, and the first reports on one of its profiles."""
    preset = await criteria.apply_preset(session, process_id, admin)
    rated = {title: profiles[title].id for title in demo_plan.RATINGS}
    round_ = await rounds.open_round(
        session,
        process_id,
        demo_plan.ROUND_TITLE,
        [Assignment(juror.id or 0) for juror in jurors],
        admin,
        profile_ids=[pid for pid in rated.values() if pid is not None],
    )
    assert round_.id is not None
    reasons = {(t, j, c): text for t, j, c, text in demo_plan.JUSTIFICATIONS}
    for title, rows in demo_plan.RATINGS.items():
        for juror_index, (juror, values) in enumerate(zip(jurors, rows, strict=True)):
            entries = {
                criterion.id or 0: Entry(str(value), reasons.get((title, juror_index, index), ""))
                for index, (criterion, value) in enumerate(zip(preset, values, strict=True))
            }
            await ratings.save_sheet(
                session, round_.id, rated[title] or 0, juror, entries, submit=True
            )
    await rounds.close_round(session, round_.id, admin)
    saved = await groups.save_groups(
        session,
        process_id,
        [
            GroupRow(name=name, description=text, size=str(size) if size else "")
            for name, text, size in demo_plan.GROUPS
        ],
    )
    await groups.propose(session, round_.id, admin)
    title, group_name, reason = demo_plan.MOVE
    target = next(g for g in saved if g.name == group_name)
    await groups.move(session, rated[title] or 0, target.id or 0, reason, admin)
    await publication.save_general_answer(session, process_id, demo_plan.GENERAL_ANSWER, admin)
    await publication.publish_plan(session, process_id, admin)
    await seed_tracking(session, profiles[demo_plan.TRACKED], admin, now)


async def seed_tracking(
    session: AsyncSession, profile: Profile, admin: User, now: datetime
) -> None:
    """The lead organisation's first reports on a profile of the plan: in implementation,
    its progress, milestones planned and reached, an indicator's value and a note."""
    assert profile.id is not None
    await session.refresh(profile)
    await tracking.change_status(
        session, profile.id, admin, ProfileStatus.IN_IMPLEMENTATION, profile.version
    )
    await tracking.record_progress(session, profile.id, admin, demo_plan.TRACKED_PROGRESS)
    today = now.date()
    for title, planned_in, reached_ago in demo_plan.MILESTONES:
        reached = today - timedelta(days=reached_ago) if reached_ago is not None else None
        await tracking.add_milestone(
            session, profile.id, admin, title, today + timedelta(days=planned_in), reached
        )
    indicators = {
        i.name: i.id
        for i in await session.exec(
            select(ProfileIndicator).where(ProfileIndicator.profile_id == profile.id)
        )
    }
    for name, value, measured_ago in demo_plan.VALUES:
        await tracking.record_value(
            session,
            profile.id,
            indicators[name],
            admin,
            value,
            today - timedelta(days=measured_ago),
        )
    await tracking.add_note(session, profile.id, admin, demo_plan.TRACKING_NOTE)
