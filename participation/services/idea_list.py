"""The list of a process's published ideas: filters, full-text search, sorting and pages.

Filters arrive as query parameters (the page's GET form and the JSON API share them), so a
filtered list is a link people can keep and share.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any, Final
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import N_, _
from participation.inputs import parse_int
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Segment,
    Theme,
    ThemeSource,
)
from participation.services import search
from participation.services.processes import Page, confirmed_themes

QUERY_MAX: Final = 200
MUNICIPALITY_MAX: Final = 120
PAGE_MAX: Final = 100_000
# The query parameters the list understands, on the page and in the API.
PARAMS: Final = ("theme", "segment", "channel", "municipality", "site", "q", "sort", "page")


class Sort(StrEnum):
    RELEVANCE = "relevance"  # only with a search query; its default then
    NEWEST = "newest"
    SUPPORTED = "supported"  # most supports (the kept count)
    DISCUSSED = "discussed"  # most published comments (the kept count)


SORT_LABELS: Final = {
    Sort.RELEVANCE: N_("Best match"),
    Sort.NEWEST: N_("Newest"),
    Sort.SUPPORTED: N_("Most supported"),
    Sort.DISCUSSED: N_("Most discussed"),
}


@dataclass(frozen=True)
class IdeaFilters:
    """What the list is narrowed to and how it is sorted; "" means no filter."""

    theme: str = ""  # a theme's slug
    segment: str = ""
    channel: str = ""
    municipality: str = ""
    site: str = ""  # a site's id (e.g. one of an alliance's vocational schools)
    q: str = ""
    sort: str = ""  # "" sorts by relevance with a query, else by newest
    page: int = 1

    @property
    def narrowed(self) -> bool:
        return any(
            (self.theme, self.segment, self.channel, self.municipality, self.site, self.q.strip())
        )

    @property
    def effective_sort(self) -> Sort:
        if self.sort:
            return Sort(self.sort)
        return Sort.RELEVANCE if search.query_prefixes(self.q) else Sort.NEWEST

    def query_string(self, **changes: str | int) -> str:
        """The URL query for these filters with some changed (e.g. `page=2`), empty ones left
        out, so every link keeps what the person chose."""
        # Built by hand: the page links call this a dozen times per list, and asdict() and
        # replace() copy and check the whole dataclass each time.
        values: dict[str, str | int] = {name: getattr(self, name) for name in _FILTER_FIELDS}
        unknown = changes.keys() - values.keys()
        if unknown:
            raise TypeError(f"no such filter: {', '.join(sorted(unknown))}")
        values.update(changes)
        if values["page"] == 1:
            del values["page"]
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _printable(text: str) -> str:
    # Control characters (a NUL byte in a crafted link) are never part of a search, and
    # PostgreSQL refuses NUL in text.
    return "".join(ch for ch in text if ch.isprintable() or ch == " ")


def checked_choices(
    params: Mapping[str, str], choices: Mapping[str, Sequence[str]]
) -> tuple[dict[str, str], dict[str, str]]:
    """Each parameter's value if it is one of its choices, else "" and a message for it."""
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    for name, allowed in choices.items():
        value = params.get(name, "").strip()
        if value and value not in allowed:
            errors[name] = _("Unknown value %(value)r; choose one of: %(choices)s.") % {
                "value": value[:50],
                "choices": ", ".join(allowed) or "-",
            }
            value = ""
        chosen[name] = value
    return chosen, errors


def parse_filters(
    params: Mapping[str, str], theme_slugs: Sequence[str], site_ids: Sequence[str] = ()
) -> tuple[IdeaFilters, dict[str, str]]:
    """Filters from query parameters, and a message per parameter with a value that is not
    one of its choices (that parameter is then left out). `site_ids`: the process's sites'
    ids, as text."""
    choices: dict[str, Sequence[str]] = {
        "theme": theme_slugs,
        "site": site_ids,
        "segment": [s.value for s in Segment],
        "channel": [c.value for c in Channel],
        "sort": [s.value for s in Sort],
    }
    chosen, errors = checked_choices(params, choices)
    page = parse_int(params.get("page") or "1", maximum=PAGE_MAX)
    if page is None:
        errors["page"] = _("The page must be a whole number up to %(max)d.") % {"max": PAGE_MAX}
    page = max(1, page or 1)
    filters = IdeaFilters(
        municipality=" ".join(_printable(params.get("municipality", "")).split())[
            :MUNICIPALITY_MAX
        ],
        q=_printable(params.get("q", ""))[:QUERY_MAX],
        page=page,
        **chosen,
    )
    if filters.sort == Sort.RELEVANCE and not search.query_prefixes(filters.q):
        filters = replace(filters, sort="")  # nothing to be relevant to
    return filters, errors


_FILTER_FIELDS: Final = tuple(f.name for f in fields(IdeaFilters))


@dataclass(frozen=True)
class ListedIdea:
    contribution: Contribution
    themes: Sequence[Theme]
    supports: int
    comments: int


