"""The published plan as a workbook: one row per placed profile (group, rank, score, the mean
and spread of each criterion, the number of ratings, action field, horizon, lead), and a
sheet of the criteria with their weights. Written in a worker thread, cells a spreadsheet
would run as formulas defused as in the profile export (services/profiles/export.py).
Rows hold numbers with decimals (means), which the export's cells do not name: typed Any.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread

from participation.i18n import _
from participation.labels import label
from participation.services.evaluation.plan import Plan
from participation.services.profiles.export import Sheet, _workbook


def profile_rows(found: Plan) -> tuple[list[str], list[list[Any]]]:
    header = [_("Group"), _("Rank"), _("Profile ID"), _("Title"), _("Score")]
    for criterion in found.method.criteria:
        header += [
            _("%(criterion)s: mean") % {"criterion": criterion.name},
            _("%(criterion)s: spread") % {"criterion": criterion.name},
        ]
    header += [_("Ratings"), _("Evaluators"), _("Action field"), _("Horizon"), _("Lead")]
    rows: list[list[Any]] = []
    for group in found.groups:
        for placed in group.profiles:
            row: list[Any] = [
                group.group.name,
                placed.rank,
                placed.id,
                placed.profile.title,
                round(placed.score, 4) if placed.score is not None else None,
            ]
            for criterion in found.method.criteria:
                rated = placed.criteria.get(criterion.id or 0)
                row += [round(rated.mean, 4), rated.spread] if rated else [None, None]
            theme = placed.primary_theme
            row += [
                placed.ratings,
                placed.evaluators,
                theme.name if theme else "",
                label(placed.profile.horizon) if placed.profile.horizon else "",
                placed.lead,
            ]
            rows.append(row)
    return header, rows


def criteria_rows(found: Plan) -> tuple[list[str], list[list[Any]]]:
    setup = found.method.setup
    header = [_("Criterion"), _("Description"), _("Weight"), _("Share of the score (%)")]
    rows: list[list[Any]] = [
        [c.name, c.description, c.weight, found.method.share(c)] for c in found.method.criteria
    ]
    rows.append([])
    rows.append([_("Scale"), f"{setup.scale_min}–{setup.scale_max}", None, None])
    rows += [[str(setup.scale_min + i), text, None, None] for i, text in enumerate(setup.levels)]
    return header, rows


async def write_xlsx(found: Plan) -> bytes:
    profiles_header, profiles = profile_rows(found)
    criteria_header, criteria = criteria_rows(found)
    # Titles and headers translated here, in the request's language.
    sheets: list[Sheet] = [
        (_("Plan"), profiles_header, profiles),
        (_("Criteria"), criteria_header, criteria),
    ]
    return await anyio.to_thread.run_sync(_workbook, sheets)
