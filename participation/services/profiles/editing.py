"""Creating and saving profiles: every save is a revision, and a save on top of someone
else's newer save is refused with what changed meanwhile.

A save names the version its form was loaded from. The row is updated only where the stored
version still is that one (one conditional UPDATE), so two people saving at the same moment
cannot both win, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import (
    PUBLIC_PROFILE_STATUSES,
    OrganisationKind,
    OrganisationRole,
    Profile,
    ProfileIndicator,
    ProfileOrganisation,
    ProfileRevision,
    ProfileStatus,
    ProfileTheme,
    User,
    utcnow,
)
from participation.services.errors import Conflict, NotFound
from participation.services.profiles import notices, sources
from participation.services.profiles.fields import CONTENT_FIELDS, Snapshot, changed_fields


class ProfileConflict(Conflict):
    """Someone saved the profile after the form was loaded: their revisions since then, and
    the values as stored now (the page shows them beside what this person typed)."""

    def __init__(
        self, current: Snapshot, current_version: int, since: Sequence[ProfileRevision]
    ) -> None:
        super().__init__(_("Someone else saved this profile while you were editing it."))
        self.current = current
        self.current_version = current_version
        self.since = since


async def get_profile(db: AsyncSession, profile_id: int) -> Profile:
    profile = await db.get(Profile, profile_id)
    if profile is None:
        raise NotFound(_("There is no such profile."))
    return profile


async def snapshot_of(db: AsyncSession, profile: Profile) -> Snapshot:
    """The profile's editable state as stored now (three small reads by profile id)."""
    assert profile.id is not None
    themes = (
        await db.exec(select(ProfileTheme).where(ProfileTheme.profile_id == profile.id))
    ).all()
    organisations = (
        await db.exec(
            select(ProfileOrganisation)
            .where(ProfileOrganisation.profile_id == profile.id)
            .order_by(col(ProfileOrganisation.position))
        )
    ).all()
    indicators = (
        await db.exec(
            select(ProfileIndicator)
            .where(ProfileIndicator.profile_id == profile.id)
            .order_by(col(ProfileIndicator.position))
        )
    ).all()
    return {
        "title": profile.title,
        "summary": profile.summary,
        "problem": profile.problem,
        "goal": profile.goal,
        "measures": profile.measures,
        "target_segments": list(profile.target_segments),
        "target_groups": profile.target_groups,
        "primary_theme": next((t.theme_id for t in themes if t.is_primary), None),
        "further_themes": sorted(t.theme_id for t in themes if not t.is_primary),
        "horizon": profile.horizon.value if profile.horizon else None,
        "cost_min": profile.cost_min,
        "cost_max": profile.cost_max,
        "funding": profile.funding,
        "organisations": [
            {"name": o.name, "kind": o.kind.value, "role": o.role.value} for o in organisations
        ],
        "indicators": [
            {
                "name": i.name,
                "unit": i.unit,
                "baseline": i.baseline,
                "target": i.target,
                "due": i.due,
            }
            for i in indicators
        ],
        "status": profile.status.value,
    }


def _columns(snapshot: Snapshot) -> dict[str, object]:
    """The profile row's own columns from a snapshot."""
    return {
        "title": snapshot["title"],
        "summary": snapshot["summary"],
        "problem": snapshot["problem"],
        "goal": snapshot["goal"],
        "measures": snapshot["measures"],
        "target_segments": snapshot["target_segments"],
        "target_groups": snapshot["target_groups"],
        "horizon": snapshot["horizon"],
        "cost_min": snapshot["cost_min"],
        "cost_max": snapshot["cost_max"],
        "funding": snapshot["funding"],
        "status": snapshot["status"],
    }


async def _write_rows(db: AsyncSession, profile_id: int, snapshot: Snapshot) -> None:
    """Replace the profile's action fields and organisations by the snapshot's; update its
    indicators in place (their measured values hang on them)."""
    for table in (ProfileTheme, ProfileOrganisation):
        await db.exec(delete(table).where(col(table.profile_id) == profile_id))
    if snapshot["primary_theme"] is not None:
        db.add(
            ProfileTheme(profile_id=profile_id, theme_id=snapshot["primary_theme"], is_primary=True)
        )
    for theme_id in snapshot["further_themes"]:
        db.add(ProfileTheme(profile_id=profile_id, theme_id=theme_id))
    for position, org in enumerate(snapshot["organisations"]):
        db.add(
            ProfileOrganisation(
                profile_id=profile_id,
                name=org["name"],
                kind=OrganisationKind(org["kind"]),
                role=OrganisationRole(org["role"]),
                position=position,
            )
        )
    await _write_indicators(db, profile_id, snapshot["indicators"])


async def _write_indicators(
    db: AsyncSession, profile_id: int, wanted: Sequence[Mapping[str, Any]]
) -> None:
    """A snapshot's indicators carry no ids: one with the same name is the same indicator,
    the others take the remaining rows in their order (a rename keeps its values); rows left
    over are removed with their values, new ones added."""
    stored = list(
        await db.exec(
            select(ProfileIndicator)
            .where(col(ProfileIndicator.profile_id) == profile_id)
            .order_by(col(ProfileIndicator.position), col(ProfileIndicator.id))
        )
    )
    by_name = {row.name: row for row in reversed(stored)}
    matched: dict[int, ProfileIndicator] = {}
    for index, indicator in enumerate(wanted):
        if (row := by_name.pop(indicator["name"], None)) is not None:
            matched[index] = row
    taken = {row.id for row in matched.values()}
    free = iter([row for row in stored if row.id not in taken])
    for index, indicator in enumerate(wanted):
        row = matched.get(index) or next(free, None)
        if row is None:
            db.add(ProfileIndicator(profile_id=profile_id, position=index, **indicator))
            continue
        for name, value in indicator.items():
            setattr(row, name, value)
        row.position = index
        db.add(row)
    for row in free:
        await db.delete(row)


