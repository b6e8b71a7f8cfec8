"""Processes, their phases and what the public may see of them; whether the idea call takes
ideas now (and why not); and the admins' editing of a process with its phases and themes."""

from __future__ import annotations

import itertools
import logging
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any, Final, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.dates import format_day, format_last_day
from participation.i18n import _
from participation.inputs import form_rows, parse_int, row_of
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    DataLicence,
    ModerationMode,
    Phase,
    PhaseKind,
    Process,
    Theme,
    ThemeSource,
    User,
    utcnow,
)
from participation.services.accounts.remit import EVERYWHERE, Scope
from participation.services.errors import ValidationFailed
from participation.services.plain_help import (
    check_plain_texts,
    clean_text,
    read_help_fields,
    stored_help,
)

T = TypeVar("T")
U = TypeVar("U")
log = logging.getLogger("participation")
# Dates in messages built outside a request's templates (the API, the submit service).
DEFAULT_TIME_ZONE: Final = "Europe/Berlin"


class IdeaCallClosure(StrEnum):
    """Why the online idea form takes no ideas now."""

    NO_CALL = "no_call"  # the timeline has no idea-call phase
    NOT_YET = "not_yet"  # the call starts later
    ENDED = "ended"  # the deadline has passed
    CHANNEL_CLOSED = "channel_closed"  # an admin closed the online channel


@dataclass(frozen=True)
class IdeaCallState:
    """Whether the online idea form takes ideas now, and if not: why, since when, what next."""

    closure: IdeaCallClosure | None  # None: ideas are taken
    since: datetime | None = None  # when the call ended (ENDED)
    opens_at: datetime | None = None  # when it starts (NOT_YET)
    next_phase: Phase | None = None  # what happens now or next instead
    next_is_current: bool = False  # next_phase runs already

    @property
    def accepting(self) -> bool:
        return self.closure is None


@dataclass(frozen=True)
class ProcessOverview:
    """A process with what every page about it needs to know about time."""

    process: Process
    phases: Sequence[Phase]
    current_phase: Phase | None
    deadline: datetime | None  # end of the idea call
    accepts_ideas: bool
    published_ideas: int
    idea_call: IdeaCallState


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def numbers(self) -> list[int | None]:
        """The page numbers to link: the first, the last and two either side of this one;
        None where numbers are left out. A few links, however many pages there are."""
        shown = sorted(
            {1, self.pages, *range(self.page - 2, self.page + 3)} & set(range(1, self.pages + 1))
        )
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers

    def with_items(self, items: Sequence[U]) -> Page[U]:
        """The same page position, holding `items` (the rows turned into what is shown)."""
        return Page(items=items, page=self.page, pages=self.pages, total=self.total)


