"""Clustering a process's ideas: groups nobody defined in advance, their names, a 2-D map.

Which ideas: the published ones, and the approved free-text survey answers (grouped by their
text alone: the question is the same for every answer to it). Screening comes before
understanding (see DESIGN.md): pending items may still turn out to be spam or be rejected,
rejected and hidden ones must not shape the groups, and merged ones would count twice beside
the idea they were merged into. Each run keeps how many items came through each channel,
and its scope when a moderator narrowed it to some channels, segments or one action field
(services/cluster_scope.py). The map is drawn by services/cluster_map.py.

The analysis and the clustering themselves are CPU-bound (about a second for 700 ideas) and
run in a worker thread; the event loop only reads the ideas and writes the result, which is
stored in one transaction, so a page never sees half a run. The web app runs this from a
background job (participation/jobs.py), the command line (`participation nlp cluster`)
directly.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Final

import anyio.to_thread
from sqlalchemy import case, delete, insert
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp import clustering
from nlp.text import default_analyzer, join_fields
from participation.i18n import N_, Deferred, Nn_
from participation.models import (
    Channel,
    Cluster,
    ClusterMember,
    ClusterRun,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Theme,
    ThemeSource,
)
from participation.services import cluster_scope
from participation.services.cluster_map import COLOURS, ClusterMap, read_map
from participation.services.cluster_scope import Scope
from participation.services.errors import ServiceError
from participation.services.processes import Page
from participation.services.themes import analysed_title

KEEP_RUNS: Final = 3  # older runs of a process are deleted when a new one is stored
INSERT_CHUNK: Final = 1000  # member rows per INSERT: SQLite limits bound parameters


class ClusteringFailed(ServiceError):
    """The ideas cannot be clustered (too few, or too short or alike); the message says why,
    in the current locale, and `reason` keeps it untranslated for a job's record."""

    def __init__(self, reason: Deferred) -> None:
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class IdeaText:
    id: int
    title: str  # "" for a survey answer (its title is the question)
    body: str
    channel: Channel = Channel.IDEA_CALL


# What is grouped: every screened contribution with words of its own, whatever its channel
# (idea call, survey, focus group, workshop, import): ideas, whichever way they came, and
# free-text survey answers. Comments are not: they answer an idea, they do not stand alone.
CLUSTERED_KINDS: Final = (ContributionKind.IDEA, ContributionKind.SURVEY_ANSWER)
# Rows read per round trip while the feed streams: memory stays bounded by one batch beside
# the texts themselves, also at 100,000 contributions.
FEED_BATCH: Final = 2000
# The first this many characters of a body are read: enough to place any contribution, and
# one pasted document cannot blow up a run's memory.
MAX_BODY_CHARS: Final = 5000


def _to_cluster(process_id: int, scope: Scope) -> tuple[Any, ...]:
    # Served by ix_contribution_queue_process (status, process_id, kind, ...); a scope's
    # channels and segments narrow the rows read from it, its action field is a subquery
    # on ix_contribution_theme_confirmed.
    return (
        Contribution.status == ContributionStatus.PUBLISHED,
        Contribution.process_id == process_id,
        col(Contribution.kind).in_(CLUSTERED_KINDS),
        *scope.conditions(),
    )


async def ideas_to_cluster(
    session: AsyncSession, process_id: int, scope: Scope | None = None
) -> list[IdeaText]:
    """The published ideas (from every channel) and approved survey answers of a process
    that have text and lie in the scope, oldest first (a stable order keeps runs
    repeatable); streamed in batches of FEED_BATCH rows, each body cut at MAX_BODY_CHARS."""
    query = (
        select(
            Contribution.id,
            Contribution.channel,
            analysed_title(),
            func.substr(col(Contribution.body), 1, MAX_BODY_CHARS),
        )
        .where(*_to_cluster(process_id, scope or Scope()))
        .order_by(col(Contribution.id))
        .execution_options(yield_per=FEED_BATCH)
    )
    ideas: list[IdeaText] = []
    result = await session.stream(query)
    async for batch in result.partitions():
        ideas.extend(
            IdeaText(id_, text_title, body or "", Channel(channel))
            for id_, channel, text_title, body in batch
            if id_ is not None and (text_title.strip() or (body or "").strip())
        )
    return ideas


