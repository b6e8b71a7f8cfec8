"""The published plan as the public reads it: the priority groups in order with their
profiles (score on the criteria's scale, action field, horizon, lead organisation, progress),
the same profiles by action field with the fields' indicators and their latest values, and
how the plan was rated ("So wurde bewertet": criteria and weights, the scale, evaluators,
rounds and the contributions behind the plan by segment and channel).

The whole plan is read in a fixed number of statements, whatever its size: the places, the
action fields, the lead organisations, the indicators with their latest values and the
contributions each in one, and the per-criterion means from each round behind the plan
(services/evaluation/scores.round_scores: a plan normally has one round).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import fmean
from typing import Any, Final

from babel.numbers import format_decimal
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _, number_locale
from participation.models import (
    Contribution,
    Criterion,
    EvaluationSetup,
    IndicatorValue,
    OrganisationRole,
    PlanEntry,
    PriorityGroup,
    Profile,
    ProfileIndicator,
    ProfileOrganisation,
    ProfileSource,
    ProfileStatus,
    Rating,
    Segment,
    Theme,
)
from participation.services.errors import NotFound
from participation.services.evaluation.criteria import criteria_of, setup_of
from participation.services.evaluation.groups import groups_of
from participation.services.evaluation.scores import round_scores
from participation.services.evaluation.scoring import CriterionScore
from participation.services.profiles.breakdown import Breakdown, breakdown_of
from participation.services.profiles.public import themes_of

BY_GROUP: Final = "gruppen"
BY_FIELD: Final = "handlungsfelder"
VIEWS: Final = (BY_GROUP, BY_FIELD)


def decimal(value: float, digits: int = 1) -> str:
    """A number as people read it in their language: 3,4 in German, 3.4 in English."""
    pattern = "0." + "0" * digits if digits else "0"
    return format_decimal(value, format=pattern, locale=number_locale())


def number(value: float) -> str:
    """A measured value with at most two decimals, as people read it (1.234,5 in German)."""
    return format_decimal(value, format="#,##0.##", locale=number_locale())


def score_text(value: float | None, scale_max: int) -> str:
    """A score on the criteria's scale: "3,4 von 4"; "–" for a profile placed by hand
    without one."""
    if value is None:
        return "–"
    return _("%(score)s of %(max)d") % {"score": decimal(value), "max": scale_max}


@dataclass(frozen=True)
class PlanProfile:
    """A placed profile with what the plan shows of it."""

    profile: Profile
    group_id: int
    rank: int  # its place in the whole plan, 1 first
    score: float | None
    round_id: int | None
    themes: Sequence[Theme]  # the primary action field first
    lead: str  # the lead organisation, "" when none is named
    criteria: dict[int, CriterionScore]  # per-criterion means of its round, by criterion id
    evaluators: int

    @property
    def id(self) -> int:
        return self.profile.id or 0

    @property
    def primary_theme(self) -> Theme | None:
        return self.themes[0] if self.themes else None

    @property
    def ratings(self) -> int:
        return sum(c.ratings for c in self.criteria.values())


@dataclass(frozen=True)
class Progress:
    """How far a set of profiles is: how many are in implementation, how many completed,
    and the mean reported progress (None: no progress reported)."""

    in_implementation: int
    completed: int
    reported: int  # profiles with a progress
    mean: float | None

    @classmethod
    def of(cls, profiles: Sequence[PlanProfile]) -> Progress:
        reported = [p.profile.progress for p in profiles if p.profile.progress is not None]
        return cls(
            in_implementation=sum(
                1 for p in profiles if p.profile.status is ProfileStatus.IN_IMPLEMENTATION
            ),
            completed=sum(1 for p in profiles if p.profile.status is ProfileStatus.COMPLETED),
            reported=len(reported),
            mean=fmean(reported) if reported else None,
        )

    @property
    def any(self) -> bool:
        return bool(self.in_implementation or self.completed or self.reported)


@dataclass(frozen=True)
class PlanGroup:
    group: PriorityGroup
    profiles: Sequence[PlanProfile]

    @property
    def progress(self) -> Progress:
        return Progress.of(self.profiles)


@dataclass(frozen=True)
class LatestValue:
    """An indicator of a profile with its newest measured value (None: none yet)."""

    indicator: ProfileIndicator
    profile_id: int
    value: float | None
    measured_on: date | None


@dataclass(frozen=True)
class ActionField:
    """An action field of the plan: its profiles (those whose primary field it is), the
    indicators of those profiles with their latest values. `theme` None: profiles without
    an action field."""

    theme: Theme | None
    profiles: Sequence[PlanProfile]
    indicators: Sequence[LatestValue]

    @property
    def progress(self) -> Progress:
        return Progress.of(self.profiles)


@dataclass(frozen=True)
class Method:
    """How the plan was rated."""

    setup: EvaluationSetup
    criteria: Sequence[Criterion]
    evaluators: int  # distinct evaluators with submitted ratings in the plan's rounds
    rounds: int
    contributions: Breakdown  # the distinct sources of the placed profiles

    def share(self, criterion: Criterion) -> int:
        """The criterion's weight as a share of the score, in whole percent."""
        total = sum(c.weight for c in self.criteria)
        return round(100 * criterion.weight / total) if total else 0


