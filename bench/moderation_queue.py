"""The moderation queue at volume: the query plan of every statement a queue page runs, how
long building a page takes, and (with `--seconds`) the page over real HTTP under load, on a
database with 5,000 waiting items.

The data: the volume data set (bench/volume.py) with 100,000 published ideas, their
comments and supports, a survey and 5% of the ideas' number waiting for review (ideas,
comments and survey answers, some of them waiting for their authors). Every filter
combination the page offers is planned (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN),
and a plan that reads the contribution table without an index is reported.

Over HTTP (SQLite only): `participation serve --workers 2` on the filled database, signed in
as the volume's moderator, loaded by Debian's `wrk` (-t2 -c64) for `--seconds` per view,
beside a bare Litestar app's ceiling in the same run (bench/load.py's servers); each row is
requests/s, p50/p99 and the share of the ceiling.

Usage: `python -m bench.moderation_queue [--database-url URL] [--ideas 100000]
[--pending-share 0.05] [--seconds 10]`. Without a URL it uses a temporary SQLite file; with
one (PostgreSQL) it migrates that database and fills it, so give it an empty database of
its own. 100,000 ideas at 5% (the default) or 20,000 at 25% both make 5,000 waiting items.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import load
from bench.volume import MODERATOR, PROCESS_SLUG, VolumeSpec, fill_volume
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
    "channel, group and age": {"channel": "idea_call", "segment": "resident", "age": "2"},
    "reported or duplicate": {"reported": "1", "duplicate": "1"},
    "action field suggested": {"suggested": "{theme}"},
    "action field confirmed, unassigned": {"theme": "{theme}", "assigned": "none"},
}
# The views loaded over HTTP: the queue as it opens, and narrowed by several facets.
HTTP_VIEWS: Final = ("all pending", "channel, group and age", "action field suggested")


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


async def _first_theme(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        found = await conn.exec_driver_sql("SELECT min(id) FROM theme")
        return int(found.scalar_one() or 0)


def _params(params: dict[str, str], theme: int) -> dict[str, str]:
    return {name: value.replace("{theme}", str(theme)) for name, value in params.items()}


async def measure(
    database_url: str | None,
    ideas: int,
    *,
    pending_share: float = 0.05,
    seconds: float = 0.0,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/queue.sqlite3"
        settings = replace(Settings.from_env(), var_dir=Path(tmp), database_url=url)
        await asyncio.to_thread(upgrade_database, url)
        engine = create_engine(settings)
        volume = await fill_volume(engine, VolumeSpec(ideas=ideas, pending_share=pending_share))
        theme = await _first_theme(engine)
        report: dict[str, Any] = {
            "database": engine.dialect.name,
            "ideas": ideas,
            "pending": volume.pending,
        }
        views: dict[str, Any] = {}
        for name, params in VIEWS.items():
            filters = QueueFilters.from_params(_params(params, theme))
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
        if seconds and engine.dialect.name == "sqlite":
            report["http"] = await asyncio.to_thread(_over_http, url, Path(tmp), theme, seconds)
    return report


def _over_http(url: str, var_dir: Path, theme: int, seconds: float) -> dict[str, Any]:
    """The queue's views under wrk's load, signed in as the moderator, beside the ceiling."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: `make bench` installs it (apt-get install wrk)")
    result: dict[str, Any] = {"views": {}}
    with (
        load.serving(load.hello_command(), dict(os.environ), "/", var_dir / "hello.log") as hello,
        load.serving(
            load.app_command(), load.app_env(url, var_dir), "/healthz", var_dir / "app.log"
        ) as base,
    ):
        moderator = load.browser(base, (MODERATOR.email, MODERATOR.password))
        ceiling = load.parse_wrk(load.wrk(hello + "/", seconds).communicate()[0])
        rate = ceiling["requests_per_second"]
        result["ceiling"] = ceiling
        print(f"\nhello-world ceiling {rate:,.0f} req/s", file=sys.stderr)
        print(load.HEADER, file=sys.stderr)
        for name in HTTP_VIEWS:
            query = urlencode(_params(VIEWS[name], theme))
            path = "/moderation" + (f"?{query}" if query else "")
            measured = load.measure_one(
                base, load.Scenario(name, path, signed_in=True), moderator, seconds
            )
            measured["share_of_ceiling"] = round(
                measured["requests_per_second"] / rate if rate else 0.0, 4
            )
            result["views"][name] = measured
            print(load.row(name, measured, rate), file=sys.stderr, flush=True)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--pending-share", type=float, default=0.05)
    parser.add_argument("--seconds", type=float, default=0.0, help="over HTTP: per view")
    args = parser.parse_args()
    measured = asyncio.run(
        measure(
            args.database_url, args.ideas, pending_share=args.pending_share, seconds=args.seconds
        )
    )
    print(json.dumps(measured, indent=2))
