"""The export of every contribution of a process at volume: the process "volumen" of
bench/volume.py (N published ideas with about 3 comments each, pending items and focus-group
ideas), written as CSV (streamed) and as XLSX, as services/contribution_export.py writes them
for the download. Timed once each, then again under tracemalloc for the peak of Python memory
while writing (the CSV is consumed as it is streamed, as a client would).

Usage: `python -m bench.contribution_export [--ideas 10000] [--database-url URL]` (a fresh
SQLite file by default; an empty PostgreSQL database with --database-url).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlmodel import func, select

from bench.volume import VolumeSpec, fill_volume
from participation.db import SessionMaker, create_engine, create_sessionmaker, upgrade_database
from participation.models import Contribution, Process
from participation.services import contribution_export
from participation.settings import Settings

TIME_ZONE = "Europe/Berlin"


async def _csv(sessionmaker: SessionMaker, process_id: int) -> int:
    size = 0
    async for chunk in contribution_export.csv_stream(sessionmaker, process_id, TIME_ZONE):
        size += len(chunk)
    return size


async def _xlsx(sessionmaker: SessionMaker, process_id: int) -> int:
    async with sessionmaker() as session:
        pages = contribution_export.export_pages(session, process_id, TIME_ZONE)
        return len(await contribution_export.write_xlsx(pages))


async def _measured(write: Callable[[], Awaitable[int]]) -> dict[str, Any]:
    started = time.perf_counter()
    size = await write()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        await write()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"seconds": round(seconds, 2), "bytes": size, "peak_python_mib": round(peak / 2**20, 1)}


async def measure(ideas: int, database_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        settings = replace(Settings.from_env(), var_dir=Path(tmp), database_url=url)
        await asyncio.to_thread(upgrade_database, url)  # it runs an event loop of its own
        engine = create_engine(settings)
        try:
            volume = await fill_volume(engine, VolumeSpec(ideas=ideas))
            sessionmaker = create_sessionmaker(engine)
            async with sessionmaker() as session:
                process = (
                    await session.exec(select(Process).where(Process.slug == volume.process_slug))
                ).one()
                assert process.id is not None
                process_id = process.id
                rows = (
                    await session.exec(
                        select(func.count()).where(Contribution.process_id == process_id)
                    )
                ).one()
            csv = await _measured(lambda: _csv(sessionmaker, process_id))
            xlsx = await _measured(lambda: _xlsx(sessionmaker, process_id))
        finally:
            await engine.dispose()
    return {
        "ideas": ideas,
        "rows": rows,
        "database": url.split(":", 1)[0],
        "csv": {**csv, "rows_per_second": round(rows / max(csv["seconds"], 0.001))},
        "xlsx": {**xlsx, "rows_per_second": round(rows / max(xlsx["seconds"], 0.001))},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.ideas, args.database_url)), indent=2))
