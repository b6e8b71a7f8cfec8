"""Keeping the database fit for volume: `participation db recount` repairs the kept support
and comment counts, `participation db optimize` (and the app at start) gathers planner
statistics."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.cli import main as cli
from participation.db import create_engine
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    Process,
    Support,
)
from participation.services.maintenance import Recount, recount
from participation.services.processes import get_process
from participation.settings import Settings
from tests.helpers import SLUG, add_idea, add_process, in_db


async def _idea_with_counts(session: AsyncSession, process: Process) -> int:
    """An idea with 2 supports and 3 published comments, whose kept counts are then spoiled."""
    idea = await add_idea(session, process)
    assert idea.id is not None
    session.add_all(Support(contribution_id=idea.id, supporter_hash=f"h{n}") for n in range(2))
    await session.commit()
    for n in range(3):
        await add_idea(
            session,
            process,
            title="",
            body=f"Kommentar {n}",
            kind=ContributionKind.COMMENT,
            parent_id=idea.id,
        )
    conn = await session.connection()
    await conn.execute(
        text("UPDATE contribution SET support_count = 7, comment_count = 0 WHERE id = :id"),
        {"id": idea.id},
    )
    await conn.execute(text("UPDATE process SET published_idea_count = 5"))
    await session.commit()
    return idea.id


async def _counts(session: AsyncSession, idea_id: int) -> tuple[int, int, int]:
    row = await session.exec(
        select(Contribution.support_count, Contribution.comment_count, Process.published_idea_count)
        .join(Process)
        .where(Contribution.id == idea_id)
    )
    return row.one()


def test_recount_repairs_the_kept_counts(settings: Settings, process: Process) -> None:
    idea_id = in_db(settings, lambda s: _idea_with_counts(s, process))
    assert in_db(settings, lambda s: _counts(s, idea_id)) == (7, 0, 5)

    assert in_db(settings, recount) == Recount(supports=1, comments=1, processes=1)
    assert in_db(settings, lambda s: _counts(s, idea_id)) == (2, 3, 1)
    assert in_db(settings, recount) == Recount(supports=0, comments=0, processes=0)


def test_the_cli_recounts(
    settings: Settings, process: Process, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    idea_id = in_db(settings, lambda s: _idea_with_counts(s, process))
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)

    result = CliRunner().invoke(cli, ["db", "recount"])

    assert result.exit_code == 0, result.output
    assert result.output == (
        "Repaired 1 support counts, 1 comment counts and 1 counts of published ideas.\n"
    )
    assert in_db(settings, lambda s: _counts(s, idea_id)) == (2, 3, 1)


async def _statistics(settings: Settings, *, clear: bool = False) -> bool:
    """Whether the planner has statistics on the contribution table (SQLite: its rows in
    sqlite_stat1, which `clear` deletes first; PostgreSQL: the row estimate ANALYZE sets)."""
    engine = create_engine(settings)
    try:
        async with engine.begin() as conn:
            if conn.dialect.name != "sqlite":
                query = "SELECT reltuples > 0 FROM pg_class WHERE relname = 'contribution'"
                return bool((await conn.execute(text(query))).scalar_one())
            await conn.execute(text("ANALYZE sqlite_schema"))  # makes sqlite_stat1 exist
            if clear:
                await conn.execute(text("DELETE FROM sqlite_stat1"))
            query = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'contribution'"
            return bool((await conn.execute(text(query))).scalar_one())
    finally:
        await engine.dispose()


def test_the_cli_gathers_statistics(
    settings: Settings, process: Process, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_db(settings, lambda s: add_idea(s, process))
    if settings.is_sqlite:
        assert not asyncio.run(_statistics(settings, clear=True))
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)

    result = CliRunner().invoke(cli, ["db", "optimize"])

    assert result.exit_code == 0, result.output
    assert result.output == "Statistics are up to date.\n"
    assert asyncio.run(_statistics(settings))


async def _published_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.exec(select(Process.slug, Process.published_idea_count))
    return dict(rows.all())


def test_the_count_of_published_ideas_follows_every_change(
    settings: Settings, process: Process
) -> None:
    """Migration 0013's triggers: added, published, hidden, moved and deleted ideas move the
    process's count in the same transaction; comments and pending ideas do not count; and
    the overview reads the count of the row, also in a session that loaded the process
    before."""
    other = in_db(settings, lambda s: add_process(s, slug="zweiter-prozess"))

    async def steps(session: AsyncSession) -> list[dict[str, int]]:
        seen = []
        first = await add_idea(session, process)
        pending = await add_idea(session, process, status=ContributionStatus.PENDING)
        await add_idea(session, process, kind=ContributionKind.COMMENT, parent_id=first.id)
        seen.append(await _published_counts(session))
        assert (await get_process(session, SLUG)) is not None  # the session holds it now
        pending.status = ContributionStatus.PUBLISHED
        await session.commit()
        overview = await get_process(session, SLUG)
        assert overview is not None
        assert overview.published_ideas == 2
        seen.append(await _published_counts(session))
        first.status = ContributionStatus.HIDDEN
        await session.commit()
        seen.append(await _published_counts(session))
        pending.process_id = other.id or 0
        await session.commit()
        seen.append(await _published_counts(session))
        await session.delete(pending)
        await session.commit()
        seen.append(await _published_counts(session))
        return seen

    assert in_db(settings, steps) == [
        {SLUG: 1, "zweiter-prozess": 0},
        {SLUG: 2, "zweiter-prozess": 0},
        {SLUG: 1, "zweiter-prozess": 0},
        {SLUG: 0, "zweiter-prozess": 1},
        {SLUG: 0, "zweiter-prozess": 0},
    ]
    assert in_db(settings, recount) == Recount(supports=0, comments=0, processes=0)