async def confirmed_seeds(
    session: AsyncSession, process_id: int, ids: Sequence[int]
) -> list[int | None]:
    """Per contribution in `ids` the position of its first confirmed theme (in the
    taxonomy's order), or None: the moderators' themes the groups start from."""
    rows = await session.exec(
        select(ContributionTheme.contribution_id, Theme.position, Theme.id)
        .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
        .where(Theme.process_id == process_id, ContributionTheme.source == ThemeSource.CONFIRMED)
    )
    first: dict[int, tuple[int, int]] = {}
    for contribution_id, position, theme_id in rows:
        key = (position, theme_id or 0)
        if contribution_id not in first or key < first[contribution_id]:
            first[contribution_id] = key
    order = {key: index for index, key in enumerate(sorted(set(first.values())))}
    return [order[first[i]] if i in first else None for i in ids]


async def count_to_cluster(
    session: AsyncSession, process_id: int, scope: Scope | None = None
) -> int:
    """How many items a clustering of the process (in the scope) would group now."""
    return (
        await session.exec(
            select(func.count())
            .select_from(Contribution)
            .where(*_to_cluster(process_id, scope or Scope()))
        )
    ).one()


def cluster_texts(
    var_dir: Path, texts: list[str], themes: list[int | None], k: int | None, seed: int
) -> clustering.Clustering:
    """Blocking: analyse and cluster. Runs in a worker thread."""
    docs = default_analyzer(var_dir / "nlp").analyse(texts)
    return clustering.cluster(docs, k=k, themes=themes, seed=seed)


async def run_clustering(
    session: AsyncSession,
    var_dir: Path,
    process_id: int,
    *,
    job_id: int | None = None,
    seed: int = 0,
    k: int | None = None,
    scope: Scope | None = None,
) -> ClusterRun:
    """Cluster the process's published contributions (those in `scope`, by default all)
    and store the run; deterministic per seed. `k` is the number of groups; by default one
    that people can read, for the number of contributions (nlp.clustering.k_bounds).
    Contributions with confirmed themes seed one group per theme, which they stay in.

    Raises ClusteringFailed with a message for people when there is nothing to group, the
    scope's action field is not the process's, or `k` does not fit."""
    scope = await _checked_scope(session, process_id, scope or Scope())
    ideas = await ideas_to_cluster(session, process_id, scope)
    if len(ideas) < clustering.MIN_DOCS:
        raise _too_few(len(ideas), scope)
    themes = await confirmed_seeds(session, process_id, [idea.id for idea in ideas])
    if k is not None:
        _check_k(k, len(ideas), themes)
    texts = [join_fields([idea.title, idea.body]) for idea in ideas]
    try:
        # abandon_on_cancel: when the app shuts down, the job is given up at once instead of
        # holding the shutdown until the thread is done; its result is then thrown away.
        result = await anyio.to_thread.run_sync(
            partial(cluster_texts, var_dir, texts, themes, k, seed), abandon_on_cancel=True
        )
    except ValueError:  # nlp.clustering: too short or too alike to tell apart
        raise ClusteringFailed(
            Deferred(N_("The ideas are too short or too much alike to be told apart into groups."))
        ) from None
    return await _store(session, process_id, job_id, seed, ideas, result, scope)


async def _checked_scope(session: AsyncSession, process_id: int, scope: Scope) -> Scope:
    """The scope with its action field's current name; refused when that theme is gone or
    belongs to another process (job params are checked when given, but kept a while)."""
    if scope.theme_id is None:
        return scope
    theme = await cluster_scope.process_theme(session, process_id, scope.theme_id)
    if theme is None:
        raise ClusteringFailed(
            Deferred(N_("The chosen action field is not one of this process's action fields."))
        )
    return replace(scope, theme_name=theme.name)


def _too_few(items: int, scope: Scope) -> ClusteringFailed:
    if scope.empty:
        return ClusteringFailed(
            Deferred(
                N_("At least %(min)d published ideas are needed to form groups; there are %(n)d."),
                {"min": clustering.MIN_DOCS, "n": items},
            )
        )
    # The scope's words in the locale the job runs in: a stored message keeps plain values.
    return ClusteringFailed(
        Deferred(
            N_(
                "At least %(min)d published contributions are needed to form groups;"
                " there are %(n)d in the chosen scope (%(scope)s)."
            ),
            {"min": clustering.MIN_DOCS, "n": items, "scope": scope.describe()},
        )
    )


