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

from participation.models import ProfileMember, Role, User

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
