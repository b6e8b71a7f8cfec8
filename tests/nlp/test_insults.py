"""The insult list: whole words with their inflected forms, compounds only where an entry
asks for them, and no match inside other words (place names)."""

from __future__ import annotations

import pytest

from nlp.insults import build_list, insult_list, normalise_entry, shipped_entries


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Du bist ein Idiot.", ["Idiot"]),
        ("Lauter Idioten im Rathaus", ["Idioten"]),
        ("Ihr Arschlöcher!", ["Arschlöcher"]),
        ("So ein Vollidiot", ["Vollidiot"]),  # "*idiot" matches at the end of compounds
        ("Die Schlampen", ["Schlampen"]),
        ("IDIOT", ["IDIOT"]),
    ],
)
def test_shipped_words_match_with_their_forms(text: str, found: list[str]) -> None:
    assert insult_list().find(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "Die Idiotie der Planung",  # another word that starts the same
        "Honkong und Hongkong",  # not "Honk"
        "Mehr Busse nach Penzberg",
        "Der Bahnhof in Schweinfurt braucht Fahrradständer.",
        "Sehr geehrte Damen und Herren, bitte mehr Radwege.",
    ],
)
def test_no_matches_inside_other_words(text: str) -> None:
    assert insult_list(["schwein"]).find(text) == []


def test_added_words_match_as_words_not_as_parts_of_place_names() -> None:
    words = insult_list(["schwein"])
    assert words.find("Du Schwein!") == ["Schwein"]
    assert words.find("Ihr Schweine") == ["Schweine"]
    assert words.find("Schweinfurt, Schweinsberg") == []
    # Without the addition the shipped list does not know it.
    assert insult_list().find("Du Schwein!") == []


def test_compound_entries_match_only_at_the_end() -> None:
    words = build_list(["*pfosten"])
    assert words.find("Vollpfosten") == ["Vollpfosten"]
    assert words.find("Pfostenreihe") == []


@pytest.mark.parametrize(
    ("raw", "entry"),
    [("  Depp ", "depp"), ("*Idiot", "*idiot"), ("Sau-Bande", "saubande"), ("zwei Wörter", None),
     ("123", None), ("", None)],
)  # fmt: skip
def test_entries_are_single_words(raw: str, entry: str | None) -> None:
    assert normalise_entry(raw) == entry


def test_the_shipped_list_is_lowercase_lemmas() -> None:
    entries = shipped_entries()
    assert len(entries) > 30
    assert all(normalise_entry(entry) == entry for entry in entries)
