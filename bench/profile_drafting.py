"""Starting a project profile from a cluster at volume: how long "Steckbrief aus diesem
Cluster anlegen" takes for a cluster of 300 contributions, draft summary included, on the
volume data set (bench/volume.py, 10,000 published ideas by default).

The cluster is built by the bench itself (one run, one cluster of the first 300 published
ideas of the volume's process, which are resampled from the shared corpora, so their
sentences are real participation text). Each repeat starts a new profile the way the route
does (services/profiles/drafting.from_cluster): reading the members, the common action
field, the summary in a worker thread, the profile with its revision and 300 sources.

Usage: `python -m bench.profile_drafting [--database-url URL] [--ideas 10000]
[--members 300]`. Without a URL it uses a temporary SQLite file; with one (PostgreSQL) give
it an empty database of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

from sqlmodel import col, select

from bench.volume import PROCESS_SLUG, VolumeSpec, fill_volume
from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.models import (
    Cluster,
    ClusterMember,
    ClusterRun,
    Contribution,
    ContributionKind,
    ContributionStatus,
    Process,
    Role,
    User,
)
from participation.services.profiles import drafting
from participation.settings import Settings

REPEATS: Final = 5
MEMBERS: Final = 300


async def _cluster(session: Any, members: int) -> tuple[int, User]:
    process = (await session.exec(select(Process).where(Process.slug == PROCESS_SLUG))).one()
    ids = (
        await session.exec(
            select(Contribution.id)
            .where(
                Contribution.process_id == process.id,
                Contribution.kind == ContributionKind.IDEA,
                Contribution.status == ContributionStatus.PUBLISHED,
            )
            .order_by(col(Contribution.id))
            .limit(members)
        )
    ).all()
    run = ClusterRun(process_id=process.id, items=len(ids), k=1, silhouette=0.0)
    session.add(run)
    await session.flush()
    assert run.id is not None
    cluster = Cluster(run_id=run.id, position=0, name="bench · cluster", size=len(ids))
    session.add(cluster)
    await session.flush()
    assert cluster.id is not None
    for contribution_id in ids:
        session.add(
            ClusterMember(
                run_id=run.id, contribution_id=contribution_id, cluster_id=cluster.id, x=0, y=0
            )
        )
    # No password: this account never signs in.
    actor = User(email="bench-drafting@example.org", password_hash="-", role=Role.MODERATOR)  # noqa: S106
    session.add(actor)
    await session.commit()
    return cluster.id, actor


async def measure(database_url: str | None, ideas: int, members: int = MEMBERS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/drafting.sqlite3"
        settings = replace(Settings.from_env(), var_dir=Path(tmp), database_url=url)
        await asyncio.to_thread(upgrade_database, url)
        engine = create_engine(settings)
        await fill_volume(engine, VolumeSpec(ideas=ideas))
        times, summary_times, sentences, sources = [], [], 0, 0
        async with create_sessionmaker(engine)() as session:
            cluster_id, actor = await _cluster(session, members)
            member_ids = (
                await session.exec(
                    select(ClusterMember.contribution_id).where(
                        ClusterMember.cluster_id == cluster_id
                    )
                )
            ).all()
            for _ in range(REPEATS):
                start = time.perf_counter()
                await drafting.draft_summary(session, member_ids)
                summary_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                profile = await drafting.from_cluster(session, cluster_id, actor)
                times.append(time.perf_counter() - start)
                sentences = len(profile.draft_summary or [])
                sources = profile.source_count
        await engine.dispose()
    return {
        "database": engine.dialect.name,
        "ideas": ideas,
        "members": members,
        "sources_linked": sources,
        "summary_sentences": sentences,
        "profile_from_cluster_median_ms": round(statistics.median(times) * 1000, 1),
        "draft_summary_alone_median_ms": round(statistics.median(summary_times) * 1000, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=MEMBERS)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.database_url, args.ideas, args.members)), indent=2))
