"""Duplicates at volume: how long the background job takes to find the pairs of a process of
10,000 ideas (about 10,500 with the pending ones), and how long the duplicates page and the
moderation queue (with its hint per item) take to build, with the plan of each statement.

The data: the volume data set (bench/volume.py), whose ideas are resampled from the shared
real corpora, so many read alike. The pairs are computed once, in process (the job's own
code, `services.duplicates.compute_pairs`); the pages are built 20 times each.

Usage: `python -m bench.duplicate_queue [--database-url URL] [--ideas 10000]`. Without a URL
it uses a temporary SQLite file; with one (PostgreSQL) it migrates that database and fills
it, so give it an empty database of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.moderation_queue import _plans, _recorded
from bench.volume import PROCESS_SLUG, VolumeSpec, fill_volume
from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.models import Process
from participation.services.duplicates import compute_pairs, pair_page
from participation.services.moderation_queue import QueueFilters, queue_page
from participation.settings import Settings

REPEATS: Final = 20
IDEAS: Final = 10_000


async def _timed_page(
    session: AsyncSession, build: Callable[[], Awaitable[Any]]
) -> tuple[Any, list[tuple[str, Any]], float]:
    with _recorded() as statements:
        page = await build()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        await build()
        times.append(time.perf_counter() - start)
    return page, statements, statistics.median(times)


async def measure(database_url: str | None, ideas: int = IDEAS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/duplicates.sqlite3"
        settings = replace(Settings.from_env(), var_dir=Path(tmp), database_url=url)
        await asyncio.to_thread(upgrade_database, url)
        engine = create_engine(settings)
        await fill_volume(engine, VolumeSpec(ideas=ideas))
        report: dict[str, Any] = {"database": engine.dialect.name, "ideas": ideas}
        async with create_sessionmaker(engine)() as session:
            process = (
                await session.exec(select(Process).where(Process.slug == PROCESS_SLUG))
            ).one()
            assert process.id is not None
            started = time.perf_counter()
            run = await compute_pairs(session, settings.var_dir, process.id)
            report["job"] = {
                "items": run.items,
                "pairs": run.pairs,
                "comparison_seconds": run.seconds,
                "total_seconds": round(time.perf_counter() - started, 2),
            }
            views: dict[str, Any] = {}
            builds: dict[str, Callable[[], Awaitable[Any]]] = {
                "duplicates page": lambda: pair_page(session, process_slug=PROCESS_SLUG),
                "duplicates page 50": lambda: pair_page(
                    session, process_slug=PROCESS_SLUG, page=50
                ),
                "duplicates, all processes": lambda: pair_page(session),
                "moderation queue": lambda: queue_page(session, QueueFilters()),
            }
            for name, build in builds.items():
                page, statements, median = await _timed_page(session, build)
                plans = await _plans(engine, statements)
                views[name] = {
                    "shown": len(page.pairs if hasattr(page, "pairs") else page.items),
                    "queries": len(statements),
                    "median_ms": round(median * 1000, 1),
                    "full_scans": sum(p["full"] for p in plans),
                    "plans": plans,
                }
        await engine.dispose()
    report["views"] = views
    return report


def print_table(report: dict[str, Any]) -> None:
    job = report["job"]
    print(
        f"Duplicates ({report['database']}, {report['ideas']} ideas): {job['items']} compared "
        f"in {job['comparison_seconds']} s ({job['total_seconds']} s with storing), "
        f"{job['pairs']} pairs"
    )
    for name, view in report["views"].items():
        print(
            f"  {name:<28}{view['queries']:>3} queries {view['median_ms']:>8.1f} ms"
            f"  full scans: {view['full_scans']}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--ideas", type=int, default=IDEAS)
    args = parser.parse_args()
    result = asyncio.run(measure(args.database_url, args.ideas))
    print_table(result)
    print(json.dumps(result, indent=2))
