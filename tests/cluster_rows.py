"""A stored clustering run for tests: named groups of given contributions, as the analysis
page shows them after a run."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Cluster, ClusterMember, ClusterRun, Contribution, Process


async def add_run(
    session: AsyncSession, process: Process, groups: Sequence[tuple[str, Sequence[Contribution]]]
) -> list[Cluster]:
    """A run of the process with one cluster per (name, members), numbered in that order;
    each cluster's first two members are its typical ones."""
    run = ClusterRun(
        process_id=process.id or 0,
        items=sum(len(members) for _name, members in groups),
        k=len(groups),
        silhouette=0.1,
    )
    session.add(run)
    await session.flush()
    clusters = []
    for position, (name, members) in enumerate(groups):
        cluster = Cluster(
            run_id=run.id or 0,
            position=position,
            name=name,
            top_terms=name.split(" · "),
            size=len(members),
            representative_ids=[m.id or 0 for m in members[:2]],
        )
        session.add(cluster)
        await session.flush()
        session.add_all(
            ClusterMember(
                run_id=run.id or 0,
                contribution_id=member.id or 0,
                cluster_id=cluster.id or 0,
                x=float(index),
                y=float(position),
            )
            for index, member in enumerate(members)
        )
        clusters.append(cluster)
    await session.commit()
    return clusters
