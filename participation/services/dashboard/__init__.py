"""The participation dashboard of a process for staff: contributions over time by channel,
by segment and channel, by action field and segment, by municipality, the surveys' response
rates, and the firms that took part against the known population.

Each figure is a chart with a table of the same numbers and a CSV download of that table;
`figures` builds them all for the page, `figure` one for its download. Every figure comes
from one to three grouped statements (services/dashboard/counts.py), so the page runs the
same statements at 100 contributions as at 100,000. Who may see it is decided by
`may_view` alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from markupsafe import Markup
from sqlmodel.ext.asyncio.session import AsyncSession

from participation import charts
from participation.i18n import _
from participation.labels import label
from participation.models import Channel, PopulationDimension, Process, Role, Segment, User
from participation.services.accounts.remit import EVERYWHERE, Scope
from participation.services.dashboard import counts, periods
from participation.services.dashboard.population import (
    FACTOR,
    Comparison,
    Representation,
    compare,
)
from participation.services.profiles.breakdown import sector_label, size_label
from participation.services.spreadsheet_cells import Cell
from participation.services.survey_results import number

# Roles that see a process's dashboard. Scoped roles (limited to processes) will narrow
# this in `may_view`, the only place that decides it.
VIEWERS: Final = frozenset({Role.ADMIN, Role.MODERATOR})
# The places the page lists; the CSV has them all.
PLACES_SHOWN: Final = 25


def may_view(user: User | None, process: Process, remit: Scope = EVERYWHERE) -> bool:
    """Whether `user` (with this remit) may see the participation dashboard of `process`.
    It counts all of the process, so it is for those whose remit holds all of it, not for
    a moderator of some action fields."""
    return user is not None and user.role in VIEWERS and remit.holds_whole(process.id or 0)


def may_enter_population(user: User | None, process: Process) -> bool:
    """Whether `user` may enter the known population of `process` (admins)."""
    del process
    return user is not None and user.role is Role.ADMIN


Value = str | int | float | None


@dataclass(frozen=True)
class Figure:
    """One chart with its table: `rows` start with the row's heading, then the values in
    the header's order; `marks` name a row's representation (or "") for its styling."""

    key: str  # in the CSV's address and the page's ids
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Value]]
    chart: Markup | None
    note: str = ""
    empty: str = ""
    marks: Sequence[str] = field(default_factory=list)
    total_row: Sequence[Value] | None = None

    def csv_rows(self) -> list[list[Cell]]:
        rows = [*self.rows, *([self.total_row] if self.total_row else [])]
        return [[_cell(value) for value in row] for row in rows]


def _cell(value: Value) -> Cell:
    if isinstance(value, float):
        return number(value)
    return value


def _shares(values: Sequence[tuple[str, int]], total: int) -> list[charts.Bar]:
    return [
        charts.Bar(name, n, f"{n} ({number(charts.percent(n, total))} %)") for name, n in values
    ]


def _chart(
    key: str, title: str, bars: Sequence[charts.Bar], maximum: float | None = None
) -> Markup:
    description = _("Bar chart; the table below has the numbers.")
    return charts.bar_chart(f"chart-{key}", title, description, bars, maximum)


# --- the figures -------------------------------------------------------------------------


def _matrix(
    key: str,
    title: str,
    first: str,
    rows: Sequence[tuple[str, object]],
    columns: Sequence[tuple[str, object]],
    per: Mapping[tuple[object, object], int],
    *,
    empty: str,
    note: str = "",
    totals: bool = True,
    shares: bool = False,
) -> Figure:
    """A cross table (rows × columns, each row with its total) and the chart of the rows'
    totals: (label, key) per row and column, the counts by (row key, column key)."""
    table: list[list[Value]] = []
    named: list[tuple[str, int]] = []
    for name, row in rows:
        values = [per.get((row, column), 0) for _label, column in columns]
        table.append([name, *values, sum(values)])
        named.append((name, sum(values)))
    total = sum(n for _name, n in named)
    bars = _shares(named, total) if shares else [charts.Bar(n, v, str(v)) for n, v in named]
    sums = [sum(per.get((row, column), 0) for _n, row in rows) for _l, column in columns]
    return Figure(
        key=key,
        title=title,
        header=[first, *(name for name, _column in columns), _("Total")],
        rows=table,
        chart=_chart(key, title, bars) if table else None,
        note=note,
        empty=empty,
        total_row=[_("Total"), *sums, total] if totals and table else None,
    )


async def timeline(session: AsyncSession, process: Process, time_zone: str) -> Figure:
    granularity, spans, rows = await counts.by_period_and_channel(
        session, process.id or 0, time_zone
    )
    per: Counter[tuple[object, object]] = Counter({(n, c): count for n, c, count in rows})
    title = {
        periods.Granularity.DAY: _("Contributions per day by channel"),
        periods.Granularity.WEEK: _("Contributions per week by channel"),
        periods.Granularity.MONTH: _("Contributions per month by channel"),
    }[granularity]
    return _matrix(
        "zeitverlauf",
        title,
        _("Period"),
        [(span.label, n) for n, span in enumerate(spans)],
        [(label(c), c) for c in Channel if any(ch is c for _p, ch, _n in rows)],
        per,
        note=_(
            "Every contribution received (ideas, comments, survey answers), whatever its "
            "status, by the day it arrived."
        ),
        empty=_("No contribution has arrived yet."),
    )


async def segments(session: AsyncSession, process: Process, _time_zone: str) -> Figure:
    rows = await counts.by_segment_and_channel(session, process.id or 0)
    return _matrix(
        "segmente",
        _("Contributions by segment and channel"),
        _("Segment"),
        [(label(s), s) for s in Segment if any(seg is s for seg, _c, _n in rows)],
        [(label(c), c) for c in Channel if any(ch is c for _s, ch, _n in rows)],
        Counter({(s, c): n for s, c, n in rows}),
        empty=_("No contribution has arrived yet."),
        shares=True,
    )


async def sites(session: AsyncSession, process: Process, _time_zone: str) -> Figure:
    """Contributions per site and segment; those without a site in a row of their own, so
    the table adds up to every contribution."""
    named, rows = await counts.by_site_and_segment(session, process.id or 0)
    without = -1  # the key of the row "no site"
    per: Counter[tuple[object, object]] = Counter(
        {(site_id if site_id is not None else without, s): n for site_id, s, n in rows}
    )
    row_keys = [(name, site_id) for site_id, name in named]
    if any(site_id is None for site_id, _s, _n in rows) and named:
        row_keys.append((_("No site"), without))
    return _matrix(
        "standorte",
        _("Contributions by site and segment"),
        _("Site"),
        row_keys,
        [(label(s), s) for s in Segment if any(seg is s for _i, seg, _n in rows)],
        per,
        note=_("Every contribution received, whatever its status, by the site it came from."),
        empty=_("This process has no sites."),
        shares=True,
    )


async def themes(session: AsyncSession, process: Process, _time_zone: str) -> Figure:
    rows = await counts.by_theme_and_segment(session, process.id or 0)
    names = {theme_id: name for theme_id, name, _s, _n in rows}
    return _matrix(
        "handlungsfelder",
        _("Contributions by action field and segment"),
        _("Action field"),
        [(name, theme_id) for theme_id, name in names.items()],
        [(label(s), s) for s in counts.distinct_segments(rows)],
        {(theme_id, s): n for theme_id, _name, s, n in rows if s is not None},
        note=_(
            "Counted by the action fields moderators confirmed; a contribution confirmed for "
            "two fields counts in both."
        ),
        empty=_("This process has no action fields."),
        totals=False,
    )


async def municipalities(
    session: AsyncSession, process: Process, _time_zone: str, *, every: bool = False
) -> Figure:
    limit = None if every else PLACES_SHOWN + 1
    places = await counts.by_municipality(session, process.id or 0, limit)
    more = len(places) > PLACES_SHOWN and not every
    places = places[:PLACES_SHOWN] if more else places
    title = _("Contributions by municipality")
    table: list[list[Value]] = [[m or _("not given"), n] for m, n in places]
    total = sum(n for _m, n in places)
    bars = _shares([(str(row[0]), int(row[1] or 0)) for row in table], total)
    return Figure(
        key="gemeinden",
        title=title,
        header=[_("Municipality"), _("Contributions")],
        rows=table,
        chart=_chart("gemeinden", title, bars) if table else None,
        note=(
            _("The %(n)d municipalities named most often; the CSV file lists every one.")
            % {"n": PLACES_SHOWN}
            if more
            else _("Municipalities as the participants wrote them.")
        ),
        empty=_("No contribution has arrived yet."),
    )


def _rate(part: int, whole: int) -> float | None:
    return charts.percent(part, whole) if whole else None


async def surveys(session: AsyncSession, process: Process, _time_zone: str) -> Figure:
    found = await counts.survey_counts(session, process.id or 0)
    table: list[list[Value]] = []
    bars = []
    for s in found:
        invited = s.invitations if s.invitations else None
        response_rate = _rate(s.sent, s.invitations)
        finished_rate = _rate(s.sent, s.started)
        table.append(
            [
                s.title,
                invited,
                s.invitations_used if invited else None,
                s.started,
                s.sent,
                response_rate,
                finished_rate,
            ]
        )
        # The chart shows the response rate where invitations were made, else the share of
        # begun responses that were sent.
        shown = response_rate if response_rate is not None else finished_rate
        if shown is not None:
            which = _("of the invited") if response_rate is not None else _("of those who began")
            bars.append(charts.Bar(s.title, shown, f"{number(shown)} % {which}"))
    title = _("Survey response rates")
    return Figure(
        key="umfragen",
        title=title,
        header=[
            _("Survey"),
            _("Invitations made"),
            _("Invitations used"),
            _("Responses begun"),
            _("Responses sent"),
            _("Response rate (sent per invitation, %)"),
            _("Finished (sent per begun, %)"),
        ],
        rows=table,
        chart=_chart("umfragen", title, bars, maximum=100) if bars else None,
        note=_(
            "A response counts as begun once its first page is saved; “–” where no invitation "
            "links were made."
        ),
        empty=_("This process has no survey."),
    )


def _comparison_figure(
    key: str, title: str, comparison: Comparison, names: Callable[[str], str]
) -> Figure:
    words = {
        Representation.UNDER: _("under-represented"),
        Representation.FAIR: _("about as in the population"),
        Representation.OVER: _("over-represented"),
    }
    table: list[list[Value]] = []
    marks: list[str] = []
    bars = []
    for g in comparison.groups:
        word = words[g.representation] if g.representation else ""
        table.append(
            [
                names(g.key),
                g.participants,
                g.population,
                g.participant_share,
                g.population_share,
                g.reach,
                g.ratio,
                word,
            ]
        )
        marks.append(g.representation.value if g.representation else "")
        if g.ratio is not None:
            bars.append(charts.Bar(names(g.key), g.ratio, f"{number(g.ratio)} {word}"))
    top = max([2.0, *(b.value for b in bars)])
    note = (
        _(
            "Ratio: the group's share of the participating firms divided by its share of all "
            "firms entered; below %(low)s it is marked under-represented, above %(high)s "
            "over-represented. Groups without a number entered are not compared."
        )
        % {"low": number(round(1 / FACTOR, 2)), "high": number(FACTOR)}
        if comparison.known
        else _("No population has been entered yet: the numbers show the participating firms only.")
    )
    return Figure(
        key=key,
        title=title,
        header=[
            _("Group"),
            _("Participating firms"),
            _("Firms in the population"),
            _("Share of participants (%)"),
            _("Share of population (%)"),
            _("Reached (%)"),
            _("Ratio"),
            _("Representation"),
        ],
        rows=table,
        chart=_chart(key, title, bars, maximum=top) if bars else None,
        note=note,
        empty=_("No firm has taken part yet and no population has been entered."),
        marks=marks,
    )


async def _comparison(
    session: AsyncSession, process: Process, dimension: PopulationDimension
) -> Comparison:
    process_id = process.id or 0
    participants = await counts.firms_by(session, process_id, dimension)
    population = (await counts.known_population(session, process_id))[dimension]
    return compare(dimension, participants, population)


async def sectors(session: AsyncSession, process: Process, _time_zone: str) -> Figure:
    comparison = await _comparison(session, process, PopulationDimension.SECTOR)
    return _comparison_figure(
        "branchen", _("Firms by WZ section against the population"), comparison, sector_label
    )


async def sizes(session: AsyncSession, process: Process, _time_zone: str) -> Figure:
    comparison = await _comparison(session, process, PopulationDimension.SIZE)
    return _comparison_figure(
        "groessenklassen", _("Firms by size class against the population"), comparison, size_label
    )


Builder = Callable[[AsyncSession, Process, str], Awaitable[Figure]]
BUILDERS: Final[dict[str, Builder]] = {
    "zeitverlauf": timeline,
    "segmente": segments,
    "handlungsfelder": themes,
    "standorte": sites,
    "gemeinden": municipalities,
    "umfragen": surveys,
    "branchen": sectors,
    "groessenklassen": sizes,
}


async def figures(session: AsyncSession, process: Process, time_zone: str) -> dict[str, Figure]:
    """Every figure of the page, by key."""
    return {key: await build(session, process, time_zone) for key, build in BUILDERS.items()}


# The figures whose download holds what the page shows (the municipalities' has all of them,
# the page the first PLACES_SHOWN): their CSV files come from the page's kept figures.
PAGE_SHOWS_ALL: Final = frozenset(BUILDERS) - {"gemeinden"}


async def figure(
    session: AsyncSession, process: Process, time_zone: str, key: str
) -> Figure | None:
    """One figure for its download (every municipality, not only the first ones)."""
    if key == "gemeinden":
        return await municipalities(session, process, time_zone, every=True)
    build = BUILDERS.get(key)
    return await build(session, process, time_zone) if build else None
