"""The moderation queue, the themes moderators confirm or correct, and the moderation log.

Every state change goes through `_transition`, which writes the event in the same
transaction and only succeeds if the item is still in the state the moderator saw:
two moderators acting on one idea cannot overwrite each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.labels import label
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    ModerationAction,
    ModerationEvent,
    Process,
    Theme,
    ThemeSource,
    User,
    utcnow,
)
from participation.services import similar
from participation.services.errors import Conflict, NotFound, ValidationFailed
from participation.services.processes import list_themes
from participation.services.tagging import set_theme_rows

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
class ItemTheme:
    """A theme on a contribution as moderators see it: suggested, confirmed or rejected."""

    theme: Theme
    source: ThemeSource
    score: float | None  # the tagger's, 0..1; None for themes a moderator added
    evidence: tuple[str, ...]  # the words that drove the suggestion


@dataclass(frozen=True)
class QueueItem:
    contribution: Contribution
    process: Process
    themes: Sequence[ItemTheme] = ()
    taxonomy: Sequence[Theme] = field(default=())  # the process's themes, for adding one

    @property
    def suggested(self) -> list[ItemTheme]:
        """Suggestions still waiting for a decision, likeliest first."""
        waiting = [t for t in self.themes if t.source is ThemeSource.SUGGESTED]
        return sorted(waiting, key=lambda t: -(t.score or 0))

    @property
    def confirmed(self) -> list[ItemTheme]:
        return [t for t in self.themes if t.source is ThemeSource.CONFIRMED]

    @property
    def addable(self) -> list[Theme]:
        """Themes a moderator may still add: all but those confirmed already."""
        taken = {t.theme.id for t in self.confirmed}
        return [t for t in self.taxonomy if t.id not in taken]


# "oldest": first come, first served. "informative": the items the tagger is least sure
# about first, so each decision teaches the next model most (active learning).
QueueOrder = Literal["oldest", "informative"]


async def item_themes(
    session: AsyncSession, contribution_ids: Sequence[int]
) -> dict[int, list[ItemTheme]]:
    if not contribution_ids:
        return {}
    rows = await session.exec(
        select(ContributionTheme, Theme)
        .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
        .where(col(ContributionTheme.contribution_id).in_(contribution_ids))
        .order_by(col(Theme.position))
    )
    by_contribution: dict[int, list[ItemTheme]] = {}
    for row, theme in rows:
        item = ItemTheme(theme, row.source, row.score, tuple(row.evidence or ()))
        by_contribution.setdefault(row.contribution_id, []).append(item)
    return by_contribution


async def _with_themes(
    session: AsyncSession, pairs: Sequence[tuple[Contribution, Process]]
) -> list[QueueItem]:
    themes = await item_themes(session, [c.id for c, _ in pairs if c.id is not None])
    taxonomies: dict[int, list[Theme]] = {}
    for _contribution, process in pairs:
        if process.id is not None and process.id not in taxonomies:
            taxonomies[process.id] = await list_themes(session, process.id)
    return [
        QueueItem(c, p, themes.get(c.id or 0, []), taxonomies.get(p.id or 0, [])) for c, p in pairs
    ]


async def pending_queue(
    session: AsyncSession, limit: int = 50, order: QueueOrder = "oldest"
) -> tuple[list[QueueItem], int]:
    """Pending ideas with their themes, oldest first or most informative first, and how
    many there are."""
    where = (
        Contribution.status == ContributionStatus.PENDING,
        Contribution.kind == ContributionKind.IDEA,
    )
    total = (await session.exec(select(func.count()).select_from(Contribution).where(*where))).one()
    oldest = (col(Contribution.created_at), col(Contribution.id))
    ordering = (
        (col(Contribution.theme_uncertainty).desc().nulls_last(), *oldest)
        if order == "informative"
        else oldest
    )
    rows = await session.exec(
        select(Contribution, Process)
        .join(Process, col(Process.id) == Contribution.process_id)
        .where(*where)
        .order_by(*ordering)
        .limit(limit)
    )
    return await _with_themes(session, list(rows)), total


async def queue_item(session: AsyncSession, contribution_id: int) -> QueueItem:
    """One contribution as the queue shows it, with its themes."""
    contribution = await get_contribution(session, contribution_id)
    process = await session.get(Process, contribution.process_id)
    assert process is not None
    return (await _with_themes(session, [(contribution, process)]))[0]


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
    if ContributionStatus.PUBLISHED in {from_status, to_status}:
        similar.invalidate(contribution.process_id)
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


ThemeDecision = Literal["confirm", "reject"]
_SOURCES: Final[dict[str, ThemeSource]] = {
    "confirm": ThemeSource.CONFIRMED,
    "reject": ThemeSource.REJECTED,
}


async def decide_theme(
    session: AsyncSession, contribution_id: int, theme_id: str | int, decision: str
) -> tuple[Contribution, Theme, ThemeSource]:
    """Confirm or reject a theme on a contribution: a suggestion, one confirmed before (to
    take it back), or one the moderator adds. Confirmed themes are what the tagger learns
    from next time."""
    contribution = await get_contribution(session, contribution_id)
    source = _SOURCES.get(decision)
    if source is None:
        raise ValidationFailed(
            {"decision": _("Please choose to confirm or remove the action field.")}
        )
    number = int(theme_id) if str(theme_id).isdigit() and len(str(theme_id)) < 10 else 0
    theme = await session.get(Theme, number) if number else None
    if theme is None or theme.process_id != contribution.process_id:
        raise ValidationFailed({"theme": _("Please choose an action field of this process.")})
    assert theme.id is not None
    await set_theme_rows(
        session,
        [{"contribution_id": contribution_id, "theme_id": theme.id, "source": source.value}],
        over_suggestions_only=False,
    )
    await session.commit()
    return contribution, theme, source


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
