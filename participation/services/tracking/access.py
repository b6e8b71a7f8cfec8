"""Who records what becomes of a profile.

The timeline speaks for the organisation that implements the profile: admins, and the
editors in the profile's working group (the lead partner's staff, role `editor`). Moderators
curate profiles before publication (services/profiles/access.py) but do not report on their
implementation; evaluators rate. Neither records updates unless they are admins.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import PUBLIC_PROFILE_STATUSES, Profile, Role, User
from participation.services.errors import ServiceError
from participation.services.profiles.access import is_member


class NotAllowed(ServiceError):
    """The person may not record updates of this profile (a route answers 403)."""


async def may_track(db: AsyncSession, user: User | None, profile_id: int) -> bool:
    if user is None:
        return False
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.EDITOR and await is_member(db, user, profile_id)


async def check_may_track(db: AsyncSession, user: User, profile: Profile) -> None:
    assert profile.id is not None
    if not await may_track(db, user, profile.id):
        raise NotAllowed(_("Only admins and the profile's working group record its progress."))


def is_tracked(profile: Profile) -> bool:
    """Only a public profile has a timeline: before, there is nothing to report on."""
    return profile.status in PUBLIC_PROFILE_STATUSES
