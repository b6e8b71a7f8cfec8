"""The open-data ZIP of a process at volume: the process "volumen" of bench/volume.py
(published ideas with about 3 comments each, pending items, focus-group ideas, confirmed
action fields) given a licence, its package written as services/open_data writes it for the
first download. Timed once, then again under tracemalloc for the peak of Python memory while
writing; meanwhile a ticker on the event loop measures the longest stall (the database is
read on the loop, the CSV and the compression run in worker threads, so the other requests
of the app process go on).

Sizes are counted in contributions (ideas, comments and survey answers of the process,
published or not): about a quarter of them are ideas.

Usage: `python -m bench.open_data [--contributions 10000 100000] [--database-url URL]` (a
fresh SQLite file per size by default; an empty PostgreSQL database with --database-url, one
size at a time).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import io
import json
import statistics
import tempfile
import time
import tracemalloc
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlmodel import func, select

from bench.volume import VolumeSpec, fill_volume
from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.models import Contribution, DataLicence, Process
from participation.services import open_data
from participation.settings import Settings

SIZES = (10_000, 100_000)
TICK = 0.005  # seconds between the ticker's wake-ups


class Ticker:
    """The longest time the event loop did not come back to a task that sleeps TICK."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - TICK)
            last = now

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


async def measure(contributions: int, database_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        settings = replace(Settings.from_env(), var_dir=Path(tmp), database_url=url)
        await asyncio.to_thread(upgrade_database, url)  # it runs an event loop of its own
        engine = create_engine(settings)
        try:
            volume = await fill_volume(engine, VolumeSpec(ideas=max(1, contributions // 4)))
            sessionmaker = create_sessionmaker(engine)
            async with sessionmaker() as session:
                process = (
                    await session.exec(select(Process).where(Process.slug == volume.process_slug))
                ).one()
                process.data_licence = DataLicence.DL_DE_BY_2_0
                session.add(process)
                await session.commit()
                rows = (
                    await session.exec(
                        select(func.count()).where(Contribution.process_id == process.id)
                    )
                ).one()

            async def write(folder: str) -> open_data.PackageFile:
                async with sessionmaker() as session:
                    found = await session.get(Process, process.id)
                    assert found is not None
                    return await open_data.ensure_package(
                        session,
                        found,
                        Path(tmp) / folder,
                        publisher="Beteiligung",
                        process_url="http://127.0.0.1:8000/processes/volumen",
                    )

            # The fill's objects are the harness's, not an app process's: out of the garbage
            # collector's way, or its full collections (hundreds of ms) count as stalls.
            gc.collect()
            gc.freeze()
            started = time.perf_counter()
            with Ticker() as ticker:
                package = await write("first")
            seconds = time.perf_counter() - started
            tracemalloc.start()
            try:
                await write("second")
                _current, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            kept = []
            for _ in range(5):  # kept: the stamp is read, the file served as it is
                started = time.perf_counter()
                await write("first")
                kept.append((time.perf_counter() - started) * 1000)
            kept_ms = statistics.median(kept)
            with zipfile.ZipFile(package.path) as archive:
                files = {i.filename: i.file_size for i in archive.infolist()}
                with archive.open("contributions.csv") as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                    published = sum(1 for _row in csv.reader(text)) - 1
        finally:
            gc.unfreeze()
            await engine.dispose()
    return {
        "contributions": rows,
        "database": url.split(":", 1)[0],
        "seconds": round(seconds, 2),
        "zip_bytes": package.size,
        "uncompressed_bytes": sum(files.values()),
        "published_contributions": published,
        "peak_python_mib": round(peak / 2**20, 1),
        "longest_event_loop_stall_ms": round(ticker.longest * 1000, 1),
        "kept_file_median_ms": round(kept_ms, 1),
    }


async def measure_all(sizes: tuple[int, ...] = SIZES, database_url: str | None = None) -> Any:
    return [await measure(size, database_url) for size in sizes]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contributions", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    report = asyncio.run(measure_all(tuple(args.contributions), args.database_url))
    print(json.dumps(report, indent=2))
