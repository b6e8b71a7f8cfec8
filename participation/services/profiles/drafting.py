"""Profiles started from what moderators already look at: a cluster of the analysis page, or
a selection of contributions. The draft gets them as sources, the action field most of them
were confirmed for, a title suggested from the cluster's name, and a draft summary: a few of
their own sentences (nlp/summary.py), each linked to its source, kept apart from the summary
itself until a person takes it over and rewrites it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Final

import anyio.to_thread
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp.summary import Source, summarise
from nlp.text import join_fields
from participation.i18n import _
from participation.models import (
    Cluster,
    ClusterMember,
    ClusterRun,
    Contribution,
    ContributionTheme,
    Profile,
    ProfileStatus,
    ThemeSource,
    User,
)
from participation.services.errors import NotFound, ValidationFailed
from participation.services.profiles import editing
from participation.services.profiles.fields import TITLE_MAX, Snapshot

# Sentences in a draft summary: three for a handful of sources, five for many.
SUMMARY_SHORT: Final = 3
SUMMARY_LONG: Final = 5
MANY_SOURCES: Final = 10
# A draft from a selection reads at most this many sources for its summary.
SUMMARY_SOURCES_MAX: Final = 1_500


def empty_snapshot(title: str, primary_theme: int | None) -> Snapshot:
    return {
        "title": title[:TITLE_MAX],
        "summary": "",
        "problem": "",
        "goal": "",
        "measures": "",
        "target_segments": [],
        "target_groups": "",
        "primary_theme": primary_theme,
        "further_themes": [],
        "horizon": None,
        "cost_min": None,
        "cost_max": None,
        "funding": "",
        "organisations": [],
        "indicators": [],
        "status": ProfileStatus.DRAFT.value,
    }


async def _common_theme(db: AsyncSession, contribution_ids: Sequence[int]) -> int | None:
    """The action field most of the contributions were confirmed for (ties: the first)."""
    if not contribution_ids:
        return None
    row = (
        await db.exec(
            select(ContributionTheme.theme_id, func.count().label("n"))
            .where(
                col(ContributionTheme.contribution_id).in_(contribution_ids),
                ContributionTheme.source == ThemeSource.CONFIRMED,
            )
            .group_by(col(ContributionTheme.theme_id))
            .order_by(func.count().desc(), col(ContributionTheme.theme_id))
            .limit(1)
        )
    ).first()
    return row[0] if row else None


async def draft_summary(
    db: AsyncSession, contribution_ids: Sequence[int]
) -> list[dict[str, object]]:
    """The draft summary of contributions, computed in a worker thread: a list of
    {"text", "source_id", "score"}, most central first. Contributions with a follow link
    share an author only with themselves; nobody is known across contributions."""
    rows = (
        await db.exec(
            select(Contribution.id, Contribution.title, Contribution.body)
            .where(col(Contribution.id).in_(list(contribution_ids)[:SUMMARY_SOURCES_MAX]))
            .order_by(col(Contribution.id))
        )
    ).all()
    sources = [
        Source(id=id_, text=join_fields([title, body]), author=id_)
        for id_, title, body in rows
        if id_ is not None
    ]
    size = SUMMARY_LONG if len(sources) >= MANY_SOURCES else SUMMARY_SHORT
    sentences = await anyio.to_thread.run_sync(partial(summarise, sources, size))
    return [{"text": s.text, "source_id": s.source_id, "score": s.score} for s in sentences]


async def _create_draft(
    db: AsyncSession,
    process_id: int,
    title: str,
    contribution_ids: Sequence[int],
    actor: User,
) -> Profile:
    snapshot = empty_snapshot(title, await _common_theme(db, contribution_ids))
    summary = await draft_summary(db, contribution_ids)
    profile = await editing.create_profile(db, process_id, snapshot, actor, contribution_ids)
    profile.draft_summary = summary
    db.add(profile)
    await db.commit()
    await db.refresh(profile)
    return profile


def title_from_cluster(name: str) -> str:
    """A title to start from: the cluster's top terms ("schule · wlan · stelle") as words
    ("Schule, WLAN, Stelle" would need a dictionary; capitalising the first is honest)."""
    words = ", ".join(t.strip() for t in name.split("·") if t.strip())
    return words[:1].upper() + words[1:] if words else _("New profile")


async def from_cluster(db: AsyncSession, cluster_id: int, actor: User) -> Profile:
    """A draft profile from a cluster of the analysis page, with all its members."""
    found = (
        await db.exec(
            select(Cluster, ClusterRun.process_id)
            .join(ClusterRun, col(ClusterRun.id) == Cluster.run_id)
            .where(Cluster.id == cluster_id)
        )
    ).first()
    if found is None:
        raise NotFound(_("This group no longer exists; the groups were computed again."))
    cluster, process_id = found
    members = (
        await db.exec(
            select(ClusterMember.contribution_id).where(ClusterMember.cluster_id == cluster_id)
        )
    ).all()
    return await _create_draft(
        db, process_id, title_from_cluster(cluster.name), list(members), actor
    )


async def from_selection(
    db: AsyncSession, process_id: int, contribution_ids: Sequence[int], title: str, actor: User
) -> Profile:
    """A draft profile from contributions chosen in a list (of this process only)."""
    ids = (
        await db.exec(
            select(Contribution.id).where(
                col(Contribution.id).in_(sorted(set(contribution_ids))),
                Contribution.process_id == process_id,
            )
        )
    ).all()
    if not ids:
        raise ValidationFailed({"selection": _("Please choose at least one contribution.")})
    chosen = [i for i in ids if i is not None]
    return await _create_draft(db, process_id, title.strip() or _("New profile"), chosen, actor)
