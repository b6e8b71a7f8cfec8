"""The moderation queue at volume: the query plan of every statement a queue page runs, and
how long building a page takes, on a database with many waiting items.

The data: the volume data set (bench/volume.py) with 100,000 published ideas, their
comments and supports, a survey and 5% of the ideas' number waiting for review (ideas,
comments and survey answers, some of them waiting for their authors). Every filter
combination the page offers is planned (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN),
and a plan that reads the contribution table without an index is reported.

Usage: `python -m bench.moderation_queue [--database-url URL] [--ideas 100000]`. Without a
URL it uses a temporary SQLite file; with one (PostgreSQL) it migrates that database and
fills it, so give it an empty database of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.volume import PROCESS_SLUG, VolumeSpec, fill_volume
from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.services.moderation_queue import QueueFilters, queue_page
from participation.settings import Settings

# A plan line that reads the whole contribution table (not contribution_theme &c.).
_FULL_SCAN: Final = re.compile(r"^(SCAN contribution|.*Seq Scan on contribution)(?!_)\b")
REPEATS: Final = 20
# Each of these is one page the queue offers: its filters as the address has them.
VIEWS: Final = {
    "all pending": {},
    "one process": {"process": PROCESS_SLUG},
    "one kind": {"kind": "survey_answer"},
    "process and kind": {"process": PROCESS_SLUG, "kind": "comment"},
    "most informative first": {"order": "informative"},
    "last page": {"page": "190"},
    "waiting for the author": {"state": "awaiting_changes"},
}


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


async def measure(database_url: str | None, ideas: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/queue.sqlite3"
        settings = replace(Settings.from_env(), var_dir=Path(tmp), database_url=url)
        await asyncio.to_thread(upgrade_database, url)
        engine = create_engine(settings)
        volume = await fill_volume(engine, VolumeSpec(ideas=ideas))
        report: dict[str, Any] = {
            "database": engine.dialect.name,
            "ideas": ideas,
            "pending": volume.pending,
        }
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
    parser.add_argument("--ideas", type=int, default=100_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.database_url, args.ideas)), indent=2))
