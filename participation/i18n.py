"""Translations: German first, English available.

Message ids in code and templates are English; `locale/de/LC_MESSAGES/messages.po` holds
the German text. The catalogues are compiled in memory at start, so there is no .mo build
step to forget. The locale of the current request lives in a context variable that the
locale middleware sets, so `gettext` works the same in templates, services and routes.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
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
