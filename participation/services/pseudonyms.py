"""Pseudonyms for pupils in a focus group: how they are compared, which are refused, and a free
alternative when one is taken.

The rude-word check is deliberately small and simple: a class of pupils will try the obvious
words, digits for letters ("4rsch") and umlaut spellings ("scheiße", "scheisse"); the
facilitator sees every name on the board and handles the rest in the room.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from typing import Final

from participation.i18n import _
from participation.inputs import clean_text

PSEUDONYM_MIN, PSEUDONYM_MAX = 2, 30

# Stems, already folded (see `_fold`): a name that contains one is refused.
RUDE_WORDS: Final = frozenset(
    {
        "arsch",
        "bitch",
        "fick",
        "fotze",
        "fuck",
        "hitler",
        "hure",
        "idiot",
        "kacke",
        "kanake",
        "missgeburt",
        "nazi",
        "neger",
        "nigga",
        "nigger",
        "penner",
        "pimmel",
        "porno",
        "schlampe",
        "scheis",
        "schwuchtel",
        "sex",
        "shit",
        "titten",
        "vollpfosten",
        "wichser",
        "wixer",
    }
)
# Harmless words that contain a stem above ("Barsch" is a fish, "Marsch" a march).
HARMLESS_WORDS: Final = frozenset({"barsch", "marsch", "sussex", "essex"})

# Digits and signs people type for letters.
_LEET: Final = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s"}
)
_UMLAUT_SPELLINGS: Final = (("ae", "a"), ("oe", "o"), ("ue", "u"), ("ss", "s"))
# Cyrillic and Greek letters (case-folded) that look like Latin ones: "Mах" with a Cyrillic
# "а" and "х" must be the same name as "Max", and no way around the rude-word check.
_LOOKALIKES: Final = str.maketrans(
    dict(
        zip("авекмнорстухѕіјԁӏһԛԝαβεζηικμνορτυχ", "abekmhopctyxsijdlhqwabezhikmnoptyx", strict=True)
    )
)


def _strip_accents(text: str) -> str:
    """Compatibility-decomposed (NFKD: "Ｍａｘ" is "Max") without accents, invisible format
    characters or look-alike letters."""
    decomposed = unicodedata.normalize("NFKD", clean_text(text).replace("ß", "ss"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.casefold().translate(_LOOKALIKES)


def pseudonym_key(name: str) -> str:
    """The name as compared within a session: no case, accents or spaces and signs, so
    "Blau Wal", "blauwal" and "Bläuwal" are one name, and nor do invisible characters or
    look-alike letters make another. Digits stay ("Wal 2" is another)."""
    return "".join(c for c in _strip_accents(name) if c.isalnum())[:PSEUDONYM_MAX]


def _fold(text: str) -> str:
    """For the rude-word check: leetspeak undone, letters only, umlaut spellings and doubled
    letters collapsed ("Schei55e" and "scheiße" both become "scheise")."""
    text = _strip_accents(text).translate(_LEET)
    text = "".join(c for c in text if c.isalpha())
    for spelled, plain in _UMLAUT_SPELLINGS:
        text = text.replace(spelled, plain)
    return re.sub(r"(.)\1+", r"\1", text)


_FOLDED_HARMLESS: Final = tuple(_fold(word) for word in HARMLESS_WORDS)
_FOLDED_RUDE: Final = tuple(_fold(word) for word in RUDE_WORDS)


def is_rude(name: str) -> bool:
    folded = _fold(name)
    for harmless in _FOLDED_HARMLESS:
        folded = folded.replace(harmless, " ")
    return any(word in folded for word in _FOLDED_RUDE)


def clean_pseudonym(name: str) -> str:
    """Without invisible characters (a right-to-left override would show "xaM" as "Max"),
    inner runs of spaces collapsed, ends trimmed."""
    return " ".join(clean_text(name).split())


def pseudonym_error(name: str, *, formal: bool = False) -> str | None:
    """Why a (cleaned) pseudonym cannot be used, or None. Being taken is checked elsewhere.
    `formal`: the texts for adults (German "Sie"); pupils get their own ("du")."""
    if not name:
        return _("Please enter a name.") if formal else _("Please choose a name.")
    if len(name) < PSEUDONYM_MIN or len(name) > PSEUDONYM_MAX:
        if formal:
            text = _("The name must be between %(min)d and %(max)d characters long.")
        else:
            text = _("Your name must be between %(min)d and %(max)d characters long.")
        return text % {"min": PSEUDONYM_MIN, "max": PSEUDONYM_MAX}
    if len(pseudonym_key(name)) < PSEUDONYM_MIN:
        if formal:
            return _("Please use at least two letters or digits in the name.")
        return _("Please use at least two letters or digits.")
    if is_rude(name):
        return (
            _("Please choose a courteous name.") if formal else _("Please choose a friendly name.")
        )
    return None


def free_alternative(name: str, taken_keys: Collection[str]) -> str:
    """A name like `name` nobody in the session has: "Blauwal 2", "Blauwal 3", …"""
    number = 2
    while True:
        suffix = f" {number}"
        candidate = name[: PSEUDONYM_MAX - len(suffix)].rstrip() + suffix
        if pseudonym_key(candidate) not in taken_keys:
            return candidate
        number += 1
