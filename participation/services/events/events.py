"""A process's events (e.g. "Innovationskonferenz Riesa, 31. Mai"): the admin's form, the
process page's lists of upcoming and past events, and an event's public page with what its
live sessions collected.

An event's contributions are the published ones that came from its sessions: a session's
ideas become contributions when it is closed (FocusGroupIdea.contribution_id), and the
session names its event (FocusGroupSession.event_id).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import clean_text
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    Event,
    FocusGroupIdea,
    FocusGroupSession,
)
from participation.models.events import EVENT_TITLE_MAX, PLACE_MAX, URL_MAX
from participation.services.errors import NotFound, ValidationFailed
from participation.services.processes import Page, parse_day

AGENDA_MAX: Final = 20_000
EVENTS_LISTED: Final = 20  # upcoming and past each, on the process page
EVENT_PAGE_SIZE: Final = 20  # contributions per page of an event's page
# An event counts as past from the next local day on: its day is its own all day long.
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


@dataclass
class EventForm:
    """What the admin typed, kept verbatim for a failed save."""

    title: str = ""
    day: str = ""  # 2026-05-31 (date input) or 31.05.2026
    start: str = ""  # 10:00, optional
    place: str = ""
    agenda: str = ""
    registration_url: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> EventForm:
        def line(name: str) -> str:
            return " ".join(clean_text(str(data.get(name, ""))).split())

        return cls(
            title=line("title"),
            day=line("day"),
            start=line("start"),
            place=line("place"),
            agenda=clean_text(str(data.get("agenda", ""))).replace("\r\n", "\n").strip(),
            registration_url=line("registration_url"),
        )

    @classmethod
    def of(cls, event: Event, time_zone: str) -> EventForm:
        local = event.starts_at.astimezone(ZoneInfo(time_zone))
        return cls(
            title=event.title,
            day=local.date().isoformat(),
            start="" if local.time() == time(0, 0) else local.strftime("%H:%M"),
            place=event.place,
            agenda=event.agenda,
            registration_url=event.registration_url,
        )


def _parse_time(text: str) -> time | None:
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _starts_at(form: EventForm, time_zone: str) -> datetime | None:
    """The form's day and time (midnight when no time is given) in UTC; or its errors."""
    errors: dict[str, str] = {}
    day = parse_day(form.day)
    if day is None:
        errors["day"] = _("Please give the day, e.g. 31.05.2027.")
    start = time(0, 0)
    if form.start:
        parsed = _parse_time(form.start)
        if parsed is None:
            errors["start"] = _("Please give the time as hours and minutes, e.g. 09:30.")
        else:
            start = parsed
    form.errors.update(errors)
    if day is None or errors:
        return None
    return datetime.combine(day, start, ZoneInfo(time_zone)).astimezone(UTC)


def validate_event(form: EventForm, time_zone: str) -> datetime | None:
    form.errors = {}
    if not form.title:
        form.errors["title"] = _("Please give the event a title.")
    elif len(form.title) > EVENT_TITLE_MAX:
        form.errors["title"] = _("Please use at most %(n)d characters.") % {"n": EVENT_TITLE_MAX}
    starts_at = _starts_at(form, time_zone)
    if len(form.place) > PLACE_MAX:
        form.errors["place"] = _("Please use at most %(n)d characters.") % {"n": PLACE_MAX}
    if len(form.agenda) > AGENDA_MAX:
        form.errors["agenda"] = _("Please use at most %(n)d characters.") % {"n": AGENDA_MAX}
    url = form.registration_url
    if url and (len(url) > URL_MAX or not _URL.match(url)):
        form.errors["registration_url"] = _(
            "Please give a full web address starting with https://, or leave the field empty."
        )
    if form.errors:
        raise ValidationFailed(form.errors)
    return starts_at


async def save_event(
    session: AsyncSession, process_id: int, event: Event | None, form: EventForm, time_zone: str
) -> Event:
    """Create an event (`event` None) or change one. Raises ValidationFailed per field."""
    starts_at = validate_event(form, time_zone)
    assert starts_at is not None
    if event is None:
        event = Event(process_id=process_id, title=form.title, starts_at=starts_at)
    event.title, event.starts_at, event.place = form.title, starts_at, form.place
    event.agenda, event.registration_url = form.agenda, form.registration_url
    session.add(event)
    await session.commit()
    return event


