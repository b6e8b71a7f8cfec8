"""Whose contributions a profile rests on: "Auf Grundlage von N Beiträgen", by segment
(firms also by WZ section and size class), by channel, and segment × channel. The analysis
page's groups show the same mix of their members.

Two GROUP BYs over the set's contributions, however many it has (a profile may hold 500
sources and more, a group thousands of members): the database counts, Python only sorts the
few groups it returns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation import charts, wz2008
from participation.i18n import _
from participation.labels import label
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ProfileSource,
    Segment,
)

NOT_GIVEN: Final = ""  # a firm that gave no section or size class

# A source with a page of its own: a published idea. Everything else (waiting, rejected,
# hidden, survey answers, comments) is only counted.
PUBLIC_SOURCE: Final = sa.and_(
    col(Contribution.kind) == ContributionKind.IDEA,
    col(Contribution.status) == ContributionStatus.PUBLISHED,
)


@dataclass(frozen=True)
class Breakdown:
    total: int
    public: int  # sources with a public page (published ideas)
    by_segment: Sequence[tuple[Segment, int]]  # every segment, in their order
    by_channel: Sequence[tuple[Channel, int]]
    # Rows: the segments with sources; columns: the channels with sources.
    matrix: Sequence[tuple[Segment, Sequence[int]]]
    channels: Sequence[Channel]
    firm_sectors: Sequence[tuple[str, int]]  # WZ section letter ("" not given), most first
    firm_sizes: Sequence[tuple[str, int]]  # size class ("" not given), in class order

    @property
    def hidden(self) -> int:
        """Sources without a public page: counted, never shown."""
        return self.total - self.public

    def segment_chart(self, chart_id: str) -> Markup:
        return self._chart(
            chart_id,
            _("Contributions by who wrote them"),
            _("Bar chart of the %(n)d contributions by segment; the table below has the numbers."),
            self.by_segment,
        )

    def channel_chart(self, chart_id: str) -> Markup:
        return self._chart(
            chart_id,
            _("Contributions by channel"),
            _("Bar chart of the %(n)d contributions by channel; the table below has the numbers."),
            self.by_channel,
        )

    def _chart(
        self, chart_id: str, title: str, description: str, counts: Sequence[tuple[StrEnum, int]]
    ) -> Markup:
        bars = [
            charts.Bar(label(value), n, f"{n} ({charts.percent(n, self.total)} %)")
            for value, n in counts
        ]
        return charts.bar_chart(chart_id, title, description % {"n": self.total}, bars)


def sector_label(letter: str) -> str:
    return f"{letter} – {wz2008.section_name(letter)}" if letter else _("not given")


def size_label(size: str) -> str:
    return _("%(size)s employees") % {"size": size} if size else _("not given")


async def source_breakdown(session: AsyncSession, profile_id: int) -> Breakdown:
    """The counts of a profile's sources: two GROUP BY statements, whatever their number."""
    return await breakdown_of_set(
        session,
        ProfileSource,
        col(ProfileSource.contribution_id),
        col(ProfileSource.profile_id) == profile_id,
    )


async def breakdown_of_set(
    session: AsyncSession,
    link: type[SQLModel],
    contribution_id: Mapped[int],
    chosen: ColumnElement[bool],
) -> Breakdown:
    """The counts of the contributions that rows of `link` (e.g. a profile's sources, a
    group's members) point to through `contribution_id`, the rows chosen by `chosen`."""
    public = sa.case((PUBLIC_SOURCE, True), else_=False)
    by_origin = await session.exec(
        select(Contribution.segment, Contribution.channel, public, func.count())
        .select_from(link)
        .join(Contribution, col(Contribution.id) == contribution_id)
        .where(chosen)
        .group_by(col(Contribution.segment), col(Contribution.channel), public)
    )
    firms = await session.exec(
        select(Contribution.organisation_sector, Contribution.organisation_size, func.count())
        .select_from(link)
        .join(Contribution, col(Contribution.id) == contribution_id)
        .where(chosen, Contribution.segment == Segment.FIRM)
        .group_by(col(Contribution.organisation_sector), col(Contribution.organisation_size))
    )
    return breakdown_of(by_origin.all(), firms.all())


def breakdown_of(
    origins: Sequence[tuple[str, str, bool, int]],
    firms: Sequence[tuple[str | None, str | None, int]],
) -> Breakdown:
    """The Breakdown of grouped rows: (segment, channel, public, count) and, for firms,
    (sector, size class, count)."""
    segments: Counter[Segment] = Counter()
    channels: Counter[Channel] = Counter()
    pairs: Counter[tuple[Segment, Channel]] = Counter()
    sectors: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    public = 0
    for segment_value, channel_value, is_public, n in origins:
        segment, channel = Segment(segment_value), Channel(channel_value)
        segments[segment] += n
        channels[channel] += n
        pairs[segment, channel] += n
        if is_public:
            public += n
    for sector, size, n in firms:
        sectors[sector or NOT_GIVEN] += n
        sizes[size if size in wz2008.SIZE_CLASSES else NOT_GIVEN] += n
    used_channels = [c for c in Channel if channels[c]]
    size_order = [*wz2008.SIZE_CLASSES, NOT_GIVEN]
    return Breakdown(
        total=sum(segments.values()),
        public=public,
        by_segment=[(s, segments[s]) for s in Segment],
        by_channel=[(c, channels[c]) for c in Channel],
        matrix=[(s, [pairs[s, c] for c in used_channels]) for s in Segment if segments[s]],
        channels=used_channels,
        # Most first; "not given" last, whatever its count.
        firm_sectors=sorted(sectors.items(), key=lambda item: (not item[0], -item[1], item[0])),
        firm_sizes=[(s, sizes[s]) for s in size_order if sizes[s]],
    )
