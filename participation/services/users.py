"""Staff accounts: creation with argon2 password hashes, and sign-in."""

from __future__ import annotations

import re
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import Role, User, utcnow
from participation.services.errors import ValidationFailed

PASSWORD_MIN: Final = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH: Final = _hasher.hash("not-a-real-password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    query = select(User).where(func.lower(User.email) == normalise_email(email))
    return (await session.exec(query)).first()


async def create_user(
    session: AsyncSession, *, email: str, password: str, role: Role, display_name: str = ""
) -> User:
    user = await add_user(
        session, email=email, password=password, role=role, display_name=display_name
    )
    await session.commit()
    return user


async def add_user(
    session: AsyncSession, *, email: str, password: str, role: Role, display_name: str = ""
) -> User:
    """Validate and add a user to the session without committing (for larger transactions)."""
    errors: dict[str, str] = {}
    email = normalise_email(email)
    if not _EMAIL.match(email) or len(email) > 254:
        errors["email"] = _("Please enter a valid e-mail address.")
    elif await get_by_email(session, email) is not None:
        errors["email"] = _("An account with this e-mail address already exists.")
    if len(password) < PASSWORD_MIN:
        errors["password"] = _("The password needs at least %(n)d characters.") % {
            "n": PASSWORD_MIN
        }
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=email,
        display_name=display_name.strip() or email.split("@")[0],
        password_hash=_hasher.hash(password),
        role=role,
    )
    session.add(user)
    await session.flush()
    return user


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Upgrades outdated hashes on the way."""
    user = await get_by_email(session, email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    session.add(user)
    await session.commit()
    return user


async def get_active_user(session: AsyncSession, user_id: int) -> User | None:
    user = await session.get(User, user_id)
    return user if user is not None and user.is_active else None
