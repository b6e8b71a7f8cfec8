"""The dashboard's grouped counts: one statement each, whatever the process holds.

Every contribution of the process counts (ideas, comments, survey answers; any status):
the dashboard shows who took part through which channel, not what was published. The
statements read index ranges of the process (ix_contribution_participation,
ix_contribution_municipality, ix_contribution_site, the themes' and the surveys' own
indexes); the database groups, Python only arranges the groups it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionTheme,
    KnownPopulation,
    PopulationDimension,
    Segment,
    Site,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    Theme,
    ThemeSource,
    UTCDateTime,
)
from participation.services.dashboard.periods import Granularity, Period, local_day, periods

NOT_GIVEN: Final = ""  # no municipality, section or size class given


@dataclass(frozen=True)
class SurveyCounts:
    survey_id: int
    title: str
    invitation_only: bool
    invitations: int
    invitations_used: int
    started: int  # every response begun, sent or not
    sent: int


async def by_period_and_channel(
    session: AsyncSession, process_id: int, time_zone: str
) -> tuple[Granularity, list[Period], list[tuple[int, Channel, int]]]:
    """Contributions per local day, week or month and channel: (period's index, channel,
    count). Two statements: the first and last arrival (the ends of an index range), then a
    count per channel within each period's range of the same index."""
    arrivals = select(
        func.min(col(Contribution.created_at)), func.max(col(Contribution.created_at))
    ).where(Contribution.process_id == process_id)
    found: tuple[datetime | None, datetime | None] = (await session.exec(arrivals)).one()
    first, last = found
    if first is None or last is None:  # no contribution yet
        return Granularity.DAY, [], []
    zone = ZoneInfo(time_zone)
    granularity, spans = periods(local_day(first, zone), local_day(last, zone))
    bounds = sa.union_all(
        *(
            sa.select(
                sa.literal(n, sa.Integer).label("n"),
                sa.literal(start, UTCDateTime).label("starts"),
                sa.literal(end, UTCDateTime).label("ends"),
            )
            for n, (start, end) in enumerate(span.instants(zone) for span in spans)
        )
    ).subquery()
    rows = await session.exec(
        select(bounds.c.n, Contribution.channel, func.count())
        .select_from(bounds)
        .join(
            Contribution,
            sa.and_(
                col(Contribution.process_id) == process_id,
                col(Contribution.created_at) >= bounds.c.starts,
                col(Contribution.created_at) < bounds.c.ends,
            ),
        )
        .group_by(bounds.c.n, col(Contribution.channel))
    )
    return granularity, spans, [(n, Channel(c), count) for n, c, count in rows]


async def by_segment_and_channel(
    session: AsyncSession, process_id: int
) -> list[tuple[Segment, Channel, int]]:
    rows = await session.exec(
        select(Contribution.segment, Contribution.channel, func.count())
        .where(Contribution.process_id == process_id)
        .group_by(col(Contribution.segment), col(Contribution.channel))
    )
    return [(Segment(s), Channel(c), n) for s, c, n in rows]


async def by_site_and_segment(
    session: AsyncSession, process_id: int
) -> tuple[list[tuple[int, str]], list[tuple[int | None, Segment, int]]]:
    """The process's sites (id, name) by name, and its contributions per site and segment
    ((site id or None for none, segment, count)). One statement: every site with its counts
    (a site nobody named yet with none), and the contributions without a site, both read
    from ix_contribution_site alone."""
    named: Any = (
        sa.select(
            col(Site.id).label("site_id"),
            col(Site.name).label("name"),
            col(Contribution.segment).label("segment"),
            func.count(col(Contribution.id)).label("n"),
        )
        .select_from(Site)
        .outerjoin(
            Contribution,
            sa.and_(
                col(Contribution.process_id) == Site.process_id,
                col(Contribution.site_id) == Site.id,
            ),
        )
        .where(col(Site.process_id) == process_id)
        .group_by(col(Site.id), col(Site.name), col(Contribution.segment))
    )
    without: Any = (
        sa.select(
            sa.cast(sa.null(), sa.Integer).label("site_id"),
            sa.cast(sa.null(), sa.String).label("name"),
            col(Contribution.segment).label("segment"),
            func.count().label("n"),
        )
        .where(col(Contribution.process_id) == process_id, col(Contribution.site_id).is_(None))
        .group_by(col(Contribution.segment))
    )
    both = sa.union_all(named, without).subquery()
    rows = list(
        await session.exec(
            select(both.c.site_id, both.c.name, both.c.segment, both.c.n).order_by(
                both.c.name, both.c.site_id
            )
        )
    )
    sites: dict[int, str] = {}
    counted: list[tuple[int | None, Segment, int]] = []
    for site_id, name, segment, n in rows:
        if site_id is not None:
            sites.setdefault(site_id, name)
        if segment is not None and n:
            counted.append((site_id, Segment(segment), n))
    return list(sites.items()), counted


async def by_theme_and_segment(
    session: AsyncSession, process_id: int
) -> list[tuple[int, str, Segment | None, int]]:
    """Contributions per confirmed action field and segment: (theme id, name, segment,
    count), every theme of the process in its order, with segment None for one nobody was
    confirmed for."""
    rows = await session.exec(
        select(Theme.id, Theme.name, Contribution.segment, func.count(col(Contribution.id)))
        .outerjoin(
            ContributionTheme,
            sa.and_(
                col(ContributionTheme.theme_id) == Theme.id,
                col(ContributionTheme.source) == ThemeSource.CONFIRMED,
            ),
        )
        .outerjoin(Contribution, col(Contribution.id) == ContributionTheme.contribution_id)
        .where(Theme.process_id == process_id)
        .group_by(col(Theme.id), col(Theme.name), col(Theme.position), col(Contribution.segment))
        .order_by(col(Theme.position), col(Theme.id))
    )
    return [(t or 0, name, Segment(s) if s else None, n) for t, name, s, n in rows]


