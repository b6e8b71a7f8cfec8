"""German first: every message in code and templates has a German translation."""

from __future__ import annotations

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from participation.i18n import LOCALE_DIR, current_locale, gettext
from participation.settings import PROJECT_ROOT

METHOD_MAP = [
    ("participation/**.py", "python"),
    ("templates/**.html", "jinja2"),
]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _german() -> Catalog:
    with (LOCALE_DIR / "de" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale="de")


def _extracted_ids() -> set[str]:
    ids: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT, METHOD_MAP, OPTIONS
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    if isinstance(string, str):
        return bool(string)
    return bool(string) and all(string or ())


def test_every_message_has_a_german_translation() -> None:
    catalog = _german()
    extracted = _extracted_ids()
    assert len(extracted) > 100  # the extraction itself works
    untranslated = sorted(
        msgid
        for msgid in extracted
        if (entry := catalog.get(msgid)) is None
        or not _translated(entry.string)
        or "fuzzy" in entry.flags
    )
    assert untranslated == [], "run `make messages` and translate these in messages.po"


def test_german_placeholders_match_the_english_ones() -> None:
    problems = [(m.id, errors) for m, errors in _german().check() if errors]
    assert problems == []


def test_gettext_follows_the_request_locale() -> None:
    token = current_locale.set("en")
    try:
        assert gettext("Send idea") == "Send idea"
    finally:
        current_locale.reset(token)
    token = current_locale.set("de")
    try:
        assert gettext("Send idea") == "Idee absenden"
    finally:
        current_locale.reset(token)
