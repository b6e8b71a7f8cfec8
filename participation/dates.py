"""How dates and times are shown: one set of formats for every page and message, in the
reader's language (Babel, the current locale) and the site's time zone (TIME_ZONE).

- a day: "5. Dezember 2026" / "December 5, 2026" (template filter `date`)
- a moment: "5. Dezember 2026, 22:06" / "December 5, 2026, 10:06 PM" (filter `datetime`)
- the last day before an end: "31. Januar 2027" for an end stored as the midnight that
  follows it (filter `last_day`). Ends are exclusive: a phase, a survey or a call runs until
  just before its end, so the last day it is open is the day of the moment before.

There is no shorter form for tables: one format everywhere reads the same on every page.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format

from participation import i18n

_JUST_BEFORE = timedelta(microseconds=1)


@cache
def _zone(time_zone: str) -> ZoneInfo:
    return ZoneInfo(time_zone)


def _local_day(value: date, time_zone: str) -> date:
    if isinstance(value, datetime):
        return value.astimezone(_zone(time_zone)).date()
    return value


def format_day(value: date | None, time_zone: str) -> str:
    """The day, spelled out: "5. Dezember 2026"."""
    if value is None:
        return ""
    return _long_day(_local_day(value, time_zone), i18n.current_locale.get())


@lru_cache(maxsize=4096)
def _long_day(day: date, locale: str) -> str:
    # Babel takes a tenth of a millisecond per date; a list shows the same few days again.
    return str(format_date(day, format="long", locale=locale))


def format_moment(value: datetime | None, time_zone: str) -> str:
    """The day spelled out and the time of day: "5. Dezember 2026, 22:06"."""
    if value is None:
        return ""
    locale = i18n.current_locale.get()
    local = value.astimezone(_zone(time_zone))
    time_of_day = _time_of_day(local.hour, local.minute, locale)
    # The locale's way of joining a date and a time ("{1}, {0}" in German and English).
    pattern = _date_time_pattern(locale)
    return pattern.replace("{1}", _long_day(local.date(), locale)).replace("{0}", time_of_day)


def format_clock(value: datetime, time_zone: str) -> str:
    """The time of day alone, as a clock shows it: "14:35"."""
    local = value.astimezone(_zone(time_zone))
    return _time_of_day(local.hour, local.minute, i18n.current_locale.get())


@lru_cache(maxsize=4096)
def _time_of_day(hour: int, minute: int, locale: str) -> str:
    return str(format_time(time(hour, minute), format="short", locale=locale))


@cache
def _date_time_pattern(locale: str) -> str:
    return str(get_datetime_format("medium", locale=locale))


def format_last_day(end: datetime | None, time_zone: str) -> str:
    """The last day before an exclusive end: an end at midnight shows the day before it."""
    if end is None:
        return ""
    return format_day(end - _JUST_BEFORE, time_zone)


def format_iso(value: datetime | None, time_zone: str) -> str:
    """For <time datetime="…">: ISO 8601 with the site's offset, to the minute."""
    return value.astimezone(_zone(time_zone)).isoformat(timespec="minutes") if value else ""
