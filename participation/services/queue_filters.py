"""The moderation queue's filters: what the address says (`QueueFilters`), and the facets that
narrow the queue and count each of their options (`COLUMN_FACETS`, `LINK_FACETS`).

Two kinds of facet, so that counting stays a fixed number of grouped queries:
- a `Facet` is one value per item (a column, or an expression such as the age bucket or
  "has open reports"): all of them are counted together in one query grouped by every
  facet's value, over the waiting items only (services/moderation_queue.py);
- a `LinkFacet` is a table beside the contribution (its themes, its assignment), an item
  may have several rows: each is counted in a query of its own grouped by its key.

A new filter is a field on QueueFilters (with its name in the address) and one entry in
COLUMN_FACETS or LINK_FACETS; a column of the contribution (a spam flag, say) is a Facet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Final, Literal, TypeVar
from urllib.parse import urlencode

from sqlalchemy import String, case, literal, union
from sqlmodel import col, func, select

from participation.i18n import N_, gettext
from participation.inputs import parse_int
from participation.labels import label
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    DuplicatePair,
    Process,
    QueueAssignment,
    Report,
    ReportStatus,
    Segment,
    Site,
    Theme,
    ThemeSource,
    User,
)

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
# "Older than N days": the buckets the age filter offers.
AGES: Final = (2, 7, 14)
MINE: Final = "me"
UNASSIGNED: Final = "none"
# "oldest": first come, first served. "informative": the items the tagger is least sure
# about first, so each decision teaches the next model most (active learning).
QueueOrder = Literal["oldest", "informative"]
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


E = TypeVar("E", Channel, Segment, ContributionKind)


def _enum_param(kind: type[E], value: str) -> E | None:
    return kind(value) if value in {m.value for m in kind} else None


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows, as read from and written to the address."""

    state: ContributionStatus = ContributionStatus.PENDING
    process: str = ""  # a process's slug; "" for all
    kind: ContributionKind | None = None
    channel: Channel | None = None
    segment: Segment | None = None
    site: int | None = None  # a process's site (models/events.py)
    theme: int | None = None  # a confirmed action field
    suggested: int | None = None  # an action field the tagger suggested
    age: int | None = None  # older than this many days (one of AGES)
    reported: bool = False  # with open reports from the public
    duplicate: bool = False  # with a likely duplicate
    assigned: str = ""  # "me", "none" or a colleague's id; "" for everybody's
    # Triage flags (services/triage): flagged as possible spam, or holding personal data.
    spam: bool = False
    personal: bool = False
    order: QueueOrder = "oldest"
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> QueueFilters:
        """From the address's query parameters. Anything unknown or garbled falls back to
        the default: never an error."""
        state = ContributionStatus(params["state"]) if params.get("state") in QUEUE_STATES else None
        process = params.get("process", "")
        age = parse_int(params.get("age"))
        assigned = params.get("assigned", "")
        if assigned not in {MINE, UNASSIGNED}:
            assigned = str(parse_int(assigned) or "")
        return cls(
            state=state or ContributionStatus.PENDING,
            process=process if _SLUG.fullmatch(process) else "",
            kind=_enum_param(ContributionKind, params.get("kind", "")),
            channel=_enum_param(Channel, params.get("channel", "")),
            segment=_enum_param(Segment, params.get("segment", "")),
            site=parse_int(params.get("site"), minimum=1),
            theme=parse_int(params.get("theme"), minimum=1),
            suggested=parse_int(params.get("suggested"), minimum=1),
            age=age if age in AGES else None,
            reported=params.get("reported") == "1",
            duplicate=params.get("duplicate") == "1",
            assigned=assigned,
            spam=params.get("spam") == "1",
            personal=params.get("personal") == "1",
            order="informative" if params.get("order") == "informative" else "oldest",
            page=min(parse_int(params.get("page"), minimum=1, maximum=10**6) or 1, LAST_PAGE),
        )

    def params(self) -> dict[str, str]:
        """Every filter as it reads in the address."""
        values: dict[str, str] = {}
        for name in (f.name for f in fields(self)):
            value = getattr(self, name)
            if isinstance(value, bool):
                values[name] = "1" if value else ""
            else:
                values[name] = "" if value is None else str(getattr(value, "value", value))
        return values

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

    @property
    def narrowed(self) -> bool:
        """Whether any facet but the list (state) narrows the queue."""
        return self.query(state=self.state.value, order="oldest", page=1) not in {
            "",
            f"state={self.state.value}",
        }


