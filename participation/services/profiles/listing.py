"""The staff list of a process's profiles: filters in the URL, counts per status, and a
fixed number of queries per page (the page's rows, its leads and action fields, the counts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import func
from sqlmodel import col, exists, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.inputs import parse_int
from participation.models import (
    Horizon,
    OrganisationRole,
    Process,
    Profile,
    ProfileMember,
    ProfileOrganisation,
    ProfileStatus,
    ProfileTheme,
)
from participation.services.accounts.remit import EVERYWHERE, Scope
from participation.services.processes import Page

PAGE_SIZE: Final = 50


@dataclass(frozen=True)
class ProfileFilters:
    status: ProfileStatus | None = None
    theme_id: int | None = None
    horizon: Horizon | None = None
    lead: str = ""  # part of the lead organisation's name
    member_id: int | None = None  # a working-group member ("mine")
    page: int = 1

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ProfileFilters:
        status = query.get("status", "")
        horizon = query.get("horizon", "")
        return cls(
            status=ProfileStatus(status) if status in {s.value for s in ProfileStatus} else None,
            theme_id=parse_int(query.get("theme")),
            horizon=Horizon(horizon) if horizon in {h.value for h in Horizon} else None,
            lead=query.get("lead", "").strip()[:200],
            member_id=parse_int(query.get("member")),
            page=parse_int(query.get("page"), minimum=1, maximum=100_000) or 1,
        )

    def query(self, **changes: Any) -> dict[str, str]:
        """The filters as query parameters (for links that keep them), with `changes`."""
        values = {
            "status": self.status.value if self.status else "",
            "theme": str(self.theme_id or ""),
            "horizon": self.horizon.value if self.horizon else "",
            "lead": self.lead,
            "member": str(self.member_id or ""),
            "page": "" if self.page == 1 else str(self.page),
        } | {k: str(v) for k, v in changes.items()}
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class ProfileRow:
    profile: Profile
    lead: str | None
    primary_theme_id: int | None


@dataclass(frozen=True)
class ProfileList:
    page: Page[ProfileRow]  # the profiles matching the filters
    by_status: dict[ProfileStatus, int]  # in the whole process


async def list_profiles(
    db: AsyncSession, process_id: int, filters: ProfileFilters, scope: Scope = EVERYWHERE
) -> ProfileList:
    conditions: list[Any] = [Profile.process_id == process_id]
    if scope.fields_in(process_id):
        conditions.append(scope.profiles_in())  # a member limited to action fields
    if filters.status:
        conditions.append(Profile.status == filters.status)
    if filters.horizon:
        conditions.append(Profile.horizon == filters.horizon)
    if filters.theme_id:
        conditions.append(
            exists().where(
                col(ProfileTheme.profile_id) == Profile.id,
                col(ProfileTheme.theme_id) == filters.theme_id,
            )
        )
    if filters.member_id:
        conditions.append(
            exists().where(
                col(ProfileMember.profile_id) == Profile.id,
                col(ProfileMember.user_id) == filters.member_id,
            )
        )
    if filters.lead:
        pattern = f"%{filters.lead.lower()}%"
        conditions.append(
            exists().where(
                col(ProfileOrganisation.profile_id) == Profile.id,
                col(ProfileOrganisation.role) == OrganisationRole.LEAD,
                func.lower(ProfileOrganisation.name).like(pattern),
            )
        )
    total = (await db.exec(select(func.count()).select_from(Profile).where(*conditions))).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    profiles = (
        await db.exec(
            select(Profile)
            .where(*conditions)
            .order_by(col(Profile.updated_at).desc(), col(Profile.id).desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    ).all()
    ids = [p.id for p in profiles]
    leads = dict(
        (
            await db.exec(
                select(ProfileOrganisation.profile_id, ProfileOrganisation.name).where(
                    col(ProfileOrganisation.profile_id).in_(ids),
                    ProfileOrganisation.role == OrganisationRole.LEAD,
                )
            )
        ).all()
    )
    primaries = dict(
        (
            await db.exec(
                select(ProfileTheme.profile_id, ProfileTheme.theme_id).where(
                    col(ProfileTheme.profile_id).in_(ids), col(ProfileTheme.is_primary)
                )
            )
        ).all()
    )
    counts = await db.exec(
        select(Profile.status, func.count())
        .where(Profile.process_id == process_id)
        .group_by(col(Profile.status))
    )
    rows = [
        ProfileRow(profile=p, lead=leads.get(p.id or 0), primary_theme_id=primaries.get(p.id or 0))
        for p in profiles
    ]
    return ProfileList(
        page=Page(items=rows, page=page, pages=pages, total=total),
        by_status={ProfileStatus(status): n for status, n in counts.all()},
    )


@dataclass(frozen=True)
class MemberProfile:
    profile: Profile
    process_slug: str
    process_title: str


async def profiles_of_member(db: AsyncSession, user_id: int) -> list[MemberProfile]:
    """The profiles whose working group a staff member belongs to, across processes, the
    most recently changed first."""
    rows = await db.exec(
        select(Profile, Process.slug, Process.title)
        .join(ProfileMember, col(ProfileMember.profile_id) == Profile.id)
        .join(Process, col(Process.id) == Profile.process_id)
        .where(ProfileMember.user_id == user_id)
        .order_by(col(Profile.updated_at).desc())
    )
    return [MemberProfile(p, slug, title) for p, slug, title in rows.all()]


async def choices(db: AsyncSession, process_id: int) -> list[tuple[int, str]]:
    """A process's profiles as (id, title) by title, for "add to profile …" menus; drafts
    and profiles in a working group first, as those are still being built."""
    rows = await db.exec(
        select(Profile.id, Profile.title, Profile.status)
        .where(Profile.process_id == process_id)
        .order_by(col(Profile.title), col(Profile.id))
    )
    building = {ProfileStatus.DRAFT, ProfileStatus.WORKING_GROUP}
    found = [(id_, title, status) for id_, title, status in rows.all() if id_ is not None]
    found.sort(key=lambda row: row[2] not in building)
    return [(id_, title) for id_, title, _status in found]
