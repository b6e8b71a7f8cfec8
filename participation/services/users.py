"""Staff accounts: creation with argon2 password hashes, and sign-in with a pause after
repeated failures (per address typed here; per account in services/accounts/lock.py).

After FAILURES_BEFORE_LOCK failed sign-ins for one address within FAILURE_WINDOW, sign-in with
that address pauses for LOCK_DURATION, for the right password too. Addresses without an
account are counted and paused alike, so the pause tells nobody which addresses exist; the
counters are kept per SHA-256 of the address (models/accounts.py). Each failure is counted
with one statement, so simultaneous guesses cannot slip past the limit.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, case, delete, literal, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.dates import format_clock
from participation.i18n import _
from participation.models import Role, SignInThrottle, User, UTCDateTime, utcnow
from participation.services.accounts import lock as account_lock
from participation.services.errors import ServiceError, ValidationFailed
from participation.services.passwords import PASSWORD_MIN, password_problem

__all__ = [
    "PASSWORD_MIN",
    "SignInLocked",
    "authenticate",
    "check_password",
    "complete_sign_in",
    "create_user",
    "get_by_email",
]

log = logging.getLogger("participation")

# The same limits as the account's own lock.
FAILURES_BEFORE_LOCK: Final = account_lock.FAILURES_BEFORE_LOCK
FAILURE_WINDOW: Final = account_lock.FAILURE_WINDOW
LOCK_DURATION: Final = account_lock.LOCK_DURATION
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
    if problem := password_problem(password, email):
        errors["password"] = problem
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


class SignInLocked(ServiceError):
    """Too many failed sign-ins for this address or account: no password or code is checked
    until `until`. Routes tell the person when to try again (`message_at`)."""

    def __init__(self, until: datetime) -> None:
        super().__init__("Sign-in paused until " + until.isoformat(timespec="minutes"))
        self.until = until

    def message_at(self, time_zone: str) -> str:
        return _(
            "Too many failed attempts. For your security, sign-in is paused. "
            "Please try again at %(time)s."
        ) % {"time": format_clock(self.until, time_zone)}


def _address_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


async def _paused_until(session: AsyncSession, key: str, now: datetime) -> datetime | None:
    throttle = await session.get(SignInThrottle, key, populate_existing=True)
    if throttle is None or throttle.locked_until is None or throttle.locked_until <= now:
        return None
    return throttle.locked_until


async def _count_failure(session: AsyncSession, key: str, now: datetime) -> datetime | None:
    """Count one failure in a single statement; returns the pause's end if this failure
    started one. A window older than FAILURE_WINDOW starts again at one."""
    table = SignInThrottle.__table__  # type: ignore[attr-defined]
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    window_over = table.c.window_started_at <= now - FAILURE_WINDOW
    locks_now = and_(~window_over, table.c.failures + 1 == FAILURES_BEFORE_LOCK)
    started, pause_end = literal(now, UTCDateTime()), literal(now + LOCK_DURATION, UTCDateTime())
    statement = (
        insert(table)
        .values(address_hash=key, failures=1, window_started_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=["address_hash"],
            set_={
                "failures": case((window_over, 1), else_=table.c.failures + 1),
                "window_started_at": case((window_over, started), else_=table.c.window_started_at),
                "locked_until": case((locks_now, pause_end), else_=table.c.locked_until),
            },
        )
        .returning(table.c.failures, table.c.locked_until)
    )
    failures, locked_until = (await session.exec(statement)).one()
    # Rows whose window and pause are over are of no use any more (the index finds them).
    await session.exec(
        delete(table).where(
            table.c.window_started_at <= now - FAILURE_WINDOW,
            or_(table.c.locked_until.is_(None), table.c.locked_until <= now),
        )
    )
    await session.commit()
    if failures >= FAILURES_BEFORE_LOCK and locked_until is not None and locked_until > now:
        return locked_until  # type: ignore[no-any-return]
    return None


async def check_password(session: AsyncSession, email: str, password: str) -> User | None:
    """The active user with these credentials, or None; not signed in yet (a second factor
    may follow, then `complete_sign_in`). Upgrades outdated hashes on the way. Raises
    SignInLocked after too many failures for the address or the account (module docstring,
    services/accounts/lock.py)."""
    key, now = _address_key(email), utcnow()
    if (until := await _paused_until(session, key, now)) is not None:
        raise SignInLocked(until)
    user = await get_by_email(session, email)
    if user is not None and (until := account_lock.locked_until(user, now)) is not None:
        raise SignInLocked(until)
    valid = verify_password(user, password) and user is not None and user.is_active
    if not valid or user is None:
        ends = [await _count_failure(session, key, now)]
        if user is not None:
            ends.append(await account_lock.count_failure(session, user, now))
        if (until := max((end for end in ends if end is not None), default=None)) is not None:
            who = user.email if user is not None else "an address without an account"
            log.warning(
                "Sign-in paused until %s after %d failed attempts for %s",
                until.isoformat(timespec="seconds"),
                FAILURES_BEFORE_LOCK,
                who,
            )
            raise SignInLocked(until)
        return None
    await session.exec(delete(SignInThrottle).where(col(SignInThrottle.address_hash) == key))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.add(user)
    await session.commit()
    return user


def verify_password(user: User | None, password: str) -> bool:
    """Whether `password` is the user's; as slow for no user or no password yet (an invited
    account), so the time taken tells nothing."""
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        return _hasher.verify(stored, password) and stored != _DUMMY_HASH
    except (VerificationError, InvalidHashError):
        return False


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def complete_sign_in(session: AsyncSession, user: User) -> None:
    """Password (and second factor) passed: note the sign-in, forget the failures."""
    user.last_login_at = utcnow()
    account_lock.clear_failures(user)
    session.add(user)
    await session.commit()


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    """Password-only sign-in (`check_password` and `complete_sign_in`), for callers that
    ask no second factor."""
    user = await check_password(session, email, password)
    if user is not None:
        await complete_sign_in(session, user)
    return user


async def get_active_user(session: AsyncSession, user_id: int) -> User | None:
    user = await session.get(User, user_id)
    return user if user is not None and user.is_active else None