# --- what the options are made of -----------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """What a page's filter options are made of: the processes, their action fields, the
    colleagues an item can be given to, who is asking, and when."""

    processes: Sequence[Process]
    themes: Sequence[Theme]
    colleagues: Sequence[User]
    me: int | None
    now: datetime
    sites: Sequence[Site] = ()

    def site_label(self, site: Site, narrowed_to_process: bool) -> str:
        if narrowed_to_process or len(self.processes) < 2:
            return site.name
        process = next((p.title for p in self.processes if p.id == site.process_id), "")
        return f"{site.name} ({process})"

    def theme_label(self, theme: Theme, narrowed_to_process: bool) -> str:
        if narrowed_to_process or len(self.processes) < 2:
            return theme.name
        process = next((p.title for p in self.processes if p.id == theme.process_id), "")
        return f"{theme.name} ({process})"


@dataclass(frozen=True)
class Choice:
    """One option of a filter: its value in the address, in the database, and its label."""

    value: str
    key: object
    label: str


def _equal(value: object, key: object) -> bool:
    return value == key


def _same_truth(value: object, key: object) -> bool:
    return bool(value) == key


@dataclass(frozen=True)
class Facet:
    """One value per item: `expression` gives it (from the vocabulary, for those that need
    the time), `where` narrows the queue to a chosen key, `matches` says whether an item's
    value counts for a key (equality; "older than 7 days" also takes the 14-day bucket).
    `chosen` reads the option from the filters, `choices` lists them."""

    name: str
    expression: Callable[[Vocabulary], Any]
    chosen: Callable[[QueueFilters], str]
    choices: Callable[[Vocabulary, QueueFilters], list[Choice]]
    everything: str | None = None  # the label of "no narrowing"; None: an option is required
    where: Callable[[object, Vocabulary], Any] | None = None  # default: expression == key
    matches: Callable[[object, object], bool] = _equal
    join: Callable[[], tuple[Any, Any]] | None = None  # a table the expression reads

    def clause(self, key: object, vocabulary: Vocabulary) -> Any:
        if self.where is not None:
            return self.where(key, vocabulary)
        return self.expression(vocabulary) == key


def _age_bucket(vocabulary: Vocabulary) -> Any:
    """The largest of AGES an item is older than, in days; 0 for younger ones."""
    created = col(Contribution.created_at)
    now = vocabulary.now
    return case(
        *((created < now - timedelta(days=days), days) for days in sorted(AGES, reverse=True)),
        else_=0,
    )


@dataclass(frozen=True)
class Membership:
    """Items listed by another table (`ids`: their contribution ids, each once). Counted by
    an outer join to them (an IN in the grouped columns would run a subplan per row on
    PostgreSQL); narrowed to with IN, which both databases run as a semi-join."""

    ids: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "listed", self.ids.subquery())

    def expression(self, _vocabulary: Vocabulary) -> Any:
        return self.listed.c.cid.is_not(None)  # type: ignore[attr-defined]

    def join(self) -> tuple[Any, Any]:
        listed = self.listed  # type: ignore[attr-defined]
        return listed, listed.c.cid == Contribution.id

    def where(self, _key: object, _vocabulary: Vocabulary) -> Any:
        return col(Contribution.id).in_(self.ids)


REPORTED: Final = Membership(
    select(col(Report.contribution_id).label("cid"))
    .where(Report.status == ReportStatus.OPEN)
    .distinct()
)
# Has a likely duplicate nobody dismissed, on either side of a pair.
_OPEN_PAIR = col(DuplicatePair.dismissed_at).is_(None)
PAIRED: Final = Membership(
    union(
        select(col(DuplicatePair.first_id).label("cid")).where(_OPEN_PAIR),
        select(col(DuplicatePair.second_id).label("cid")).where(_OPEN_PAIR),
    )
)


def _site_choices(v: Vocabulary, f: QueueFilters) -> list[Choice]:
    process_id = next((p.id for p in v.processes if p.slug == f.process), None)
    return [
        Choice(str(s.id), s.id, v.site_label(s, process_id is not None))
        for s in v.sites
        if process_id is None or s.process_id == process_id
    ]


def _enum_choices(values: Sequence[Any]) -> Callable[[Vocabulary, QueueFilters], list[Choice]]:
    return lambda _v, _f: [Choice(v.value, v, label(v)) for v in values]


def _flag(name: str) -> Callable[[QueueFilters], str]:
    return lambda f: "1" if getattr(f, name) else ""


def _yes(text: str) -> Callable[[Vocabulary, QueueFilters], list[Choice]]:
    return lambda _v, _f: [Choice("1", True, gettext(text))]


COLUMN_FACETS: Final[tuple[Facet, ...]] = (
    Facet(
        "state",
        lambda _v: col(Contribution.status),
        lambda f: f.state.value,
        lambda _v, _f: [Choice(s.value, s, gettext(text)) for s, text in STATE_LABELS.items()],
    ),
    Facet(
        "process",
        lambda _v: col(Contribution.process_id),
        lambda f: f.process,
        lambda v, _f: [Choice(p.slug, p.id, p.title) for p in v.processes],
        everything=N_("All processes"),
    ),
    Facet(
        "kind",
        lambda _v: col(Contribution.kind),
        lambda f: f.kind.value if f.kind else "",
        lambda _v, _f: [Choice(k.value, k, gettext(text)) for k, text in KIND_LABELS.items()],
        everything=N_("All kinds"),
    ),
    Facet(
        "channel",
        lambda _v: col(Contribution.channel),
        lambda f: f.channel.value if f.channel else "",
        _enum_choices(list(Channel)),
        everything=N_("All channels"),
    ),
    Facet(
        "segment",
        lambda _v: col(Contribution.segment),
        lambda f: f.segment.value if f.segment else "",
        _enum_choices(list(Segment)),
        everything=N_("All groups"),
    ),
    # Sites (ix_contribution_queue_site): a process's sites, or every process's with its name.
    Facet(
        "site",
        lambda _v: col(Contribution.site_id),
        lambda f: str(f.site or ""),
        lambda v, f: _site_choices(v, f),
        everything=N_("All sites"),
    ),
    Facet(
        "age",
        _age_bucket,
        lambda f: str(f.age or ""),
        lambda _v, _f: [
            Choice(str(days), days, gettext(N_("Older than %(days)d days")) % {"days": days})
            for days in AGES
        ],
        everything=N_("Any age"),
        where=lambda key, v: col(Contribution.created_at) < v.now - timedelta(days=int(str(key))),
        matches=lambda value, key: int(str(value)) >= int(str(key)),
    ),
    Facet(
        "reported",
        REPORTED.expression,
        _flag("reported"),
        _yes(N_("Reported by the public")),
        everything=N_("Reported or not"),
        where=REPORTED.where,
        matches=_same_truth,
        join=REPORTED.join,
    ),
    Facet(
        "duplicate",
        PAIRED.expression,
        _flag("duplicate"),
        _yes(N_("Likely duplicate")),
        everything=N_("With or without duplicates"),
        where=PAIRED.where,
        matches=_same_truth,
        join=PAIRED.join,
    ),
    # Triage flags, set when a contribution is stored (services/triage/scoring.py).
    Facet(
        "spam",
        lambda _v: col(Contribution.spam_flagged),
        _flag("spam"),
        _yes(N_("Possible spam")),
        everything=N_("With and without spam flag"),
        matches=_same_truth,
    ),
    Facet(
        "personal",
        lambda _v: col(Contribution.has_personal_data),
        _flag("personal"),
        _yes(N_("Contains personal data")),
        everything=N_("With and without personal data"),
        matches=_same_truth,
    ),
)


# --- facets on tables beside the contribution ---------------------------------------------------


@dataclass(frozen=True)
class LinkFacet:
    """Rows of another table per item (`contribution_id`, `key`), narrowed by `condition`:
    an item matches a key if it has such a row. `rest` is the option for items with none
    (its count: the others' total minus the rows), if the facet offers it."""

    name: str
    table: Any
    key: Any
    chosen: Callable[[QueueFilters], str]
    choices: Callable[[Vocabulary, QueueFilters], list[Choice]]
    everything: str
    condition: Callable[[], Any] = lambda: True
    rest: Choice | None = None

    def rows(self) -> Any:
        return select(self.table.contribution_id).where(self.condition())

    def clause(self, key: object) -> Any:
        if self.rest is not None and key == self.rest.key:
            return col(Contribution.id).not_in(self.rows())
        return col(Contribution.id).in_(self.rows().where(self.key == key))

    def counts(self, where: Sequence[Any]) -> Any:
        """How many of the items under `where` have a row for each key: a part of the page's
        one statement of counts (`part`, `key`, `n`). The items are found first (few: the
        waiting ones), their rows by the contribution's key."""
        items = select(Contribution.id).where(*where)
        return (
            select(
                literal(self.name, String).label("part"),
                self.key.label("key"),
                func.count().label("n"),
            )
            .where(self.condition(), col(self.table.contribution_id).in_(items))
            .group_by(self.key)
        )


def _theme_choices(v: Vocabulary, f: QueueFilters) -> list[Choice]:
    """A process's action fields, or every process's with its name when none is chosen."""
    process_id = next((p.id for p in v.processes if p.slug == f.process), None)
    return [
        Choice(str(t.id), t.id, v.theme_label(t, process_id is not None))
        for t in v.themes
        if process_id is None or t.process_id == process_id
    ]


def _colleague_choices(v: Vocabulary, _f: QueueFilters) -> list[Choice]:
    mine = [Choice(MINE, v.me, gettext(N_("My items")))] if v.me is not None else []
    others = [Choice(str(u.id), u.id, u.display_name or u.email) for u in v.colleagues]
    return mine + [c for c in others if c.key != v.me]


def _theme_state(source: ThemeSource) -> Callable[[], Any]:
    return lambda: col(ContributionTheme.source) == source


LINK_FACETS: Final[tuple[LinkFacet, ...]] = (
    LinkFacet(
        "theme",
        ContributionTheme,
        col(ContributionTheme.theme_id),
        lambda f: str(f.theme or ""),
        _theme_choices,
        N_("All action fields"),
        condition=_theme_state(ThemeSource.CONFIRMED),
    ),
    LinkFacet(
        "suggested",
        ContributionTheme,
        col(ContributionTheme.theme_id),
        lambda f: str(f.suggested or ""),
        _theme_choices,
        N_("Any suggestion"),
        condition=_theme_state(ThemeSource.SUGGESTED),
    ),
    LinkFacet(
        "assigned",
        QueueAssignment,
        col(QueueAssignment.assignee_id),
        lambda f: f.assigned,
        _colleague_choices,
        N_("Everybody's"),
        rest=Choice(UNASSIGNED, UNASSIGNED, N_("Not assigned")),
    ),
)


# --- counting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str  # "" for "all"
    label: str
    count: int
    selected: bool


@dataclass
class Counted:
    """The grouped counts of a page: per combination of the column facets' values, and per
    key of each link facet (with the total it was counted from)."""

    combinations: list[tuple[dict[str, object], int]]
    links: dict[str, dict[object, int]] = field(default_factory=dict)
    link_totals: dict[str, int] = field(default_factory=dict)
    reported: int = 0  # items with open reports, waiting or not

    def total(self, keys: Mapping[str, object]) -> int:
        """The items whose values match every chosen key of the column facets."""
        by_name = {facet.name: facet for facet in COLUMN_FACETS}
        return sum(
            n
            for values, n in self.combinations
            if all(
                key is None or by_name[name].matches(values[name], key)
                for name, key in keys.items()
            )
        )


def chosen_keys(
    facets: Sequence[Facet] | Sequence[LinkFacet], filters: QueueFilters, vocabulary: Vocabulary
) -> dict[str, object]:
    """Each facet's chosen database value; None where it does not narrow (or is unknown)."""
    keys: dict[str, object] = {}
    for facet in facets:
        value = facet.chosen(filters)
        choices = facet.choices(vocabulary, filters)
        rest = getattr(facet, "rest", None)
        if rest is not None:
            choices = [*choices, rest]
        keys[facet.name] = next((c.key for c in choices if c.value == value), None)
    return keys


def column_options(
    facet: Facet,
    filters: QueueFilters,
    vocabulary: Vocabulary,
    keys: Mapping[str, object],
    counted: Counted,
) -> list[Option]:
    """A column facet's options, each counted under the other facets' current choices."""
    others = {name: key for name, key in keys.items() if name != facet.name}
    chosen = keys[facet.name]
    options = [
        Option(c.value, c.label, counted.total({**others, facet.name: c.key}), c.key == chosen)
        for c in facet.choices(vocabulary, filters)
    ]
    if facet.everything is not None:
        everything = Option("", gettext(facet.everything), counted.total(others), chosen is None)
        options.insert(0, everything)
    return options


def link_options(
    facet: LinkFacet,
    filters: QueueFilters,
    vocabulary: Vocabulary,
    chosen: object,
    counted: Counted,
) -> list[Option]:
    counts = counted.links[facet.name]
    total = counted.link_totals[facet.name]
    options = [Option("", gettext(facet.everything), total, chosen is None)]
    options += [
        Option(c.value, c.label, counts.get(c.key, 0), c.key == chosen)
        for c in facet.choices(vocabulary, filters)
    ]
    if facet.rest is not None:
        rest = facet.rest
        left = max(0, total - sum(counts.values()))
        options.append(Option(rest.value, gettext(rest.label), left, rest.key == chosen))
    return options


def column_clauses(keys: Mapping[str, object], vocabulary: Vocabulary) -> list[Any]:
    by_name = {facet.name: facet for facet in COLUMN_FACETS}
    return [by_name[name].clause(key, vocabulary) for name, key in keys.items() if key is not None]


def link_clauses(keys: Mapping[str, object], *, leave_out: str = "") -> list[Any]:
    by_name = {facet.name: facet for facet in LINK_FACETS}
    return [
        by_name[name].clause(key)
        for name, key in keys.items()
        if key is not None and name != leave_out
    ]