async def create_profile(
    db: AsyncSession,
    process_id: int,
    snapshot: Snapshot,
    actor: User,
    source_ids: Iterable[int] = (),
) -> Profile:
    """A new profile (version 1, its first revision) with the given contributions as its
    sources; sources of another process are left out. Commits."""
    now = utcnow()
    profile = Profile(
        process_id=process_id,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        published_at=now if snapshot["status"] == ProfileStatus.PUBLISHED.value else None,
        **_columns(snapshot),  # type: ignore[arg-type]
    )
    db.add(profile)
    await db.flush()
    assert profile.id is not None
    await _write_rows(db, profile.id, snapshot)
    empty = dict.fromkeys(snapshot)
    db.add(
        ProfileRevision(
            profile_id=profile.id,
            version=1,
            author_id=actor.id,
            changed_fields=[n for n in changed_fields(empty, snapshot) if snapshot[n]],
            snapshot=snapshot,
            created_at=now,
        )
    )
    await sources.link(db, profile, list(source_ids), actor, commit=False)
    if profile.status in PUBLIC_PROFILE_STATUSES:
        await notices.on_published(db, profile)
    await db.commit()
    await db.refresh(profile)
    return profile


async def save_profile(
    db: AsyncSession,
    profile_id: int,
    snapshot: Snapshot,
    expected_version: int | None,
    actor: User,
    *,
    restored_from: int | None = None,
    announce: bool = True,
) -> tuple[Profile, list[str]]:
    """Store the snapshot as the profile's next version; the fields it changed (none: nothing
    is written). Raises ProfileConflict when the stored version is not `expected_version`.
    `announce=False` leaves telling the sources' authors to the caller (a published plan
    tells them once, with the profile's priority)."""
    profile = await get_profile(db, profile_id)
    current = await snapshot_of(db, profile)
    if expected_version != profile.version:
        raise await _conflict(db, profile, current, expected_version)
    changed = changed_fields(current, snapshot)
    if not changed:
        return profile, []
    now = utcnow()
    values = _columns(snapshot) | {"version": profile.version + 1, "updated_at": now}
    if snapshot["status"] == ProfileStatus.PUBLISHED.value and profile.published_at is None:
        values["published_at"] = now
    result = await db.exec(
        sa.update(Profile)
        .where(col(Profile.id) == profile_id, col(Profile.version) == expected_version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        await db.rollback()
        fresh = await get_profile(db, profile_id)
        await db.refresh(fresh)
        raise await _conflict(db, fresh, await snapshot_of(db, fresh), expected_version)
    await _write_rows(db, profile_id, snapshot)
    db.add(
        ProfileRevision(
            profile_id=profile_id,
            version=profile.version + 1,
            author_id=actor.id,
            changed_fields=changed,
            snapshot=snapshot,
            restored_from=restored_from,
            created_at=now,
        )
    )
    await db.refresh(profile)
    if announce and "status" in changed and profile.status in PUBLIC_PROFILE_STATUSES:
        # Authors whose ideas went into it hear of it, in the same transaction: the mails are
        # queued with the change or not at all (services/profiles/notices.py).
        await notices.on_published(db, profile)
    await db.commit()
    await db.refresh(profile)
    return profile, changed


async def set_status(
    db: AsyncSession,
    profile_id: int,
    status: ProfileStatus,
    expected_version: int | None,
    actor: User,
    *,
    announce: bool = True,
) -> tuple[Profile, list[str]]:
    """Move the profile in its workflow: a save of the status alone."""
    profile = await get_profile(db, profile_id)
    snapshot = await snapshot_of(db, profile) | {"status": status.value}
    return await save_profile(db, profile_id, snapshot, expected_version, actor, announce=announce)


async def restore(
    db: AsyncSession,
    profile_id: int,
    version: int,
    expected_version: int | None,
    actor: User,
) -> tuple[Profile, list[str]]:
    """Save an earlier version's content again as the newest version (the history keeps
    everything in between); the status stays where it is now."""
    revision = (
        await db.exec(
            select(ProfileRevision).where(
                ProfileRevision.profile_id == profile_id, ProfileRevision.version == version
            )
        )
    ).first()
    if revision is None:
        raise NotFound(_("There is no such version."))
    profile = await get_profile(db, profile_id)
    current = await snapshot_of(db, profile)
    restored = current | {name: revision.snapshot.get(name) for name in CONTENT_FIELDS}
    return await save_profile(
        db, profile_id, restored, expected_version, actor, restored_from=version
    )


async def _conflict(
    db: AsyncSession, profile: Profile, current: Snapshot, expected_version: int | None
) -> ProfileConflict:
    since = (
        await db.exec(
            select(ProfileRevision)
            .where(
                ProfileRevision.profile_id == profile.id,
                ProfileRevision.version > (expected_version or 0),
            )
            .order_by(col(ProfileRevision.version))
        )
    ).all()
    return ProfileConflict(current=current, current_version=profile.version, since=since)
