"""Project profiles for tests of what reads them (public pages, API, export), inserted as
rows: a profile with its action fields, organisations, indicators and sources. Tests of
editing go through services/profiles/editing.py, which also writes the revisions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    Horizon,
    OrganisationKind,
    OrganisationRole,
    Process,
    Profile,
    ProfileIndicator,
    ProfileOrganisation,
    ProfileSource,
    ProfileStatus,
    ProfileTheme,
    Theme,
    utcnow,
)


async def add_profile(
    session: AsyncSession,
    process: Process,
    *,
    title: str = "Glasfaser für alle Schulen",
    status: ProfileStatus = ProfileStatus.PUBLISHED,
    sources: Sequence[Contribution] = (),
    themes: Sequence[Theme] = (),
    horizon: Horizon | None = Horizon.SHORT,
    indicators: Sequence[tuple[str, str, str]] = (),
    organisations: Sequence[tuple[str, OrganisationKind, OrganisationRole]] = (),
    **fields: Any,
) -> Profile:
    """A profile of `process`; `indicators` as (name, baseline, target), the first theme is
    the primary one. `source_count` is kept as the sources service keeps it."""
    assert process.id is not None
    now = utcnow()
    profile = Profile(
        process_id=process.id,
        title=title,
        status=status,
        horizon=horizon,
        source_count=len(sources),
        published_at=now if status is ProfileStatus.PUBLISHED else None,
        **fields,
    )
    session.add(profile)
    await session.flush()
    assert profile.id is not None
    session.add_all(
        ProfileTheme(profile_id=profile.id, theme_id=theme.id or 0, is_primary=i == 0)
        for i, theme in enumerate(themes)
    )
    session.add_all(
        ProfileOrganisation(profile_id=profile.id, name=name, kind=kind, role=role, position=i)
        for i, (name, kind, role) in enumerate(organisations)
    )
    session.add_all(
        ProfileIndicator(
            profile_id=profile.id, name=name, baseline=baseline, target=target, position=i
        )
        for i, (name, baseline, target) in enumerate(indicators)
    )
    session.add_all(
        ProfileSource(profile_id=profile.id, contribution_id=c.id or 0) for c in sources
    )
    await session.commit()
    await session.refresh(profile)
    return profile


async def set_status(session: AsyncSession, profile: Profile, status: ProfileStatus) -> Profile:
    profile.status = status
    session.add(profile)
    await session.commit()
    await session.refresh(profile)
    return profile
