"""The moderation queue and one item's moderation page: what waits, narrowed and paged, with
everything a moderator needs beside the text (process, themes, the idea a comment is about,
the survey question or focus-group session it came from, the request for changes).

Built for thousands of waiting items: a page runs a fixed number of queries whatever it
holds, each served by an index (the `ix_contribution_queue*` indexes, status first):
- the processes (for the filter and the items' names);
- one count grouped by state, process and kind, from which every count on the page comes;
- the page's ids in order (LIMIT/OFFSET on the index alone) and their rows;
- per page, not per item: themes, taxonomies, ideas of comments, sources, requests, and
  the strongest suggested duplicate of each item (services/duplicates.py).

Filters live in the address (`QueueFilters`), so a view can be kept, shared and paged without
JavaScript. A new filter is a field on QueueFilters and a `Facet` in FACETS.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal
from urllib.parse import urlencode

from sqlalchemy import distinct
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from participation.i18n import N_, gettext
from participation.inputs import parse_int
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    ModerationAction,
    ModerationEvent,
    Process,
    Report,
    ReportStatus,
    Theme,
    ThemeSource,
)
from participation.services.duplicates import DuplicateHint, hints_for
from participation.services.moderation import get_contribution, may_ask_for_changes
from participation.services.moderation_log import LogEntry, moderation_log
from participation.services.processes import Page
from participation.services.provenance import Source, SurveySource, sources_of
from participation.services.reports import ReportedItem, open_reports

QUEUE_PAGE_SIZE: Final = 25
LAST_PAGE: Final = 100_000  # a page number beyond any queue; larger ones are garbled input

# The queue's lists: what waits for a moderator, and what waits for its author.
QUEUE_STATES: Final = (ContributionStatus.PENDING, ContributionStatus.AWAITING_CHANGES)
STATE_LABELS: Final = {
    ContributionStatus.PENDING: N_("To review"),
    ContributionStatus.AWAITING_CHANGES: N_("Waiting for the author"),
}
KIND_LABELS: Final = {
    ContributionKind.IDEA: N_("Ideas"),
    ContributionKind.COMMENT: N_("Comments"),
    ContributionKind.SURVEY_ANSWER: N_("Survey answers"),
}
# "oldest": first come, first served. "informative": the items the tagger is least sure
# about first, so each decision teaches the next model most (active learning).
QueueOrder = Literal["oldest", "informative"]
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
FLAGGED: Final = "1"  # a flag facet's value in the address


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows, as read from and written to the address."""

    state: ContributionStatus = ContributionStatus.PENDING
    process: str = ""  # a process's slug; "" for all
    kind: ContributionKind | None = None
    order: QueueOrder = "oldest"
    page: int = 1
    # Triage flags (services/triage): only items flagged as possible spam, or as holding
    # personal data.
    spam: bool = False
    personal: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> QueueFilters:
        """From the address's query parameters (state, process, kind, order, page). Anything
        unknown or garbled falls back to the default: never an error."""
        state = ContributionStatus(params["state"]) if params.get("state") in QUEUE_STATES else None
        kind = params.get("kind", "")
        order = params.get("order", "")
        page = params.get("page", "")
        process = params.get("process", "")
        return cls(
            state=state or ContributionStatus.PENDING,
            process=process if _SLUG.fullmatch(process) else "",
            kind=ContributionKind(kind) if kind in KIND_LABELS else None,
            order="informative" if order == "informative" else "oldest",
            page=min(parse_int(page, minimum=1, maximum=10**6) or 1, LAST_PAGE),
            spam=params.get("spam") == FLAGGED,
            personal=params.get("personal") == FLAGGED,
        )

    def params(self) -> dict[str, str]:
        """Every filter as it reads in the address."""
        return {
            "state": self.state.value,
            "process": self.process,
            "kind": self.kind.value if self.kind else "",
            "order": self.order,
            "page": str(self.page),
            "spam": FLAGGED if self.spam else "",
            "personal": FLAGGED if self.personal else "",
        }

    def query(self, **changes: object) -> str:
        """The address's query string with `changes` (in the address's terms, e.g.
        `kind="comment"`, `page=2`) and without defaults. Another filter starts again at the
        first page."""
        params = self.params()
        if changes.keys() - {"page"}:
            params["page"] = "1"
        params.update(
            {name: "" if value is None else str(value) for name, value in changes.items()}
        )
        defaults = QueueFilters().params()
        chosen = QueueFilters.from_params(params).params()
        return urlencode(
            [(name, value) for name, value in chosen.items() if value != defaults[name]]
        )

    def url(self, **changes: object) -> str:
        query = self.query(**changes)
        return "/moderation" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Choice:
    """One option of a filter: its value in the address, in the database, and its label."""

    value: str
    key: object
    label: str


