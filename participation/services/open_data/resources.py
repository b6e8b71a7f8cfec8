"""What the open-data package holds: one CSV file per resource, each with its fields (name,
Frictionless type, what it means) and the query its rows come from.

What may be public is decided here and nowhere else: published ideas and survey answers
(`PUBLISHED`), published comments on them, the confirmed action fields of those, the
profiles in a public status, and the plan once it is published. Only the columns listed
are read, so no name, e-mail address, organisation of a contributor, pseudonym, follow
token, note or moderation reason can reach a file. Large tables are streamed from one
statement each (`yield_per`), a batch at a time, whatever the process holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import N_
from participation.models import (
    PUBLIC_PROFILE_STATUSES,
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Profile,
    ProfileIndicator,
    ProfileOrganisation,
    ProfileSource,
    ProfileTheme,
    Theme,
    ThemeSource,
)
from participation.services.evaluation.plan import Plan

BATCH: Final = 1000
# The contributions that go into the package: published ideas (from every channel, focus
# groups included) and published free-text survey answers. Comments come with their idea.
EXPORTED_KINDS: Final = (ContributionKind.IDEA, ContributionKind.SURVEY_ANSWER)
PUBLISHED: Final = sa.and_(
    col(Contribution.status) == ContributionStatus.PUBLISHED,
    col(Contribution.kind).in_(EXPORTED_KINDS),
)
_PUBLIC_PROFILES: Final = sorted(PUBLIC_PROFILE_STATUSES)

Rows = AsyncIterator[list[Sequence[Any]]]
# Turns a row as read into the row written, e.g. a value picked from a JSON column.
Shape = Callable[[Sequence[Any]], Sequence[Any]]


@dataclass(frozen=True)
class Scope:
    """What the rows of one package are read for."""

    process_id: int
    plan: Plan | None  # None: the plan is not published


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Frictionless field type: integer, number, string, boolean, datetime
    description: str  # a msgid


@dataclass(frozen=True)
class Resource:
    name: str  # the file is <name>.csv
    description: str  # a msgid
    columns: tuple[Column, ...]
    rows: Callable[[AsyncSession, Scope], Rows]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (field, other resource, its field)
    shape: Shape | None = None

    @property
    def path(self) -> str:
        return f"{self.name}.csv"


def _select(*columns: Any) -> Any:
    """A select of model attributes, however many (sqlmodel's select types only a few)."""
    return sa.select(*(col(c) for c in columns))


async def _streamed(session: AsyncSession, statement: Any) -> Rows:
    """The rows of one statement, BATCH at a time, read as they are written."""
    result = await session.stream(statement.execution_options(yield_per=BATCH))
    async for part in result.partitions(BATCH):
        yield [tuple(row) for row in part]


async def _once(rows: list[Sequence[Any]]) -> Rows:
    if rows:
        yield rows


def _contributions(session: AsyncSession, scope: Scope) -> Rows:
    c = Contribution
    return _streamed(
        session,
        _select(
            c.id,
            c.kind,
            c.channel,
            c.segment,
            c.municipality,
            c.title,
            c.body,
            c.support_count,
            c.comment_count,
            c.imported_ratings,
            c.answer,
            c.answered_at,
            c.created_at,
            c.published_at,
        )
        .where(c.process_id == scope.process_id, PUBLISHED)
        .order_by(col(c.id)),
    )


def _dots(row: Sequence[Any]) -> Sequence[Any]:
    """A focus group's dots from the kept ratings; other imported ratings stay out."""
    ratings = row[9] if row[2] == Channel.FOCUS_GROUP else None
    dots = ratings.get("dots") if isinstance(ratings, dict) else None
    return (*row[:9], dots if isinstance(dots, int) else None, *row[10:])


def _comments(session: AsyncSession, scope: Scope) -> Rows:
    c = Contribution
    idea, top = aliased(Contribution), aliased(Contribution)
    return _streamed(
        session,
        _select(c.id, c.parent_id, c.reply_to_id, c.segment, c.body, c.created_at, c.published_at)
        .join(idea, col(idea.id) == c.parent_id)
        # A reply goes with its comment: not at all when that one is not public.
        .outerjoin(top, col(top.id) == c.reply_to_id)
        .where(
            c.process_id == scope.process_id,
            c.kind == ContributionKind.COMMENT,
            c.status == ContributionStatus.PUBLISHED,
            col(idea.status) == ContributionStatus.PUBLISHED,
            col(idea.kind).in_(EXPORTED_KINDS),
            col(c.reply_to_id).is_(None) | (col(top.status) == ContributionStatus.PUBLISHED),
        )
        .order_by(col(c.id)),
    )


def _action_fields(session: AsyncSession, scope: Scope) -> Rows:
    return _streamed(
        session,
        _select(Theme.id, Theme.slug, Theme.name, Theme.description, Theme.lead_organisation)
        .where(Theme.process_id == scope.process_id)
        .order_by(col(Theme.position), col(Theme.id)),
    )


def _contribution_fields(session: AsyncSession, scope: Scope) -> Rows:
    return _streamed(
        session,
        select(ContributionTheme.contribution_id, ContributionTheme.theme_id)
        .join(Contribution, col(Contribution.id) == ContributionTheme.contribution_id)
        .where(
            Contribution.process_id == scope.process_id,
            PUBLISHED,
            ContributionTheme.source == ThemeSource.CONFIRMED,
        )
        .order_by(col(ContributionTheme.contribution_id), col(ContributionTheme.theme_id)),
    )


def _public_profiles() -> Any:
    return col(Profile.status).in_(_PUBLIC_PROFILES)


def _profiles(session: AsyncSession, scope: Scope) -> Rows:
    p = Profile
    return _streamed(
        session,
        _select(
            p.id,
            p.title,
            p.summary,
            p.problem,
            p.goal,
            p.measures,
            p.target_segments,
            p.target_groups,
            p.horizon,
            p.cost_min,
            p.cost_max,
            p.funding,
            p.status,
            p.progress,
            p.published_at,
            p.updated_at,
        )
        .where(p.process_id == scope.process_id, _public_profiles())
        .order_by(col(p.id)),
    )


def _segments(row: Sequence[Any]) -> Sequence[Any]:
    segments = row[6] if isinstance(row[6], list) else []
    return (*row[:6], " ".join(str(s) for s in segments), *row[7:])


def _of_public_profiles(scope: Scope, *columns: Any) -> Any:
    """`columns` of a table keyed by profile_id, for the process's public profiles."""
    table = columns[0].class_
    return (
        select(*columns)
        .join(Profile, col(Profile.id) == table.profile_id)
        .where(Profile.process_id == scope.process_id, _public_profiles())
    )


def _profile_fields(session: AsyncSession, scope: Scope) -> Rows:
    t = ProfileTheme
    query = _of_public_profiles(scope, t.profile_id, t.theme_id, t.is_primary)
    return _streamed(session, query.order_by(col(t.profile_id), col(t.is_primary).desc()))


def _profile_organisations(session: AsyncSession, scope: Scope) -> Rows:
    o = ProfileOrganisation
    query = _of_public_profiles(scope, o.profile_id, o.role, o.kind, o.name)
    return _streamed(session, query.order_by(col(o.profile_id), col(o.position), col(o.id)))


def _profile_indicators(session: AsyncSession, scope: Scope) -> Rows:
    i = ProfileIndicator
    query = _of_public_profiles(scope, i.profile_id, i.name, i.unit, i.baseline, i.target, i.due)
    return _streamed(session, query.order_by(col(i.profile_id), col(i.position), col(i.id)))


def _profile_sources(session: AsyncSession, scope: Scope) -> Rows:
    s = ProfileSource
    query = (
        _of_public_profiles(scope, s.profile_id, s.contribution_id)
        .join(Contribution, col(Contribution.id) == s.contribution_id)
        .where(col(Contribution.process_id) == scope.process_id, PUBLISHED)
    )
    return _streamed(session, query.order_by(col(s.profile_id), col(s.contribution_id)))


def _plan_groups(session: AsyncSession, scope: Scope) -> Rows:
    assert scope.plan is not None
    return _once(
        [
            (g.group.id, g.group.position + 1, g.group.name, g.group.description, len(g.profiles))
            for g in scope.plan.groups
        ]
    )


def _plan_entries(session: AsyncSession, scope: Scope) -> Rows:
    plan = scope.plan
    assert plan is not None
    return _once(
        [(p.id, p.group_id, p.rank, p.score, p.evaluators, p.ratings) for p in plan.profiles]
    )


def _criteria(session: AsyncSession, scope: Scope) -> Rows:
    plan = scope.plan
    assert plan is not None
    method = plan.method
    return _once(
        [
            (c.id, n, c.name, c.description, c.weight, method.share(c))
            for n, c in enumerate(method.criteria, start=1)
        ]
    )


def _plan_scores(session: AsyncSession, scope: Scope) -> Rows:
    plan = scope.plan
    assert plan is not None
    return _once(
        [
            (p.id, criterion_id, score.mean, score.spread, score.ratings)
            for p in plan.profiles
            for criterion_id, score in sorted(p.criteria.items())
        ]
    )


_ID: Final = Column("id", "integer", N_("Number of the row, unique in this file."))
_PROFILE: Final = Column("profile_id", "integer", N_("The profile (profiles.csv: id)."))
_CONTRIBUTION: Final = Column(
    "contribution_id", "integer", N_("The contribution (contributions.csv: id).")
)
_FIELD: Final = Column(
    "action_field_id", "integer", N_("The action field (action_fields.csv: id).")
)
_TO_PROFILE: Final = ("profile_id", "profiles", "id")

CONTRIBUTIONS: Final = Resource(
    "contributions",
    N_("Published ideas and free-text survey answers."),
    (
        _ID,
        Column("kind", "string", N_("idea or survey_answer (see the codes below).")),
        Column("channel", "string", N_("How it came in (see the codes below).")),
        Column("segment", "string", N_("Who wrote it, as they said themselves (see the codes).")),
        Column("municipality", "string", N_("Municipality, if the author gave one.")),
        Column("title", "string", N_("Title; for a survey answer, the question.")),
        Column("body", "string", N_("Text as published.")),
        Column("supports", "integer", N_("How often it was supported on the platform.")),
        Column("comments", "integer", N_("Published comments and replies.")),
        Column("focus_group_dots", "integer", N_("Dots the focus group gave it (focus groups).")),
        Column("answer", "string", N_("The moderators' public answer, if any.")),
        Column("answered_at", "datetime", N_("When the answer was written (UTC).")),
        Column("created_at", "datetime", N_("When it was sent (UTC).")),
        Column("published_at", "datetime", N_("When it was published (UTC).")),
    ),
    _contributions,
    primary_key=("id",),
    shape=_dots,
)
COMMENTS: Final = Resource(
    "comments",
    N_("Published comments and replies on the published ideas."),
    (
        _ID,
        Column("contribution_id", "integer", N_("The idea commented on (contributions.csv: id).")),
        Column("reply_to_id", "integer", N_("For a reply: the comment it answers (id here).")),
        Column("segment", "string", N_("Who wrote it, as they said themselves (see the codes).")),
        Column("body", "string", N_("Text as published.")),
        Column("created_at", "datetime", N_("When it was sent (UTC).")),
        Column("published_at", "datetime", N_("When it was published (UTC).")),
    ),
    _comments,
    primary_key=("id",),
    foreign_keys=(("contribution_id", "contributions", "id"),),
)
ACTION_FIELDS: Final = Resource(
    "action_fields",
    N_("The action fields (Handlungsfelder) of the process."),
    (
        _ID,
        Column("slug", "string", N_("Short name used in web addresses.")),
        Column("name", "string", N_("Name.")),
        Column("description", "string", N_("Description.")),
        Column("lead_organisation", "string", N_("The organisation that leads it, if named.")),
    ),
    _action_fields,
    primary_key=("id",),
)
CONTRIBUTION_FIELDS: Final = Resource(
    "contribution_action_fields",
    N_("The action fields moderators confirmed for each contribution."),
    (_CONTRIBUTION, _FIELD),
    _contribution_fields,
    primary_key=("contribution_id", "action_field_id"),
    foreign_keys=(
        ("contribution_id", "contributions", "id"),
        ("action_field_id", "action_fields", "id"),
    ),
)
PROFILES: Final = Resource(
    "profiles",
    N_("The published project profiles (Steckbriefe); text fields in Markdown."),
    (
        _ID,
        Column("title", "string", N_("Title.")),
        Column("summary", "string", N_("Short summary.")),
        Column("problem", "string", N_("Starting point.")),
        Column("goal", "string", N_("Goal.")),
        Column("measures", "string", N_("Measures.")),
        Column("target_segments", "string", N_("Segments it is for, codes separated by spaces.")),
        Column("target_groups", "string", N_("Target groups in words.")),
        Column("horizon", "string", N_("Time horizon (see the codes).")),
        Column("cost_min", "integer", N_("Estimated cost from, in euros.")),
        Column("cost_max", "integer", N_("Estimated cost up to, in euros.")),
        Column("funding", "string", N_("Possible funding.")),
        Column("status", "string", N_("Status (see the codes).")),
        Column("progress", "integer", N_("Implementation progress in percent, if reported.")),
        Column("published_at", "datetime", N_("When it was published (UTC).")),
        Column("updated_at", "datetime", N_("When it was last changed (UTC).")),
    ),
    _profiles,
    primary_key=("id",),
    shape=_segments,
)
PROFILE_FIELDS: Final = Resource(
    "profile_action_fields",
    N_("The action fields of each profile."),
    (_PROFILE, _FIELD, Column("is_primary", "boolean", N_("true for its primary action field."))),
    _profile_fields,
    primary_key=("profile_id", "action_field_id"),
    foreign_keys=(_TO_PROFILE, ("action_field_id", "action_fields", "id")),
)
PROFILE_ORGANISATIONS: Final = Resource(
    "profile_organisations",
    N_("The organisations a profile names: lead, partners, interested."),
    (
        _PROFILE,
        Column("role", "string", N_("lead, partner or interested.")),
        Column("kind", "string", N_("Kind of organisation (see the codes).")),
        Column("name", "string", N_("Name of the organisation.")),
    ),
    _profile_organisations,
    foreign_keys=(_TO_PROFILE,),
)
PROFILE_INDICATORS: Final = Resource(
    "profile_indicators",
    N_("How each profile's success is to be measured."),
    (
        _PROFILE,
        Column("name", "string", N_("Indicator.")),
        Column("unit", "string", N_("Unit.")),
        Column("baseline", "string", N_("Value at the start.")),
        Column("target", "string", N_("Target value.")),
        Column("due", "string", N_("By when, as written.")),
    ),
    _profile_indicators,
    foreign_keys=(_TO_PROFILE,),
)
PROFILE_SOURCES: Final = Resource(
    "profile_sources",
    N_("The published contributions each profile was built from."),
    (_PROFILE, _CONTRIBUTION),
    _profile_sources,
    primary_key=("profile_id", "contribution_id"),
    foreign_keys=(_TO_PROFILE, ("contribution_id", "contributions", "id")),
)
PLAN_GROUPS: Final = Resource(
    "plan_groups",
    N_("The priority groups of the published plan, in order."),
    (
        _ID,
        Column("position", "integer", N_("Order of the group, 1 first.")),
        Column("name", "string", N_("Name.")),
        Column("description", "string", N_("Description.")),
        Column("profiles", "integer", N_("Profiles placed in it.")),
    ),
    _plan_groups,
    primary_key=("id",),
)
PLAN_ENTRIES: Final = Resource(
    "plan_entries",
    N_("Each profile's place in the published plan."),
    (
        _PROFILE,
        Column("group_id", "integer", N_("Its priority group (plan_groups.csv: id).")),
        Column("rank", "integer", N_("Its place in the whole plan, 1 first.")),
        Column("score", "number", N_("Weighted score on the criteria's scale, if rated.")),
        Column("evaluators", "integer", N_("Evaluators who rated it.")),
        Column("ratings", "integer", N_("Ratings given, over all criteria.")),
    ),
    _plan_entries,
    primary_key=("profile_id",),
    foreign_keys=(_TO_PROFILE, ("group_id", "plan_groups", "id")),
)
CRITERIA: Final = Resource(
    "criteria",
    N_("The criteria the profiles were rated against."),
    (
        _ID,
        Column("position", "integer", N_("Order, 1 first.")),
        Column("name", "string", N_("Name.")),
        Column("description", "string", N_("Description.")),
        Column("weight", "number", N_("Weight.")),
        Column("share_percent", "integer", N_("Share of the score in percent.")),
    ),
    _criteria,
    primary_key=("id",),
)
PLAN_SCORES: Final = Resource(
    "plan_scores",
    N_("Each placed profile's mean rating per criterion."),
    (
        _PROFILE,
        Column("criterion_id", "integer", N_("The criterion (criteria.csv: id).")),
        Column("mean", "number", N_("Mean of the ratings.")),
        Column("spread", "integer", N_("Highest minus lowest rating.")),
        Column("ratings", "integer", N_("Ratings given.")),
    ),
    _plan_scores,
    primary_key=("profile_id", "criterion_id"),
    foreign_keys=(_TO_PROFILE, ("criterion_id", "criteria", "id")),
)

ALWAYS: Final = (
    CONTRIBUTIONS,
    COMMENTS,
    ACTION_FIELDS,
    CONTRIBUTION_FIELDS,
    PROFILES,
    PROFILE_FIELDS,
    PROFILE_ORGANISATIONS,
    PROFILE_INDICATORS,
    PROFILE_SOURCES,
)
WITH_PLAN: Final = (PLAN_GROUPS, PLAN_ENTRIES, CRITERIA, PLAN_SCORES)


def resources_for(plan_published: bool) -> tuple[Resource, ...]:
    return ALWAYS + WITH_PLAN if plan_published else ALWAYS
