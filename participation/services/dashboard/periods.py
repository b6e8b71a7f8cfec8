"""Counting by the local calendar day in the database, and folding days into weeks or
months in Python (a few hundred rows at most, one per day and channel).

PostgreSQL converts with the time zone itself; SQLite has no time zones, so its day is the
UTC time shifted by the zone's offset, chosen by a CASE over the zone's changes of offset
(summer time) in the years around now. Both give the same day for every instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import ColumnElement

from participation.i18n import _

# Years around now whose offset changes the SQLite CASE knows; outside them the nearest
# offset applies (a contribution dated 15 years ago is off by an hour at most).
YEARS_BACK: Final = 15
YEARS_AHEAD: Final = 5
# Up to this many days between the first and the last contribution, count per day; then per
# week, and per month beyond about two years.
DAYS_MAX: Final = 45
WEEKS_MAX: Final = 106


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset else 0


@lru_cache(maxsize=8)
def offset_changes(time_zone: str, year: int) -> tuple[int, tuple[tuple[datetime, int], ...]]:
    """The zone's UTC offset in seconds before the window around `year`, and each later change
    within it: (the UTC instant it takes effect, the new offset)."""
    zone = ZoneInfo(time_zone)
    start = datetime(year - YEARS_BACK, 1, 1, tzinfo=UTC)
    end = datetime(year + YEARS_AHEAD + 1, 1, 1, tzinfo=UTC)
    first = _offset(zone, start)
    changes: list[tuple[datetime, int]] = []
    current, moment = first, start
    step = timedelta(days=1)
    while moment < end:
        later = moment + step
        if (offset := _offset(zone, later)) != current:
            low, high = moment, later  # the change lies in (low, high]: narrow to the minute
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if _offset(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            changes.append((high.replace(second=0, microsecond=0), offset))
            current = offset
        moment = later
    return first, tuple(changes)


def local_day(column: Mapped[datetime], dialect: str, time_zone: str) -> ColumnElement[str]:
    """The local calendar day of a UTC timestamp column as 'YYYY-MM-DD', in SQL."""
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone(time_zone, column), "YYYY-MM-DD")
    first, changes = offset_changes(time_zone, datetime.now(UTC).year)
    if not changes:
        return sa.func.date(column, f"{first:+d} seconds")
    shifts: list[tuple[ColumnElement[bool], str]] = []
    before = first
    for instant, offset in changes:
        shifts.append((column < instant, f"{before:+d} seconds"))
        before = offset
    return sa.func.date(column, sa.case(*shifts, else_=f"{before:+d} seconds"))


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the last day in it
    label: str


def granularity_for(first: date, last: date) -> Granularity:
    span = (last - first).days
    if span < DAYS_MAX:
        return Granularity.DAY
    if span < WEEKS_MAX * 7:
        return Granularity.WEEK
    return Granularity.MONTH


def _start_of(day: date, granularity: Granularity) -> date:
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())  # Monday
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    return day


def _next(start: date, granularity: Granularity) -> date:
    if granularity is Granularity.DAY:
        return start + timedelta(days=1)
    if granularity is Granularity.WEEK:
        return start + timedelta(days=7)
    return (start + timedelta(days=32)).replace(day=1)


def _label(start: date, end: date, granularity: Granularity) -> str:
    if granularity is Granularity.DAY:
        return start.strftime("%d.%m.%Y")
    if granularity is Granularity.WEEK:
        week = start.isocalendar()
        return _("Week %(week)d/%(year)d (%(start)s–%(end)s)") % {
            "week": week.week,
            "year": week.year,
            "start": start.strftime("%d.%m."),
            "end": end.strftime("%d.%m.%Y"),
        }
    return start.strftime("%m/%Y")


def periods(days: Sequence[date]) -> tuple[Granularity, list[Period]]:
    """Every period from the first to the last of `days`, gaps included, so a quiet week
    shows as a zero rather than missing."""
    if not days:
        return Granularity.DAY, []
    first, last = min(days), max(days)
    granularity = granularity_for(first, last)
    found = []
    start = _start_of(first, granularity)
    while start <= last:
        following = _next(start, granularity)
        end = following - timedelta(days=1)
        found.append(Period(start, end, _label(start, end, granularity)))
        start = following
    return granularity, found


def period_of(day: date, granularity: Granularity) -> date:
    """The start of the period that holds `day`."""
    return _start_of(day, granularity)