def _check_k(k: int, items: int, themes: Sequence[int | None]) -> None:
    seeded = len({theme for theme in themes if theme is not None})
    low, high = max(2, seeded), items - 1
    if not low <= k <= high:
        raise ClusteringFailed(
            Deferred(
                N_(
                    "The number of groups must be between %(low)d and %(high)d"
                    " for %(items)d contributions with %(themes)d confirmed action fields."
                ),
                {"low": low, "high": high, "items": items, "themes": seeded},
            )
        )


async def _store(
    session: AsyncSession,
    process_id: int,
    job_id: int | None,
    seed: int,
    ideas: Sequence[IdeaText],
    result: clustering.Clustering,
    scope: Scope,
) -> ClusterRun:
    run = ClusterRun(
        process_id=process_id,
        job_id=job_id,
        items=len(ideas),
        k=result.k,
        silhouette=result.silhouette,
        seed=seed,
        channel_counts=dict(Counter(idea.channel.value for idea in ideas)),
        scope=scope.to_json(),
    )
    session.add(run)
    await session.flush()
    assert run.id is not None
    clusters = [
        Cluster(
            run_id=run.id,
            position=summary.id,
            name=summary.name[:200],
            top_terms=list(summary.top_terms),
            size=summary.size,
            representative_ids=[ideas[index].id for index in summary.representatives],
        )
        for summary in result.clusters
    ]
    session.add_all(clusters)
    await session.flush()
    cluster_ids = [c.id for c in clusters]
    rows: list[dict[str, Any]] = [
        {
            "run_id": run.id,
            "contribution_id": idea.id,
            "cluster_id": cluster_ids[label],
            "x": x,
            "y": y,
        }
        for idea, label, (x, y) in zip(ideas, result.labels, result.coordinates, strict=True)
    ]
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.exec(insert(ClusterMember).values(rows[start : start + INSERT_CHUNK]))
    older = (
        select(ClusterRun.id)
        .where(ClusterRun.process_id == process_id)
        .order_by(col(ClusterRun.id).desc())
        .offset(KEEP_RUNS)
    )
    stale = list(await session.exec(older))
    if stale:
        # Members and clusters go with their run (ON DELETE CASCADE).
        await session.exec(delete(ClusterRun).where(col(ClusterRun.id).in_(stale)))
    await session.commit()
    return run


def describe_run(run: ClusterRun) -> Deferred:
    """One line for people, translated where it is read: how many groups from how many ideas."""
    forms = Nn_("%(num)d group from %(items)d ideas.", "%(num)d groups from %(items)d ideas.")
    return Deferred.counted(forms, run.k, items=run.items)


# --- reading a run for display ---------------------------------------------------------------


@dataclass(frozen=True)
class ClusterView:
    cluster: Cluster
    representatives: Sequence[Contribution]  # nearest to the centre first

    @property
    def colour(self) -> int:
        return self.cluster.position % COLOURS

    @property
    def number(self) -> int:
        """The number people see: 1 is the largest group."""
        return self.cluster.position + 1


@dataclass(frozen=True)
class RunView:
    run: ClusterRun
    clusters: Sequence[ClusterView]
    map: ClusterMap


async def latest_run(session: AsyncSession, process_id: int) -> ClusterRun | None:
    return (
        await session.exec(
            select(ClusterRun)
            .where(ClusterRun.process_id == process_id)
            .order_by(col(ClusterRun.id).desc())
            .limit(1)
        )
    ).first()


async def latest_runs(session: AsyncSession, process_ids: Sequence[int]) -> dict[int, ClusterRun]:
    """The newest run of each of these processes that has one."""
    if not process_ids:
        return {}
    newest = (
        select(func.max(ClusterRun.id))
        .where(col(ClusterRun.process_id).in_(process_ids))
        .group_by(col(ClusterRun.process_id))
    )
    rows = await session.exec(select(ClusterRun).where(col(ClusterRun.id).in_(newest)))
    return {run.process_id: run for run in rows}


async def _contributions(session: AsyncSession, ids: Sequence[int]) -> dict[int, Contribution]:
    if not ids:
        return {}
    rows = await session.exec(select(Contribution).where(col(Contribution.id).in_(ids)))
    return {c.id: c for c in rows if c.id is not None}


