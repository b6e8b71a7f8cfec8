"""What the public sees of a process's project profiles: the published ones (published, in
implementation, completed) in a list with filters, one profile with everything it says, and
the contributions it was built from that have a public page.

A profile in any other status does not exist for the public: every function here returns
None or leaves it out. Each page runs a fixed number of statements, however many profiles
or sources there are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar
from urllib.parse import urlencode

from babel.numbers import format_decimal
from sqlalchemy import ColumnElement
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _, current_locale
from participation.inputs import parse_int
from participation.models import (
    PUBLIC_PROFILE_STATUSES,
    Channel,
    Contribution,
    Horizon,
    OrganisationRole,
    Profile,
    ProfileIndicator,
    ProfileOrganisation,
    ProfileSource,
    ProfileStatus,
    ProfileTheme,
    Segment,
    Theme,
)
from participation.services.idea_list import checked_choices
from participation.services.processes import Page
from participation.services.profiles.breakdown import PUBLIC_SOURCE

SelectT = TypeVar("SelectT", bound=Any)  # a select() of any columns
PAGE_MAX: Final = 100_000
PER_PAGE: Final = 20
SOURCES_PER_PAGE: Final = 20
PREVIEW: Final = 5  # profiles on the process page
PARAMS: Final = ("theme", "horizon", "page")
_PUBLIC: Final = sorted(PUBLIC_PROFILE_STATUSES)


@dataclass(frozen=True)
class ProfileFilters:
    theme: str = ""  # an action field's slug
    horizon: str = ""
    page: int = 1

    @property
    def narrowed(self) -> bool:
        return bool(self.theme or self.horizon)

    def query_string(self, **changes: str | int) -> str:
        """The URL query for these filters with some changed (e.g. `page=2`)."""
        values: dict[str, str | int] = {
            "theme": self.theme,
            "horizon": self.horizon,
            "page": self.page,
        }
        values.update(changes)
        if values["page"] == 1:
            del values["page"]
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def parse_filters(
    params: Mapping[str, str], theme_slugs: Sequence[str]
) -> tuple[ProfileFilters, dict[str, str]]:
    """Filters from query parameters, and a message per parameter whose value is not one of
    its choices (that filter is then left out)."""
    choices = {"theme": list(theme_slugs), "horizon": [h.value for h in Horizon]}
    chosen, errors = checked_choices(params, choices)
    page = parse_int(params.get("page") or "1", maximum=PAGE_MAX)
    if page is None:
        errors["page"] = _("The page must be a whole number up to %(max)d.") % {"max": PAGE_MAX}
    return ProfileFilters(page=max(1, page or 1), **chosen), errors


@dataclass(frozen=True)
class ListedProfile:
    profile: Profile
    themes: Sequence[Theme]  # the primary one first


@dataclass(frozen=True)
class ProfileList:
    page: Page[ListedProfile]
    # Published profiles per action field id, and per horizon, over the whole process.
    theme_counts: Mapping[int, int]
    horizon_counts: Mapping[Horizon, int]


async def themes_of(session: AsyncSession, profile_ids: Sequence[int]) -> dict[int, list[Theme]]:
    """The action fields of these profiles, the primary one first; one statement."""
    if not profile_ids:
        return {}
    rows = await session.exec(
        select(ProfileTheme.profile_id, Theme)
        .join(Theme, col(Theme.id) == ProfileTheme.theme_id)
        .where(col(ProfileTheme.profile_id).in_(list(profile_ids)))
        .order_by(col(ProfileTheme.is_primary).desc(), col(Theme.position), col(Theme.id))
    )
    themes: dict[int, list[Theme]] = {}
    for profile_id, theme in rows:
        themes.setdefault(profile_id, []).append(theme)
    return themes


def _public_where(process_id: int) -> list[Any]:
    return [col(Profile.process_id) == process_id, col(Profile.status).in_(_PUBLIC)]


async def public_profiles(
    session: AsyncSession,
    process_id: int,
    filters: ProfileFilters,
    theme_id: int | None,
    per_page: int = PER_PAGE,
) -> ProfileList:
    """One page of the process's published profiles by title, with the counts the filters
    show. `theme_id` is the id of `filters.theme` (None for no theme filter)."""
    where = _public_where(process_id)
    if theme_id is not None:
        where.append(
            col(Profile.id).in_(
                select(ProfileTheme.profile_id).where(ProfileTheme.theme_id == theme_id)
            )
        )
    if filters.horizon:
        where.append(col(Profile.horizon) == Horizon(filters.horizon))
    return ProfileList(
        page=await _listed_page(session, where, filters.page, per_page),
        theme_counts=await _theme_counts(session, process_id),
        horizon_counts=await _horizon_counts(session, process_id),
    )


async def _theme_counts(session: AsyncSession, process_id: int) -> dict[int, int]:
    rows = await session.exec(
        select(ProfileTheme.theme_id, func.count())
        .join(Profile, col(Profile.id) == ProfileTheme.profile_id)
        .where(*_public_where(process_id))
        .group_by(col(ProfileTheme.theme_id))
    )
    return dict(rows.all())


async def _horizon_counts(session: AsyncSession, process_id: int) -> dict[Horizon, int]:
    rows = await session.exec(
        select(Profile.horizon, func.count())
        .where(*_public_where(process_id), col(Profile.horizon).is_not(None))
        .group_by(Profile.horizon)
    )
    return {Horizon(h): n for h, n in rows.all() if h is not None}


async def profile_preview(
    session: AsyncSession, process_id: int, limit: int = PREVIEW
) -> tuple[list[Profile], int]:
    """The first published profiles by title for the process page, and how many there are."""
    rows = list(
        await session.exec(
            select(Profile)
            .where(*_public_where(process_id))
            .order_by(col(Profile.title), col(Profile.id))
            .limit(limit + 1)
        )
    )
    if len(rows) <= limit:
        return rows, len(rows)
    total = (
        await session.exec(
            select(func.count()).select_from(Profile).where(*_public_where(process_id))
        )
    ).one()
    return rows[:limit], total


@dataclass(frozen=True)
class ProfileDetail:
    """A profile with its action fields, organisations and indicators."""

    profile: Profile
    themes: Sequence[Theme]
    organisations: Sequence[ProfileOrganisation]
    indicators: Sequence[ProfileIndicator]

    def organisations_in(self, role: OrganisationRole) -> list[ProfileOrganisation]:
        return [o for o in self.organisations if o.role is role]

    @property
    def is_public(self) -> bool:
        return self.profile.status in PUBLIC_PROFILE_STATUSES


async def profile_detail(
    session: AsyncSession, process_id: int, profile_id: int, *, public_only: bool = True
) -> ProfileDetail | None:
    """One profile of a process with what belongs to it; None if there is none (or, with
    `public_only`, if it is not published)."""
    where = [col(Profile.id) == profile_id, col(Profile.process_id) == process_id]
    if public_only:
        where.append(col(Profile.status).in_(_PUBLIC))
    profile = (await session.exec(select(Profile).where(*where))).first()
    if profile is None:
        return None
    themes = await themes_of(session, [profile_id])
    organisations = await session.exec(
        select(ProfileOrganisation)
        .where(ProfileOrganisation.profile_id == profile_id)
        .order_by(col(ProfileOrganisation.position), col(ProfileOrganisation.id))
    )
    indicators = await session.exec(
        select(ProfileIndicator)
        .where(ProfileIndicator.profile_id == profile_id)
        .order_by(col(ProfileIndicator.position), col(ProfileIndicator.id))
    )
    return ProfileDetail(
        profile=profile,
        themes=themes.get(profile_id, []),
        organisations=list(organisations),
        indicators=list(indicators),
    )


@dataclass(frozen=True)
class SourceLink:
    """A source with a public page: what its link shows."""

    id: int
    title: str
    segment: Segment
    channel: Channel


async def public_sources(
    session: AsyncSession, profile: Profile, page: int, total: int, per_page: int = SOURCES_PER_PAGE
) -> Page[SourceLink]:
    """One page of the profile's sources that have a public page (published ideas of its
    process), in the order of their ids. `total` is their number (Breakdown.public), so
    nothing is counted again."""
    pages = max(1, math.ceil(total / per_page))
    number = min(max(1, page), pages)
    query = select(Contribution.id, Contribution.title, Contribution.segment, Contribution.channel)
    rows = await session.exec(
        _public_sources(query, profile).offset((number - 1) * per_page).limit(per_page)
    )
    items = [
        SourceLink(id=i or 0, title=t, segment=Segment(s), channel=Channel(c))
        for i, t, s, c in rows
    ]
    return Page(items=items, page=number, pages=pages, total=total)


async def public_source_ids(session: AsyncSession, profile: Profile) -> list[int]:
    """The ids of every source with a public page (for the API)."""
    rows = await session.exec(_public_sources(select(ProfileSource.contribution_id), profile))
    return list(rows)


def _public_sources(query: SelectT, profile: Profile) -> SelectT:
    """`query` over the profile's sources that have a public page, by id: published ideas
    of its own process (read along profile_source's key)."""
    narrowed: SelectT = (
        query.select_from(ProfileSource)
        .join(Contribution, col(Contribution.id) == ProfileSource.contribution_id)
        .where(
            col(ProfileSource.profile_id) == profile.id,
            col(Contribution.process_id) == profile.process_id,
            PUBLIC_SOURCE,
        )
        .order_by(col(ProfileSource.contribution_id))
    )
    return narrowed


async def profiles_page(
    session: AsyncSession,
    process_id: int,
    page: int,
    per_page: int,
    statuses: Sequence[ProfileStatus] = _PUBLIC,
    in_remit: ColumnElement[bool] | None = None,
) -> Page[ListedProfile]:
    """A page of a process's profiles in `statuses` by title (the API's lists), narrowed to
    a staff member's remit when `in_remit` is given (accounts/remit.Scope.profiles_in)."""
    where = [col(Profile.process_id) == process_id, col(Profile.status).in_(list(statuses))]
    if in_remit is not None:
        where.append(in_remit)
    return await _listed_page(session, where, page, per_page)


async def _listed_page(
    session: AsyncSession, where: Sequence[Any], page: int, per_page: int
) -> Page[ListedProfile]:
    """The profiles matching `where` by title: a count, a page, their action fields."""
    total = (await session.exec(select(func.count()).select_from(Profile).where(*where))).one()
    pages = max(1, math.ceil(total / per_page))
    number = min(max(1, page), pages)
    rows = list(
        await session.exec(
            select(Profile)
            .where(*where)
            .order_by(col(Profile.title), col(Profile.id))
            .offset((number - 1) * per_page)
            .limit(per_page)
        )
    )
    themes = await themes_of(session, [p.id for p in rows if p.id is not None])
    items = [ListedProfile(p, themes.get(p.id or 0, [])) for p in rows]
    return Page(items=items, page=number, pages=pages, total=total)


def cost_range(profile: Profile) -> str:
    """The estimated cost as people read it ("50.000 – 120.000 €"); "" when not estimated."""
    locale = current_locale.get()

    def euros(value: int) -> str:
        return format_decimal(value, locale=locale) + " €"

    low, high = profile.cost_min, profile.cost_max
    if low is not None and high is not None:
        return euros(low) if low == high else f"{euros(low)} – {euros(high)}"
    if low is not None:
        return _("from %(amount)s") % {"amount": euros(low)}
    if high is not None:
        return _("up to %(amount)s") % {"amount": euros(high)}
    return ""
