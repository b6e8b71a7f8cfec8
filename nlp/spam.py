"""Spam signals in a contribution: rules a moderator can read, no model.

Four signals, each a value from 0 to 1 with the figure that triggered it: many links,
shouting (the share of capital letters once there are enough letters to judge), characters
repeated in a row ("!!!!!!", "soooooo"), and words repeated ("kaufen kaufen kaufen", or one
word making up much of a longer text). They combine like independent pieces of evidence,
score = 1 - (1 - s1)(1 - s2)...: one strong signal is enough for a high score, several weak
ones add up. The score orders a moderation queue; it decides nothing on its own.

German nouns are capitalised, so ordinary text has 10-25 % capitals; shouting starts well
above that. Reasons are codes with their figures (the app words and translates them).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Final, Literal

SignalCode = Literal["links", "shouting", "repeated_characters", "repeated_words"]

# Links: one is normal (a source), two worth a look, from three on typical of spam.
_LINK_VALUES: Final = {0: 0.0, 1: 0.0, 2: 0.3, 3: 0.6, 4: 0.7}
MANY_LINKS_VALUE: Final = 0.85
# Shouting: judged from this many letters on; the share of capitals from which it counts
# and at which it is certain.
SHOUTING_MIN_LETTERS: Final = 20
SHOUTING_FROM: Final = 0.5
SHOUTING_FULL: Final = 0.9
# The same character this many times in a row ("!!!!!", "sooooo"); twice as long, stronger.
REPEATED_CHARACTERS: Final = 5
# The same word this many times in a row.
REPEATED_WORDS_IN_A_ROW: Final = 3
# In texts of at least this many words, one word (of 3+ letters) making up this share.
DOMINANT_WORD_MIN_WORDS: Final = 20
DOMINANT_WORD_SHARE: Final = 0.3

_LINK: Final = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Digits do not count: "100000 Euro" is a number, not a stutter.
_RUN: Final = re.compile(rf"([^\s\d])\1{{{REPEATED_CHARACTERS - 1},}}")
_WORD: Final = re.compile(r"[^\W\d_]+")
_WORDS_IN_A_ROW: Final = re.compile(
    rf"(?<!\w)([^\W\d_]+)(?:\s+\1(?!\w)){{{REPEATED_WORDS_IN_A_ROW - 1},}}", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Signal:
    code: SignalCode
    value: float
    # What was measured: links counted, share of capitals, longest run of one character,
    # longest run of one word (or the share of the most frequent word).
    figure: float


@dataclass(frozen=True, slots=True)
class SpamScore:
    score: float
    # The signals that fired, strongest first.
    reasons: tuple[Signal, ...]


def _links(text: str) -> Signal:
    count = len(_LINK.findall(text))
    return Signal("links", _LINK_VALUES.get(count, MANY_LINKS_VALUE), count)


def _shouting(text: str) -> Signal:
    # Links are lowercase and would hide the shouting around them.
    letters = [char for char in _LINK.sub(" ", text) if char.isalpha()]
    if len(letters) < SHOUTING_MIN_LETTERS:
        return Signal("shouting", 0.0, 0.0)
    share = sum(char.isupper() for char in letters) / len(letters)
    value = (share - SHOUTING_FROM) / (SHOUTING_FULL - SHOUTING_FROM)
    return Signal("shouting", min(1.0, max(0.0, value)) * 0.9, round(share, 3))


def _repeated_characters(text: str) -> Signal:
    longest = max((len(match.group()) for match in _RUN.finditer(text)), default=0)
    if longest >= 2 * REPEATED_CHARACTERS:
        return Signal("repeated_characters", 0.5, longest)
    return Signal("repeated_characters", 0.25 if longest else 0.0, longest)


def _repeated_words(text: str) -> Signal:
    # In a row means separated by spaces only: "Kita, Kita, Kita!" is emphasis.
    longest = max(
        (len(match.group().split()) for match in _WORDS_IN_A_ROW.finditer(text)), default=0
    )
    if longest:
        return Signal("repeated_words", 0.5, longest)
    words = [word.lower() for word in _WORD.findall(text)]
    long_words = [word for word in words if len(word) >= 3]
    if len(words) >= DOMINANT_WORD_MIN_WORDS and long_words:
        _, count = Counter(long_words).most_common(1)[0]
        share = count / len(words)
        if share >= DOMINANT_WORD_SHARE:
            return Signal("repeated_words", 0.5, round(share, 3))
    return Signal("repeated_words", 0.0, 0)


def spam_score(text: str) -> SpamScore:
    """The spam score of `text` (0: nothing suspicious, towards 1: several strong signals)
    and the signals that fired."""
    signals = [_links(text), _shouting(text), _repeated_characters(text), _repeated_words(text)]
    remaining = 1.0
    for signal in signals:
        remaining *= 1.0 - signal.value
    fired = sorted((s for s in signals if s.value > 0), key=lambda s: -s.value)
    return SpamScore(score=round(1.0 - remaining, 3), reasons=tuple(fired))
