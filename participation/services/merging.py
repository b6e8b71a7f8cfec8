"""Merging a contribution into a near-duplicate that stays, and undoing it from the log.

Merging keeps everything:
- the merged contribution keeps its text and its own supports, gets status `merged` and
  `duplicate_of_id` pointing to the kept idea, whose page lists it ("zusammengeführt aus N
  Beiträgen");
- its comments (and their replies) move to the kept idea;
- its supports are copied to the kept idea, except those of browsers that supported the
  kept idea already (one browser counts once; the Support table is unique per idea and
  browser). The counts follow by the triggers of migration 0011 on both databases: a
  comment's UPDATE of parent_id and every insert or delete of a support move them;
- its author gets the MERGED mail (if they gave an address with consent) and their follow
  page names the kept idea;
- the moderation log gets the event, and a `ContributionMerge` row records what moved and
  what was copied, so `undo_merge` restores the state exactly.

Both sides are named with the versions the moderator's page showed (Contribution.version):
a merge of items that changed meanwhile raises `Stale` and changes nothing, as moderation
decisions do (services/moderation.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import ColumnElement, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.labels import label
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionMerge,
    ContributionStatus,
    ModerationAction,
    ModerationEvent,
    Support,
    User,
    utcnow,
)
from participation.services import similar
from participation.services.duplicates import LIVE_STATES, PAIR_KINDS, forget_open_pairs
from participation.services.errors import Conflict, NotFound, ValidationFailed
from participation.services.mail import MailEvent, notify_author
from participation.services.moderation import Stale

# How many merged contributions the kept idea's page shows in full.
MERGED_SHOWN: Final = 20


async def _get(session: AsyncSession, contribution_id: int) -> Contribution:
    contribution = await session.get(Contribution, contribution_id, populate_existing=True)
    if contribution is None:
        raise NotFound(_("This contribution does not exist."))
    return contribution


def _check_mergeable(keep: Contribution, merged: Contribution) -> None:
    if keep.id == merged.id:
        raise ValidationFailed({"keep": _("Please choose two different contributions.")})
    if keep.process_id != merged.process_id:
        raise ValidationFailed({"keep": _("Only contributions of one process can be merged.")})
    for contribution in (keep, merged):
        if contribution.kind not in PAIR_KINDS:
            raise ValidationFailed({"keep": _("Comments cannot be merged.")})
        if contribution.status not in LIVE_STATES:
            raise Conflict(
                _("#%(id)d is %(status)s: it can no longer be merged.")
                % {"id": contribution.id, "status": label(contribution.status)}
            )


async def merge_contributions(
    session: AsyncSession,
    *,
    keep_id: int,
    merged_id: int,
    actor: User,
    keep_version: int | None = None,
    merged_version: int | None = None,
) -> ContributionMerge:
    """Merge `merged_id` into `keep_id` (see the module's docstring) in one transaction.

    The versions are those the moderator's page showed; None skips the check (commands).
    Raises NotFound, ValidationFailed (two of the same, another process, a comment),
    Conflict (one is merged, rejected or hidden already) or Stale (changed meanwhile)."""
    keep = await _get(session, keep_id)
    merged = await _get(session, merged_id)
    _check_mergeable(keep, merged)
    for contribution, version in ((keep, keep_version), (merged, merged_version)):
        if version is not None and version != contribution.version:
            raise Stale()
    # Read before the UPDATEs below, which also change the rows this session holds.
    from_status, keep_version_now, merged_version_now = (
        merged.status,
        keep.version,
        merged.version,
    )
    now = utcnow()
    # The kept idea is checked and locked (its row) without a new version: its text and
    # status stay, and a moderator deciding on it meanwhile is not refused.
    held = await session.exec(
        update(Contribution)
        .where(col(Contribution.id) == keep_id, col(Contribution.version) == keep_version_now)
        .values(updated_at=keep.updated_at)
    )
    claimed = await session.exec(
        update(Contribution)
        .where(col(Contribution.id) == merged_id, col(Contribution.version) == merged_version_now)
        .values(
            version=merged_version_now + 1,
            status=ContributionStatus.MERGED,
            duplicate_of_id=keep_id,
            updated_at=now,
        )
    )
    if held.rowcount != 1 or claimed.rowcount != 1:
        await session.rollback()
        raise Stale()
    moved = await _move_comments(session, merged_id, keep_id)
    try:
        copied, doubles = await _copy_supports(session, merged_id, keep_id)
    except IntegrityError:  # a browser supported the kept idea at this very moment
        await session.rollback()
        raise Stale() from None
    event = ModerationEvent(
        contribution_id=merged_id,
        actor_id=actor.id,
        action=ModerationAction.MERGE,
        from_status=from_status,
        to_status=ContributionStatus.MERGED,
        reason=_merge_reason(keep),
        created_at=now,
    )
    session.add(event)
    await session.flush()
    record = ContributionMerge(
        process_id=keep.process_id,
        kept_id=keep_id,
        merged_id=merged_id,
        event_id=event.id,
        actor_id=actor.id,
        merged_from_status=from_status,
        moved_comment_ids=moved,
        copied_support_ids=copied,
        double_supports=doubles,
        created_at=now,
    )
    session.add(record)
    await forget_open_pairs(session, merged_id)
    merged.status = ContributionStatus.MERGED  # as the UPDATE left it, for the mail's text
    await notify_author(session, merged, MailEvent.MERGED, merged_into=keep)
    await session.commit()
    await session.refresh(record)
    if ContributionStatus.PUBLISHED in {from_status, keep.status}:
        similar.invalidate(keep.process_id)
    return record


def _merge_reason(keep: Contribution) -> str:
    """The log's reason: which idea stays (by id and title, as it read then)."""
    return _("Merged into #%(id)d “%(title)s”.") % {"id": keep.id, "title": keep.title}


async def _move_comments(session: AsyncSession, merged_id: int, keep_id: int) -> list[int]:
    """Move every comment and reply of `merged_id` to `keep_id`; their ids, in order."""
    ids = [
        id_
        for id_ in await session.exec(
            select(Contribution.id)
            .where(
                col(Contribution.parent_id) == merged_id,
                col(Contribution.kind) == ContributionKind.COMMENT,
            )
            .order_by(col(Contribution.id))
        )
        if id_ is not None
    ]
    if ids:
        await session.exec(
            update(Contribution)
            .where(col(Contribution.parent_id) == merged_id, col(Contribution.id).in_(ids))
            .values(parent_id=keep_id)
        )
    return ids


async def _copy_supports(
    session: AsyncSession, merged_id: int, keep_id: int
) -> tuple[list[int], int]:
    """Copy the merged one's supports to the kept idea, one per browser: (the new rows' ids,
    how many were left out as double)."""
    already = select(Support.supporter_hash).where(col(Support.contribution_id) == keep_id)
    rows = list(
        await session.exec(
            select(Support.supporter_hash, Support.created_at).where(
                col(Support.contribution_id) == merged_id
            )
        )
    )
    fresh = set(
        await session.exec(
            select(Support.supporter_hash).where(
                col(Support.contribution_id) == merged_id,
                col(Support.supporter_hash).not_in(already),
            )
        )
    )
    copies = [
        Support(contribution_id=keep_id, supporter_hash=hash_, created_at=created_at)
        for hash_, created_at in rows
        if hash_ in fresh
    ]
    session.add_all(copies)
    await session.flush()
    return sorted(s.id for s in copies if s.id is not None), len(rows) - len(copies)


async def undo_merge(session: AsyncSession, *, merge_id: int, actor: User) -> ContributionMerge:
    """Take a merge back: the merged contribution gets its status back and loses the pointer,
    its comments (with replies written since) go back to it, and the supports copied to the
    kept idea are deleted (those a browser withdrew since are gone already). Raises NotFound,
    or Conflict when it was undone already, the merged contribution changed since, or the
    kept idea has been merged on into another (undo that later merge first)."""
    record = await session.get(ContributionMerge, merge_id, populate_existing=True)
    if record is None:
        raise NotFound(_("This merge does not exist."))
    if record.undone_at is not None:
        raise Conflict(_("This merge has been undone already."))
    merged = await _get(session, record.merged_id)
    if merged.status is not ContributionStatus.MERGED or merged.duplicate_of_id != record.kept_id:
        raise Conflict(_("The merged contribution has changed since; nothing was undone."))
    kept = await _get(session, record.kept_id)
    if kept.status is ContributionStatus.MERGED:
        # What moved with this merge has moved on with the later one: undo that one first.
        raise Conflict(
            _("#%(kept)d has been merged into #%(next)d since: undo that merge first.")
            % {"kept": kept.id, "next": kept.duplicate_of_id}
        )
    now = utcnow()
    claimed = await session.exec(
        update(Contribution)
        .where(col(Contribution.id) == merged.id, col(Contribution.version) == merged.version)
        .values(
            version=merged.version + 1,
            status=record.merged_from_status,
            duplicate_of_id=None,
            updated_at=now,
        )
    )
    taken = await session.exec(
        update(ContributionMerge)
        .where(col(ContributionMerge.id) == merge_id, col(ContributionMerge.undone_at).is_(None))
        .values(undone_at=now, undone_by_id=actor.id)
    )
    if claimed.rowcount != 1 or taken.rowcount != 1:
        await session.rollback()
        raise Stale()
    moved = list(record.moved_comment_ids)
    if moved:
        await session.exec(
            update(Contribution)
            .where(
                col(Contribution.parent_id) == record.kept_id,
                or_(col(Contribution.id).in_(moved), col(Contribution.reply_to_id).in_(moved)),
            )
            .values(parent_id=record.merged_id)
        )
    copied = list(record.copied_support_ids)
    if copied:
        await session.exec(
            delete(Support).where(
                col(Support.id).in_(copied), col(Support.contribution_id) == record.kept_id
            )
        )
    session.add(
        ModerationEvent(
            contribution_id=record.merged_id,
            actor_id=actor.id,
            action=ModerationAction.UNDO_MERGE,
            from_status=ContributionStatus.MERGED,
            to_status=record.merged_from_status,
            reason=_("Merge into #%(id)d undone.") % {"id": record.kept_id},
            created_at=now,
        )
    )
    await session.commit()
    await session.refresh(record)
    similar.invalidate(record.process_id)
    return record


# --- what pages show of merges --------------------------------------------------------------


@dataclass(frozen=True)
class MergedInto:
    """What an idea's page shows of the contributions merged into it."""

    count: int
    shown: list[Contribution]  # the first MERGED_SHOWN, oldest first


def _merged_into(kept_id: int) -> list[ColumnElement[bool]]:
    return [
        col(Contribution.duplicate_of_id) == kept_id,
        col(Contribution.status) == ContributionStatus.MERGED,
    ]


async def merged_into(session: AsyncSession, kept_id: int) -> MergedInto:
    """The contributions merged into an idea (ix_contribution_duplicate_of_id): one
    statement, a second to count them only when there are more than are shown."""
    shown = list(
        await session.exec(
            select(Contribution)
            .where(*_merged_into(kept_id))
            .order_by(col(Contribution.created_at), col(Contribution.id))
            .limit(MERGED_SHOWN + 1)
        )
    )
    if len(shown) <= MERGED_SHOWN:
        return MergedInto(len(shown), shown)
    count = (
        await session.exec(
            select(func.count()).select_from(Contribution).where(*_merged_into(kept_id))
        )
    ).one()
    return MergedInto(int(count), shown[:MERGED_SHOWN])


async def kept_id(session: AsyncSession, process_id: int, merged_id: int) -> int | None:
    """The idea a merged idea of this process was merged into; None for anything else."""
    found = await session.exec(
        select(Contribution.duplicate_of_id).where(
            col(Contribution.id) == merged_id,
            col(Contribution.process_id) == process_id,
            col(Contribution.status) == ContributionStatus.MERGED,
        )
    )
    return found.first()


async def kept_ideas(
    session: AsyncSession, contributions: Sequence[Contribution]
) -> dict[int, Contribution]:
    """The ideas these merged contributions were merged into, by the merged one's id."""
    wanted = {
        c.duplicate_of_id
        for c in contributions
        if c.status is ContributionStatus.MERGED and c.duplicate_of_id is not None
    }
    if not wanted:
        return {}
    rows = await session.exec(select(Contribution).where(col(Contribution.id).in_(wanted)))
    kept = {c.id: c for c in rows}
    return {
        c.id: kept[c.duplicate_of_id]
        for c in contributions
        if c.id is not None and c.duplicate_of_id in kept and c.status is ContributionStatus.MERGED
    }


async def open_merges(
    session: AsyncSession, event_ids: Sequence[int]
) -> dict[int, ContributionMerge]:
    """The merges not undone yet that these log events recorded, by event id (for the log's
    undo buttons)."""
    ids = [i for i in event_ids if i]
    if not ids:
        return {}
    rows = await session.exec(
        select(ContributionMerge).where(
            col(ContributionMerge.event_id).in_(ids), col(ContributionMerge.undone_at).is_(None)
        )
    )
    return {m.event_id: m for m in rows if m.event_id is not None}
