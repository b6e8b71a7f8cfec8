"""Translations: German first, English available.

Message ids in code and templates are English; `locale/de/LC_MESSAGES/messages.po` holds
the German text. The catalogues are compiled in memory at start, so there is no .mo build
step to forget. The locale of the current request lives in a context variable that the
locale middleware sets, so `gettext` works the same in templates, services and routes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from participation.settings import SUPPORTED_LOCALES

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "de"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@cache
def translations_for(locale: str) -> NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()  # English message ids need no catalogue
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


@cache
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def number_locale() -> Locale:
    """The reader's language for Babel's number formats, parsed once per language: a page of
    200 profiles formats a thousand numbers."""
    return _parsed(current_locale.get())


def gettext(message: str) -> str:
    return translations_for(current_locale.get()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations_for(current_locale.get()).ungettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations_for(current_locale.get()).upgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations_for(current_locale.get()).unpgettext(context, singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular and plural pair for extraction (pybabel -k Nn_:1,2)."""
    return singular, plural


@dataclass(frozen=True)
class Deferred:
    """A sentence kept untranslated, as its message id and parameters, so that it is put into
    the language of whoever reads it: for text stored now and shown later, such as what a
    background job did. `str()` translates it into the current locale.

    A message id unknown to the catalogue (a text from elsewhere) comes back as it is."""

    msgid: str
    # Floats are scores, written with two decimals in the reader's notation ("0,42").
    params: Mapping[str, int | str | float] = field(default_factory=dict)
    plural: str | None = None  # with a plural form, params["num"] chooses between them

    @classmethod
    def counted(cls, forms: tuple[str, str], num: int, **params: int | str | float) -> Deferred:
        return cls(forms[0], {"num": num, **params}, forms[1])

    def __str__(self) -> str:
        if self.plural is None:
            text = gettext(self.msgid)
        else:
            text = ngettext(self.msgid, self.plural, int(self.params["num"]))
        if not self.params:
            return text
        locale = current_locale.get()
        return text % {
            name: format_decimal(value, "0.00", locale=locale)
            if isinstance(value, float)
            else value
            for name, value in self.params.items()
        }

    def to_json(self) -> dict[str, Any]:
        return {"id": self.msgid, "params": dict(self.params), "plural": self.plural}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Deferred:
        return cls(str(data["id"]), dict(data.get("params") or {}), data.get("plural"))


def store_deferred(messages: Sequence[Deferred]) -> str:
    """Messages as text for a database column (JSON); "" for none."""
    return json.dumps([m.to_json() for m in messages], ensure_ascii=False) if messages else ""


def show_stored(stored: str) -> str:
    """Messages stored by `store_deferred`, in the current locale, as one text. A stored
    plain text (from before messages were kept this way) is shown as it is."""
    if not stored.startswith("[{"):
        return stored
    try:
        messages = [Deferred.from_json(item) for item in json.loads(stored)]
    except (ValueError, KeyError, TypeError):
        return stored
    return " ".join(str(message) for message in messages)


def negotiate_locale(
    cookie: str | None, accept_language: str | None, default: str = DEFAULT_LOCALE
) -> str:
    """The locale a person chose (cookie), else the first supported one the browser asks for."""
    if cookie in SUPPORTED_LOCALES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in SUPPORTED_LOCALES:
            return tag
    return default