async def delete_event(session: AsyncSession, event: Event) -> None:
    """Delete an event. Its sessions and their contributions stay; they lose the event only."""
    await session.delete(event)
    await session.commit()


async def get_event(session: AsyncSession, process_id: int, event_id: int) -> Event:
    event = await session.get(Event, event_id)
    if event is None or event.process_id != process_id:
        raise NotFound()
    return event


def _day_boundary(now: datetime, time_zone: str) -> datetime:
    """The start of today, local time, in UTC: an event of today is still upcoming."""
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    return datetime.combine(today, time(0, 0), zone).astimezone(UTC)


def is_past(event: Event, now: datetime, time_zone: str) -> bool:
    return event.starts_at < _day_boundary(now, time_zone)


@dataclass(frozen=True)
class EventLists:
    upcoming: Sequence[Event]  # soonest first
    past: Sequence[Event]  # latest first

    def __bool__(self) -> bool:
        return bool(self.upcoming or self.past)


async def process_events(
    session: AsyncSession, process_id: int, now: datetime, time_zone: str
) -> EventLists:
    """The process page's events: two statements, each a range of ix_event_process_starts."""
    boundary = _day_boundary(now, time_zone)
    upcoming = await session.exec(
        select(Event)
        .where(Event.process_id == process_id, col(Event.starts_at) >= boundary)
        .order_by(col(Event.starts_at), col(Event.id))
        .limit(EVENTS_LISTED)
    )
    past = await session.exec(
        select(Event)
        .where(Event.process_id == process_id, col(Event.starts_at) < boundary)
        .order_by(col(Event.starts_at).desc(), col(Event.id).desc())
        .limit(EVENTS_LISTED)
    )
    return EventLists(list(upcoming), list(past))


async def all_events(session: AsyncSession, process_id: int) -> list[Event]:
    """Every event of a process for the admin's list, latest first."""
    return list(
        await session.exec(
            select(Event)
            .where(Event.process_id == process_id)
            .order_by(col(Event.starts_at).desc(), col(Event.id).desc())
            .limit(500)
        )
    )


@dataclass(frozen=True)
class EventPage:
    event: Event
    past: bool
    sessions: Sequence[FocusGroupSession]  # its live sessions (tables)
    contributions: Page[Contribution]  # published, from its sessions; empty before the event


def _collected(event_id: int) -> Any:
    """The published ideas that came from the event's sessions."""
    return (
        select(Contribution)
        .join(FocusGroupIdea, col(FocusGroupIdea.contribution_id) == Contribution.id)
        .join(FocusGroupSession, col(FocusGroupSession.id) == FocusGroupIdea.session_id)
        .where(
            FocusGroupSession.event_id == event_id,
            Contribution.status == ContributionStatus.PUBLISHED,
            Contribution.kind == ContributionKind.IDEA,
        )
    )


async def event_page(
    session: AsyncSession, event: Event, page: int, now: datetime, time_zone: str
) -> EventPage:
    """An event's public page: four statements at most (sessions, count, one page of
    contributions), read through the indexes on session.event_id and idea.session_id."""
    assert event.id is not None
    past = is_past(event, now, time_zone)
    sessions = list(
        await session.exec(
            select(FocusGroupSession)
            .where(FocusGroupSession.event_id == event.id)
            .order_by(col(FocusGroupSession.title), col(FocusGroupSession.id))
            .limit(100)
        )
    )
    empty: Page[Contribution] = Page(items=[], page=1, pages=1, total=0)
    if not past or not sessions:
        return EventPage(event, past, sessions, empty)
    collected = _collected(event.id).subquery()
    total = (await session.exec(select(func.count()).select_from(collected))).one()
    pages = max(1, math.ceil(total / EVENT_PAGE_SIZE))
    page = min(max(page, 1), pages)
    items = list(
        await session.exec(
            _collected(event.id)
            .order_by(col(Contribution.published_at).desc(), col(Contribution.id).desc())
            .offset((page - 1) * EVENT_PAGE_SIZE)
            .limit(EVENT_PAGE_SIZE)
        )
    )
    return EventPage(event, past, sessions, Page(items=items, page=page, pages=pages, total=total))
