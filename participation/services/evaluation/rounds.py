"""Rating rounds: an admin opens one over a set of profiles (all that are ready for
evaluation, or chosen ones), assigns evaluators (for all its profiles, or for those of an
action field), sets a due date, and closes it. Evaluators see the profiles assigned to them.

Every opening and closing goes into the evaluation log (`log_event`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from participation.i18n import _
from participation.models import (
    EvaluationAction,
    EvaluationEvent,
    Profile,
    ProfileStatus,
    ProfileTheme,
    Rating,
    RatingRound,
    Role,
    RoundEvaluator,
    RoundProfile,
    RoundStatus,
    Theme,
    User,
    utcnow,
)
from participation.services.errors import NotFound, ValidationFailed

# Who may rate: evaluators, and admins who sit on a jury themselves.
RATERS: Final = frozenset({Role.EVALUATOR, Role.ADMIN})
TITLE_MAX: Final = 200


def log_event(
    session: AsyncSession,
    process_id: int,
    action: EvaluationAction,
    actor: User | None,
    *,
    round_id: int | None = None,
    profile_id: int | None = None,
    **details: object,
) -> None:
    """Add a line to the evaluation log (the caller commits)."""
    session.add(
        EvaluationEvent(
            process_id=process_id,
            round_id=round_id,
            profile_id=profile_id,
            actor_id=actor.id if actor else None,
            action=action,
            details=dict(details),
        )
    )


@dataclass(frozen=True)
class Assignment:
    """An evaluator for a round: all its profiles (theme_id None) or one action field's."""

    user_id: int
    theme_id: int | None = None


async def open_round(
    session: AsyncSession,
    process_id: int,
    title: str,
    assignments: Sequence[Assignment],
    actor: User,
    *,
    profile_ids: Sequence[int] | None = None,
    due_on: date | None = None,
) -> RatingRound:
    """A new round over `profile_ids` (None: every profile of the process ready for
    evaluation). ValidationFailed names each field that is wrong."""
    errors: dict[str, str] = {}
    text = " ".join(title.split())
    if not text:
        errors["title"] = _("Please give the round a title.")
    elif len(text) > TITLE_MAX:
        errors["title"] = _("At most %(n)d characters, please.") % {"n": TITLE_MAX}
    chosen = await _profiles(session, process_id, profile_ids)
    if not chosen:
        errors["profiles"] = (
            _("No profile of this process is ready for evaluation.")
            if profile_ids is None
            else _("Please choose at least one profile of this process.")
        )
    wanted = sorted(set(assignments), key=lambda a: (a.user_id, a.theme_id or 0))
    if not wanted:
        errors["evaluators"] = _("Please assign at least one evaluator.")
    elif problem := await _check_assignments(session, process_id, wanted):
        errors["evaluators"] = problem
    if due_on is not None and due_on < utcnow().date():
        errors["due_on"] = _("The due date lies in the past.")
    if errors:
        raise ValidationFailed(errors)
    round_ = RatingRound(process_id=process_id, title=text, due_on=due_on, created_by_id=actor.id)
    session.add(round_)
    await session.flush()
    assert round_.id is not None
    session.add_all(RoundProfile(round_id=round_.id, profile_id=pid) for pid in chosen)
    session.add_all(
        RoundEvaluator(round_id=round_.id, user_id=a.user_id, theme_id=a.theme_id) for a in wanted
    )
    log_event(
        session,
        process_id,
        EvaluationAction.ROUND_OPENED,
        actor,
        round_id=round_.id,
        title=text,
        profiles=len(chosen),
        evaluators=sorted({a.user_id for a in wanted}),
    )
    await session.commit()
    return round_


async def _profiles(
    session: AsyncSession, process_id: int, profile_ids: Sequence[int] | None
) -> list[int]:
    query = select(Profile.id).where(col(Profile.process_id) == process_id)
    if profile_ids is None:
        query = query.where(col(Profile.status) == ProfileStatus.READY)
    else:
        # Chosen ones of this process that are not dropped; others are ignored.
        query = query.where(
            col(Profile.id).in_(sorted(set(profile_ids))),
            col(Profile.status) != ProfileStatus.DROPPED,
        )
    return [pid for pid in await session.exec(query.order_by(col(Profile.id))) if pid]


