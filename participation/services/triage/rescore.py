"""Scoring contributions that are stored already: a whole process in batches (the backfill,
`participation triage rescore --process SLUG`), or its waiting items after the classifier
was trained again. Holds nothing back: this changes flags, never statuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Contribution, ContributionStatus
from participation.services.triage.scoring import triage_new

BATCH_SIZE: Final = 500


async def _rescore(
    session: AsyncSession,
    where: list[ColumnElement[bool]],
    batch_size: int,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Score every contribution matching `where`, oldest first, a batch per transaction
    (keyset paging on created_at and id, so a long run never holds the database)."""
    done = 0
    last: tuple[object, int] | None = None
    while True:
        query = select(Contribution).where(*where)
        if last is not None:
            created, last_id = last
            query = query.where(
                (col(Contribution.created_at) > created)
                | ((col(Contribution.created_at) == created) & (col(Contribution.id) > last_id))
            )
        batch = list(
            await session.exec(
                query.order_by(col(Contribution.created_at), col(Contribution.id)).limit(batch_size)
            )
        )
        if not batch:
            return done
        await triage_new(session, batch, rescoring=True)
        last = (batch[-1].created_at, batch[-1].id or 0)
        await session.commit()
        done += len(batch)
        if progress is not None:
            progress(done)


async def rescore_process(
    session: AsyncSession,
    process_id: int,
    *,
    batch_size: int = BATCH_SIZE,
    only_unscored: bool = False,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Score all of a process's contributions (or those without a score yet); returns how
    many were scored."""
    where = [col(Contribution.process_id) == process_id]
    if only_unscored:
        where.append(col(Contribution.spam_score).is_(None))
    return await _rescore(session, where, batch_size, progress)


async def rescore_waiting(session: AsyncSession, process_id: int) -> int:
    """Score the process's items in the queue again (the classifier changed)."""
    where = [
        col(Contribution.process_id) == process_id,
        col(Contribution.status) == ContributionStatus.PENDING,
    ]
    return await _rescore(session, where, BATCH_SIZE)