@dataclass(frozen=True)
class Facet:
    """One way to narrow the queue: a contribution column, compared to the chosen option's
    key. `chosen` reads the option from the filters; `choices` lists them (given the
    processes, for those who need them). Every facet's counts come from one grouped query."""

    name: str
    column: Any
    chosen: Callable[[QueueFilters], str]
    choices: Callable[[Sequence[Process]], list[Choice]]
    everything: str | None = None  # the label of "no narrowing"; None: an option is required


FACETS: Final = (
    Facet(
        "state",
        Contribution.status,
        lambda f: f.state.value,
        lambda _p: [Choice(s.value, s, gettext(text)) for s, text in STATE_LABELS.items()],
    ),
    Facet(
        "process",
        Contribution.process_id,
        lambda f: f.process,
        lambda processes: [Choice(p.slug, p.id, p.title) for p in processes],
        everything=N_("All processes"),
    ),
    Facet(
        "kind",
        Contribution.kind,
        lambda f: f.kind.value if f.kind else "",
        lambda _p: [Choice(k.value, k, gettext(text)) for k, text in KIND_LABELS.items()],
        everything=N_("All kinds"),
    ),
    # Triage flags, set when a contribution is stored (services/triage/scoring.py).
    Facet(
        "spam",
        Contribution.spam_flagged,
        lambda f: FLAGGED if f.spam else "",
        lambda _p: [Choice(FLAGGED, True, gettext(N_("Possible spam")))],
        everything=N_("With and without spam flag"),
    ),
    Facet(
        "personal",
        Contribution.has_personal_data,
        lambda f: FLAGGED if f.personal else "",
        lambda _p: [Choice(FLAGGED, True, gettext(N_("Contains personal data")))],
        everything=N_("With and without personal data"),
    ),
)


@dataclass(frozen=True)
class Option:
    value: str  # "" for "all"
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class ItemTheme:
    """A theme on a contribution as moderators see it: suggested, confirmed or rejected."""

    theme: Theme
    source: ThemeSource
    score: float | None  # the tagger's, 0..1; None for themes a moderator added
    evidence: tuple[str, ...]  # the words that drove the suggestion


@dataclass(frozen=True)
class QueueItem:
    """A contribution with what a moderator needs beside its text."""

    contribution: Contribution
    process: Process
    themes: Sequence[ItemTheme] = ()
    taxonomy: Sequence[Theme] = field(default=())  # the process's themes, for adding one
    idea: Contribution | None = None  # the idea a comment is about
    source: Source | None = None  # the survey question or focus-group session
    request: ModerationEvent | None = None  # while it waits for its author: what was asked
    duplicate: DuplicateHint | None = None  # its strongest suggested twin, if any

    @property
    def is_comment(self) -> bool:
        return self.contribution.kind is ContributionKind.COMMENT

    @property
    def is_survey_answer(self) -> bool:
        return self.contribution.kind is ContributionKind.SURVEY_ANSWER

    @property
    def survey_source(self) -> SurveySource | None:
        return self.source if isinstance(self.source, SurveySource) else None

    @property
    def may_ask_for_changes(self) -> bool:
        return may_ask_for_changes(self.contribution)

    @property
    def suggested(self) -> list[ItemTheme]:
        """Suggestions still waiting for a decision, likeliest first."""
        waiting = [t for t in self.themes if t.source is ThemeSource.SUGGESTED]
        return sorted(waiting, key=lambda t: -(t.score or 0))

    @property
    def confirmed(self) -> list[ItemTheme]:
        return [t for t in self.themes if t.source is ThemeSource.CONFIRMED]

    @property
    def addable(self) -> list[Theme]:
        """Themes a moderator may still add: all but those confirmed already."""
        taken = {t.theme.id for t in self.confirmed}
        return [t for t in self.taxonomy if t.id not in taken]


