"""What a group of the analysis page holds beyond its texts, for the moderator who condenses it
into a profile: whose contributions and from which channel (segment × channel), which action
fields they carry, and which of them say the same thing twice (open duplicate pairs).

Each is a fixed number of statements over the group's members (cluster_member by cluster_id),
however large the group: the database counts and the page shows a few rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    ClusterMember,
    ContributionTheme,
    DuplicatePair,
    Theme,
    ThemeSource,
)
from participation.services.duplicates import PairView, pair_views
from participation.services.profiles.breakdown import Breakdown, breakdown_of_set

PAIRS_SHOWN: Final = 10


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
