"""The periods of the contributions-over-time figure: days, weeks or months of the local
calendar, from the first contribution's day to the last one's, gaps included.

The database counts per period by index ranges: each period's start and end are local
midnights converted to UTC here (so summer time is right on every database), and the
contributions between them are counted (services/dashboard/counts.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from participation.i18n import _

# Up to this many days between the first and the last contribution, count per day; then per
# week, and per month beyond about two years.
DAYS_MAX: Final = 45
WEEKS_MAX: Final = 106


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the last day in it
    label: str

    def instants(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The UTC instants of its first local midnight and of the one after its last day."""
        after = self.end + timedelta(days=1)
        return (
            datetime.combine(self.start, time(), tzinfo=zone).astimezone(UTC),
            datetime.combine(after, time(), tzinfo=zone).astimezone(UTC),
        )


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


def periods(first: date, last: date) -> tuple[Granularity, list[Period]]:
    """Every period from the one holding `first` to the one holding `last`, so a quiet week
    shows as a zero rather than missing."""
    granularity = granularity_for(first, last)
    found = []
    start = _start_of(first, granularity)
    while start <= last:
        following = _next(start, granularity)
        end = following - timedelta(days=1)
        found.append(Period(start, end, _label(start, end, granularity)))
        start = following
    return granularity, found


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()
