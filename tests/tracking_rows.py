"""A published profile with an author who consented to mails, and the staff around it, for
the tracking tests: an admin, an editor in its working group, an editor of another profile,
a moderator and an evaluator."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    Process,
    Profile,
    ProfileIndicator,
    ProfileMember,
    Role,
    User,
    utcnow,
)
from tests.helpers import add_actor, add_idea, add_process, add_staff
from tests.profile_rows import add_profile

AUTHOR = "anna.beispiel@example.org"
FOLLOW_TOKEN = "follow-token-of-the-author-123"


@dataclass
class TrackingWorld:
    process: Process
    idea: Contribution
    profile: Profile
    other: Profile  # led by `stranger`
    indicator: ProfileIndicator
    admin: User
    editor: User
    stranger: User
    moderator: User
    evaluator: User


async def tracking_world(
    db: AsyncSession, *, accounts: bool = False, author: str | None = AUTHOR
) -> TrackingWorld:
    """`accounts=True` makes staff who can sign in (slow hashes); otherwise plain rows."""
    process = await add_process(db)
    idea = await add_idea(db, process, follow_token=FOLLOW_TOKEN)
    if author:
        idea.notify_email, idea.notify_consent_at, idea.notify_locale = author, utcnow(), "de"
        db.add(idea)
        await db.commit()
    profile = await add_profile(
        db, process, sources=[idea], indicators=[("Schulen mit Glasfaser", "12", "40")]
    )
    other = await add_profile(db, process, title="Mobiles Bürgerbüro")
    indicator = (
        await db.exec(select(ProfileIndicator).where(ProfileIndicator.profile_id == profile.id))
    ).one()
    make = add_staff if accounts else add_actor
    staff = [
        await make(db, f"{role.value}@example.org", role)
        for role in (Role.ADMIN, Role.EDITOR, Role.MODERATOR, Role.EVALUATOR)
    ]
    stranger = await make(db, "stranger@example.org", Role.EDITOR)
    db.add(ProfileMember(profile_id=profile.id or 0, user_id=staff[1].id or 0))
    db.add(ProfileMember(profile_id=other.id or 0, user_id=stranger.id or 0))
    await db.commit()
    return TrackingWorld(
        process, idea, profile, other, indicator, staff[0], staff[1], stranger, staff[2], staff[3]
    )
