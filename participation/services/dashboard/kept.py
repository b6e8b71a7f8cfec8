"""The dashboard's figures kept between requests, so that a page does not count all of a
process's contributions each time it is opened (at 100,000 that takes a quarter second).

A kept page is used while two things hold:
- its stamp is unchanged: the newest contribution, moderation event (decisions and action
  fields), survey response and invitation, the process's published ideas and its known
  population. A new idea or decision is counted on the next view.
- it is younger than MAX_AGE: what the stamp does not see (a response sent after it was
  started, an invitation used, an edit, an erasure) shows within that time.
The page says when its figures were counted. One request counts a process at a time; the
others waiting for the same figures take the result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import current_locale
from participation.lru import LRUCache
from participation.models import (
    Contribution,
    KnownPopulation,
    ModerationEvent,
    Process,
    SurveyInvitation,
    SurveyResponse,
    utcnow,
)

MAX_AGE: Final = timedelta(minutes=1)
# A page's figures hold a few hundred short rows at most: counted as one unit each, so the
# cache keeps the pages of this many processes × languages.
MAX_PAGES: Final = 64


@dataclass(frozen=True)
class KeptFigures:
    figures: dict[str, Any]  # by key, as services/dashboard.figures builds them
    counted_at: datetime  # UTC


class FigureCache:
    """The pages' figures per process, language and time zone, with one lock per such key."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self._kept: LRUCache[KeptFigures] = LRUCache(lambda _kept: 1, max_entries=max_pages)
        self._locks: dict[Hashable, asyncio.Lock] = {}

    async def figures(
        self,
        session: AsyncSession,
        process: Process,
        time_zone: str,
        build: Callable[[], Awaitable[dict[str, Any]]],
        now: Callable[[], datetime] = utcnow,
    ) -> KeptFigures:
        """The kept figures of `process`, or those `build()` (awaited) counts now."""
        page = (process.id, time_zone, current_locale.get())
        lock = self._locks.setdefault(page, asyncio.Lock())
        async with lock:
            key = (page, await figure_stamp(session, process))
            kept = self._kept.get(key)
            if kept is not None and now() - kept.counted_at < MAX_AGE:
                return kept
            kept = KeptFigures(await build(), now())
            self._kept.put(key, kept)
            return kept


async def figure_stamp(session: AsyncSession, process: Process) -> tuple[Any, ...]:
    """What the figures depend on that changes often, read in one statement along primary
    keys and the process's own rows: no contribution of the process is read."""
    pid = process.id
    parts = (
        sa.select(sa.func.max(Contribution.id)),
        sa.select(sa.func.max(ModerationEvent.id)),
        sa.select(sa.func.max(SurveyResponse.id)),
        sa.select(sa.func.max(SurveyInvitation.id)),
        sa.select(sa.func.max(KnownPopulation.id)).where(col(KnownPopulation.process_id) == pid),
        sa.select(sa.func.count()).where(col(KnownPopulation.process_id) == pid),
    )
    statement: Any = sa.select(*(part.scalar_subquery() for part in parts))
    row = (await session.exec(statement)).one()
    return (process.published_idea_count, process.updated_at, *row)