async def by_municipality(
    session: AsyncSession, process_id: int, limit: int | None
) -> list[tuple[str, int]]:
    """Contributions per municipality as given, most first ("" for none given); the first
    `limit` places, or all."""
    n = func.count()
    query = (
        select(Contribution.municipality, n)
        .where(Contribution.process_id == process_id)
        .group_by(col(Contribution.municipality))
        # On a tie, named places before "none given" (NULL sorts apart on the two databases).
        .order_by(
            n.desc(), col(Contribution.municipality).is_(None), col(Contribution.municipality)
        )
    )
    if limit is not None:
        query = query.limit(limit)
    return [(m or NOT_GIVEN, count) for m, count in await session.exec(query)]


async def survey_counts(session: AsyncSession, process_id: int) -> list[SurveyCounts]:
    """Per survey of the process: invitations made and used, responses begun and sent. Three
    statements; the two counts group by survey over the surveys' indexes."""
    surveys = list(
        await session.exec(
            select(Survey.id, Survey.title, Survey.invitation_only)
            .where(Survey.process_id == process_id)
            .order_by(col(Survey.id))
        )
    )
    ids = [survey_id or 0 for survey_id, _t, _i in surveys]
    if not ids:
        return []
    invitations = {
        survey_id: (made, used)
        for survey_id, made, used in await session.exec(
            select(
                SurveyInvitation.survey_id, func.count(), func.count(col(SurveyInvitation.used_at))
            )
            .where(col(SurveyInvitation.survey_id).in_(ids))
            .group_by(col(SurveyInvitation.survey_id))
        )
    }
    responses = {
        survey_id: (started, sent)
        for survey_id, started, sent in await session.exec(
            select(
                SurveyResponse.survey_id,
                func.count(),
                func.count(col(SurveyResponse.submitted_at)),
            )
            .where(col(SurveyResponse.survey_id).in_(ids))
            .group_by(col(SurveyResponse.survey_id))
        )
    }
    return [
        SurveyCounts(
            survey_id or 0,
            title,
            invitation_only,
            *invitations.get(survey_id or 0, (0, 0)),
            *responses.get(survey_id or 0, (0, 0)),
        )
        for survey_id, title, invitation_only in surveys
    ]


def _firm_key(
    name: Mapped[str | None], prefix: str, row_id: Mapped[int | None]
) -> sa.ColumnElement[str]:
    """A firm's identity: its name (case and outer spaces ignored), or the row when it gave
    none."""
    named = func.nullif(func.lower(func.trim(name)), "")
    return func.coalesce(named, sa.literal(prefix) + sa.cast(row_id, sa.String))


def _firms(process_id: int) -> sa.Subquery:
    """The firms that took part: sent survey responses and ideas with segment firm; one named
    firm that did both, or several, counts once."""
    firms: sa.CompoundSelect[tuple[str | None, str | None, str]] = sa.union_all(
        sa.select(
            col(SurveyResponse.organisation_sector).label("sector"),
            col(SurveyResponse.organisation_size).label("size"),
            _firm_key(col(SurveyResponse.organisation_name), "r", col(SurveyResponse.id)).label(
                "firm"
            ),
        )
        .join(Survey, col(Survey.id) == SurveyResponse.survey_id)
        .where(
            col(Survey.process_id) == process_id,
            col(SurveyResponse.submitted_at).is_not(None),
            col(SurveyResponse.segment) == Segment.FIRM,
        ),
        sa.select(
            col(Contribution.organisation_sector).label("sector"),
            col(Contribution.organisation_size).label("size"),
            _firm_key(col(Contribution.organisation_name), "c", col(Contribution.id)).label("firm"),
        ).where(
            col(Contribution.process_id) == process_id,
            col(Contribution.segment) == Segment.FIRM,
            col(Contribution.kind) == ContributionKind.IDEA,
        ),
    )
    return firms.subquery()


async def firms_by(
    session: AsyncSession, process_id: int, dimension: PopulationDimension
) -> dict[str, int]:
    """Firms that took part per WZ section or size class ("" for none given)."""
    firms = _firms(process_id)
    group = firms.c.sector if dimension is PopulationDimension.SECTOR else firms.c.size
    rows = await session.exec(select(group, func.count(sa.distinct(firms.c.firm))).group_by(group))
    return {key or NOT_GIVEN: n for key, n in rows}


async def known_population(
    session: AsyncSession, process_id: int
) -> dict[PopulationDimension, dict[str, int]]:
    rows = await session.exec(
        select(KnownPopulation.dimension, KnownPopulation.key, KnownPopulation.firms).where(
            KnownPopulation.process_id == process_id
        )
    )
    found: dict[PopulationDimension, dict[str, int]] = {d: {} for d in PopulationDimension}
    for dimension, key, firms in rows:
        found[PopulationDimension(dimension)][key] = firms
    return found


def distinct_segments(rows: Sequence[tuple[int, str, Segment | None, int]]) -> list[Segment]:
    present = {segment for _t, _n, segment, count in rows if segment is not None and count}
    return [s for s in Segment if s in present]
