"""A profile's editable state: the form as typed, its checks, and the snapshot a revision
keeps.

The snapshot is a plain dict (JSON in `profile_revision.snapshot`) holding every field a
person edits, organisations and indicators included, so a revision can be shown, compared
field by field and restored without reading any other table. The status is part of it:
moving a profile through its workflow is a save like any other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from participation.i18n import N_, _
from participation.inputs import form_rows, parse_int, row_of
from participation.models import (
    Horizon,
    OrganisationKind,
    OrganisationRole,
    ProfileStatus,
    Segment,
)

Snapshot = dict[str, Any]

TITLE_MAX: Final = 200
SHORT_TEXT_MAX: Final = 60
ORGANISATION_MAX: Final = 200
TARGET_GROUPS_MAX: Final = 500
# A summary is read in lists: two or three sentences.
SUMMARY_MAX: Final = 800
LONG_TEXT_MAX: Final = 20_000
COST_MAX: Final = 10**12  # euros; anything larger is a typing slip

# What the history calls each field, in the order the form shows them.
FIELD_LABELS: Final[dict[str, str]] = {
    "title": N_("Title"),
    "summary": N_("Short summary"),
    "problem": N_("Starting point"),
    "goal": N_("Goal"),
    "measures": N_("Measures"),
    "target_segments": N_("Target groups"),
    "target_groups": N_("Target groups in words"),
    "primary_theme": N_("Primary action field"),
    "further_themes": N_("Further action fields"),
    "horizon": N_("Time horizon"),
    "cost_min": N_("Cost from (euros)"),
    "cost_max": N_("Cost up to (euros)"),
    "funding": N_("Possible funding"),
    "organisations": N_("Organisations"),
    "indicators": N_("Indicators"),
    "status": N_("Status"),
}
# Fields restored from an earlier version: everything but the status, which is where the
# profile stands in its workflow now (restoring an old text must not unpublish it).
CONTENT_FIELDS: Final = tuple(name for name in FIELD_LABELS if name != "status")

_ROW_KEY: Final = re.compile(r"^(org|ind)-(\d{1,3})-(\w+)$")
_ROW_ACTION: Final = re.compile(r"^(org|ind)-(add|remove)(?:-(\d{1,3}))?$")
_ROWS_MAX: Final = 50


@dataclass
class OrganisationRow:
    name: str = ""
    kind: str = OrganisationKind.OTHER.value
    role: str = OrganisationRole.PARTNER.value


@dataclass
class IndicatorRow:
    name: str = ""
    unit: str = ""
    baseline: str = ""
    target: str = ""
    due: str = ""


@dataclass
class ProfileForm:
    """The edit form as typed, kept verbatim so an error or an added row loses nothing."""

    title: str = ""
    summary: str = ""
    problem: str = ""
    goal: str = ""
    measures: str = ""
    target_segments: list[str] = field(default_factory=list)
    target_groups: str = ""
    primary_theme: str = ""
    further_themes: list[str] = field(default_factory=list)
    horizon: str = ""
    cost_min: str = ""
    cost_max: str = ""
    funding: str = ""
    status: str = ProfileStatus.DRAFT.value
    organisations: list[OrganisationRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    # The profile's version this form was loaded from (see Profile.version).
    version: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> ProfileForm:
        rows = form_rows(data, _ROW_KEY)
        return cls(
            title=data.get("title", ""),
            summary=data.get("summary", ""),
            problem=data.get("problem", ""),
            goal=data.get("goal", ""),
            measures=data.get("measures", ""),
            target_segments=[s.value for s in Segment if data.get(f"segment-{s.value}") == "on"],
            target_groups=data.get("target_groups", ""),
            primary_theme=data.get("primary_theme", ""),
            further_themes=sorted(
                key.removeprefix("theme-")
                for key, value in data.items()
                if key.startswith("theme-") and value == "on"
            ),
            horizon=data.get("horizon", ""),
            cost_min=data.get("cost_min", ""),
            cost_max=data.get("cost_max", ""),
            funding=data.get("funding", ""),
            status=data.get("status", ProfileStatus.DRAFT.value),
            organisations=[row_of(OrganisationRow, row) for row in rows.get("org", [])][:_ROWS_MAX],
            indicators=[row_of(IndicatorRow, row) for row in rows.get("ind", [])][:_ROWS_MAX],
            version=data.get("version", ""),
        )

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, version: int | None = None) -> ProfileForm:
        def text(name: str) -> str:
            value = snapshot.get(name)
            return "" if value is None else str(value)

        return cls(
            title=text("title"),
            summary=text("summary"),
            problem=text("problem"),
            goal=text("goal"),
            measures=text("measures"),
            target_segments=list(snapshot.get("target_segments", [])),
            target_groups=text("target_groups"),
            primary_theme=text("primary_theme"),
            further_themes=[str(t) for t in snapshot.get("further_themes", [])],
            horizon=text("horizon"),
            cost_min=text("cost_min"),
            cost_max=text("cost_max"),
            funding=text("funding"),
            status=text("status") or ProfileStatus.DRAFT.value,
            organisations=[OrganisationRow(**row) for row in snapshot.get("organisations", [])],
            indicators=[IndicatorRow(**row) for row in snapshot.get("indicators", [])],
            version="" if version is None else str(version),
        )


def apply_row_action(form: ProfileForm, action: str) -> bool:
    """Add or remove an organisation or indicator row ("org-add", "ind-remove-2"). True when
    the action was one of these (the form is shown again), False for anything else."""
    match = _ROW_ACTION.match(action)
    if match is None:
        return False
    kind, verb, index_text = match.groups()
    rows: list[Any] = form.organisations if kind == "org" else form.indicators
    if verb == "add":
        if len(rows) < _ROWS_MAX:
            rows.append(OrganisationRow() if kind == "org" else IndicatorRow())
    elif index_text is not None and 0 <= int(index_text) < len(rows):
        del rows[int(index_text)]
    return True


def _euros(text: str) -> int | str | None:
    """A typed amount in whole euros ("250.000", "250 000 €", "1.5 Mio" is refused); None when
    empty; the error message when it is not an amount."""
    cleaned = re.sub(r"[\s.€']|EUR", "", text.strip(), flags=re.IGNORECASE)
    if not cleaned:
        return None
    amount = parse_int(cleaned, maximum=COST_MAX)
    if amount is None:
        return _("Please give whole euros as digits, e.g. 250000.")
    return amount


def validate(form: ProfileForm, theme_ids: set[int]) -> Snapshot:
    """The snapshot the form describes, or `form.errors` filled in (and an empty dict).
    `theme_ids` are the process's action fields; anything else is refused."""
    errors: dict[str, str] = {}
    title = form.title.strip()
    if not title:
        errors["title"] = _("Please give the profile a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("At most %(n)d characters, please.") % {"n": TITLE_MAX}
    limits = {"summary": SUMMARY_MAX, "target_groups": TARGET_GROUPS_MAX}
    for name in ("summary", "problem", "goal", "measures", "funding", "target_groups"):
        limit = limits.get(name, LONG_TEXT_MAX)
        if len(getattr(form, name)) > limit:
            errors[name] = _("At most %(n)d characters, please.") % {"n": limit}

    primary = parse_int(form.primary_theme) if form.primary_theme else None
    if form.primary_theme and primary not in theme_ids:
        errors["primary_theme"] = _("Please choose one of this process's action fields.")
    further = [t for t in (parse_int(x) for x in form.further_themes) if t in theme_ids]
    further = [t for t in further if t != primary]

    if form.horizon and form.horizon not in {h.value for h in Horizon}:
        errors["horizon"] = _("Please choose a time horizon from the list.")
    if form.status not in {s.value for s in ProfileStatus}:
        errors["status"] = _("Please choose a status from the list.")

    costs: dict[str, int | None] = {}
    for name in ("cost_min", "cost_max"):
        amount = _euros(getattr(form, name))
        if isinstance(amount, str):
            errors[name] = amount
        else:
            costs[name] = amount
    low, high = costs.get("cost_min"), costs.get("cost_max")
    if low is not None and high is not None and low > high:
        errors["cost_max"] = _("The upper end is below the lower one.")

    organisations = _organisations(form, errors)
    indicators = _indicators(form, errors)
    form.errors = errors
    if errors:
        return {}
    return {
        "title": title,
        "summary": form.summary.strip(),
        "problem": form.problem.strip(),
        "goal": form.goal.strip(),
        "measures": form.measures.strip(),
        "target_segments": [s.value for s in Segment if s.value in form.target_segments],
        "target_groups": form.target_groups.strip(),
        "primary_theme": primary,
        "further_themes": sorted(set(further)),
        "horizon": form.horizon or None,
        "cost_min": low,
        "cost_max": high,
        "funding": form.funding.strip(),
        "organisations": organisations,
        "indicators": indicators,
        "status": form.status,
    }


def _organisations(form: ProfileForm, errors: dict[str, str]) -> list[dict[str, str]]:
    kept = []
    kinds = {k.value for k in OrganisationKind}
    roles = {r.value for r in OrganisationRole}
    for index, row in enumerate(form.organisations):
        name = row.name.strip()
        if not name:
            continue  # an empty row added and left: not an organisation
        if len(name) > ORGANISATION_MAX:
            errors[f"org-{index}-name"] = _("At most %(n)d characters, please.") % {
                "n": ORGANISATION_MAX
            }
        if row.kind not in kinds:
            errors[f"org-{index}-kind"] = _("Please choose a kind from the list.")
        if row.role not in roles:
            errors[f"org-{index}-role"] = _("Please choose a role from the list.")
        kept.append({"name": name, "kind": row.kind, "role": row.role})
    if sum(1 for org in kept if org["role"] == OrganisationRole.LEAD.value) > 1:
        errors["organisations"] = _(
            "A profile has one lead organisation; make the others partners."
        )
    return kept


def _indicators(form: ProfileForm, errors: dict[str, str]) -> list[dict[str, str]]:
    kept = []
    for index, row in enumerate(form.indicators):
        values = {name: getattr(row, name).strip() for name in IndicatorRow.__dataclass_fields__}
        if not any(values.values()):
            continue
        if not values["name"]:
            errors[f"ind-{index}-name"] = _("Please name the indicator.")
        for name, value in values.items():
            limit = ORGANISATION_MAX if name == "name" else SHORT_TEXT_MAX
            if len(value) > limit:
                errors[f"ind-{index}-{name}"] = _("At most %(n)d characters, please.") % {
                    "n": limit
                }
        kept.append(values)
    return kept


def changed_fields(before: Snapshot, after: Snapshot) -> list[str]:
    """The fields whose values differ, in the form's order."""
    return [name for name in FIELD_LABELS if before.get(name) != after.get(name)]
