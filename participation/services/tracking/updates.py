"""Recording what becomes of a published profile. Each change writes one entry of the
profile's public timeline (`ProfileUpdate`) and the news of it for the sources' authors
(notices.py), in the same commit. These functions are the service API: the staff page calls
them with what was typed (strings), the demo with plain values.

Every function checks that `actor` may record updates of the profile (NotAllowed) and that
the profile is public (ValidationFailed); bad input raises ValidationFailed naming the field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import (
    PUBLIC_PROFILE_STATUSES,
    IndicatorValue,
    Profile,
    ProfileIndicator,
    ProfileMilestone,
    ProfileStatus,
    ProfileUpdate,
    UpdateKind,
    User,
    utcnow,
)
from participation.services.errors import NotFound, ValidationFailed
from participation.services.profiles import editing
from participation.services.tracking import inputs, notices
from participation.services.tracking.access import check_may_track, is_tracked


async def _tracked(db: AsyncSession, profile_id: int, actor: User) -> Profile:
    profile = await editing.get_profile(db, profile_id)
    await check_may_track(db, actor, profile)
    if not is_tracked(profile):
        raise ValidationFailed(
            {"profile": _("Progress is recorded once the profile is published.")}
        )
    return profile


async def _record(
    db: AsyncSession,
    profile: Profile,
    actor: User,
    kind: UpdateKind,
    details: dict[str, Any],
    text: str = "",
) -> ProfileUpdate:
    """The timeline entry and its notices, committed with whatever the caller changed."""
    assert profile.id is not None
    update = ProfileUpdate(
        profile_id=profile.id,
        kind=kind,
        text=text,
        details=details,
        author_id=actor.id,
        created_at=utcnow(),
    )
    db.add(update)
    await db.flush()
    await notices.queue_notices(db, profile, update)
    await db.commit()
    await db.refresh(update)
    return update


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --- progress and status -----------------------------------------------------------------


async def record_progress(
    db: AsyncSession, profile_id: int, actor: User, percent: int | str, text: str = ""
) -> ProfileUpdate | None:
    """Set the profile's progress in percent (0-100); None when it already is that."""
    profile = await _tracked(db, profile_id, actor)
    new = inputs.percent(percent)
    note = inputs.text(text, "text", inputs.TEXT_MAX, required=False)
    old = profile.progress
    if old == new:
        return None
    profile.progress = new
    db.add(profile)
    return await _record(db, profile, actor, UpdateKind.PROGRESS, {"old": old, "new": new}, note)


async def change_status(
    db: AsyncSession,
    profile_id: int,
    actor: User,
    status: ProfileStatus | str,
    expected_version: int | None,
) -> ProfileUpdate | None:
    """Move a public profile to another public status (published, in implementation,
    completed) through the profiles' own status change, so its revisions stay complete.
    Raises ProfileConflict when the profile was saved since `expected_version`."""
    profile = await _tracked(db, profile_id, actor)
    wanted = next((s for s in PUBLIC_PROFILE_STATUSES if s.value == str(status)), None)
    if wanted is None:
        raise ValidationFailed({"status": _("Please choose a status from the list.")})
    old = profile.status
    if wanted is old:
        return None
    profile, changed = await editing.set_status(db, profile_id, wanted, expected_version, actor)
    if not changed:
        return None
    details = {"old": old.value, "new": wanted.value}
    return await _record(db, profile, actor, UpdateKind.STATUS, details)


# --- milestones ----------------------------------------------------------------------------


async def _milestone(db: AsyncSession, profile: Profile, milestone_id: int) -> ProfileMilestone:
    milestone = await db.get(ProfileMilestone, milestone_id)
    if milestone is None or milestone.profile_id != profile.id:
        raise NotFound(_("There is no such milestone."))
    return milestone


def _milestone_details(milestone: ProfileMilestone, action: str) -> dict[str, Any]:
    return {
        "action": action,
        "milestone_id": milestone.id,
        "title": milestone.title,
        "planned_on": _iso(milestone.planned_on),
        "reached_on": _iso(milestone.reached_on),
    }


def _milestone_fields(
    title: str, planned_on: date | str | None, reached_on: date | str | None
) -> tuple[str, date | None, date | None]:
    return (
        inputs.text(title, "title", inputs.TITLE_MAX, required=True),
        inputs.day(planned_on, "planned_on", required=False),
        inputs.day(reached_on, "reached_on", required=False),
    )