@dataclass(frozen=True)
class Plan:
    process_id: int
    published_at: datetime | None
    groups: Sequence[PlanGroup]
    method: Method
    fields: Sequence[ActionField] = field(default_factory=list)

    @property
    def profiles(self) -> list[PlanProfile]:
        return [p for g in self.groups for p in g.profiles]

    @property
    def scale_max(self) -> int:
        return self.method.setup.scale_max

    def score_of(self, placed: PlanProfile) -> str:
        return score_text(placed.score, self.scale_max)

    def group_of(self, placed: PlanProfile) -> PriorityGroup:
        return next(g.group for g in self.groups if g.group.id == placed.group_id)

    @property
    def progress(self) -> Progress:
        return Progress.of(self.profiles)


def _placed_query(process_id: int) -> Any:
    """The ids of the process's placed profiles, as a subquery."""
    return (
        select(PlanEntry.profile_id)
        .join(PriorityGroup, col(PriorityGroup.id) == PlanEntry.group_id)
        .where(col(PriorityGroup.process_id) == process_id)
    )


async def placed_entries(session: AsyncSession, process_id: int) -> list[tuple[PlanEntry, Profile]]:
    """The process's plan entries with their profiles, best score first within each group
    (a profile placed by hand without a score last), one statement."""
    rows = await session.exec(
        select(PlanEntry, Profile)
        .join(Profile, col(Profile.id) == PlanEntry.profile_id)
        .join(PriorityGroup, col(PriorityGroup.id) == PlanEntry.group_id)
        .where(col(PriorityGroup.process_id) == process_id)
        .order_by(
            col(PriorityGroup.position),
            col(PriorityGroup.id),
            col(PlanEntry.score).is_(None),
            col(PlanEntry.score).desc(),
            col(Profile.title),
            col(Profile.id),
        )
    )
    return list(rows.all())


async def _leads(session: AsyncSession, process_id: int) -> dict[int, str]:
    rows = await session.exec(
        select(ProfileOrganisation.profile_id, ProfileOrganisation.name)
        .where(
            col(ProfileOrganisation.profile_id).in_(_placed_query(process_id)),
            col(ProfileOrganisation.role) == OrganisationRole.LEAD,
        )
        .order_by(col(ProfileOrganisation.position).desc(), col(ProfileOrganisation.id).desc())
    )
    return dict(rows.all())  # the first lead of each profile wins (rows come last to first)


async def _evaluators(session: AsyncSession, round_ids: Sequence[int]) -> int:
    if not round_ids:
        return 0
    found = await session.exec(
        select(func.count(func.distinct(Rating.evaluator_id))).where(
            col(Rating.round_id).in_(list(round_ids)), col(Rating.submitted_at).is_not(None)
        )
    )
    return found.one()


async def _contributions(session: AsyncSession, process_id: int) -> Breakdown:
    """The distinct contributions behind the placed profiles, by segment and channel, as a
    profile's breakdown counts them (a contribution in two profiles counts once)."""
    sources = select(ProfileSource.contribution_id).where(
        col(ProfileSource.profile_id).in_(_placed_query(process_id))
    )
    chosen = col(Contribution.id).in_(sources)
    origins = await session.exec(
        select(Contribution.segment, Contribution.channel, func.count())
        .where(chosen)
        .group_by(col(Contribution.segment), col(Contribution.channel))
    )
    firms = await session.exec(
        select(Contribution.organisation_sector, Contribution.organisation_size, func.count())
        .where(chosen, Contribution.segment == Segment.FIRM)
        .group_by(col(Contribution.organisation_sector), col(Contribution.organisation_size))
    )
    # "public" is a profile page's notion (which sources have a page): not used here.
    return breakdown_of([(s, c, False, n) for s, c, n in origins.all()], firms.all())