async def contributions_page(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
    page: int,
    per_page: int,
) -> Page[Contribution]:
    """One page of the contributions that match `where`, in `order_by` order; a page number
    out of range is moved to the nearest page there is."""
    total = (await session.exec(select(func.count()).select_from(Contribution).where(*where))).one()
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = await session.exec(
        select(Contribution)
        .where(*where)
        .order_by(*order_by)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return Page(items=list(rows), page=page, pages=pages, total=total)


def current_phase(phases: Sequence[Phase], now: datetime) -> Phase | None:
    for phase in phases:
        if phase.starts_at <= now < phase.ends_at:
            return phase
    return None


def idea_call_deadline(phases: Sequence[Phase]) -> datetime | None:
    ends = [p.ends_at for p in phases if p.kind is PhaseKind.IDEA_CALL]
    return max(ends) if ends else None


def accepts_ideas(phases: Sequence[Phase], now: datetime) -> bool:
    """Ideas are taken while an idea-call phase runs; the call closes at its deadline."""
    return any(p.kind is PhaseKind.IDEA_CALL and p.starts_at <= now < p.ends_at for p in phases)


def _what_comes_next(phases: Sequence[Phase], now: datetime) -> tuple[Phase | None, bool]:
    """The phase running now (other than an idea call), else the next one to start."""
    for phase in phases:
        if phase.kind is not PhaseKind.IDEA_CALL and phase.starts_at <= now < phase.ends_at:
            return phase, True
    later = sorted((p for p in phases if p.starts_at > now), key=lambda p: p.starts_at)
    return (later[0], False) if later else (None, False)


def idea_call_state(process: Process, phases: Sequence[Phase], now: datetime) -> IdeaCallState:
    """The deadline and the channel, applied: the one rule for the form, the submit and the API."""
    calls = [p for p in phases if p.kind is PhaseKind.IDEA_CALL]
    following, running = _what_comes_next(phases, now)
    if Channel.IDEA_CALL.value not in process.open_channels:
        closure = IdeaCallClosure.CHANNEL_CLOSED
    elif any(p.starts_at <= now < p.ends_at for p in calls):
        return IdeaCallState(closure=None)
    elif later := [p.starts_at for p in calls if p.starts_at > now]:
        return IdeaCallState(IdeaCallClosure.NOT_YET, opens_at=min(later))
    elif ended := [p.ends_at for p in calls if p.ends_at <= now]:
        return IdeaCallState(
            IdeaCallClosure.ENDED, since=max(ended), next_phase=following, next_is_current=running
        )
    else:
        closure = IdeaCallClosure.NO_CALL
    return IdeaCallState(closure, next_phase=following, next_is_current=running)


@dataclass(frozen=True)
class TimelineStep:
    """A phase on the public timeline: done, running now, or still to come."""

    phase: Phase
    state: str  # "past", "current" or "future"
    is_main: bool  # the one current phase marked as the step the process is at


def timeline(phases: Sequence[Phase], now: datetime) -> list[TimelineStep]:
    main = current_phase(phases, now)
    return [
        TimelineStep(
            phase=p,
            state="past" if p.ends_at <= now else "future" if p.starts_at > now else "current",
            is_main=main is not None and p.id == main.id,
        )
        for p in phases
    ]


def closed_message(state: IdeaCallState, time_zone: str = DEFAULT_TIME_ZONE) -> str:
    """Why no ideas are taken, since when, and what happens next: one sentence or a few.
    Dates as the pages show them (participation/dates.py); ends are exclusive."""

    def day(value: datetime) -> str:
        return format_day(value, time_zone)

    def last_day(end: datetime) -> str:
        return format_last_day(end, time_zone)

    parts = [_("This process is not taking new ideas at the moment.")]
    if state.closure is IdeaCallClosure.ENDED and state.since is not None:
        parts.append(_("The call for ideas ended on %(date)s.") % {"date": last_day(state.since)})
    elif state.closure is IdeaCallClosure.NOT_YET and state.opens_at is not None:
        parts.append(_("The call for ideas opens on %(date)s.") % {"date": day(state.opens_at)})
    elif state.closure is IdeaCallClosure.CHANNEL_CLOSED:
        parts.append(_("Ideas are not taken online for this process."))
    phase = state.next_phase
    if phase is not None:
        if state.next_is_current:
            text = _("What happens now: %(phase)s, until %(end)s.")
        else:
            text = _("What happens next: %(phase)s, from %(start)s.")
        parts.append(
            text
            % {"phase": phase.title, "start": day(phase.starts_at), "end": last_day(phase.ends_at)}
        )
    return " ".join(parts)


class IdeasNotAccepted(ValidationFailed):
    """The idea call is closed (deadline passed, not started, channel closed). `errors` keeps
    the short form message; `message` says why, since when and what happens next."""

    def __init__(self, state: IdeaCallState, message: str) -> None:
        super().__init__({"form": _("This process is not taking new ideas at the moment.")})
        self.state = state
        self.message = message


def ensure_accepting(
    overview: ProcessOverview, now: datetime, time_zone: str = DEFAULT_TIME_ZONE
) -> None:
    """Raise IdeasNotAccepted unless the process takes ideas through its online form now."""
    state = idea_call_state(overview.process, overview.phases, now)
    if not state.accepting:
        raise IdeasNotAccepted(state, closed_message(state, time_zone))


async def _phases(session: AsyncSession, process_ids: Sequence[int]) -> dict[int, list[Phase]]:
    rows = await session.exec(
        select(Phase)
        .where(col(Phase.process_id).in_(process_ids))
        .order_by(col(Phase.position), col(Phase.starts_at))
    )
    by_process: dict[int, list[Phase]] = {pid: [] for pid in process_ids}
    for phase in rows:
        by_process[phase.process_id].append(phase)
    return by_process


# The kept count (migration 0013's triggers), selected as a column: the value of this row,
# even when the session holds the Process from before an idea was published.
_PUBLISHED_COUNT: Final = col(Process.published_idea_count)


async def list_processes(session: AsyncSession, scope: Scope = EVERYWHERE) -> list[ProcessOverview]:
    """Every process (or those of a limited staff member's scope), newest first."""
    rows = list(
        await session.exec(
            select(Process, _PUBLISHED_COUNT)
            .where(scope.processes_in(Process.id))
            .order_by(col(Process.created_at).desc())
        )
    )
    ids = [p.id for p, _count in rows if p.id is not None]
    phases = await _phases(session, ids)
    now = utcnow()
    return [_overview(p, phases.get(p.id or 0, []), count, now) for p, count in rows]


async def get_process(session: AsyncSession, slug: str) -> ProcessOverview | None:
    query = select(Process, _PUBLISHED_COUNT).where(Process.slug == slug)
    row = (await session.exec(query)).first()
    if row is None:
        return None
    process, count = row
    phases = await _phases(session, [process.id or 0])
    return _overview(process, phases[process.id or 0], count, utcnow())


def _overview(
    process: Process, phases: list[Phase], published: int, now: datetime
) -> ProcessOverview:
    state = idea_call_state(process, phases, now)
    return ProcessOverview(
        process=process,
        phases=phases,
        current_phase=current_phase(phases, now),
        deadline=idea_call_deadline(phases),
        accepts_ideas=state.accepting,
        published_ideas=published,
        idea_call=state,
    )


async def list_themes(session: AsyncSession, process_id: int) -> list[Theme]:
    rows = await session.exec(
        select(Theme).where(Theme.process_id == process_id).order_by(col(Theme.position))
    )
    return list(rows)


@dataclass(frozen=True)
class PublishedIdea:
    contribution: Contribution
    themes: Sequence[Theme]


async def published_ideas(
    session: AsyncSession, process_id: int, page: int, per_page: int
) -> Page[PublishedIdea]:
    """Published ideas, newest first, each with its confirmed themes."""
    where = (
        col(Contribution.process_id) == process_id,
        col(Contribution.kind) == ContributionKind.IDEA,
        col(Contribution.status) == ContributionStatus.PUBLISHED,
    )
    newest_first = (col(Contribution.published_at).desc(), col(Contribution.id).desc())
    rows = await contributions_page(session, where, newest_first, page, per_page)
    themes = await confirmed_themes(session, [c.id for c in rows.items if c.id is not None])
    return rows.with_items([PublishedIdea(c, themes.get(c.id or 0, [])) for c in rows.items])


async def confirmed_themes(
    session: AsyncSession, contribution_ids: Sequence[int]
) -> dict[int, list[Theme]]:
    if not contribution_ids:
        return {}
    rows = await session.exec(
        select(ContributionTheme.contribution_id, Theme)
        .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
        .where(
            col(ContributionTheme.contribution_id).in_(contribution_ids),
            ContributionTheme.source == ThemeSource.CONFIRMED,
        )
        .order_by(col(Theme.position))
    )
    by_contribution: dict[int, list[Theme]] = {}
    for contribution_id, theme in rows:
        by_contribution.setdefault(contribution_id, []).append(theme)
    return by_contribution


# --- administration: editing a process, its phases and its themes ---------------------------

TITLE_MAX, SUMMARY_MAX, SLUG_MIN, SLUG_MAX = 200, 300, 3, 80
PHASE_TITLE_MAX, THEME_NAME_MAX, LEAD_MAX = 200, 120, 200
SLUG_PATTERN: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Row numbers in ASCII digits and short: int() of ten thousand digits raises an error.
_ROW_KEY: Final = re.compile(r"^(phases|themes)-(\d{1,4})-(\w+)$", re.ASCII)
_ROW_ACTION: Final = re.compile(r"^(phase|theme)-(add|remove|up|down)(?:-(\d{1,4}))?$", re.ASCII)
_UMLAUTS: Final = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """A URL slug in the German way: "Grüne Städte" -> "gruene-staedte"."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_UMLAUTS))
    ascii_text = text.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:max_length].rstrip("-")


@dataclass
class PhaseRow:
    """One phase as typed into the form; dates are ISO days (the end day is included)."""

    id: str = ""
    kind: str = PhaseKind.IDEA_CALL.value
    title: str = ""
    description: str = ""
    starts_on: str = ""
    ends_on: str = ""


@dataclass
class ThemeRow:
    """One action field as typed; keywords comma-separated."""

    id: str = ""
    name: str = ""
    description: str = ""
    keywords: str = ""
    lead_organisation: str = ""

    @classmethod
    def of(cls, theme: Theme) -> ThemeRow:
        """A stored theme as the form shows it."""
        return cls(
            id=str(theme.id),
            name=theme.name,
            description=theme.description,
            keywords=", ".join(theme.keywords),
            lead_organisation=theme.lead_organisation or "",
        )


@dataclass(frozen=True)
class PendingRemoval:
    """A theme left out of the form that contributions carry: removing it needs a yes."""

    theme_id: int
    name: str
    contributions: int


@dataclass
class ProcessForm:
    """The admin form as typed, kept verbatim so an error or an "add row" loses nothing.
    Error keys are field names (`title`, `phases-0-ends_on`) or a section (`phases`)."""

    title: str = ""
    slug: str = ""
    summary: str = ""
    description: str = ""
    moderation_mode: str = ModerationMode.BEFORE_PUBLISHING.value
    channels: list[str] = field(default_factory=lambda: [Channel.IDEA_CALL.value])
    # A DataLicence value; "" for none (then no open data is offered).
    data_licence: str = ""
    # The Leichte-Sprache version (services/plain_help.py): the description, and the plain
    # idea form's help texts by step key, as typed.
    plain_description: str = ""
    plain_help: dict[str, str] = field(default_factory=dict)
    phases: list[PhaseRow] = field(default_factory=list)
    themes: list[ThemeRow] = field(default_factory=list)
    confirmed_removals: set[int] = field(default_factory=set)
    pending_removals: list[PendingRemoval] = field(default_factory=list)
    # When the stored process was last changed as this form was opened: a save on top of
    # someone else's newer change is stopped once, with a message.
    version: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> ProcessForm:
        rows = form_rows(data, _ROW_KEY)
        return cls(
            title=data.get("title", ""),
            slug=data.get("slug", ""),
            version=data.get("version", ""),
            summary=data.get("summary", ""),
            description=data.get("description", ""),
            moderation_mode=data.get("moderation_mode", ""),
            channels=[c.value for c in Channel if data.get(f"channel-{c.value}") == "on"],
            data_licence=data.get("data_licence", ""),
            plain_description=data.get("plain_description", ""),
            plain_help=read_help_fields(data),
            phases=[row_of(PhaseRow, row) for row in rows.get("phases", [])],
            themes=[row_of(ThemeRow, row) for row in rows.get("themes", [])],
            confirmed_removals={
                theme_id
                for key, value in data.items()
                if key.startswith("confirm-remove-")
                and value == "on"
                and (theme_id := parse_int(key.removeprefix("confirm-remove-"))) is not None
            },
        )

    @classmethod
    def new(cls) -> ProcessForm:
        return cls(phases=[PhaseRow()], themes=[])


def apply_row_action(form: ProcessForm, action: str) -> bool:
    """Add, remove or move a phase or theme row ("phase-add", "theme-up-2", ...). True when
    the action was one of these (the form is shown again), False for anything else (save)."""
    match = _ROW_ACTION.match(action)
    if match is None:
        return False
    kind, verb, index_text = match.groups()
    rows: list[PhaseRow] | list[ThemeRow] = form.phases if kind == "phase" else form.themes
    if verb == "add":
        if kind == "phase":
            form.phases.append(PhaseRow(kind=PhaseKind.INFORMATION.value))
        else:
            form.themes.append(ThemeRow())
        return True
    index = int(index_text or -1)
    if not 0 <= index < len(rows):
        return True
    if verb == "remove":
        del rows[index]
    elif verb == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]  # type: ignore[assignment]
    elif verb == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]  # type: ignore[assignment]
    return True


async def restore_theme(
    session: AsyncSession, process: Process, form: ProcessForm, theme_id: int
) -> None:
    """Put a stored theme the admin removed back into the form (the "keep it" answer to the
    question whether contributions may lose it)."""
    theme = await session.get(Theme, theme_id)
    if theme is None or theme.process_id != process.id:
        return
    if any(row.id == str(theme_id) for row in form.themes):
        return
    form.themes.append(ThemeRow.of(theme))


def parse_day(text: str) -> date | None:
    """A day as date inputs send it (2026-06-15) or as people type it (15.06.2026)."""
    text = text.strip()
    if match := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):
        text = f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}"
    try:
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def _day_range(row: PhaseRow, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    start, end = parse_day(row.starts_on), parse_day(row.ends_on)
    if start is None or end is None:
        return None
    # A phase runs from the start of its first day to the end of its last (local time).
    return (
        datetime.combine(start, time(0, 0), zone).astimezone(UTC),
        datetime.combine(end, time(23, 59, 59), zone).astimezone(UTC),
    )


def _check_phases(form: ProcessForm, zone: ZoneInfo) -> dict[str, str]:
    errors: dict[str, str] = {}
    calls: list[tuple[datetime, datetime, int]] = []
    for i, row in enumerate(form.phases):
        prefix = f"phases-{i}"
        if row.kind not in {k.value for k in PhaseKind}:
            errors[f"{prefix}-kind"] = _("Please choose what happens in this phase.")
        if not row.title.strip():
            errors[f"{prefix}-title"] = _("Please give the phase a title.")
        elif len(row.title.strip()) > PHASE_TITLE_MAX:
            errors[f"{prefix}-title"] = _("Please use at most %(n)d characters.") % {
                "n": PHASE_TITLE_MAX
            }
        for name in ("starts_on", "ends_on"):
            if parse_day(getattr(row, name)) is None:
                errors[f"{prefix}-{name}"] = _("Please enter a date, e.g. 2026-06-15.")
        span = _day_range(row, zone)
        if span is None:
            continue
        if span[1] < span[0]:
            errors[f"{prefix}-ends_on"] = _("The phase must end on or after its first day.")
        elif row.kind == PhaseKind.IDEA_CALL.value:
            calls.append((*span, i))
    calls.sort()
    for (_s1, end1, i1), (start2, _e2, i2) in itertools.pairwise(calls):
        if start2 <= end1:
            errors[f"phases-{i2}-starts_on"] = _(
                "This call for ideas overlaps “%(other)s”: it may start only after that one ends."
            ) % {"other": form.phases[i1].title.strip()}
    return errors


def _check_themes(form: ProcessForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for i, row in enumerate(form.themes):
        name = " ".join(row.name.split())
        if not name:
            errors[f"themes-{i}-name"] = _("Please give the action field a name.")
        elif len(name) > THEME_NAME_MAX:
            errors[f"themes-{i}-name"] = _("Please use at most %(n)d characters.") % {
                "n": THEME_NAME_MAX
            }
        elif name.casefold() in seen:
            errors[f"themes-{i}-name"] = _("Another action field already has this name.")
        seen.add(name.casefold())
        if len(row.lead_organisation.strip()) > LEAD_MAX:
            errors[f"themes-{i}-lead_organisation"] = _("Please use at most %(n)d characters.") % {
                "n": LEAD_MAX
            }
    return errors


def validate_process_form(form: ProcessForm, time_zone: str = DEFAULT_TIME_ZONE) -> dict[str, str]:
    """Every rule that needs no database; the slug is filled from the title when empty."""
    errors: dict[str, str] = {}
    title = " ".join(form.title.split())
    if not title:
        errors["title"] = _("Please give the process a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Please use at most %(n)d characters.") % {"n": TITLE_MAX}
    form.slug = form.slug.strip().lower()
    if not form.slug and title:
        form.slug = slugify(title)
    # Without a title there is nothing to make a slug from: the title's message says enough.
    if (form.slug or title) and (
        not SLUG_PATTERN.match(form.slug) or not SLUG_MIN <= len(form.slug) <= SLUG_MAX
    ):
        errors["slug"] = _(
            "Please use %(min)d to %(max)d lower-case letters, digits and hyphens, e.g. "
            "radwege-auetal."
        ) % {"min": SLUG_MIN, "max": SLUG_MAX}
    if len(" ".join(form.summary.split())) > SUMMARY_MAX:
        errors["summary"] = _("Please use at most %(n)d characters.") % {"n": SUMMARY_MAX}
    if form.moderation_mode not in {m.value for m in ModerationMode}:
        errors["moderation_mode"] = _("Please choose when ideas are published.")
    if form.data_licence and form.data_licence not in {d.value for d in DataLicence}:
        errors["data_licence"] = _("Please choose one of the licences, or none.")
    errors.update(check_plain_texts(form.plain_description, form.plain_help))
    errors.update(_check_phases(form, ZoneInfo(time_zone)))
    errors.update(_check_themes(form))
    form.errors = errors
    return errors


def _keywords(text: str) -> list[str]:
    return [word for word in (" ".join(k.split()) for k in text.split(",")) if word]


def form_for(
    process: Process, phases: Sequence[Phase], themes: Sequence[Theme], time_zone: str
) -> ProcessForm:
    """The form filled with a stored process, for editing."""
    zone = ZoneInfo(time_zone)
    return ProcessForm(
        version=_version(process),
        title=process.title,
        slug=process.slug,
        summary=process.summary,
        description=process.description,
        moderation_mode=process.moderation_mode.value,
        channels=list(process.open_channels),
        data_licence=process.data_licence.value if process.data_licence else "",
        plain_description=process.plain_description,
        plain_help=dict(process.plain_help),
        phases=[
            PhaseRow(
                id=str(p.id),
                kind=p.kind.value,
                title=p.title,
                description=p.description,
                starts_on=p.starts_at.astimezone(zone).date().isoformat(),
                ends_on=p.ends_at.astimezone(zone).date().isoformat(),
            )
            for p in phases
        ],
        themes=[ThemeRow.of(t) for t in themes],
    )


def _version(process: Process) -> str:
    return (process.updated_at or process.created_at).isoformat()


async def get_process_for_edit(
    session: AsyncSession, slug: str
) -> tuple[Process, list[Phase], list[Theme]] | None:
    process = (await session.exec(select(Process).where(Process.slug == slug))).first()
    if process is None or process.id is None:
        return None
    phases = (await _phases(session, [process.id]))[process.id]
    return process, phases, await list_themes(session, process.id)


async def theme_carriers(session: AsyncSession, theme_ids: Sequence[int]) -> dict[int, int]:
    """How many contributions carry each theme (suggested or confirmed, not rejected)."""
    if not theme_ids:
        return {}
    rows = await session.exec(
        select(ContributionTheme.theme_id, func.count())
        .where(
            col(ContributionTheme.theme_id).in_(theme_ids),
            ContributionTheme.source != ThemeSource.REJECTED,
        )
        .group_by(col(ContributionTheme.theme_id))
    )
    return dict(rows.all())


def _row_id(text: str, known: Mapping[int, T]) -> int | None:
    """The id of a stored row of this process, or None for a new row (or a forged id)."""
    row_id = parse_int(text)
    return row_id if row_id in known else None


async def save_process(
    session: AsyncSession,
    process: Process | None,
    form: ProcessForm,
    actor: User,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> Process:
    """Create (process None) or update a process with its phases and themes, all or nothing.

    Raises ValidationFailed with a message per field; removing a theme that contributions
    carry needs its `confirm-remove-<id>` yes (form.pending_removals lists what is asked).
    """
    errors = validate_process_form(form, time_zone)
    clash = (
        await session.exec(
            select(Process.id).where(
                Process.slug == form.slug, Process.id != (process and process.id)
            )
        )
    ).first()
    if clash is not None and "slug" not in errors:
        errors["slug"] = _("Another process already uses this address; please choose another.")
    old_phases: dict[int, Phase] = {}
    old_themes: dict[int, Theme] = {}
    if process is not None and process.id is not None:
        old_phases = {p.id: p for p in (await _phases(session, [process.id]))[process.id] if p.id}
        old_themes = {t.id: t for t in await list_themes(session, process.id) if t.id}
    kept = {_row_id(row.id, old_themes) for row in form.themes}
    dropped = [t for tid, t in old_themes.items() if tid not in kept]
    carriers = await theme_carriers(session, [t.id for t in dropped if t.id])
    form.pending_removals = [
        PendingRemoval(t.id, t.name, carriers[t.id])
        for t in dropped
        if t.id and carriers.get(t.id) and t.id not in form.confirmed_removals
    ]
    if form.pending_removals:
        errors["themes"] = _(
            "Some action fields you removed are carried by contributions. Confirm below that "
            "they may lose them, or add the action fields again."
        )
    if process is not None and form.version and form.version != _version(process):
        errors["form"] = _(
            "Someone else saved this process after you opened it. Your input is still here; "
            "check it against the public page and save again to replace their changes."
        )
        form.version = _version(process)  # saving again replaces their changes knowingly
    if errors:
        form.errors = errors
        raise ValidationFailed(errors)

    now = utcnow()
    zone = ZoneInfo(time_zone)
    if process is None:
        process = Process(slug=form.slug, title="", created_at=now)
    process.slug = form.slug
    process.title = " ".join(form.title.split())
    process.summary = " ".join(form.summary.split())
    process.description = form.description.replace("\r\n", "\n").strip()
    process.moderation_mode = ModerationMode(form.moderation_mode)
    process.open_channels = list(form.channels)
    process.data_licence = DataLicence(form.data_licence) if form.data_licence else None
    process.plain_description = clean_text(form.plain_description)
    process.plain_help = stored_help(form.plain_help)
    process.updated_at = now
    session.add(process)
    await session.flush()
    assert process.id is not None

    seen_phases: set[int] = set()
    for position, row in enumerate(form.phases):
        span = _day_range(row, zone)
        assert span is not None  # validated above
        phase_id = _row_id(row.id, old_phases)
        phase = old_phases[phase_id] if phase_id is not None else None
        if phase is None:
            phase = Phase(
                process_id=process.id,
                kind=PhaseKind(row.kind),
                title="",
                starts_at=span[0],
                ends_at=span[1],
            )
        else:
            seen_phases.add(phase_id or 0)
        phase.kind = PhaseKind(row.kind)
        phase.title = " ".join(row.title.split())
        phase.description = row.description.replace("\r\n", "\n").strip()
        phase.starts_at, phase.ends_at = span
        phase.position = position
        session.add(phase)
    for phase_id, phase in old_phases.items():
        if phase_id not in seen_phases:
            await session.delete(phase)

    taken = {t.slug for t in old_themes.values()}
    for position, theme_row in enumerate(form.themes):
        theme_id = _row_id(theme_row.id, old_themes)
        if theme_id is None:
            base = slugify(theme_row.name) or "handlungsfeld"
            slug, n = base, 2
            while slug in taken:
                slug, n = f"{base}-{n}", n + 1
            taken.add(slug)
            theme = Theme(process_id=process.id, slug=slug, name="")
        else:
            theme = old_themes[theme_id]  # the slug stays: the tagger's models know it
        theme.name = " ".join(theme_row.name.split())
        theme.description = theme_row.description.replace("\r\n", "\n").strip()
        theme.keywords = _keywords(theme_row.keywords)
        theme.lead_organisation = " ".join(theme_row.lead_organisation.split()) or None
        theme.position = position
        session.add(theme)
    for theme in dropped:
        await session.exec(
            delete(ContributionTheme).where(col(ContributionTheme.theme_id) == theme.id)
        )
        await session.delete(theme)
    await session.commit()
    # Who changed which process when; the row itself keeps `updated_at`.
    log.info("Process %s saved by user %s", process.slug, actor.id)
    return process
