"""Publishing a process's plan: its priority groups with the profiles placed in them.

Publishing makes every placed profile public that is not yet (a revision of each, by the
admin who published), marks the plan public (`EvaluationSetup.plan_published_at`) and logs
it with the number of profiles per group. Taking the plan back hides the plan page again;
the profiles stay public (each can be taken back on its own page). The general answer for
contributions that went into no profile is written here too, before or after publishing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import (
    EvaluationAction,
    EvaluationSetup,
    PlanEntry,
    PriorityGroup,
    Profile,
    ProfileStatus,
    User,
    utcnow,
)
from participation.services.errors import ValidationFailed
from participation.services.evaluation import outcomes
from participation.services.evaluation.criteria import setup_of
from participation.services.evaluation.rounds import log_event
from participation.services.profiles import editing

GENERAL_ANSWER_MAX: Final = 5000
# Placed profiles in these states become public with the plan; dropped ones stay out of it.
_PUBLISHABLE: Final = frozenset(
    {ProfileStatus.DRAFT, ProfileStatus.WORKING_GROUP, ProfileStatus.READY}
)


@dataclass(frozen=True)
class PlanState:
    published_at: datetime | None
    placed: int  # profiles with a place in a group
    per_group: dict[int, int]  # group id -> placed profiles
    general_answer: str

    @property
    def published(self) -> bool:
        return self.published_at is not None


async def plan_state(session: AsyncSession, process_id: int) -> PlanState:
    setup = await setup_of(session, process_id)
    rows = await session.exec(
        select(PlanEntry.group_id, func.count())
        .join(PriorityGroup, col(PriorityGroup.id) == PlanEntry.group_id)
        .where(col(PriorityGroup.process_id) == process_id)
        .group_by(col(PlanEntry.group_id))
    )
    per_group: dict[int, int] = dict(rows.all())
    return PlanState(
        setup.plan_published_at, sum(per_group.values()), per_group, setup.general_answer
    )


async def is_published(session: AsyncSession, process_id: int) -> bool:
    setup = await session.get(EvaluationSetup, process_id)
    return setup is not None and setup.plan_published_at is not None


async def _stored_setup(session: AsyncSession, process_id: int) -> EvaluationSetup:
    setup = await setup_of(session, process_id)
    session.add(setup)  # the default becomes a row of its own
    return setup


async def publish_plan(session: AsyncSession, process_id: int, actor: User) -> PlanState:
    """Make the plan public; raises ValidationFailed when no profile has a place yet."""
    state = await plan_state(session, process_id)
    if not state.placed:
        raise ValidationFailed(
            {
                "plan": _(
                    "No profile has a place in the plan yet: propose the groups from a round first."
                )
            }
        )
    placed = await session.exec(
        select(Profile)
        .join(PlanEntry, col(PlanEntry.profile_id) == Profile.id)
        .join(PriorityGroup, col(PriorityGroup.id) == PlanEntry.group_id)
        .where(col(PriorityGroup.process_id) == process_id)
        .order_by(col(Profile.id))
    )
    to_publish = [(p.id, p.version) for p in placed if p.status in _PUBLISHABLE]
    for profile_id, version in to_publish:
        assert profile_id is not None
        # The plan's own mail tells the authors, with the priority (announce=False):
        # outcomes.notify_outcomes below.
        await editing.set_status(
            session, profile_id, ProfileStatus.PUBLISHED, version, actor, announce=False
        )
    setup = await _stored_setup(session, process_id)
    setup.plan_published_at = utcnow()
    setup.plan_published_by_id = actor.id
    log_event(
        session,
        process_id,
        EvaluationAction.PLAN_PUBLISHED,
        actor,
        groups={str(g): n for g, n in state.per_group.items()},
        profiles_published=len(to_publish),
    )
    # The authors hear what became of their ideas with the plan, in its transaction.
    await outcomes.notify_outcomes(session, process_id)
    await session.commit()
    return await plan_state(session, process_id)


async def withdraw_plan(session: AsyncSession, process_id: int, actor: User) -> PlanState:
    """Take the plan back from the public; its profiles stay as they are."""
    setup = await _stored_setup(session, process_id)
    if setup.plan_published_at is not None:
        setup.plan_published_at = None
        log_event(session, process_id, EvaluationAction.PLAN_WITHDRAWN, actor)
        await session.commit()
    return await plan_state(session, process_id)


async def save_general_answer(
    session: AsyncSession, process_id: int, text: str, actor: User
) -> EvaluationSetup:
    answer = text.strip().replace("\r\n", "\n")
    if len(answer) > GENERAL_ANSWER_MAX:
        raise ValidationFailed(
            {
                "general_answer": _("Please keep the answer under %(n)s characters.")
                % {"n": GENERAL_ANSWER_MAX}
            }
        )
    setup = await _stored_setup(session, process_id)
    if answer != setup.general_answer:
        log_event(
            session,
            process_id,
            EvaluationAction.GENERAL_ANSWER,
            actor,
            before=setup.general_answer,
            after=answer,
        )
        setup.general_answer = answer
        await session.commit()
    return setup
