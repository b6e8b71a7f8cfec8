"""The account log: every change to an account, for the admins' user page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import N_
from participation.models import AccountEvent, AccountEventKind, User

# The newest entries a user page shows.
LOG_LIMIT: Final = 100

LABELS: Final[dict[AccountEventKind, str]] = {
    AccountEventKind.INVITED: N_("Invited"),
    AccountEventKind.INVITATION_RENEWED: N_("Invitation sent again"),
    AccountEventKind.JOINED: N_("Joined (password set)"),
    AccountEventKind.ROLE_CHANGED: N_("Role changed"),
    AccountEventKind.DEACTIVATED: N_("Deactivated"),
    AccountEventKind.REACTIVATED: N_("Reactivated"),
    AccountEventKind.PASSWORD_RESET: N_("Password reset by mail link"),
    AccountEventKind.PASSWORD_CHANGED: N_("Password changed"),
    AccountEventKind.NAME_CHANGED: N_("Name changed"),
    AccountEventKind.TOTP_ENABLED: N_("Two-factor sign-in turned on"),
    AccountEventKind.TOTP_DISABLED: N_("Two-factor sign-in turned off"),
    AccountEventKind.RECOVERY_CODE_USED: N_("Signed in with a recovery code"),
    AccountEventKind.LOCKED: N_("Locked after too many failed sign-ins"),
    AccountEventKind.REMIT_CHANGED: N_("Remit changed"),
}


def record(
    session: AsyncSession,
    user: User,
    kind: AccountEventKind,
    *,
    actor: User | None = None,
    detail: str = "",
) -> None:
    """Add an entry; the caller commits it together with the change."""
    assert user.id is not None
    session.add(
        AccountEvent(
            user_id=user.id,
            actor_id=actor.id if actor is not None else None,
            kind=kind,
            detail=detail[:300],
        )
    )


@dataclass(frozen=True)
class LogEntry:
    event: AccountEvent
    actor_name: str  # "" when the person themselves or the system made the change


async def account_log(session: AsyncSession, user_id: int) -> Sequence[LogEntry]:
    """The newest LOG_LIMIT entries of one account with their actors, in one query."""
    actor = aliased(User)
    query = (
        select(AccountEvent, col(actor.display_name))
        .outerjoin(actor, col(actor.id) == col(AccountEvent.actor_id))
        .where(col(AccountEvent.user_id) == user_id)
        .order_by(col(AccountEvent.created_at).desc(), col(AccountEvent.id).desc())
        .limit(LOG_LIMIT)
    )
    rows = (await session.exec(query)).all()
    return [LogEntry(event, name or "") for event, name in rows]
