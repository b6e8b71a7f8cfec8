"""The German classification of economic activities (WZ 2008, Destatis): its 21 sections
A–U, and the size classes by number of employees.

Firms pick a section; the letter is stored (Contribution.organisation_sector), so results can
be compared by sector. The names are message ids in English (the sections of NACE Rev. 2,
which WZ 2008 follows); the German catalogue holds the official WZ 2008 names. Show them with
`section_name()` or `_()` in templates.
"""

from __future__ import annotations

from typing import Final

from participation.i18n import N_, gettext

SECTIONS: Final[tuple[tuple[str, str], ...]] = (
    ("A", N_("Agriculture, forestry and fishing")),
    ("B", N_("Mining and quarrying")),
    ("C", N_("Manufacturing")),
    ("D", N_("Electricity, gas, steam and air conditioning supply")),
    ("E", N_("Water supply; sewerage, waste management and remediation activities")),
    ("F", N_("Construction")),
    ("G", N_("Wholesale and retail trade; repair of motor vehicles and motorcycles")),
    ("H", N_("Transportation and storage")),
    ("I", N_("Accommodation and food service activities")),
    ("J", N_("Information and communication")),
    ("K", N_("Financial and insurance activities")),
    ("L", N_("Real estate activities")),
    ("M", N_("Professional, scientific and technical activities")),
    ("N", N_("Administrative and support service activities")),
    ("O", N_("Public administration and defence; compulsory social security")),
    ("P", N_("Education")),
    ("Q", N_("Human health and social work activities")),
    ("R", N_("Arts, entertainment and recreation")),
    ("S", N_("Other service activities")),
    (
        "T",
        N_(
            "Activities of households as employers; undifferentiated goods- and "
            "services-producing activities of households for own use"
        ),
    ),
    ("U", N_("Activities of extraterritorial organisations and bodies")),
)
SECTION_NAMES: Final[dict[str, str]] = dict(SECTIONS)

# Employees; the classes of the EU's SME definition, with 1-9 for micro firms.
SIZE_CLASSES: Final[tuple[str, ...]] = ("1-9", "10-49", "50-249", "250+")


def section_name(letter: str | None) -> str:
    """The name of a section letter in the reader's language, or "" for none or an unknown
    letter."""
    name = SECTION_NAMES.get(letter or "")
    return gettext(name) if name else ""