async def _check_assignments(
    session: AsyncSession, process_id: int, wanted: Sequence[Assignment]
) -> str:
    """A message when an assignment names someone who may not rate or a foreign theme."""
    users = {
        u.id: u
        for u in await session.exec(
            select(User).where(col(User.id).in_({a.user_id for a in wanted}))
        )
    }
    if any(
        a.user_id not in users
        or not users[a.user_id].is_active
        or users[a.user_id].role not in RATERS
        for a in wanted
    ):
        return _("Only active evaluators and admins can rate.")
    theme_ids = {a.theme_id for a in wanted if a.theme_id is not None}
    if theme_ids:
        found = await session.exec(
            select(func.count())
            .select_from(Theme)
            .where(col(Theme.id).in_(theme_ids), col(Theme.process_id) == process_id)
        )
        if found.one() != len(theme_ids):
            return _("Please choose action fields of this process.")
    return ""


async def get_round(session: AsyncSession, round_id: int) -> RatingRound:
    round_ = await session.get(RatingRound, round_id)
    if round_ is None:
        raise NotFound(_("This rating round does not exist."))
    return round_


async def close_round(session: AsyncSession, round_id: int, actor: User) -> RatingRound:
    """No more ratings are taken; closing twice changes nothing."""
    round_ = await get_round(session, round_id)
    if round_.status is RoundStatus.OPEN:
        round_.status = RoundStatus.CLOSED
        round_.closed_at = utcnow()
        session.add(round_)
        log_event(
            session, round_.process_id, EvaluationAction.ROUND_CLOSED, actor, round_id=round_id
        )
        await session.commit()
    return round_


def assigned_to(round_id: int, user_id: int) -> SelectOfScalar[int]:
    """The ids of a round's profiles that `user_id` rates: all of them when assigned without
    an action field, else those with one of their action fields (primary or further)."""
    mine = select(RoundEvaluator.theme_id).where(
        col(RoundEvaluator.round_id) == round_id, col(RoundEvaluator.user_id) == user_id
    )
    everything = select(RoundEvaluator.id).where(
        col(RoundEvaluator.round_id) == round_id,
        col(RoundEvaluator.user_id) == user_id,
        col(RoundEvaluator.theme_id).is_(None),
    )
    by_theme = select(ProfileTheme.profile_id).where(col(ProfileTheme.theme_id).in_(mine))
    return select(RoundProfile.profile_id).where(
        col(RoundProfile.round_id) == round_id,
        sa.or_(sa.exists(everything), col(RoundProfile.profile_id).in_(by_theme)),
    )


async def assigned_profiles(session: AsyncSession, round_id: int, user_id: int) -> list[Profile]:
    """The profiles `user_id` rates in the round, by title; one statement."""
    rows = await session.exec(
        select(Profile)
        .where(col(Profile.id).in_(assigned_to(round_id, user_id)))
        .order_by(col(Profile.title), col(Profile.id))
    )
    return list(rows)


@dataclass(frozen=True)
class Progress:
    round: RatingRound
    assigned: int
    submitted: int  # profiles the evaluator submitted every criterion for


async def rounds_of(session: AsyncSession, user_id: int) -> list[Progress]:
    """The open rounds `user_id` rates in, newest first, with "12 von 40 bewertet"."""
    rounds = list(
        await session.exec(
            select(RatingRound)
            .where(
                col(RatingRound.status) == RoundStatus.OPEN,
                col(RatingRound.id).in_(
                    select(RoundEvaluator.round_id).where(col(RoundEvaluator.user_id) == user_id)
                ),
            )
            .order_by(col(RatingRound.id).desc())
        )
    )
    progress = []
    for round_ in rounds:  # an evaluator sits in a handful of rounds at a time
        assert round_.id is not None
        assigned = (
            await session.exec(
                select(func.count()).select_from(assigned_to(round_.id, user_id).subquery())
            )
        ).one()
        submitted = (
            await session.exec(
                select(func.count(sa.distinct(col(Rating.profile_id)))).where(
                    col(Rating.round_id) == round_.id,
                    col(Rating.evaluator_id) == user_id,
                    col(Rating.submitted_at).is_not(None),
                )
            )
        ).one()
        progress.append(Progress(round_, int(assigned), int(submitted)))
    return progress
