"""Processes, their phases and what the public may see of them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Phase,
    PhaseKind,
    Process,
    Theme,
    ThemeSource,
    utcnow,
)

T = TypeVar("T")


@dataclass(frozen=True)
class ProcessOverview:
    """A process with what every page about it needs to know about time."""

    process: Process
    phases: Sequence[Phase]
    current_phase: Phase | None
    deadline: datetime | None  # end of the idea call
    accepts_ideas: bool
    published_ideas: int


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def current_phase(phases: Sequence[Phase], now: datetime) -> Phase | None:
    for phase in phases:
        if phase.starts_at <= now < phase.ends_at:
            return phase
    return None


def idea_call_deadline(phases: Sequence[Phase]) -> datetime | None:
    ends = [p.ends_at for p in phases if p.kind is PhaseKind.IDEA_CALL]
    return max(ends) if ends else None


def accepts_ideas(phases: Sequence[Phase], now: datetime) -> bool:
    """Ideas are taken while an idea-call phase runs; the call closes at its deadline."""
    return any(p.kind is PhaseKind.IDEA_CALL and p.starts_at <= now < p.ends_at for p in phases)


async def _phases(session: AsyncSession, process_ids: Sequence[int]) -> dict[int, list[Phase]]:
    rows = await session.exec(
        select(Phase)
        .where(col(Phase.process_id).in_(process_ids))
        .order_by(col(Phase.position), col(Phase.starts_at))
    )
    by_process: dict[int, list[Phase]] = {pid: [] for pid in process_ids}
    for phase in rows:
        by_process[phase.process_id].append(phase)
    return by_process


async def _published_counts(session: AsyncSession, process_ids: Sequence[int]) -> dict[int, int]:
    rows = await session.exec(
        select(Contribution.process_id, func.count())
        .where(
            col(Contribution.process_id).in_(process_ids),
            Contribution.kind == ContributionKind.IDEA,
            Contribution.status == ContributionStatus.PUBLISHED,
        )
        .group_by(col(Contribution.process_id))
    )
    return dict(rows.all())


async def list_processes(session: AsyncSession) -> list[ProcessOverview]:
    processes = list(await session.exec(select(Process).order_by(col(Process.created_at).desc())))
    ids = [p.id for p in processes if p.id is not None]
    phases = await _phases(session, ids)
    counts = await _published_counts(session, ids)
    now = utcnow()
    return [
        _overview(p, phases.get(p.id or 0, []), counts.get(p.id or 0, 0), now) for p in processes
    ]


async def get_process(session: AsyncSession, slug: str) -> ProcessOverview | None:
    process = (await session.exec(select(Process).where(Process.slug == slug))).first()
    if process is None or process.id is None:
        return None
    phases = await _phases(session, [process.id])
    counts = await _published_counts(session, [process.id])
    return _overview(process, phases[process.id], counts.get(process.id, 0), utcnow())


def _overview(
    process: Process, phases: list[Phase], published: int, now: datetime
) -> ProcessOverview:
    return ProcessOverview(
        process=process,
        phases=phases,
        current_phase=current_phase(phases, now),
        deadline=idea_call_deadline(phases),
        accepts_ideas=accepts_ideas(phases, now),
        published_ideas=published,
    )


async def list_themes(session: AsyncSession, process_id: int) -> list[Theme]:
    rows = await session.exec(
        select(Theme).where(Theme.process_id == process_id).order_by(col(Theme.position))
    )
    return list(rows)


@dataclass(frozen=True)
class PublishedIdea:
    contribution: Contribution
    themes: Sequence[Theme]


async def published_ideas(
    session: AsyncSession, process_id: int, page: int, per_page: int
) -> Page[PublishedIdea]:
    """Published ideas, newest first, each with its confirmed themes."""
    where = (
        Contribution.process_id == process_id,
        Contribution.kind == ContributionKind.IDEA,
        Contribution.status == ContributionStatus.PUBLISHED,
    )
    total = (await session.exec(select(func.count()).select_from(Contribution).where(*where))).one()
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = list(
        await session.exec(
            select(Contribution)
            .where(*where)
            .order_by(col(Contribution.published_at).desc(), col(Contribution.id).desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    themes = await confirmed_themes(session, [c.id for c in rows if c.id is not None])
    items = [PublishedIdea(c, themes.get(c.id or 0, [])) for c in rows]
    return Page(items=items, page=page, pages=pages, total=total)


async def confirmed_themes(
    session: AsyncSession, contribution_ids: Sequence[int]
) -> dict[int, list[Theme]]:
    if not contribution_ids:
        return {}
    rows = await session.exec(
        select(ContributionTheme.contribution_id, Theme)
        .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
        .where(
            col(ContributionTheme.contribution_id).in_(contribution_ids),
            ContributionTheme.source == ThemeSource.CONFIRMED,
        )
        .order_by(col(Theme.position))
    )
    by_contribution: dict[int, list[Theme]] = {}
    for contribution_id, theme in rows:
        by_contribution.setdefault(contribution_id, []).append(theme)
    return by_contribution
