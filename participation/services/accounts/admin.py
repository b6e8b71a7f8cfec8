"""The user administration (/admin/users): the list, invitations, roles, deactivation.

- Which accounts a user may see and manage is decided in `visible_users` and `may_manage`
  (admins: all); scoped roles will narrow it there.
- An invited account has no password until the person follows the link; it cannot sign in.
- The last active admin cannot be demoted or deactivated, so the site always has one.
- Deactivation ends the account's sessions at once: the middleware loads the account with
  every request and drops a deactivated one (auth.SessionUserMiddleware), and its access
  tokens stop working the same way (services/tokens.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import exists
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.labels import label
from participation.models import (
    AccountEventKind,
    AccountLink,
    LinkPurpose,
    Role,
    User,
    utcnow,
)
from participation.services.accounts import links
from participation.services.accounts.log import record
from participation.services.accounts.mails import send_link
from participation.services.errors import ValidationFailed
from participation.services.users import get_by_email, normalise_email

_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def may_manage(viewer: User) -> bool:
    """Who may open the user administration (the routes' guard says the same)."""
    return viewer.role is Role.ADMIN


@dataclass(frozen=True)
class UserRow:
    user: User
    invitation_open: bool  # invited, no password yet

    @property
    def has_second_factor(self) -> bool:
        return bool(self.user.totp_secret)


def is_invited(user: User) -> bool:
    return not user.password_hash


async def visible_users(session: AsyncSession, viewer: User) -> Sequence[UserRow]:
    """The accounts `viewer` may see, active first, by name; one query."""
    if not may_manage(viewer):
        return []
    query = select(User).order_by(
        col(User.is_active).desc(), func.lower(User.display_name), col(User.id)
    )
    return [UserRow(user, is_invited(user)) for user in (await session.exec(query)).all()]


async def visible_user(session: AsyncSession, viewer: User, user_id: int) -> User | None:
    if not may_manage(viewer):
        return None
    return await session.get(User, user_id)


async def invitation_expires(session: AsyncSession, user_id: int) -> datetime | None:
    """When the open invitation of an account ends (None: none open)."""
    query = select(func.max(AccountLink.expires_at)).where(
        col(AccountLink.user_id) == user_id,
        col(AccountLink.purpose) == LinkPurpose.INVITATION,
        col(AccountLink.spent_at).is_(None),
    )
    until = (await session.exec(query)).one()
    return until if until is not None and until > utcnow() else None


@dataclass(frozen=True)
class Invitation:
    user: User
    token: str
    mailed: bool  # False: the site sends no mail, the admin passes the link on


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationFailed({"role": _("Please choose a role.")}) from None


async def invite(session: AsyncSession, actor: User, email: str, role_value: str) -> Invitation:
    """An account without a password and a link for its person (mailed when the site
    sends mail); commits."""
    errors: dict[str, str] = {}
    address = normalise_email(email)
    if not _EMAIL.match(address) or len(address) > 254:
        errors["email"] = _("Please enter a valid e-mail address.")
    elif await get_by_email(session, address) is not None:
        errors["email"] = _("An account with this e-mail address already exists.")
    try:
        role = parse_role(role_value)
    except ValidationFailed as failed:
        errors.update(failed.errors)
    if errors:
        raise ValidationFailed(errors)
    user = User(email=address, display_name=address.split("@")[0], password_hash="", role=role)
    session.add(user)
    await session.flush()
    token = await links.new_link(session, user, LinkPurpose.INVITATION)
    mailed = send_link(session, user, LinkPurpose.INVITATION, token, inviter=actor)
    record(session, user, AccountEventKind.INVITED, actor=actor, detail=label(role))
    await session.commit()
    return Invitation(user, token, mailed)


async def renew_invitation(session: AsyncSession, actor: User, user: User) -> Invitation:
    """A new invitation link for an account still without a password; the old one is void."""
    if not is_invited(user):
        raise ValidationFailed({"invitation": _("This person has already joined.")})
    token = await links.new_link(session, user, LinkPurpose.INVITATION)
    mailed = send_link(session, user, LinkPurpose.INVITATION, token, inviter=actor)
    record(session, user, AccountEventKind.INVITATION_RENEWED, actor=actor)
    await session.commit()
    return Invitation(user, token, mailed)


async def _is_last_admin(session: AsyncSession, user: User) -> bool:
    """Whether `user` is the only active admin who can sign in."""
    if user.role is not Role.ADMIN or not user.is_active or is_invited(user):
        return False
    other = select(User.id).where(
        col(User.role) == Role.ADMIN,
        col(User.is_active).is_(True),
        col(User.password_hash) != "",
        col(User.id) != user.id,
    )
    return not (await session.exec(select(exists(other)))).one()


_LAST_ADMIN: Final = "last_admin"


def _last_admin_error() -> ValidationFailed:
    return ValidationFailed(
        {
            _LAST_ADMIN: _(
                "This is the last active administrator. Make someone else an administrator first."
            )
        }
    )


async def change_role(session: AsyncSession, actor: User, user: User, role_value: str) -> None:
    role = parse_role(role_value)
    if role is user.role:
        return
    if role is not Role.ADMIN and await _is_last_admin(session, user):
        raise _last_admin_error()
    detail = f"{label(user.role)} → {label(role)}"
    user.role = role
    session.add(user)
    record(session, user, AccountEventKind.ROLE_CHANGED, actor=actor, detail=detail)
    await session.commit()


async def set_active(session: AsyncSession, actor: User, user: User, active: bool) -> None:
    if active == user.is_active:
        return
    if not active and await _is_last_admin(session, user):
        raise _last_admin_error()
    user.is_active = active
    session.add(user)
    kind = AccountEventKind.REACTIVATED if active else AccountEventKind.DEACTIVATED
    record(session, user, kind, actor=actor)
    await session.commit()
