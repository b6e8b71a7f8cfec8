"""Who may do what with profiles.

Every staff member may read a process's profiles, drafts included (evaluators rate them,
facilitators bring their groups' ideas to them). Admins and moderators create and edit any
profile; everyone else edits only the profiles whose working group they belong to (the role
`editor` exists for exactly that). The public sees published profiles only
(services/profiles/public.py).
"""

from __future__ import annotations

from typing import Final

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import PUBLIC_PROFILE_STATUSES, ProfileMember, ProfileStatus, Role, User

# Roles that create profiles and edit every profile of every process.
CURATORS: Final = frozenset({Role.ADMIN, Role.MODERATOR})


def may_create(user: User | None) -> bool:
    return user is not None and user.role in CURATORS


async def is_member(db: AsyncSession, user: User, profile_id: int) -> bool:
    found = await db.exec(
        select(ProfileMember.user_id).where(
            ProfileMember.profile_id == profile_id, ProfileMember.user_id == user.id
        )
    )
    return found.first() is not None


async def may_edit(db: AsyncSession, user: User | None, profile_id: int) -> bool:
    if user is None:
        return False
    return user.role in CURATORS or await is_member(db, user, profile_id)


# What a working-group member may do with the status of their profile: move it towards
# evaluation before publication, and report progress after it. Publishing, dropping and
# taking a profile back from the public are for admins and moderators.
_BEFORE_PUBLICATION: Final = frozenset(
    {ProfileStatus.DRAFT, ProfileStatus.WORKING_GROUP, ProfileStatus.READY}
)
_PROGRESS: Final = frozenset({ProfileStatus.IN_IMPLEMENTATION, ProfileStatus.COMPLETED})


def may_set_status(
    user: User | None, may_edit: bool, current: ProfileStatus, wanted: ProfileStatus
) -> bool:
    """Whether `user` (who may edit the profile, or not) may move it from `current` to
    `wanted`."""
    if user is None or not may_edit:
        return False
    if user.role in CURATORS:
        return True
    if current in PUBLIC_PROFILE_STATUSES:
        return wanted in _PROGRESS or (wanted is ProfileStatus.PUBLISHED)
    return current in _BEFORE_PUBLICATION and wanted in _BEFORE_PUBLICATION
