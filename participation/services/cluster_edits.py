"""A moderator's hand on the groups of the analysis page: renaming a group, moving chosen
contributions to another group or out of all groups, merging two groups.

Edits apply to a process's newest run and are marked on it (`ClusterRun.edited_at`), so that
computing the groups again, which would discard them, is only started when asked to
(participation/routes/analysis.py). Group numbers stay as they are: a merged group's number
is simply no longer used, so links to the others keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import Cluster, ClusterMember, ClusterRun, User, utcnow
from participation.services.clusters import latest_run
from participation.services.errors import NotFound, ValidationFailed

NAME_MAX: Final = 200


async def _group(db: AsyncSession, process_id: int, number: int) -> tuple[ClusterRun, Cluster]:
    run = await latest_run(db, process_id)
    if run is None or run.id is None:
        raise NotFound(_("There are no groups yet."))
    cluster = (
        await db.exec(
            select(Cluster).where(Cluster.run_id == run.id, Cluster.position == number - 1)
        )
    ).first()
    if cluster is None:
        raise NotFound(_("This group no longer exists; the groups were computed again."))
    return run, cluster


async def _mark_edited(db: AsyncSession, run: ClusterRun, actor: User) -> None:
    run.edited_at = utcnow()
    run.edited_by_id = actor.id
    db.add(run)


async def _resize(db: AsyncSession, cluster_ids: Sequence[int]) -> None:
    """Each cluster's size from its members, and typical ideas that left it dropped."""
    for cluster_id in cluster_ids:
        members = set(
            (
                await db.exec(
                    select(ClusterMember.contribution_id).where(
                        ClusterMember.cluster_id == cluster_id
                    )
                )
            ).all()
        )
        cluster = await db.get(Cluster, cluster_id)
        if cluster is None:
            continue
        cluster.size = len(members)
        cluster.representative_ids = [i for i in cluster.representative_ids if i in members]
        db.add(cluster)


async def rename(db: AsyncSession, process_id: int, number: int, name: str, actor: User) -> Cluster:
    text = " ".join(name.split())
    if not text:
        raise ValidationFailed({"name": _("Please give the group a name.")})
    if len(text) > NAME_MAX:
        raise ValidationFailed({"name": _("At most %(n)d characters, please.") % {"n": NAME_MAX}})
    run, cluster = await _group(db, process_id, number)
    cluster.name = text
    db.add(cluster)
    await _mark_edited(db, run, actor)
    await db.commit()
    return cluster


async def move(
    db: AsyncSession,
    process_id: int,
    number: int,
    contribution_ids: Sequence[int],
    to_number: int | None,
    actor: User,
) -> int:
    """Move chosen members of group `number` to group `to_number`, or out of every group
    (None); how many moved. Ids not in the group are left alone."""
    run, cluster = await _group(db, process_id, number)
    target: Cluster | None = None
    if to_number is not None:
        if to_number == number:
            return 0
        _run, target = await _group(db, process_id, to_number)
    chosen = (
        col(ClusterMember.run_id) == run.id,
        col(ClusterMember.cluster_id) == cluster.id,
        col(ClusterMember.contribution_id).in_(sorted(set(contribution_ids))),
    )
    if target is None:
        result = await db.exec(sa.delete(ClusterMember).where(*chosen))
    else:
        result = await db.exec(sa.update(ClusterMember).where(*chosen).values(cluster_id=target.id))
    moved: int = result.rowcount
    if moved:
        await _resize(db, [c.id for c in (cluster, target) if c is not None and c.id is not None])
        await _mark_edited(db, run, actor)
    await db.commit()
    return moved


async def merge(
    db: AsyncSession, process_id: int, number: int, into_number: int, actor: User
) -> Cluster:
    """Put every member of group `number` into group `into_number`; the first group goes."""
    if number == into_number:
        raise ValidationFailed({"into": _("Please choose another group.")})
    run, cluster = await _group(db, process_id, number)
    _run, target = await _group(db, process_id, into_number)
    assert target.id is not None
    await db.exec(
        sa.update(ClusterMember)
        .where(col(ClusterMember.cluster_id) == cluster.id)
        .values(cluster_id=target.id)
    )
    target.top_terms = list(dict.fromkeys([*target.top_terms, *cluster.top_terms]))
    target.representative_ids = [*target.representative_ids, *cluster.representative_ids][:5]
    db.add(target)
    await db.delete(cluster)
    await _resize(db, [target.id])
    await _mark_edited(db, run, actor)
    await db.commit()
    return target


async def group_numbers(db: AsyncSession, run_id: int) -> list[tuple[int, str, int]]:
    """The run's groups as (number, name, size), for "move to …" and "merge into …"."""
    rows = await db.exec(
        select(Cluster.position, Cluster.name, Cluster.size)
        .where(Cluster.run_id == run_id)
        .order_by(col(Cluster.position))
    )
    return [(position + 1, name, size) for position, name, size in rows.all()]
