"""A profile's working group: the staff members who edit it, and their internal comments
(never shown to the public)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import Profile, ProfileComment, ProfileMember, User, utcnow
from participation.services.errors import ValidationFailed

COMMENT_MAX: Final = 5_000
# The newest comments are shown; a working group that talks for years pages back.
COMMENTS_SHOWN: Final = 50


@dataclass(frozen=True)
class CommentRow:
    comment: ProfileComment
    author: str | None


async def members(db: AsyncSession, profile_id: int) -> list[User]:
    rows = await db.exec(
        select(User)
        .join(ProfileMember, col(ProfileMember.user_id) == User.id)
        .where(ProfileMember.profile_id == profile_id)
        .order_by(col(User.display_name), col(User.email))
    )
    return list(rows.all())


async def candidates(db: AsyncSession, profile_id: int) -> list[User]:
    """Active staff members not yet in the group, to choose from."""
    inside = select(ProfileMember.user_id).where(ProfileMember.profile_id == profile_id)
    rows = await db.exec(
        select(User)
        .where(col(User.is_active), col(User.id).not_in(inside))
        .order_by(col(User.display_name), col(User.email))
    )
    return list(rows.all())


async def add_member(db: AsyncSession, profile_id: int, user_id: int, actor: User) -> bool:
    """Put an active staff member in the group; False if they are inactive, unknown or in
    it already."""
    user = await db.get(User, user_id)
    if user is None or not user.is_active:
        return False
    if await db.get(ProfileMember, (profile_id, user_id)) is not None:
        return False
    db.add(ProfileMember(profile_id=profile_id, user_id=user_id, added_by_id=actor.id))
    await db.commit()
    return True


async def remove_member(db: AsyncSession, profile_id: int, user_id: int) -> bool:
    result = await db.exec(
        sa.delete(ProfileMember).where(
            col(ProfileMember.profile_id) == profile_id, col(ProfileMember.user_id) == user_id
        )
    )
    await db.commit()
    return bool(result.rowcount)


async def comments(db: AsyncSession, profile_id: int) -> list[CommentRow]:
    """The newest comments, oldest of them first (read like a conversation)."""
    rows = (
        await db.exec(
            select(ProfileComment, User.display_name, User.email)
            .join(User, col(User.id) == ProfileComment.author_id, isouter=True)
            .where(ProfileComment.profile_id == profile_id)
            .order_by(col(ProfileComment.created_at).desc(), col(ProfileComment.id).desc())
            .limit(COMMENTS_SHOWN)
        )
    ).all()
    return [CommentRow(comment=c, author=name or email) for c, name, email in reversed(rows)]


async def add_comment(db: AsyncSession, profile_id: int, body: str, actor: User) -> None:
    text = body.strip()
    if not text:
        raise ValidationFailed({"body": _("Please write a comment first.")})
    if len(text) > COMMENT_MAX:
        raise ValidationFailed(
            {"body": _("At most %(n)d characters, please.") % {"n": COMMENT_MAX}}
        )
    db.add(
        ProfileComment(profile_id=profile_id, author_id=actor.id, body=text, created_at=utcnow())
    )
    await db.commit()


async def staff_in_groups(db: AsyncSession, process_id: int) -> list[User]:
    """The staff members in any working group of a process (the list's member filter)."""
    rows = await db.exec(
        select(User)
        .where(
            col(User.id).in_(
                select(ProfileMember.user_id)
                .join(Profile, col(Profile.id) == ProfileMember.profile_id)
                .where(Profile.process_id == process_id)
            )
        )
        .order_by(col(User.display_name), col(User.email))
    )
    return list(rows.all())
