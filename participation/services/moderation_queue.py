"""The moderation queue and one item's moderation page: what waits, narrowed and paged, with
everything a moderator needs beside the text (process, themes, the idea a comment is about,
the survey question or focus-group session it came from, the request for changes).

Built for thousands of waiting items: a page runs a fixed number of queries whatever it
holds, each served by an index (the `ix_contribution_queue*` indexes, status first):
- the processes, action fields and colleagues (for the filters and the items' names);
- one count grouped by every one-value facet (state, process, kind, channel, segment, age,
  reported, likely duplicate), and one grouped count per link facet (confirmed and suggested
  action field, assignment), from which every count on the page comes;
- the page's ids in order (LIMIT/OFFSET on the index alone) and their rows;
- per page, not per item: themes, taxonomies, ideas of comments, sources, requests, the
  strongest suggested duplicate of each item (services/duplicates.py), who took each on and
  how many internal notes each has.

Filters live in the address (`QueueFilters`), so a view can be kept, shared and paged without
JavaScript; the facets and their counting are in services/queue_filters.py (a new filter is a
field on QueueFilters and one facet entry there).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from sqlalchemy import Integer, String, cast, distinct, literal, null, union_all
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    InternalNote,
    ModerationAction,
    ModerationEvent,
    Process,
    QueueAssignment,
    Report,
    ReportStatus,
    Site,
    Theme,
    ThemeSource,
    User,
    utcnow,
)
from participation.services.accounts.remit import EVERYWHERE, Scope
from participation.services.duplicates import DuplicateHint, hints_for
from participation.services.moderation import get_contribution, may_ask_for_changes
from participation.services.moderation_log import LogEntry, moderation_log
from participation.services.processes import Page
from participation.services.provenance import Source, SurveySource, sources_of
from participation.services.queue_filters import (
    COLUMN_FACETS,
    LINK_FACETS,
    QUEUE_STATES,
    Counted,
    Option,
    QueueFilters,
    QueueOrder,
    Vocabulary,
    chosen_keys,
    column_clauses,
    column_options,
    link_clauses,
    link_options,
)
from participation.services.queue_scope import colleagues, moderated_processes, queue_scope
from participation.services.reports import ReportedItem, open_reports

QUEUE_PAGE_SIZE: Final = 25
__all__ = ["QUEUE_STATES", "QueueFilters"]  # the filters live in services/queue_filters.py


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
    assignee: User | None = None  # the colleague who took it on
    notes: int = 0  # internal notes on it

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
    colleagues: Sequence[User] = ()  # whom an item can be given to
    remit: Scope = EVERYWHERE  # what the moderator works on

    @property
    def first_number(self) -> int:
        """The position of the page's first item in the whole list (1 for the first)."""
        return (self.page - 1) * QUEUE_PAGE_SIZE + 1


# --- the queue page ------------------------------------------------------------------------------


