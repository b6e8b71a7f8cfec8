"""Who works the moderation queue and what each of them sees: the queue's page and counts,
the bulk actions and the daily digest ask these functions, which narrow everything to the
moderator's remit (services/accounts/remit.py)."""

from __future__ import annotations

from typing import Final

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Process, Role, User
from participation.services.accounts.remit import EVERYWHERE, Scope, load_scope

# The roles that may moderate (routes: auth.requires_moderator).
MODERATING_ROLES: Final = frozenset({Role.MODERATOR, Role.ADMIN})


def may_moderate(user: User | None) -> bool:
    return user is not None and user.is_active and user.role in MODERATING_ROLES


async def queue_scope(session: AsyncSession, user: User | None) -> Scope:
    """The remit the queue keeps to for `user` (every process without a user: the API's
    callers pass theirs)."""
    return EVERYWHERE if user is None else await load_scope(session, user)


async def moderated_processes(session: AsyncSession, scope: Scope) -> list[Process]:
    """The processes whose items a moderator with this remit works on, by title."""
    return list(
        await session.exec(
            select(Process)
            .where(scope.processes_in(Process.id))
            .order_by(col(Process.title), col(Process.id))
        )
    )


async def colleagues(session: AsyncSession) -> list[User]:
    """The staff an item can be given to: active accounts that may moderate, by name."""
    return list(
        await session.exec(
            select(User)
            .where(col(User.role).in_(MODERATING_ROLES), col(User.is_active).is_(True))
            .order_by(col(User.display_name), col(User.email))
        )
    )
