"""Form values of the tracking page, read strictly: each either a clean value or a
ValidationFailed naming the field, never an exception the page cannot show."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Final

from participation.i18n import _
from participation.services.errors import ValidationFailed
from participation.services.processes import parse_day

TITLE_MAX: Final = 200
NOTE_MAX: Final = 500  # IndicatorValue.note
TEXT_MAX: Final = 5000  # a note on the timeline
VALUE_MAX: Final = 1e12
# German grouping: 1.234 or 1.234.567 without a decimal comma is a whole number.
_GROUPED: Final = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_NUMBER: Final = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def percent(value: int | str, field: str = "progress") -> int:
    if isinstance(value, int):
        number: int | None = value
    else:
        text = value.strip().removesuffix("%").strip()
        number = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None
    if number is None or not 0 <= number <= 100:
        raise ValidationFailed({field: _("Please give a whole number from 0 to 100.")})
    return number


def day(value: date | str | None, field: str, *, required: bool) -> date | None:
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationFailed({field: _("Please give a date.")})
        return None
    parsed = parse_day(text)
    if parsed is None or not 1900 <= parsed.year <= 2200:
        raise ValidationFailed({field: _("Please give a date such as 31.12.2027.")})
    return parsed


def decimal(value: float | int | str, field: str = "value") -> float:
    """A number as people type it: "12,5" and "1.234,5" in German, "12.5" too."""
    if isinstance(value, int | float):
        number: float | None = float(value)
    else:
        text = value.strip().replace(" ", "").replace("\u00a0", "")
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        elif _GROUPED.fullmatch(text):
            text = text.replace(".", "")
        number = float(text) if _NUMBER.fullmatch(text) and len(text) <= 30 else None
    if number is None or not math.isfinite(number) or abs(number) > VALUE_MAX:
        raise ValidationFailed({field: _("Please give a number such as 12 or 12,5.")})
    return number


def text(value: str, field: str, maximum: int, *, required: bool) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise ValidationFailed({field: _("Please fill in this field.")})
    if len(cleaned) > maximum:
        raise ValidationFailed({field: _("Please use at most %(n)d characters.") % {"n": maximum}})
    return cleaned
