"""The moderation queue at volume: the query plan of every statement a queue page runs, and
how long building a page takes, on a database with many waiting items.

The data: 100,000 contributions in three processes, of which 6,000 wait for review (ideas,
comments and survey answers) and 300 wait for their authors; the rest are published. Every
filter combination the page offers is planned (SQLite: EXPLAIN QUERY PLAN; PostgreSQL:
EXPLAIN), and a plan that reads the contribution table without an index is reported.

Usage: `python -m bench.moderation_queue [--database-url URL] [--total 100000]
[--pending 6000]`. Without a URL it uses a temporary SQLite file; with one (PostgreSQL) it
migrates that database and fills it, so give it an empty database of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import event, insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Process,
    Segment,
    Theme,
    utcnow,
)
from participation.services.moderation_queue import QueueFilters, queue_page
from participation.settings import Settings

PROCESSES: Final = ("radwege", "digitalstrategie", "schulwege")
# A plan line that reads the whole contribution table (not contribution_theme &c.).
_FULL_SCAN: Final = re.compile(r"^(SCAN contribution|.*Seq Scan on contribution)(?!_)\b")
CHUNK: Final = 2000
REPEATS: Final = 20
# Each of these is one page the queue offers: its filters as the address has them.
VIEWS: Final = {
    "all pending": {},
    "one process": {"process": "digitalstrategie"},
    "one kind": {"kind": "survey_answer"},
    "process and kind": {"process": "radwege", "kind": "comment"},
    "most informative first": {"order": "informative"},
    "last page": {"page": "240"},
    "waiting for the author": {"state": "awaiting_changes"},
}


async def _fill(engine: AsyncEngine, total: int, pending: int, awaiting: int) -> None:
    rng = random.Random(0)  # noqa: S311 - test data, not secrets
    now = utcnow()
    async with create_sessionmaker(engine)() as session:
        processes = [Process(slug=slug, title=slug.title()) for slug in PROCESSES]
        session.add_all(processes)
        await session.flush()
        for process in processes:
            assert process.id is not None
            session.add_all(
                Theme(process_id=process.id, slug=f"t{i}", name=f"Feld {i}", position=i)
                for i in range(8)
            )
        await session.commit()
        ids = [p.id for p in processes]
    statuses = (
        [ContributionStatus.PENDING] * pending
        + [ContributionStatus.AWAITING_CHANGES] * awaiting
        + [ContributionStatus.PUBLISHED] * (total - pending - awaiting)
    )
    rng.shuffle(statuses)
    kinds = [ContributionKind.IDEA] * 7 + [ContributionKind.COMMENT] * 2
    kinds += [ContributionKind.SURVEY_ANSWER]
    rows: list[dict[str, Any]] = []
    for n, status in enumerate(statuses):
        kind = rng.choice(kinds)
        rows.append(
            {
                "process_id": rng.choice(ids),
                "kind": kind.value,
                "title": f"Beitrag {n}" if kind is ContributionKind.IDEA else "",
                "body": f"Text des Beitrags {n} über Radwege, Busse und Glasfaser.",
                "segment": Segment.RESIDENT.value,
                "channel": (
                    Channel.SURVEY if kind is ContributionKind.SURVEY_ANSWER else Channel.IDEA_CALL
                ).value,
                "status": status.value,
                "version": 0,
                "answer": "",
                "theme_uncertainty": rng.random() if rng.random() < 0.8 else None,
                "created_at": now - timedelta(minutes=total - n),
            }
        )
    async with engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            await conn.execute(insert(Contribution), rows[start : start + CHUNK])
        # Two suggested themes on every waiting item, as the tagger leaves them.
        waiting = await conn.execute(
            text("SELECT id, process_id FROM contribution WHERE status <> 'published'")
        )
        themes = {
            process_id: [
                theme_id
                for (theme_id,) in await conn.execute(
                    text("SELECT id FROM theme WHERE process_id = :p"), {"p": process_id}
                )
            ]
            for process_id in ids
        }
        suggestions = [
            {"contribution_id": cid, "theme_id": theme_id, "source": "suggested", "score": 0.5}
            for cid, process_id in waiting.all()
            for theme_id in rng.sample(themes[process_id], 2)
        ]
        for start in range(0, len(suggestions), CHUNK):
            await conn.execute(insert(ContributionTheme), suggestions[start : start + CHUNK])
    # Fresh statistics (and on PostgreSQL the visibility map that index-only scans need),
    # as autovacuum would leave them.
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(
            text("ANALYZE" if engine.dialect.name == "sqlite" else "VACUUM ANALYZE")
        )


@contextmanager
def _recorded() -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def _plans(engine: AsyncEngine, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    sqlite = engine.dialect.name == "sqlite"
    plans = []
    async with engine.connect() as conn:
        for statement, parameters in statements:
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            rows = (await conn.exec_driver_sql(prefix + statement, parameters)).all()
            lines = [str(row[-1]) for row in rows]
            full_scan = any(_FULL_SCAN.search(line) for line in lines)
            plans.append(
                {"sql": " ".join(statement.split())[:160], "plan": lines, "full": full_scan}
            )
    return plans


async def measure(database_url: str | None, total: int, pending: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/queue.sqlite3"
        settings = replace(Settings.from_env(), var_dir=Path(tmp), database_url=url)
        await asyncio.to_thread(upgrade_database, url)
        engine = create_engine(settings)
        await _fill(engine, total, pending, awaiting=300)
        report: dict[str, Any] = {"database": engine.dialect.name, "total": total}
        views: dict[str, Any] = {}
        for name, params in VIEWS.items():
            filters = QueueFilters.from_params(params)
            async with create_sessionmaker(engine)() as session:
                with _recorded() as statements:
                    page = await queue_page(session, filters)
                times = []
                for _ in range(REPEATS):
                    start = time.perf_counter()
                    await queue_page(session, filters)
                    times.append(time.perf_counter() - start)
            plans = await _plans(engine, statements)
            views[name] = {
                "items": len(page.items),
                "total": page.total,
                "queries": len(statements),
                "median_ms": round(statistics.median(times) * 1000, 1),
                "full_scans": sum(p["full"] for p in plans),
                "plans": plans,
            }
        await engine.dispose()
    report["views"] = views
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--pending", type=int, default=6_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.database_url, args.total, args.pending)), indent=2))
