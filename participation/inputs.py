"""What the app accepts as text and as whole numbers from outside, in one place.

Text: every value that arrives in a form, a JSON body, a query string or a path passes
`clean_text` (see participation/middleware.py, `clean_input_middleware`), so a form added
tomorrow is covered without thinking about it. Numbers typed or sent by people are read with
`parse_int`, never with `int()` on an `isdigit()` check ("²".isdigit() is true).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Final, TypeVar

# Ids are PostgreSQL integers: a larger number cannot name a row, and asking the database
# for one fails (SQLite overflows at 2**63 as well).
MAX_ID: Final = 2**31 - 1
# JSON bodies nested deeper than this are refused; real ones are two or three levels deep.
JSON_DEPTH_MAX: Final = 32

# Control characters a text may keep: tab and line breaks.
_KEPT_CONTROLS: Final = frozenset("\t\n\r")
# Categories that never show: controls (NUL, which PostgreSQL refuses in text, among them),
# format characters (zero-width spaces and joiners, right-to-left overrides, soft hyphens)
# and lone surrogates (no valid UTF-8).
_DROPPED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs"})
# Letters that render as nothing: the Hangul fillers and the blank Braille pattern.
_BLANK_LETTERS: Final = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Marks on their own (combining accents, variation selectors) show nothing either.
_INVISIBLE_CATEGORIES: Final = frozenset({"Mn", "Me", "Zs", "Zl", "Zp"})


def _kept(char: str) -> bool:
    return char in _KEPT_CONTROLS or unicodedata.category(char) not in _DROPPED_CATEGORIES


def _visible(char: str) -> bool:
    return not (
        char.isspace()
        or char in _BLANK_LETTERS
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
    )


def clean_text(value: str) -> str:
    """Composed (NFC), without control and format characters; "" if nothing would show.

    NFC, not NFKC: NFKC would turn "m²" into "m2" and "½" into "1⁄2" in what people wrote.
    Names that must not look alike compare under NFKC (see services/pseudonyms.py).
    """
    if value.isascii() and value.isprintable() and not value.isspace():
        return value  # the common case, kept cheap
    cleaned = "".join(char for char in unicodedata.normalize("NFC", value) if _kept(char))
    return cleaned if any(_visible(char) for char in cleaned) else ""


class NestedTooDeep(ValueError):
    """A JSON value nested deeper than JSON_DEPTH_MAX."""


def clean_json(value: Any, depth: int = 0) -> Any:
    """Every string in a decoded JSON value (keys too) through `clean_text`."""
    if depth > JSON_DEPTH_MAX:
        raise NestedTooDeep(f"nested deeper than {JSON_DEPTH_MAX} levels")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_json(v, depth + 1) for k, v in value.items()}
    return value


def parse_int(text: str | None, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """The whole number in `text` (ASCII digits, surrounding spaces allowed) if it lies in
    [minimum, maximum] (both not negative); None for anything else, so the caller can say
    what is expected."""
    digits = (text or "").strip()
    # The length check first: int() of a million digits is slow.
    if not digits or len(digits) > len(str(maximum)) or not (digits.isascii() and digits.isdigit()):
        return None
    number = int(digits)
    return number if minimum <= number <= maximum else None


Row = TypeVar("Row")


def form_rows(data: Mapping[str, str], pattern: re.Pattern[str]) -> dict[str, list[dict[str, str]]]:
    """The repeating rows of a form without JavaScript ("phases-0-title", "org-2-name"), by
    section and in index order: `pattern` matches a key as (section, index, field)."""
    rows: dict[str, dict[int, dict[str, str]]] = {}
    for key, value in data.items():
        if match := pattern.match(key):
            section, index, name = match.groups()
            rows.setdefault(section, {}).setdefault(int(index), {})[name] = value
    return {section: [row for _i, row in sorted(found.items())] for section, found in rows.items()}


def row_of(row_type: type[Row], values: Mapping[str, str]) -> Row:
    """A form row as its dataclass; fields it does not have are dropped, so a forged key
    cannot reach the constructor."""
    fields = row_type.__dataclass_fields__  # type: ignore[attr-defined]
    return row_type(**{k: v for k, v in values.items() if k in fields})