def _where(
    process_id: int, filters: IdeaFilters, municipalities: Sequence[str] = ()
) -> list[sa.ColumnElement[bool]]:
    """The list's conditions; `municipalities` are the stored spellings the municipality
    filter matches (compared exactly, so the index on municipality serves them)."""
    conditions: list[sa.ColumnElement[bool]] = [
        col(Contribution.process_id) == process_id,
        col(Contribution.kind) == ContributionKind.IDEA,
        col(Contribution.status) == ContributionStatus.PUBLISHED,
    ]
    if filters.segment:
        conditions.append(col(Contribution.segment) == Segment(filters.segment))
    if filters.channel:
        conditions.append(col(Contribution.channel) == Channel(filters.channel))
    if filters.municipality:
        conditions.append(col(Contribution.municipality).in_(municipalities))
    if filters.site:  # one of the process's sites (parse_filters checked it)
        conditions.append(col(Contribution.site_id) == int(filters.site))
    if filters.theme:
        # From the theme's side (index on theme_id, source), not a probe per listed idea.
        conditions.append(
            col(Contribution.id).in_(
                select(ContributionTheme.contribution_id)
                .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
                .where(
                    ContributionTheme.source == ThemeSource.CONFIRMED,
                    Theme.slug == filters.theme,
                    Theme.process_id == process_id,
                )
            )
        )
    return conditions


async def list_ideas(
    session: AsyncSession,
    process_id: int,
    filters: IdeaFilters,
    per_page: int,
    published: int | None = None,
) -> Page[ListedIdea]:
    """One page of a process's published ideas, filtered, searched and sorted, with their
    kept counts: three queries (count, page, themes) whatever the volume, and one more to
    match a municipality's spelling. `published`, the process's published ideas when the
    caller counted them already (ProcessOverview), is the total of the list unnarrowed."""
    spellings: list[str] = []
    if filters.municipality:
        wanted = filters.municipality.casefold()
        spellings = [m for m in await municipalities(session, process_id) if m.casefold() == wanted]
    keys = select(col(Contribution.id)).where(*_where(process_id, filters, spellings))
    score: sa.ColumnElement[float] | None = None
    if (found := search.matching(session, filters.q)) is not None:
        keys = keys.join(found, found.c.id == Contribution.id)
        score = found.c.score

    if published is None or filters.narrowed:
        total = (await session.exec(select(func.count()).select_from(keys.subquery()))).one()
    else:
        total = published
    pages = max(1, math.ceil(total / per_page))
    page = min(filters.page, pages)

    supports, comments = col(Contribution.support_count), col(Contribution.comment_count)
    newest: list[Any] = [col(Contribution.published_at), col(Contribution.id)]
    orders: dict[Sort, list[Any]] = {
        Sort.RELEVANCE: [score] if score is not None else [],
        Sort.NEWEST: [],
        Sort.SUPPORTED: [supports],
        Sort.DISCUSSED: [comments],
    }
    order = [*orders[filters.effective_sort], *newest]
    # The page's ids first, from the index alone (its sort keys are index columns), then
    # only those rows: a deep page skips index entries, not whole rows.
    chosen = (
        keys.add_columns(*(key.label(f"k{n}") for n, key in enumerate(order)))
        .order_by(*(key.desc() for key in order))
        .offset((page - 1) * per_page)
        .limit(per_page)
        .subquery("chosen")
    )
    # The counts as columns of their own: fresh even when the session holds an older row.
    rows = (
        await session.exec(
            select(Contribution, supports, comments)
            .join(chosen, chosen.c.id == Contribution.id)
            .order_by(*(chosen.c[f"k{n}"].desc() for n in range(len(order))))
        )
    ).all()
    themes = await confirmed_themes(session, [c.id for c, _s, _c in rows if c.id is not None])
    items = [ListedIdea(c, themes.get(c.id or 0, []), s, n) for c, s, n in rows]
    return Page(items=items, page=page, pages=pages, total=total)


async def municipalities(session: AsyncSession, process_id: int) -> list[str]:
    """The municipalities named in a process's published ideas, for the filter's choices.

    Read by skipping through ix_contribution_ideas_municipality from one name to the next
    (a recursive query, one index seek per name), not by a DISTINCT over every idea:
    neither database skips through an index by itself."""
    municipality = col(Contribution.municipality)

    def first_after(condition: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
        return (
            select(municipality)
            .where(*_where(process_id, IdeaFilters()), condition)
            .order_by(municipality)
            .limit(1)
            .scalar_subquery()
        )

    found = select(first_after(municipality.is_not(None)).label("name")).cte(
        "found", recursive=True
    )
    found = found.union_all(
        select(first_after(municipality > found.c.name)).where(found.c.name.is_not(None))
    )
    rows = await session.exec(select(found.c.name).where(found.c.name.is_not(None)))
    return sorted({m for m in rows if m}, key=str.casefold)
