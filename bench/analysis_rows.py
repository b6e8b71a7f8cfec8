"""Groups and duplicate pairs in a filled volume database, for the load benchmark's staff pages
(the analysis page with its map, a group page, the duplicates page): the clustering and the
duplicates job's own code, run once per database and kept, since both take a while at
10,000 contributions.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import replace
from pathlib import Path

from sqlmodel import col, func, select

from participation.db import create_engine, create_sessionmaker
from participation.models import ClusterRun, DuplicatePair, Process
from participation.services.clusters import run_clustering
from participation.services.duplicates import compute_pairs
from participation.settings import Settings


def ensure_groups_and_pairs(database_url: str, slug: str, var_dir: Path) -> None:
    """Cluster the process `slug` and find its duplicate pairs unless that was done before.
    A blocking call for scripts; `var_dir` holds the text analysis's files."""

    async def run() -> None:
        engine = create_engine(replace(Settings.from_env(), database_url=database_url))
        try:
            async with create_sessionmaker(engine)() as session:
                process = (await session.exec(select(Process).where(Process.slug == slug))).one()
                assert process.id is not None
                runs = select(func.count()).where(col(ClusterRun.process_id) == process.id)
                if not (await session.exec(runs)).one():
                    started = time.perf_counter()
                    await run_clustering(session, var_dir, process.id)
                    print(f"grouped in {time.perf_counter() - started:.0f} s", file=sys.stderr)
                pairs = select(func.count()).where(col(DuplicatePair.process_id) == process.id)
                if not (await session.exec(pairs)).one():
                    started = time.perf_counter()
                    await compute_pairs(session, var_dir, process.id)
                    print(f"paired in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        finally:
            await engine.dispose()

    asyncio.run(run())
