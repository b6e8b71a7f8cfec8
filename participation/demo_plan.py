"""The demo process's evaluation: two jurors rate its ready profiles against the four
Werra-Meißner criteria, the ranking fills three priority groups (sized for the demo's eight
rated profiles; a real plan has 8, 14 and the rest), one profile is moved by hand with a
reason, and the plan is published with a general answer for the ideas in no profile. A
focus group's ideas went into the profiles, so its class can look up what became of them.

Profiles are named by their titles (participation/demo_profiles.py); a rating gives one
value per criterion in the preset's order (0-4).
"""

from __future__ import annotations

from typing import Final, TypedDict


class DemoJuror(TypedDict):
    email: str
    name: str


JURORS: Final[list[DemoJuror]] = [
    {"email": "jury.wirtschaft@demo.invalid", "name": "Jury Wirtschaft"},
    {"email": "jury.bildung@demo.invalid", "name": "Jury Bildung"},
]

ROUND_TITLE: Final = "Bewertungsrunde Digitalstrategie 2026"

# Profile title -> one row of values per juror (same order as JURORS), criteria in the
# preset's order: Umsetzbarkeit, Nutzer*innenorientierung, digitale Teilhabe, Nachhaltigkeit.
RATINGS: Final[dict[str, list[list[int]]]] = {
    "WLAN und Geräte für alle Schulen": [[4, 4, 4, 3], [4, 4, 3, 3]],
    "Funklöcher und Glasfaserlücken schließen": [[2, 4, 4, 4], [3, 4, 3, 4]],
    "Rufbus und Abfahrtszeiten in einer App": [[3, 4, 3, 3], [3, 3, 3, 2]],
    "Telemedizin in der Fläche": [[2, 4, 3, 3], [1, 4, 4, 2]],
    "IT-Sicherheit für kleine Betriebe und die Verwaltung": [[4, 3, 2, 2], [4, 2, 2, 2]],
    # The jurors disagree on how soon these can start: flagged for the calibration meeting.
    "Ausbildung und Praktikum digital vernetzen": [[3, 3, 2, 2], [1, 3, 2, 2]],
    "Pegelstände und Hochwasserwarnung aufs Handy": [[4, 3, 1, 1], [2, 3, 1, 1]],
    "Digitales Schaufenster und Gästekarte": [[3, 2, 1, 1], [2, 2, 1, 1]],
}

# What a juror wrote beside a rating: (profile, juror index, criterion index, text).
JUSTIFICATIONS: Final[list[tuple[str, int, int, str]]] = [
    (
        "WLAN und Geräte für alle Schulen",
        0,
        0,
        "Die Mittel aus dem DigitalPakt sind bewilligt; die Ausleuchtung kann sofort beginnen.",
    ),
    (
        "Ausbildung und Praktikum digital vernetzen",
        1,
        0,
        "Ohne Ansprechperson bei der Wirtschaftsförderung beginnt das nicht vor 2028.",
    ),
    (
        "Pegelstände und Hochwasserwarnung aufs Handy",
        0,
        0,
        "Die Pegel gibt es schon; es fehlt nur die Anbindung an die Warn-App.",
    ),
]

# (name, description, size): the last group takes the rest.
GROUPS: Final[list[tuple[str, str, int | None]]] = [
    ("Premium+", "Die Projekte, mit denen der Landkreis beginnt.", 2),
    ("Premium", "Projekte, die als Nächstes umgesetzt werden.", 3),
    (
        "Weitere Projektideen",
        "Ideen, die der Landkreis weiterverfolgt, wenn Mittel frei werden.",
        None,
    ),
]

MOVE: Final = (
    "Pegelstände und Hochwasserwarnung aufs Handy",
    "Premium",
    "Hochwasserschutz ist eine Pflichtaufgabe; der Kreistag hat das Projekt vorgezogen.",
)

GENERAL_ANSWER: Final = (
    "Nicht jede Idee ist in einen Steckbrief eingeflossen: Manche betreffen Aufgaben der "
    "Gemeinden oder laufende Vorhaben. Alle Beiträge bleiben im **Beteiligungsbericht** "
    "dokumentiert, den der Kreistag mit dem Plan erhält, und werden bei der nächsten "
    "Fortschreibung der Digitalstrategie wieder gelesen."
)

FOCUS_GROUP_TITLE: Final = "Realschule Auetal, Klasse 9b"

# What the lead organisation reported since: the first Premium+ profile is being implemented.
TRACKED: Final = "WLAN und Geräte für alle Schulen"
TRACKED_PROGRESS: Final = 35
# (title, planned in days from the seed, reached days ago or None)
MILESTONES: Final[list[tuple[str, int, int | None]]] = [
    ("WLAN-Ausleuchtung aller Schulgebäude", -40, 30),
    ("Schülernetz mit Jugendschutzfilter freigegeben", 60, None),
    ("Tablets ab Klasse 7 ausgegeben", 240, None),
]
# (indicator name, value, measured days ago)
VALUES: Final[list[tuple[str, float, int]]] = [("Schulen mit WLAN in allen Räumen", 6, 10)]
TRACKING_NOTE: Final = (
    "Sechs der vierzehn Schulen haben jetzt **WLAN in allen Räumen**. Als Nächstes wird das "
    "Schülernetz freigeschaltet; die Tablets sind bestellt."
)
