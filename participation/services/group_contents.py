"""What a group of the analysis page holds beyond its texts, for the moderator who condenses it
into a profile: whose contributions and from which channel (segment × channel), which action
fields they carry, and which of them say the same thing twice (open duplicate pairs).

Each is a fixed number of statements over the group's members (cluster_member by cluster_id),
however large the group: the database counts and the page shows a few rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    ClusterMember,
    ClusterRun,
    Contribution,
    ContributionTheme,
    DuplicatePair,
    Segment,
    Theme,
    ThemeSource,
)
from participation.services.duplicates import PairView, pair_views
from participation.services.profiles.breakdown import Breakdown, breakdown_of_set

PAIRS_SHOWN: Final = 10
THEMES_SHOWN: Final = 3  # action fields on a group's card


async def group_breakdown(session: AsyncSession, cluster_id: int) -> Breakdown:
    """The group's members by segment, channel and, for firms, sector and size."""
    return await breakdown_of_set(
        session,
        ClusterMember,
        col(ClusterMember.contribution_id),
        col(ClusterMember.cluster_id) == cluster_id,
    )


@dataclass(frozen=True)
class ThemeCount:
    theme: Theme
    confirmed: int  # members a moderator gave this action field
    suggested: int  # members the tagger suggests it for, not yet confirmed


async def group_themes(session: AsyncSession, cluster_id: int) -> list[ThemeCount]:
    """The action fields of the group's members, the most confirmed first; one statement."""
    confirmed = func.sum(
        sa.case((col(ContributionTheme.source) == ThemeSource.CONFIRMED, 1), else_=0)
    )
    suggested = func.sum(
        sa.case((col(ContributionTheme.source) == ThemeSource.SUGGESTED, 1), else_=0)
    )
    rows = await session.exec(
        select(Theme, confirmed, suggested)
        .select_from(ClusterMember)
        .join(
            ContributionTheme,
            col(ContributionTheme.contribution_id) == ClusterMember.contribution_id,
        )
        .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
        .where(
            col(ClusterMember.cluster_id) == cluster_id,
            col(ContributionTheme.source) != ThemeSource.REJECTED,
        )
        .group_by(col(Theme.id))
    )
    counts = [ThemeCount(theme, int(c or 0), int(s or 0)) for theme, c, s in rows]
    return sorted(counts, key=lambda t: (-t.confirmed, -t.suggested, t.theme.position))


@dataclass(frozen=True)
class GroupDuplicates:
    pairs: list[PairView]  # the strongest PAIRS_SHOWN
    total: int  # open pairs with both sides in the group


async def group_duplicates(session: AsyncSession, cluster_id: int) -> GroupDuplicates:
    """Open duplicate pairs whose two sides are both members of the group, strongest first:
    what merging would tidy before the group becomes a profile. Two statements."""
    members = select(ClusterMember.contribution_id).where(
        col(ClusterMember.cluster_id) == cluster_id
    )
    within = (
        col(DuplicatePair.dismissed_at).is_(None),
        col(DuplicatePair.first_id).in_(members),
        col(DuplicatePair.second_id).in_(members),
    )
    total = (
        await session.exec(select(func.count()).select_from(DuplicatePair).where(*within))
    ).one()
    if not total:
        return GroupDuplicates([], 0)
    pairs = await pair_views(
        session,
        within,
        order_by=(col(DuplicatePair.score).desc(), col(DuplicatePair.id).desc()),
        limit=PAIRS_SHOWN,
    )
    return GroupDuplicates(pairs, int(total))


# --- every group of a run at once, for the analysis page's cards ------------------------------


@dataclass(frozen=True)
class GroupSummary:
    """A card's short account of a group: the largest segments and channels, the most
    confirmed action fields, how many open duplicate pairs lie within it."""

    segments: list[tuple[Segment, int]] = field(default_factory=list)  # most first
    channels: list[tuple[Channel, int]] = field(default_factory=list)  # most first
    themes: list[tuple[str, int]] = field(default_factory=list)  # confirmed, most first
    duplicates: int = 0


async def run_summaries(session: AsyncSession, run: ClusterRun) -> dict[int, GroupSummary]:
    """The summary of every group of a run, by cluster id: three GROUP BY statements over the
    run's members, however many groups and members it has."""
    run_id = run.id
    segments: dict[int, Counter[Segment]] = defaultdict(Counter)
    channels: dict[int, Counter[Channel]] = defaultdict(Counter)
    origins = await session.exec(
        select(ClusterMember.cluster_id, Contribution.segment, Contribution.channel, func.count())
        .join(Contribution, col(Contribution.id) == ClusterMember.contribution_id)
        .where(col(ClusterMember.run_id) == run_id)
        .group_by(
            col(ClusterMember.cluster_id), col(Contribution.segment), col(Contribution.channel)
        )
    )
    for cluster_id, segment, channel, n in origins:
        segments[cluster_id][Segment(segment)] += n
        channels[cluster_id][Channel(channel)] += n
    themes: dict[int, Counter[str]] = defaultdict(Counter)
    # From the process's themes through ix_contribution_theme_confirmed to the members: never
    # the action fields of every process.
    confirmed = await session.exec(
        select(ClusterMember.cluster_id, Theme.name, func.count())
        .select_from(Theme)
        .join(ContributionTheme, col(ContributionTheme.theme_id) == Theme.id)
        .join(
            ClusterMember,
            col(ClusterMember.contribution_id) == ContributionTheme.contribution_id,
        )
        .where(
            col(Theme.process_id) == run.process_id,
            col(ContributionTheme.source) == ThemeSource.CONFIRMED,
            col(ClusterMember.run_id) == run_id,
        )
        .group_by(col(ClusterMember.cluster_id), col(Theme.id), col(Theme.name))
    )
    for cluster_id, name, n in confirmed:
        themes[cluster_id][name] += n
    first, second = aliased(ClusterMember), aliased(ClusterMember)
    pairs = await session.exec(
        select(first.cluster_id, func.count())
        .select_from(DuplicatePair)
        .join(first, col(first.contribution_id) == DuplicatePair.first_id)
        .join(second, col(second.contribution_id) == DuplicatePair.second_id)
        .where(
            col(DuplicatePair.process_id) == run.process_id,  # ix_duplicate_pair_open
            col(DuplicatePair.dismissed_at).is_(None),
            col(first.run_id) == run_id,
            col(second.run_id) == run_id,
            col(first.cluster_id) == second.cluster_id,
        )
        .group_by(col(first.cluster_id))
    )
    duplicates = dict(pairs.all())
    return {
        cluster_id: GroupSummary(
            segments=segments[cluster_id].most_common(),
            channels=channels[cluster_id].most_common(),
            themes=themes[cluster_id].most_common(THEMES_SHOWN),
            duplicates=int(duplicates.get(cluster_id, 0)),
        )
        for cluster_id in set(segments) | set(themes) | set(duplicates)
    }
