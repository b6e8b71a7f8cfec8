"""A moderator's hand on the groups of the analysis page: renaming a group, moving chosen
contributions to another group or out of all groups, merging two groups, splitting one
(its members grouped anew among themselves).

Edits apply to a process's newest run and are marked on it (`ClusterRun.edited_at`), so that
computing the groups again, which would discard them, is only started when asked to
(participation/routes/analysis.py). Group numbers stay as they are: a merged group's number
is simply no longer used, so links to the others keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Final

import anyio.to_thread
import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp import clustering
from nlp.text import join_fields
from participation.i18n import _
from participation.models import Cluster, ClusterMember, ClusterRun, Contribution, User, utcnow
from participation.services.clusters import (
    INSERT_CHUNK,
    MAX_BODY_CHARS,
    cluster_texts,
    latest_run,
)
from participation.services.errors import NotFound, ValidationFailed
from participation.services.themes import analysed_title

NAME_MAX: Final = 200
SPLIT_MAX: Final = 10  # parts one split may make: more is a new run, not a split


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
    """Mark the run as changed by hand; its number of groups follows merges and splits."""
    await db.flush()
    run.k = (
        await db.exec(select(func.count()).select_from(Cluster).where(Cluster.run_id == run.id))
    ).one()
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


async def split(
    db: AsyncSession,
    var_dir: Path,
    process_id: int,
    number: int,
    parts: int,
    actor: User,
) -> list[int]:
    """Group the members of group `number` anew among themselves into `parts` groups: the
    largest part keeps the number, the others get new numbers after the last one. The
    members keep their places on the map. Returns the numbers of the parts, largest first.

    The analysis runs in a worker thread within the request: a group is a share of a
    process's contributions, seconds of work at most."""
    run, cluster = await _group(db, process_id, number)
    assert cluster.id is not None
    if not 2 <= parts <= SPLIT_MAX:
        message = _("Please choose from %(min)d to %(max)d parts.") % {"min": 2, "max": SPLIT_MAX}
        raise ValidationFailed({"parts": message})
    ids, texts = await _member_texts(db, cluster.id)
    if len(ids) < max(clustering.MIN_DOCS, parts + 1):
        message = _("A group of %(n)d contributions cannot be split into %(parts)d parts.")
        raise ValidationFailed({"parts": message % {"n": len(ids), "parts": parts}})
    try:
        result = await anyio.to_thread.run_sync(
            partial(cluster_texts, var_dir, texts, [None] * len(texts), parts, 0)
        )
    except ValueError:  # nlp.clustering: too short or too alike to tell apart
        message = _("The contributions of this group are too much alike to be split.")
        raise ValidationFailed({"parts": message}) from None
    last = (await db.exec(select(func.max(Cluster.position)).where(Cluster.run_id == run.id))).one()
    assert run.id is not None
    targets: list[Cluster] = []
    for offset, summary in enumerate(result.clusters):
        part = (
            cluster
            if offset == 0
            else Cluster(run_id=run.id, position=(last or 0) + offset, name="", size=0)
        )
        part.name = summary.name[:NAME_MAX]
        part.top_terms = list(summary.top_terms)
        part.representative_ids = [ids[index] for index in summary.representatives]
        db.add(part)
        targets.append(part)
    await db.flush()
    for target, summary in zip(targets[1:], result.clusters[1:], strict=True):
        moved = [ids[index] for index, label in enumerate(result.labels) if label == summary.id]
        for start in range(0, len(moved), INSERT_CHUNK):
            await db.exec(
                sa.update(ClusterMember)
                .where(
                    col(ClusterMember.cluster_id) == cluster.id,
                    col(ClusterMember.contribution_id).in_(moved[start : start + INSERT_CHUNK]),
                )
                .values(cluster_id=target.id)
            )
    # Sizes from the members (one without text stays where it was).
    await _resize(db, [target.id for target in targets if target.id is not None])
    await _mark_edited(db, run, actor)
    await db.commit()
    return [target.position + 1 for target in targets]


async def _member_texts(db: AsyncSession, cluster_id: int) -> tuple[list[int], list[str]]:
    """The group's members with text, by id, as the clustering reads them."""
    rows = await db.exec(
        select(
            Contribution.id,
            analysed_title(),
            func.substr(col(Contribution.body), 1, MAX_BODY_CHARS),
        )
        .join(ClusterMember, col(ClusterMember.contribution_id) == Contribution.id)
        .where(col(ClusterMember.cluster_id) == cluster_id)
        .order_by(col(Contribution.id))
    )
    ids: list[int] = []
    texts: list[str] = []
    for id_, title, body in rows:
        text = join_fields([title, body or ""])
        if id_ is not None and text.strip():
            ids.append(id_)
            texts.append(text)
    return ids, texts


async def group_numbers(db: AsyncSession, run_id: int) -> list[tuple[int, str, int]]:
    """The run's groups as (number, name, size), for "move to …" and "merge into …"."""
    rows = await db.exec(
        select(Cluster.position, Cluster.name, Cluster.size)
        .where(Cluster.run_id == run_id)
        .order_by(col(Cluster.position))
    )
    return [(position + 1, name, size) for position, name, size in rows.all()]
