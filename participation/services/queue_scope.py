"""Who works the moderation queue and what each of them sees: one place, so that roles
limited to processes or action fields can narrow it here later (the queue's page and
counts, the bulk actions, the daily digest all ask these functions)."""

from __future__ import annotations

from typing import Final

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Process, Role, User

# The roles that may moderate (routes: auth.requires_moderator).
MODERATING_ROLES: Final = frozenset({Role.MODERATOR, Role.ADMIN})


def may_moderate(user: User | None) -> bool:
    return user is not None and user.is_active and user.role in MODERATING_ROLES


async def moderated_processes(session: AsyncSession, user: User | None) -> list[Process]:
    """The processes whose items `user` moderates, by title (today: every process)."""
    del user  # every moderator sees every process until roles are scoped
    return list(await session.exec(select(Process).order_by(col(Process.title), col(Process.id))))


async def colleagues(session: AsyncSession) -> list[User]:
    """The staff an item can be given to: active accounts that may moderate, by name."""
    return list(
        await session.exec(
            select(User)
            .where(col(User.role).in_(MODERATING_ROLES), col(User.is_active).is_(True))
            .order_by(col(User.display_name), col(User.email))
        )
    )
