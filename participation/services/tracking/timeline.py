"""What the public profile page and the staff page show of a profile's implementation: the
timeline (newest first), the milestones, and the measured values of its indicators beside
their baseline and target. A fixed number of statements per page, each by an index on the
profile (or its indicators).

`describe` says what one update changed in a sentence of the reader's language; the page
and the daily mail (notices.py) both use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from babel.numbers import format_decimal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.dates import format_day
from participation.i18n import _, number_locale
from participation.labels import label
from participation.models import (
    IndicatorValue,
    ProfileIndicator,
    ProfileMilestone,
    ProfileStatus,
    ProfileUpdate,
    UpdateKind,
)

TIMELINE_MAX: Final = 50  # entries on a page; the oldest beyond are left off
VALUES_MAX: Final = 200  # measured values on a page, newest first


def number(value: float) -> str:
    """A value as people of the reader's language write it: 12,5 in German."""
    return str(format_decimal(value, format="#,##0.###", locale=number_locale()))


def _day(text: object) -> str:
    if not isinstance(text, str):
        return ""
    try:
        return format_day(date.fromisoformat(text), "UTC")  # a day has no time zone
    except ValueError:
        return ""


def _status(value: object) -> str:
    try:
        return label(ProfileStatus(str(value)))
    except ValueError:
        return str(value)


def _milestone(details: dict[str, Any]) -> str:
    values = {
        "title": details.get("title", ""),
        "planned": _day(details.get("planned_on")),
        "reached": _day(details.get("reached_on")),
    }
    action = details.get("action")
    if action == "reached" and values["reached"]:
        return _("Milestone reached on %(reached)s: “%(title)s”") % values
    if action == "removed":
        return _("Milestone removed: “%(title)s”") % values
    if action == "rescheduled" and values["planned"]:
        return _("Milestone now planned for %(planned)s: “%(title)s”") % values
    if action == "planned" and values["planned"]:
        return _("Milestone planned for %(planned)s: “%(title)s”") % values
    return _("Milestone: “%(title)s”") % values


def _indicator(details: dict[str, Any]) -> str:
    value = details.get("value")
    shown = number(value) if isinstance(value, int | float) else str(value)
    unit = str(details.get("unit") or "")
    values = {
        "indicator": details.get("indicator", ""),
        "value": f"{shown} {unit}".strip(),
        "day": _day(details.get("measured_on")),
    }
    sentence = _("“%(indicator)s” measured on %(day)s: %(value)s") % values
    extra = []
    if details.get("baseline"):
        extra.append(_("baseline %(value)s") % {"value": details["baseline"]})
    if details.get("target"):
        extra.append(_("target %(value)s") % {"value": details["target"]})
    return f"{sentence} ({', '.join(extra)})" if extra else sentence


def describe(update: ProfileUpdate) -> str:
    """What the update changed, in one sentence (a note's text is shown apart from it)."""
    details = update.details or {}
    if update.kind is UpdateKind.PROGRESS:
        if details.get("old") is None:
            return _("Progress: %(new)d %%") % {"new": details.get("new", 0)}
        return _("Progress: %(new)d %% (before: %(old)d %%)") % {
            "new": details.get("new", 0),
            "old": details["old"],
        }
    if update.kind is UpdateKind.STATUS:
        return _("Status: %(status)s") % {"status": _status(details.get("new"))}
    if update.kind is UpdateKind.MILESTONE:
        return _milestone(details)
    if update.kind is UpdateKind.INDICATOR:
        return _indicator(details)
    return _("Note from the working group")


@dataclass(frozen=True)
class MeasuredIndicator:
    indicator: ProfileIndicator
    values: list[IndicatorValue] = field(default_factory=list)  # newest first

    @property
    def latest(self) -> IndicatorValue | None:
        return self.values[0] if self.values else None


@dataclass(frozen=True)
class Tracking:
    """A profile's implementation as its pages show it."""

    updates: list[ProfileUpdate]
    milestones: list[ProfileMilestone]
    indicators: list[MeasuredIndicator]
    more: bool  # older timeline entries than the page shows

    @property
    def empty(self) -> bool:
        return not (self.updates or self.milestones or any(i.values for i in self.indicators))


async def milestones_of(db: AsyncSession, profile_id: int) -> list[ProfileMilestone]:
    rows = await db.exec(
        select(ProfileMilestone)
        .where(ProfileMilestone.profile_id == profile_id)
        .order_by(col(ProfileMilestone.position), col(ProfileMilestone.id))
    )
    return list(rows)


async def indicators_of(db: AsyncSession, profile_id: int) -> list[ProfileIndicator]:
    rows = await db.exec(
        select(ProfileIndicator)
        .where(ProfileIndicator.profile_id == profile_id)
        .order_by(col(ProfileIndicator.position), col(ProfileIndicator.id))
    )
    return list(rows)


async def tracking_of(
    db: AsyncSession, profile_id: int, indicators: Sequence[ProfileIndicator] | None = None
) -> Tracking:
    """The timeline first; milestones and values only when it has entries (each of them
    was recorded with one). `indicators`: the profile's, when the caller has them already.
    At most four statements, one without any update."""
    updates = list(
        await db.exec(
            select(ProfileUpdate)
            .where(ProfileUpdate.profile_id == profile_id)
            .order_by(col(ProfileUpdate.created_at).desc(), col(ProfileUpdate.id).desc())
            .limit(TIMELINE_MAX + 1)
        )
    )
    if not updates:
        return Tracking([], [], [], more=False)
    if indicators is None:
        indicators = await indicators_of(db, profile_id)
    by_indicator: dict[int, list[IndicatorValue]] = {}
    if indicators:
        values = await db.exec(
            select(IndicatorValue)
            .where(col(IndicatorValue.indicator_id).in_([i.id for i in indicators]))
            .order_by(col(IndicatorValue.measured_on).desc(), col(IndicatorValue.id).desc())
            .limit(VALUES_MAX)
        )
        for value in values:
            by_indicator.setdefault(value.indicator_id, []).append(value)
    return Tracking(
        updates=updates[:TIMELINE_MAX],
        milestones=await milestones_of(db, profile_id),
        indicators=[MeasuredIndicator(i, by_indicator.get(i.id or 0, [])) for i in indicators],
        more=len(updates) > TIMELINE_MAX,
    )
