"""The moderation queue and the moderation log.

Every state change goes through `_transition`, which writes the event in the same
transaction and only succeeds if the item is still in the state the moderator saw:
two moderators acting on one idea cannot overwrite each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.labels import label
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    ModerationAction,
    ModerationEvent,
    Process,
    User,
    utcnow,
)
from participation.services.errors import Conflict, NotFound, ValidationFailed

REASON_MAX: Final = 1000

# action -> (states it may start from, state it leads to)
TRANSITIONS: Final[
    dict[ModerationAction, tuple[frozenset[ContributionStatus], ContributionStatus]]
] = {
    ModerationAction.APPROVE: (
        frozenset(
            {ContributionStatus.PENDING, ContributionStatus.REJECTED, ContributionStatus.HIDDEN}
        ),
        ContributionStatus.PUBLISHED,
    ),
    ModerationAction.REJECT: (
        frozenset({ContributionStatus.PENDING, ContributionStatus.PUBLISHED}),
        ContributionStatus.REJECTED,
    ),
}


@dataclass(frozen=True)
class QueueItem:
    contribution: Contribution
    process: Process


async def pending_queue(session: AsyncSession, limit: int = 50) -> tuple[list[QueueItem], int]:
    """Pending ideas, oldest first (first come, first served), and how many there are."""
    where = (
        Contribution.status == ContributionStatus.PENDING,
        Contribution.kind == ContributionKind.IDEA,
    )
    total = (await session.exec(select(func.count()).select_from(Contribution).where(*where))).one()
    rows = await session.exec(
        select(Contribution, Process)
        .join(Process, col(Process.id) == Contribution.process_id)
        .where(*where)
        .order_by(col(Contribution.created_at), col(Contribution.id))
        .limit(limit)
    )
    return [QueueItem(c, p) for c, p in rows], total


async def get_contribution(session: AsyncSession, contribution_id: int) -> Contribution:
    contribution = await session.get(Contribution, contribution_id)
    if contribution is None:
        raise NotFound(_("This contribution does not exist."))
    return contribution


async def _transition(
    session: AsyncSession,
    contribution_id: int,
    action: ModerationAction,
    actor: User,
    reason: str = "",
) -> Contribution:
    contribution = await get_contribution(session, contribution_id)
    allowed_from, to_status = TRANSITIONS[action]
    from_status = contribution.status
    if from_status not in allowed_from:
        raise Conflict(
            _("This contribution is already %(status)s.") % {"status": label(from_status)}
        )
    now = utcnow()
    values: dict[str, object] = {"status": to_status}
    if to_status is ContributionStatus.PUBLISHED and contribution.published_at is None:
        values["published_at"] = now
    result = await session.exec(
        update(Contribution)
        .where(col(Contribution.id) == contribution_id, col(Contribution.status) == from_status)
        .values(**values)
    )
    if result.rowcount != 1:
        await session.rollback()
        raise Conflict(_("Someone else has just handled this contribution."))
    session.add(
        ModerationEvent(
            contribution_id=contribution_id,
            actor_id=actor.id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            created_at=now,
        )
    )
    await session.commit()
    await session.refresh(contribution)
    return contribution


async def approve(session: AsyncSession, contribution_id: int, actor: User) -> Contribution:
    return await _transition(session, contribution_id, ModerationAction.APPROVE, actor)


async def reject(
    session: AsyncSession, contribution_id: int, actor: User, reason: str
) -> Contribution:
    """Reject with a reason; the author sees the reason behind their follow link."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": _("Please give a reason; the author will see it.")})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            {"reason": _("Please use at most %(n)d characters.") % {"n": REASON_MAX}}
        )
    return await _transition(session, contribution_id, ModerationAction.REJECT, actor, reason)


@dataclass(frozen=True)
class LogEntry:
    event: ModerationEvent
    actor_email: str | None
    contribution_title: str


async def moderation_log(
    session: AsyncSession, *, contribution_id: int | None = None, limit: int = 100
) -> Sequence[LogEntry]:
    """The newest events first, with who acted and on what."""
    query = (
        select(ModerationEvent, User.email, Contribution.title)
        .join(Contribution, col(Contribution.id) == ModerationEvent.contribution_id)
        .outerjoin(User, col(User.id) == ModerationEvent.actor_id)
        .order_by(col(ModerationEvent.created_at).desc(), col(ModerationEvent.id).desc())
        .limit(limit)
    )
    if contribution_id is not None:
        query = query.where(ModerationEvent.contribution_id == contribution_id)
    return [LogEntry(event, email, title) for event, email, title in await session.exec(query)]