@dataclass(frozen=True)
class QueuePage(Page[QueueItem]):
    """One page of the queue (`total`: the items under the current filters)."""

    filters: QueueFilters
    facets: Mapping[str, Sequence[Option]]  # each filter's options with their counts
    reported: int  # items with open reports from the public

    @property
    def first_number(self) -> int:
        """The position of the page's first item in the whole list (1 for the first)."""
        return (self.page - 1) * QUEUE_PAGE_SIZE + 1


# --- the queue page ------------------------------------------------------------------------------


async def queue_page(
    session: AsyncSession, filters: QueueFilters, per_page: int = QUEUE_PAGE_SIZE
) -> QueuePage:
    """One page of the queue under `filters`, with the counts for every filter option."""
    processes = list(await session.exec(select(Process).order_by(col(Process.title))))
    keys = _chosen_keys(filters, processes)
    counted = await _grouped_counts(session)
    total = _count(counted, keys)
    pages = max(1, math.ceil(total / per_page))
    page = min(filters.page, pages)
    where = [facet.column == keys[facet.name] for facet in FACETS if keys[facet.name] is not None]
    ordering = _ordering(filters.order)
    ids = (
        select(Contribution.id)
        .where(*where)
        .order_by(*ordering)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    rows = list(
        await session.exec(
            select(Contribution).where(col(Contribution.id).in_(ids)).order_by(*ordering)
        )
    )
    by_id = {p.id: p for p in processes}
    items = await _queue_items(session, [(c, by_id[c.process_id]) for c in rows])
    return QueuePage(
        filters=replace(filters, page=page),
        items=items,
        total=total,
        page=page,
        pages=pages,
        facets={facet.name: _options(facet, filters, processes, keys, counted) for facet in FACETS},
        reported=await _reported_items(session),
    )


def _chosen_keys(filters: QueueFilters, processes: Sequence[Process]) -> dict[str, object]:
    """Each facet's chosen database value; None where it does not narrow (or is unknown)."""
    keys: dict[str, object] = {}
    for facet in FACETS:
        value = facet.chosen(filters)
        keys[facet.name] = next((c.key for c in facet.choices(processes) if c.value == value), None)
    return keys


async def _grouped_counts(session: AsyncSession) -> list[tuple[dict[str, object], int]]:
    """How many items wait in each combination of the facets' values (an index-only scan of
    the waiting items: they are a small part of all contributions)."""
    columns = [facet.column for facet in FACETS]
    rows: Iterable[tuple[Any, ...]] = await session.exec(
        Select(*columns, func.count())
        .where(col(Contribution.status).in_(QUEUE_STATES))
        .group_by(*columns)
    )
    return [
        ({facet.name: value for facet, value in zip(FACETS, row[:-1], strict=True)}, row[-1])
        for row in rows
    ]


def _count(counted: Sequence[tuple[dict[str, object], int]], keys: Mapping[str, object]) -> int:
    return sum(
        n
        for values, n in counted
        if all(key is None or values[name] == key for name, key in keys.items())
    )


def _options(
    facet: Facet,
    filters: QueueFilters,
    processes: Sequence[Process],
    keys: Mapping[str, object],
    counted: Sequence[tuple[dict[str, object], int]],
) -> list[Option]:
    """A facet's options, each counted under the other facets' current choices."""
    others = {name: key for name, key in keys.items() if name != facet.name}
    chosen = keys[facet.name]
    options = [
        Option(c.value, c.label, _count(counted, {**others, facet.name: c.key}), c.key == chosen)
        for c in facet.choices(processes)
    ]
    if facet.everything is not None:
        everything = Option("", gettext(facet.everything), _count(counted, others), chosen is None)
        options.insert(0, everything)
    return options


def _ordering(order: QueueOrder) -> tuple[Any, ...]:
    oldest = (col(Contribution.created_at), col(Contribution.id))
    if order == "informative":
        return (col(Contribution.theme_uncertainty).desc().nulls_last(), *oldest)
    return oldest


async def _reported_items(session: AsyncSession) -> int:
    """How many items have open reports from the public."""
    return (
        await session.exec(
            select(func.count(distinct(col(Report.contribution_id)))).where(
                Report.status == ReportStatus.OPEN
            )
        )
    ).one()


# --- what a moderator needs beside the text ------------------------------------------------


async def item_themes(
    session: AsyncSession, contribution_ids: Sequence[int]
) -> dict[int, list[ItemTheme]]:
    if not contribution_ids:
        return {}
    rows = await session.exec(
        select(ContributionTheme, Theme)
        .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
        .where(col(ContributionTheme.contribution_id).in_(contribution_ids))
        .order_by(col(Theme.position))
    )
    by_contribution: dict[int, list[ItemTheme]] = {}
    for row, theme in rows:
        item = ItemTheme(theme, row.source, row.score, tuple(row.evidence or ()))
        by_contribution.setdefault(row.contribution_id, []).append(item)
    return by_contribution


async def _taxonomies(session: AsyncSession, process_ids: set[int]) -> dict[int, list[Theme]]:
    """The themes of each of these processes, in their order."""
    if not process_ids:
        return {}
    rows = await session.exec(
        select(Theme)
        .where(col(Theme.process_id).in_(process_ids))
        .order_by(col(Theme.process_id), col(Theme.position), col(Theme.name))
    )
    taxonomies: dict[int, list[Theme]] = {}
    for theme in rows:
        taxonomies.setdefault(theme.process_id, []).append(theme)
    return taxonomies


async def _ideas_of(
    session: AsyncSession, contributions: Sequence[Contribution]
) -> dict[int, Contribution]:
    """The ideas that comments among `contributions` are about, by id."""
    ids = {c.parent_id for c in contributions if c.parent_id is not None}
    if not ids:
        return {}
    rows = await session.exec(select(Contribution).where(col(Contribution.id).in_(ids)))
    return {c.id: c for c in rows if c.id is not None}


async def _requests_of(
    session: AsyncSession, contributions: Sequence[Contribution]
) -> dict[int, ModerationEvent]:
    """For items waiting for their authors: the request for changes they wait on."""
    ids = [
        c.id
        for c in contributions
        if c.status is ContributionStatus.AWAITING_CHANGES and c.id is not None
    ]
    if not ids:
        return {}
    rows = await session.exec(
        select(ModerationEvent)
        .where(
            col(ModerationEvent.contribution_id).in_(ids),
            ModerationEvent.action == ModerationAction.REQUEST_CHANGES,
        )
        .order_by(col(ModerationEvent.created_at), col(ModerationEvent.id))
    )
    return {e.contribution_id: e for e in rows if e.contribution_id is not None}  # latest wins


async def _queue_items(
    session: AsyncSession, pairs: Sequence[tuple[Contribution, Process]]
) -> list[QueueItem]:
    contributions = [c for c, _p in pairs]
    themes = await item_themes(session, [c.id for c in contributions if c.id is not None])
    taxonomies = await _taxonomies(session, {p.id for _c, p in pairs if p.id is not None})
    ideas = await _ideas_of(session, contributions)
    sources = await sources_of(session, contributions)
    requests = await _requests_of(session, contributions)
    twins = await hints_for(session, [c.id for c in contributions if c.id is not None])
    return [
        QueueItem(
            c,
            p,
            themes.get(c.id or 0, []),
            taxonomies.get(p.id or 0, []),
            ideas.get(c.parent_id) if c.parent_id is not None else None,
            sources.get(c.id or 0),
            requests.get(c.id or 0),
            twins.get(c.id or 0),
        )
        for c, p in pairs
    ]


async def queue_item(session: AsyncSession, contribution_id: int) -> QueueItem:
    """One contribution as the queue shows it."""
    contribution = await get_contribution(session, contribution_id)
    process = await session.get(Process, contribution.process_id)
    assert process is not None
    return (await _queue_items(session, [(contribution, process)]))[0]


# --- one item's page --------------------------------------------------------------------------


@dataclass(frozen=True)
class ModeratedItem:
    """One contribution on its own moderation page: the queue's view of it, its open reports
    and its log."""

    item: QueueItem
    reports: ReportedItem | None
    log: Sequence[LogEntry]

    @property
    def contribution(self) -> Contribution:
        return self.item.contribution

    @property
    def process(self) -> Process:
        return self.item.process


async def moderated_item(session: AsyncSession, contribution_id: int) -> ModeratedItem:
    """Raises NotFound (services/errors.py) for an unknown id."""
    item = await queue_item(session, contribution_id)
    reported = [r for r in await open_reports(session) if r.contribution.id == contribution_id]
    return ModeratedItem(
        item=item,
        reports=reported[0] if reported else None,
        log=await moderation_log(session, contribution_id=contribution_id),
    )
