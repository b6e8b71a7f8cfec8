"""Insults in German text: a shipped word list (nlp/data/insults_de.txt) plus the words
moderators add, matched on whole words with their inflected forms.

A list entry is a lemma in lowercase. A word matches when, after lowercasing and folding
umlauts and ß (ä->a, ö->o, ü->u, ß->ss), it is the entry or the entry with a German
inflection ending ("Idioten", "Arschlöcher", "Schlampen"). An entry written with a leading
"*" also matches as the last part of a compound ("*idiot": "Vollidiot"). Nothing matches
inside a word, so "Schweinfurt" is never "Schwein" and "Honkong" never "Honk".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

SHIPPED_LIST: Final = Path(__file__).parent / "data" / "insults_de.txt"
COMPOUND_MARK: Final = "*"
# Endings of German noun and adjective forms, longest first.
_ENDINGS: Final = ("innen", "chen", "ern", "en", "er", "es", "in", "e", "n", "s", "")
_FOLD: Final = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_WORD: Final = re.compile(r"[^\W\d_]+")
WORD_MAX: Final = 80
_ENTRY: Final = re.compile(r"\*?[^\W\d_]+(?:-[^\W\d_]+)*")


def fold(word: str) -> str:
    return word.lower().translate(_FOLD)


def normalise_entry(text: str) -> str | None:
    """A list entry as stored: lowercase, one word, an optional leading "*"; None if it is
    not one word of letters (or too long)."""
    entry = text.strip().lower()
    if not entry or len(entry) > WORD_MAX or not _ENTRY.fullmatch(entry):
        return None
    return entry.replace("-", "")


@dataclass(frozen=True, slots=True)
class InsultList:
    words: frozenset[str]  # folded entries matched as whole words
    compound_ends: tuple[str, ...]  # folded entries also matched at the end of a word

    def matches(self, word: str) -> bool:
        folded = fold(word)
        for ending in _ENDINGS:
            if ending and not folded.endswith(ending):
                continue
            stem = folded[: len(folded) - len(ending)] if ending else folded
            if stem in self.words:
                return True
            if any(stem.endswith(end) and len(stem) > len(end) for end in self.compound_ends):
                return True
        return False

    def find(self, text: str) -> list[str]:
        """The words of `text` that are insults, as written, in order."""
        return [match.group() for match in _WORD.finditer(text) if self.matches(match.group())]


def build_list(entries: Iterable[str]) -> InsultList:
    words: set[str] = set()
    ends: set[str] = set()
    for raw in entries:
        entry = normalise_entry(raw)
        if entry is None:
            continue
        if entry.startswith(COMPOUND_MARK):
            entry = entry.removeprefix(COMPOUND_MARK)
            ends.add(fold(entry))
        words.add(fold(entry))
    return InsultList(frozenset(words), tuple(sorted(ends)))


@cache
def shipped_entries() -> tuple[str, ...]:
    """The shipped list's entries (comments and blank lines left out)."""
    lines = SHIPPED_LIST.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def _cached(extra: tuple[str, ...]) -> InsultList:
    return build_list((*shipped_entries(), *extra))


def insult_list(extra: Iterable[str] = ()) -> InsultList:
    """The shipped list with `extra` entries (moderators' words), built once per set."""
    return _cached(tuple(sorted(set(extra))))
