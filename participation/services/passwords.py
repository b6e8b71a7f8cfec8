"""Rules for staff passwords, wherever one is set: long enough, not blank, not a password
people use everywhere.

"Very common" is checked against a small built-in list of the words such passwords are made
of (German and English), after dropping digits, spaces and punctuation, so "Passwort2024!"
and "sommer sommer 123" count as common. Keyboard runs, the alphabet and strings of digits
count too. It is no substitute for a breach list, but it stops what people try first.
"""

from __future__ import annotations

from typing import Final

from participation.i18n import _

PASSWORD_MIN: Final = 12
# "aaaaaaaaaaaa" and "abababababab" are long enough and still trivial.
DISTINCT_MIN: Final = 5

# The words, separated by white space.
_COMMON_TEXT: Final = """
    passwort password passwd pass kennwort geheim geheimnis secret qwertz qwerty azerty
    asdf asdfgh yxcv zxcv hallo hello hi willkommen welcome letmein login anmelden admin
    administrator root user benutzer nutzer test tester testen iloveyou ichliebedich liebe love
    schatz schatzi sommer winter fruehling frühling herbst sonne sunshine summer spring
    fussball fußball football soccer schalke bayern borussia dortmund werder hamburg berlin
    muenchen münchen koeln köln deutschland germany monkey dragon master shadow princess
    superman batman starwars pokemon baseball hockey killer trustno freedom whatever
    changeme default start starten beteiligung participation moderator moderation
    landkreis gemeinde rathaus verwaltung schule internet computer office microsoft google
    blume hase katze hund maus baby jesus gott engel
"""
_COMMON_WORDS: Final = frozenset(_COMMON_TEXT.split())
_RUNS: Final = (
    "abcdefghijklmnopqrstuvwxyz",
    "qwertzuiopü",
    "qwertyuiop",
    "asdfghjklöä",
    "yxcvbnm",
    "zxcvbnm",
)


def _letters(password: str) -> str:
    return "".join(c for c in password.lower() if c.isalpha())


def _is_repeated_word(letters: str) -> bool:
    """A common word, or one written several times over ("passwortpasswort")."""
    for word in _COMMON_WORDS:
        if len(letters) % len(word) == 0 and letters == word * (len(letters) // len(word)):
            return True
    return False


def _is_common(password: str) -> bool:
    letters = _letters(password)
    if len(letters) < 3:  # digits and punctuation with a letter or two: "123456789012"
        return True
    if _is_repeated_word(letters):
        return True
    return any(letters in run or letters in run[::-1] for run in _RUNS)


def password_problem(password: str, email: str = "") -> str | None:
    """What is wrong with this password, in the reader's language; None if it will do."""
    if not password.strip():
        return _("The password must not consist of spaces only.")
    if len(password) < PASSWORD_MIN:
        return _("The password needs at least %(n)d characters.") % {"n": PASSWORD_MIN}
    if email and password.strip().lower() == email.strip().lower():
        return _("The password must not be the e-mail address.")
    if len(set(password.strip().lower())) < DISTINCT_MIN or _is_common(password):
        return _(
            "This password is too easy to guess. Please choose another, for example a "
            "sentence of four or five words of your own."
        )
    return None
