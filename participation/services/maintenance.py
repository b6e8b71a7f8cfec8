"""Keeping the database fit for volume: planner statistics, and repairing the kept counts.

The query planner picks indexes by its statistics; without them SQLite may search a large
table by a low-selectivity index (tests/test_query_plans.py checks the plans). PostgreSQL's
autovacuum keeps its statistics; SQLite gathers them only when asked, so the app asks at
start and after an import (`participation db optimize` does it by hand).

The support and comment counts on contributions (migration 0011) and each process's count
of published ideas (0013) are kept by triggers; `participation db recount` repairs them
should they ever drift (a restore of a partial dump, a trigger dropped by hand).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

# Rows ANALYZE samples per index on SQLite: a few milliseconds at 100,000 contributions
# (a full ANALYZE takes 0.5 s there) and statistics good enough to choose between indexes.
SQLITE_ANALYSIS_LIMIT: Final = 1000

# Each count set to what is stored, where it differs (the triggers of migration 0011 keep it).
_REPAIRS: Final = (
    """
    UPDATE contribution SET support_count = (
        SELECT count(*) FROM support WHERE support.contribution_id = contribution.id
    )
    WHERE support_count <> (
        SELECT count(*) FROM support WHERE support.contribution_id = contribution.id
    )
    """,
    """
    UPDATE contribution SET comment_count = (
        SELECT count(*) FROM contribution AS comment WHERE comment.parent_id = contribution.id
        AND comment.kind = 'comment' AND comment.status = 'published'
    )
    WHERE comment_count <> (
        SELECT count(*) FROM contribution AS comment WHERE comment.parent_id = contribution.id
        AND comment.kind = 'comment' AND comment.status = 'published'
    )
    """,
    """
    UPDATE process SET published_idea_count = (
        SELECT count(*) FROM contribution WHERE contribution.process_id = process.id
        AND contribution.kind = 'idea' AND contribution.status = 'published'
    )
    WHERE published_idea_count <> (
        SELECT count(*) FROM contribution WHERE contribution.process_id = process.id
        AND contribution.kind = 'idea' AND contribution.status = 'published'
    )
    """,
)


async def optimize(engine: AsyncEngine) -> None:
    """Fresh planner statistics: SQLite samples its tables (ANALYZE with a limit), then
    `PRAGMA optimize`; PostgreSQL runs ANALYZE."""
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await _optimize(autocommit)


async def _optimize(conn: AsyncConnection) -> None:
    if conn.dialect.name == "sqlite":
        await conn.execute(text(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}"))
        await conn.execute(text("ANALYZE"))
        await conn.execute(text("PRAGMA optimize"))
    else:
        await conn.execute(text("ANALYZE"))


@dataclass(frozen=True)
class Recount:
    supports: int  # contributions whose support count was wrong
    comments: int  # ideas whose comment count was wrong
    processes: int = 0  # processes whose count of published ideas was wrong


async def recount(session: AsyncSession) -> Recount:
    """Set every contribution's support and comment count and every process's count of
    published ideas to what is stored; the numbers of counts that were wrong (all 0 when the
    triggers kept them)."""
    conn = await session.connection()
    fixed = [(await conn.execute(text(repair))).rowcount for repair in _REPAIRS]
    await session.commit()
    return Recount(supports=fixed[0], comments=fixed[1], processes=fixed[2])


async def after_bulk_load(session: AsyncSession) -> None:
    """After many rows came at once (an import): fresh statistics on SQLite, whose planner
    would otherwise plan for the table as it was (PostgreSQL's autovacuum sees the change)."""
    if session.get_bind().dialect.name == "sqlite":
        await _optimize(await session.connection())
        await session.commit()