async def latest_values(session: AsyncSession, process_id: int) -> list[LatestValue]:
    """Every indicator of the placed profiles with its newest value (by measured_on, then the
    latest entered), one statement: each indicator's newest row is found along
    ix_indicator_value_indicator."""
    newest = (
        select(IndicatorValue.id)
        .where(col(IndicatorValue.indicator_id) == ProfileIndicator.id)
        .order_by(col(IndicatorValue.measured_on).desc(), col(IndicatorValue.id).desc())
        .limit(1)
        .correlate(ProfileIndicator)
        .scalar_subquery()
    )
    rows = await session.exec(
        select(ProfileIndicator, col(IndicatorValue.value), col(IndicatorValue.measured_on))
        .outerjoin(IndicatorValue, col(IndicatorValue.id) == newest)
        .where(col(ProfileIndicator.profile_id).in_(_placed_query(process_id)))
        .order_by(
            col(ProfileIndicator.profile_id),
            col(ProfileIndicator.position),
            col(ProfileIndicator.id),
        )
    )
    return [
        LatestValue(indicator, indicator.profile_id, value, measured_on)
        for indicator, value, measured_on in rows
    ]


def _by_field(
    profiles: Sequence[PlanProfile], indicators: Sequence[LatestValue], themes: Sequence[Theme]
) -> list[ActionField]:
    """The plan by primary action field, in the taxonomy's order; profiles without one last."""
    by_profile: dict[int, list[LatestValue]] = {}
    for latest in indicators:
        by_profile.setdefault(latest.profile_id, []).append(latest)
    grouped: dict[int | None, list[PlanProfile]] = {}
    for placed in profiles:
        theme = placed.primary_theme
        grouped.setdefault(theme.id if theme else None, []).append(placed)
    ordered: list[Theme | None] = [t for t in themes if t.id in grouped]
    if None in grouped:
        ordered.append(None)
    return [
        ActionField(
            theme,
            grouped[theme.id if theme else None],
            [
                latest
                for placed in grouped[theme.id if theme else None]
                for latest in by_profile.get(placed.id, [])
            ],
        )
        for theme in ordered
    ]


async def plan_of(
    session: AsyncSession, process_id: int, *, published_only: bool = True, means: bool = True
) -> Plan:
    """The process's plan; NotFound while it is not published (unless `published_only` is
    off, for the admin's preview). Without `means` the per-criterion means are left out
    (the page shows the scores alone): reading and scoring a round's ratings is most of the
    work."""
    setup = await setup_of(session, process_id)
    if published_only and setup.plan_published_at is None:
        raise NotFound(_("This plan is not published."))
    groups = await groups_of(session, process_id)
    entries = await placed_entries(session, process_id)
    themes = await themes_of(session, [p.id for _e, p in entries if p.id is not None])
    leads = await _leads(session, process_id)
    criteria = await criteria_of(session, process_id)
    round_ids = sorted({e.round_id for e, _p in entries if e.round_id is not None})
    scores = {}
    for round_id in round_ids if means else ():  # normally one
        try:
            found = await round_scores(session, round_id)
        except NotFound:
            continue
        scores[round_id] = found.scores
    profiles = []
    for rank, (entry, profile) in enumerate(entries, start=1):
        rated = scores.get(entry.round_id or 0, {}).get(profile.id or 0)
        profiles.append(
            PlanProfile(
                profile=profile,
                group_id=entry.group_id,
                rank=rank,
                score=entry.score,
                round_id=entry.round_id,
                themes=themes.get(profile.id or 0, []),
                lead=leads.get(profile.id or 0, ""),
                criteria=dict(rated.criteria) if rated else {},
                evaluators=rated.evaluators if rated else 0,
            )
        )
    method = Method(
        setup=setup,
        criteria=criteria,
        evaluators=await _evaluators(session, round_ids),
        rounds=len(round_ids),
        contributions=await _contributions(session, process_id),
    )
    indicators = await latest_values(session, process_id)
    taxonomy = sorted(
        {t.id: t for ts in themes.values() for t in ts}.values(),
        key=lambda t: (t.position, t.id or 0),
    )
    return Plan(
        process_id=process_id,
        published_at=setup.plan_published_at,
        groups=[PlanGroup(g, [p for p in profiles if p.group_id == g.id]) for g in groups],
        method=method,
        fields=_by_field(profiles, indicators, taxonomy),
    )