async def _clusters_of(session: AsyncSession, run_id: int) -> list[Cluster]:
    rows = await session.exec(
        select(Cluster).where(Cluster.run_id == run_id).order_by(col(Cluster.position))
    )
    return list(rows)


def _view(cluster: Cluster, ideas: dict[int, Contribution]) -> ClusterView:
    # An idea deleted since the run (its author's right) simply drops out.
    return ClusterView(cluster, [ideas[i] for i in cluster.representative_ids if i in ideas])


async def latest_run_view(session: AsyncSession, process_id: int) -> RunView | None:
    """The newest run of a process with its clusters, their typical ideas and the map."""
    run = await latest_run(session, process_id)
    return None if run is None else await run_view(session, run)


async def run_view(session: AsyncSession, run: ClusterRun) -> RunView:
    """A stored run with its clusters, their typical ideas and the map."""
    assert run.id is not None
    clusters = await _clusters_of(session, run.id)
    ideas = await _contributions(
        session, [i for cluster in clusters for i in cluster.representative_ids]
    )
    views = [_view(cluster, ideas) for cluster in clusters]
    return RunView(run=run, clusters=views, map=await read_map(session, run, clusters))


@dataclass(frozen=True)
class ClusterDetail:
    run: ClusterRun
    cluster: ClusterView
    members: Page[Contribution]


async def cluster_detail(
    session: AsyncSession,
    process_id: int,
    number: int,
    page: int,
    per_page: int,
    show: int | None = None,
) -> ClusterDetail | None:
    """One group of the newest run (by the number people see) with a page of its ideas:
    the page asked for, or the one holding member `show` (a map point's link)."""
    run = await latest_run(session, process_id)
    if run is None or run.id is None:
        return None
    cluster = (
        await session.exec(
            select(Cluster).where(Cluster.run_id == run.id, Cluster.position == number - 1)
        )
    ).first()
    if cluster is None or cluster.id is None:
        return None
    view = _view(cluster, await _contributions(session, cluster.representative_ids))
    in_cluster = (
        select(Contribution)
        .join(ClusterMember, col(ClusterMember.contribution_id) == Contribution.id)
        .where(ClusterMember.run_id == run.id, ClusterMember.cluster_id == cluster.id)
    )
    total = (
        await session.exec(
            select(func.count())
            .select_from(ClusterMember)
            .where(ClusterMember.run_id == run.id, ClusterMember.cluster_id == cluster.id)
        )
    ).one()
    if show is not None:
        before = await _members_before(session, run.id, cluster.id, show)
        page = page if before is None else before // per_page + 1
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = await session.exec(
        in_cluster.order_by(col(Contribution.id)).offset((page - 1) * per_page).limit(per_page)
    )
    members = Page(items=list(rows), page=page, pages=pages, total=total)
    return ClusterDetail(run=run, cluster=view, members=members)


async def _members_before(
    session: AsyncSession, run_id: int, cluster_id: int, contribution_id: int
) -> int | None:
    """How many members of the cluster come before this contribution in the member list
    (ordered by id); None when it is not a member. One COUNT over the cluster's members."""
    in_cluster = (ClusterMember.run_id == run_id, ClusterMember.cluster_id == cluster_id)
    member = col(ClusterMember.contribution_id)
    before, found = (
        await session.exec(
            select(
                func.coalesce(func.sum(case((member < contribution_id, 1), else_=0)), 0),
                func.count().filter(member == contribution_id),
            ).where(*in_cluster)
        )
    ).one()
    return int(before) if found else None


async def clusters_with_members(
    session: AsyncSession, run_id: int
) -> list[tuple[Cluster, list[int]]]:
    """A run's clusters, largest first, each with all its members' ids (the staff API); two
    statements."""
    members: dict[int, list[int]] = {}
    rows = await session.exec(
        select(ClusterMember.cluster_id, ClusterMember.contribution_id)
        .where(ClusterMember.run_id == run_id)
        .order_by(col(ClusterMember.cluster_id), col(ClusterMember.contribution_id))
    )
    for cluster_id, contribution_id in rows:
        members.setdefault(cluster_id, []).append(contribution_id)
    return [(c, members.get(c.id or 0, [])) for c in await _clusters_of(session, run_id)]
