"""The German classification of economic activities (WZ 2008, Destatis): its 21 sections
A–U with their German names, and the size classes by number of employees.

Firms pick a section; the letter is stored (Contribution.organisation_sector), so results can
be compared by sector. The names are official German terms and are not translated.
"""

from __future__ import annotations

from typing import Final

SECTIONS: Final[tuple[tuple[str, str], ...]] = (
    ("A", "Land- und Forstwirtschaft, Fischerei"),
    ("B", "Bergbau und Gewinnung von Steinen und Erden"),
    ("C", "Verarbeitendes Gewerbe"),
    ("D", "Energieversorgung"),
    (
        "E",
        "Wasserversorgung; Abwasser- und Abfallentsorgung und Beseitigung von "
        "Umweltverschmutzungen",
    ),
    ("F", "Baugewerbe"),
    ("G", "Handel; Instandhaltung und Reparatur von Kraftfahrzeugen"),
    ("H", "Verkehr und Lagerei"),
    ("I", "Gastgewerbe"),
    ("J", "Information und Kommunikation"),
    ("K", "Erbringung von Finanz- und Versicherungsdienstleistungen"),
    ("L", "Grundstücks- und Wohnungswesen"),
    ("M", "Erbringung von freiberuflichen, wissenschaftlichen und technischen Dienstleistungen"),
    ("N", "Erbringung von sonstigen wirtschaftlichen Dienstleistungen"),
    ("O", "Öffentliche Verwaltung, Verteidigung; Sozialversicherung"),
    ("P", "Erziehung und Unterricht"),
    ("Q", "Gesundheits- und Sozialwesen"),
    ("R", "Kunst, Unterhaltung und Erholung"),
    ("S", "Erbringung von sonstigen Dienstleistungen"),
    (
        "T",
        "Private Haushalte mit Hauspersonal; Herstellung von Waren und Erbringung von "
        "Dienstleistungen durch private Haushalte für den Eigenbedarf ohne ausgeprägten "
        "Schwerpunkt",
    ),
    ("U", "Exterritoriale Organisationen und Körperschaften"),
)
SECTION_NAMES: Final[dict[str, str]] = dict(SECTIONS)

# Employees; the classes of the EU's SME definition, with 1-9 for micro firms.
SIZE_CLASSES: Final[tuple[str, ...]] = ("1-9", "10-49", "50-249", "250+")


def section_name(letter: str | None) -> str:
    """The German name of a section letter, or "" for none or an unknown letter."""
    return SECTION_NAMES.get(letter or "", "")