async def queue_page(
    session: AsyncSession,
    filters: QueueFilters,
    per_page: int = QUEUE_PAGE_SIZE,
    *,
    user: User | None = None,
    remit: Scope | None = None,
) -> QueuePage:
    """One page of the queue under `filters`, with the counts for every filter option, as
    `user` sees it (their items: "assigned=me")."""
    # The request's guard has read the remit already; read here only when not given.
    remit = remit if remit is not None else await queue_scope(session, user)
    vocabulary = Vocabulary(
        processes=await moderated_processes(session, remit),
        themes=[
            theme
            for theme in await session.exec(
                select(Theme).order_by(col(Theme.position), col(Theme.id))
            )
            if remit.allows_process(theme.process_id)
        ],
        colleagues=await colleagues(session),
        me=user.id if user is not None else None,
        now=utcnow(),
        sites=[
            site
            for site in await session.exec(select(Site).order_by(col(Site.name), col(Site.id)))
            if remit.allows_process(site.process_id)
        ],
    )
    keys = chosen_keys(COLUMN_FACETS, filters, vocabulary)
    links = chosen_keys(LINK_FACETS, filters, vocabulary)
    # A moderator with a remit sees its items only, in the rows and in every count.
    in_remit = [] if remit.unrestricted else [remit.contributions_in()]
    counted = await _counted(session, vocabulary, keys, links, in_remit)
    total = counted.total(keys)
    pages = max(1, math.ceil(total / per_page))
    page = min(filters.page, pages)
    where = [*column_clauses(keys, vocabulary), *link_clauses(links), *in_remit]
    ordering = _ordering(filters.order)
    ids = (
        select(Contribution.id)
        .where(*where)
        .order_by(*ordering)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    # The page's rows with who took each on and how many notes each has, in one statement.
    notes = (
        select(InternalNote.contribution_id, func.count().label("n"))
        .where(col(InternalNote.contribution_id).in_(ids))
        .group_by(col(InternalNote.contribution_id))
        .subquery()
    )
    rows = list(
        await session.exec(
            select(Contribution, User, notes.c.n)
            .outerjoin(QueueAssignment, col(QueueAssignment.contribution_id) == Contribution.id)
            .outerjoin(User, col(User.id) == QueueAssignment.assignee_id)
            .outerjoin(notes, notes.c.contribution_id == Contribution.id)
            .where(col(Contribution.id).in_(ids))
        )
    )
    # In the page's order, sorted here: ordered in SQL, SQLite would walk the whole table in
    # that order instead of fetching the page's ids.
    rows.sort(key=lambda row: _sort_key(filters.order, row[0]))
    by_id = {p.id: p for p in vocabulary.processes}
    taxonomies: dict[int, list[Theme]] = {}
    for theme in vocabulary.themes:
        taxonomies.setdefault(theme.process_id, []).append(theme)
    items = await _queue_items(
        session,
        [(c, by_id[c.process_id]) for c, _u, _n in rows],
        taxonomies=taxonomies,
        work={c.id or 0: (assignee, n or 0) for c, assignee, n in rows},
    )
    facets = {
        facet.name: column_options(facet, filters, vocabulary, keys, counted)
        for facet in COLUMN_FACETS
    }
    facets.update(
        {
            facet.name: link_options(facet, filters, vocabulary, links[facet.name], counted)
            for facet in LINK_FACETS
        }
    )
    return QueuePage(
        filters=replace(filters, page=page),
        items=items,
        total=total,
        page=page,
        pages=pages,
        facets=facets,
        reported=counted.reported,
        colleagues=vocabulary.colleagues,
        remit=remit,
    )


async def _counted(
    session: AsyncSession,
    vocabulary: Vocabulary,
    keys: Mapping[str, object],
    links: Mapping[str, object],
    in_remit: list[Any],
) -> Counted:
    """Every count the page shows, in two statements: one grouped by all column facets'
    values (over the waiting items, narrowed by the chosen link facets); and one of the
    link facets' counts per key (each narrowed by everything else), a chosen link facet's
    total without itself, and the items with open reports, as the parts of a UNION ALL."""
    expressions = [facet.expression(vocabulary).label(facet.name) for facet in COLUMN_FACETS]
    waiting = col(Contribution.status).in_(QUEUE_STATES)
    grouped: Any = Select(*expressions, func.count()).select_from(Contribution)
    for facet in COLUMN_FACETS:
        if facet.join is not None:
            grouped = grouped.outerjoin(*facet.join())
    rows: Iterable[tuple[Any, ...]] = await session.exec(
        grouped.where(waiting, *link_clauses(links), *in_remit).group_by(*expressions)
    )
    counted = Counted(
        [
            ({f.name: value for f, value in zip(COLUMN_FACETS, row[:-1], strict=True)}, row[-1])
            for row in rows
        ]
    )
    narrowing = [*column_clauses(keys, vocabulary), *in_remit]
    parts: list[Any] = []
    for link in LINK_FACETS:
        others = [*narrowing, *link_clauses(links, leave_out=link.name)]
        parts.append(link.counts(others))
        counted.links[link.name] = {}
        if links[link.name] is None:
            counted.link_totals[link.name] = counted.total(keys)
        else:
            parts.append(_part(f"total:{link.name}", func.count()).where(*others))
    open_reports: list[Any] = [Report.status == ReportStatus.OPEN]
    if in_remit:
        in_scope = select(Contribution.id).where(*in_remit)
        open_reports.append(col(Report.contribution_id).in_(in_scope))
    parts.append(
        _part(_REPORTED, func.count(distinct(col(Report.contribution_id)))).where(*open_reports)
    )
    every = union_all(*parts).subquery()
    for part, key, n in await session.exec(select(every.c.part, every.c.key, every.c.n)):
        name = str(part)
        if name == _REPORTED:
            counted.reported = n
        elif name.startswith("total:"):
            counted.link_totals[name.removeprefix("total:")] = n
        else:
            counted.links[name][key] = n
    return counted


_REPORTED: Final = "reported"


def _part(name: str, count: Any) -> Any:
    """A part of the UNION ALL of counts without a key."""
    return select(
        literal(name, String).label("part"), cast(null(), Integer).label("key"), count.label("n")
    )


def _sort_key(order: QueueOrder, item: Contribution) -> tuple[Any, ...]:
    """`_ordering` in Python, for the few rows of a page."""
    oldest = (item.created_at, item.id or 0)
    if order == "informative":
        unsure = item.theme_uncertainty
        return (unsure is None, -(unsure or 0.0), *oldest)
    return oldest


def _ordering(order: QueueOrder) -> tuple[Any, ...]:
    oldest = (col(Contribution.created_at), col(Contribution.id))
    if order == "informative":
        return (col(Contribution.theme_uncertainty).desc().nulls_last(), *oldest)
    return oldest


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
    session: AsyncSession,
    pairs: Sequence[tuple[Contribution, Process]],
    *,
    taxonomies: Mapping[int, list[Theme]] | None = None,
    work: Mapping[int, tuple[User | None, int]] | None = None,
) -> list[QueueItem]:
    """The items with what a moderator needs; `taxonomies` and `work` (assignee and number
    of notes per item) when the caller has read them already."""
    contributions = [c for c, _p in pairs]
    ids = [c.id for c in contributions if c.id is not None]
    themes = await item_themes(session, ids)
    if taxonomies is None:
        taxonomies = await _taxonomies(session, {p.id for _c, p in pairs if p.id is not None})
    ideas = await _ideas_of(session, contributions)
    sources = await sources_of(session, contributions)
    requests = await _requests_of(session, contributions)
    twins = await hints_for(session, ids)
    if work is None:
        work = await _work_on(session, ids)
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
            *work.get(c.id or 0, (None, 0)),
        )
        for c, p in pairs
    ]


async def _work_on(session: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[User | None, int]]:
    """Who took on each of these items, and how many internal notes each has."""
    if not ids:
        return {}
    assigned = await session.exec(
        select(QueueAssignment.contribution_id, User)
        .join(User, col(User.id) == QueueAssignment.assignee_id)
        .where(col(QueueAssignment.contribution_id).in_(ids))
    )
    notes = await session.exec(
        select(InternalNote.contribution_id, func.count())
        .where(col(InternalNote.contribution_id).in_(ids))
        .group_by(col(InternalNote.contribution_id))
    )
    by_id = dict(assigned.all())
    counts = dict(notes.all())
    return {i: (by_id.get(i), counts.get(i, 0)) for i in ids}


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
