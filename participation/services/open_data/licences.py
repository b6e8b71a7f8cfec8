"""The licences an admin can give a process's open data, with what a reuser must know of
each: its name, where its text is, and how to name the source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from participation.i18n import N_, gettext
from participation.models import DataLicence


@dataclass(frozen=True)
class Licence:
    code: DataLicence
    name: str  # a msgid: gettext() it where it is shown
    url: str
    attribution_required: bool
    # Its id at the Open Definition (opendefinition.org/licenses), as Frictionless Data
    # packages and CKAN portals such as GovData name licences.
    open_definition_id: str

    @property
    def title(self) -> str:
        return gettext(self.name)


LICENCES: Final = {
    DataLicence.DL_DE_BY_2_0: Licence(
        DataLicence.DL_DE_BY_2_0,
        N_("Data licence Germany – attribution – version 2.0"),
        "https://www.govdata.de/dl-de/by-2-0",
        attribution_required=True,
        open_definition_id="dl-de-by-2.0",
    ),
    DataLicence.DL_DE_ZERO_2_0: Licence(
        DataLicence.DL_DE_ZERO_2_0,
        N_("Data licence Germany – Zero – version 2.0"),
        "https://www.govdata.de/dl-de/zero-2-0",
        attribution_required=False,
        open_definition_id="dl-de-zero-2.0",
    ),
    DataLicence.CC_BY_4_0: Licence(
        DataLicence.CC_BY_4_0,
        N_("Creative Commons Attribution 4.0 International (CC BY 4.0)"),
        "https://creativecommons.org/licenses/by/4.0/",
        attribution_required=True,
        open_definition_id="CC-BY-4.0",
    ),
    DataLicence.CC0_1_0: Licence(
        DataLicence.CC0_1_0,
        N_("Creative Commons Zero 1.0 Universal (CC0 1.0)"),
        "https://creativecommons.org/publicdomain/zero/1.0/",
        attribution_required=False,
        open_definition_id="CC0-1.0",
    ),
}


def licence_of(code: DataLicence | str | None) -> Licence | None:
    """The licence of a stored code; None for none (no open data) or an unknown code."""
    if not code:
        return None
    try:
        return LICENCES[DataLicence(code)]
    except ValueError:
        return None


def attribution(licence: Licence, publisher: str, title: str, year: int) -> str:
    """The source note as the licence asks for it, e.g. "Landkreis (2026): Digitalplan,
    Datenlizenz Deutschland – Namensnennung – Version 2.0, https://…"."""
    return f"{publisher} ({year}): {title}, {licence.title}, {licence.url}"