async def add_milestone(
    db: AsyncSession,
    profile_id: int,
    actor: User,
    title: str,
    planned_on: date | str | None = None,
    reached_on: date | str | None = None,
) -> ProfileUpdate:
    """A new milestone at the end of the list: planned for a day, or already reached."""
    profile = await _tracked(db, profile_id, actor)
    cleaned, planned, reached = _milestone_fields(title, planned_on, reached_on)
    last = (
        await db.exec(
            select(func.max(ProfileMilestone.position)).where(
                ProfileMilestone.profile_id == profile_id
            )
        )
    ).one()
    milestone = ProfileMilestone(
        profile_id=profile_id,
        title=cleaned,
        planned_on=planned,
        reached_on=reached,
        position=(last or 0) + 1,
    )
    db.add(milestone)
    await db.flush()
    action = "reached" if reached else "planned"
    return await _record(
        db, profile, actor, UpdateKind.MILESTONE, _milestone_details(milestone, action)
    )


async def change_milestone(
    db: AsyncSession,
    profile_id: int,
    milestone_id: int,
    actor: User,
    title: str,
    planned_on: date | str | None,
    reached_on: date | str | None,
) -> ProfileUpdate | None:
    """Change a milestone's title and days; None when nothing changed."""
    profile = await _tracked(db, profile_id, actor)
    milestone = await _milestone(db, profile, milestone_id)
    cleaned, planned, reached = _milestone_fields(title, planned_on, reached_on)
    if reached and not milestone.reached_on:
        action = "reached"
    elif planned != milestone.planned_on:
        action = "rescheduled"
    elif (cleaned, reached) != (milestone.title, milestone.reached_on):
        action = "changed"
    else:
        return None
    milestone.title, milestone.planned_on, milestone.reached_on = cleaned, planned, reached
    db.add(milestone)
    return await _record(
        db, profile, actor, UpdateKind.MILESTONE, _milestone_details(milestone, action)
    )


async def reach_milestone(
    db: AsyncSession,
    profile_id: int,
    milestone_id: int,
    actor: User,
    reached_on: date | str | None = None,
) -> ProfileUpdate | None:
    """Mark a milestone reached on a day (today when none is given)."""
    profile = await _tracked(db, profile_id, actor)
    milestone = await _milestone(db, profile, milestone_id)
    day = inputs.day(reached_on, "reached_on", required=False) or utcnow().date()
    return await change_milestone(
        db, profile_id, milestone_id, actor, milestone.title, milestone.planned_on, day
    )


async def remove_milestone(
    db: AsyncSession, profile_id: int, milestone_id: int, actor: User
) -> ProfileUpdate:
    profile = await _tracked(db, profile_id, actor)
    milestone = await _milestone(db, profile, milestone_id)
    details = _milestone_details(milestone, "removed")
    await db.delete(milestone)
    return await _record(db, profile, actor, UpdateKind.MILESTONE, details)


# --- indicator values and notes ---------------------------------------------------------------


async def record_value(
    db: AsyncSession,
    profile_id: int,
    indicator_id: int | str | None,
    actor: User,
    value: float | int | str,
    measured_on: date | str | None,
    note: str = "",
) -> ProfileUpdate:
    """A measured value of one of the profile's indicators on a day, with a short note."""
    profile = await _tracked(db, profile_id, actor)
    indicator = await db.get(ProfileIndicator, _id(indicator_id)) if _id(indicator_id) else None
    if indicator is None or indicator.profile_id != profile_id:
        raise ValidationFailed({"indicator": _("Please choose one of the profile's indicators.")})
    number = inputs.decimal(value)
    day = inputs.day(measured_on, "measured_on", required=True)
    assert day is not None
    cleaned = inputs.text(note, "note", inputs.NOTE_MAX, required=False)
    measured = IndicatorValue(
        indicator_id=indicator.id or 0,
        value=number,
        measured_on=day,
        note=cleaned,
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
    )
    db.add(measured)
    await db.flush()
    details = {
        "value_id": measured.id,
        "indicator_id": indicator.id,
        "indicator": indicator.name,
        "unit": indicator.unit,
        "value": number,
        "measured_on": day.isoformat(),
        "baseline": indicator.baseline,
        "target": indicator.target,
    }
    return await _record(db, profile, actor, UpdateKind.INDICATOR, details, cleaned)


def _id(value: int | str | None) -> int | None:
    if isinstance(value, int):
        return value
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


async def add_note(db: AsyncSession, profile_id: int, actor: User, text: str) -> ProfileUpdate:
    """Words of the lead organisation on the timeline (Markdown, rendered safely)."""
    profile = await _tracked(db, profile_id, actor)
    cleaned = inputs.text(text, "text", inputs.TEXT_MAX, required=True)
    return await _record(db, profile, actor, UpdateKind.NOTE, {}, cleaned)
