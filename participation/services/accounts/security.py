"""What a person changes on their own account (/konto) and what protects it: name, password,
two-factor sign-in with an authenticator app and recovery codes.

- A password change or reset raises the account's session generation: every other session
  of the account ends with its next request (auth.SessionUserMiddleware).
- A TOTP code is accepted once: the step it belongs to is stored, and a code of that step
  or an earlier one is refused (replay), by a conditional UPDATE.
- Recovery codes are shown once, stored as SHA-256 hashes (they are random, 50 bits), and
  each is spent by a conditional UPDATE.
- A wrong code counts as a failed sign-in of the account (services/accounts/lock.py).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from typing import Final

from sqlalchemy import delete, or_, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import AccountEventKind, RecoveryCode, User, utcnow
from participation.services.accounts import lock, totp
from participation.services.accounts.log import record
from participation.services.errors import ValidationFailed
from participation.services.passwords import password_problem
from participation.services.users import SignInLocked, hash_password, verify_password

RECOVERY_CODES: Final = 10
_RECOVERY_ALPHABET: Final = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
NAME_MAX: Final = 120


# --- name and password ------------------------------------------------------------------------


async def change_name(session: AsyncSession, user: User, name: str) -> None:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed({"display_name": _("Please enter your name.")})
    if len(cleaned) > NAME_MAX:
        raise ValidationFailed(
            {"display_name": _("At most %(max)d characters, please.") % {"max": NAME_MAX}}
        )
    if cleaned != user.display_name:
        user.display_name = cleaned
        session.add(user)
        record(session, user, AccountEventKind.NAME_CHANGED)
        await session.commit()


def check_new_password(user: User, password: str, repeated: str) -> None:
    """ValidationFailed for the `password` or `password_repeat` field."""
    if problem := password_problem(password, user.email):
        raise ValidationFailed({"password": problem})
    if password != repeated:
        raise ValidationFailed({"password_repeat": _("The two passwords are not the same.")})


def set_password(session: AsyncSession, user: User, password: str, kind: AccountEventKind) -> None:
    """Store a checked password and end the account's other sessions (the caller commits
    and signs the current session in again)."""
    user.password_hash = hash_password(password)
    user.session_generation += 1
    session.add(user)
    record(session, user, kind)


async def change_password(
    session: AsyncSession, user: User, current: str, password: str, repeated: str
) -> None:
    if not verify_password(user, current):
        raise ValidationFailed({"current_password": _("This is not your current password.")})
    check_new_password(user, password, repeated)
    set_password(session, user, password, AccountEventKind.PASSWORD_CHANGED)
    await session.commit()


# --- two-factor sign-in -----------------------------------------------------------------------


def requires_second_factor(user: User, required_for: Collection[str]) -> bool:
    """Whether the user's role must sign in with a second factor (REQUIRE_2FA_FOR)."""
    return user.role.value in required_for


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise_recovery(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


async def _replace_recovery_codes(session: AsyncSession, user: User) -> list[str]:
    assert user.id is not None
    await session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_hash_code(_normalise_recovery(code)))
        for code in codes
    )
    return codes


async def enable_totp(session: AsyncSession, user: User, secret: str, code: str) -> list[str]:
    """Turn on two-factor sign-in with `secret` once `code` proves the app has it; the new
    recovery codes, to be shown once."""
    step = totp.matching_step(secret, code, utcnow())
    if step is None:
        raise ValidationFailed(
            {"code": _("This code is not right. Please enter the code your app shows now.")}
        )
    user.totp_secret = secret
    user.totp_last_step = step
    session.add(user)
    codes = await _replace_recovery_codes(session, user)
    record(session, user, AccountEventKind.TOTP_ENABLED)
    await session.commit()
    return codes


async def new_recovery_codes(session: AsyncSession, user: User) -> list[str]:
    """Ten fresh codes; the old ones stop working."""
    codes = await _replace_recovery_codes(session, user)
    await session.commit()
    return codes


async def disable_totp(
    session: AsyncSession, user: User, password: str, required_for: Collection[str]
) -> None:
    if requires_second_factor(user, required_for):
        raise ValidationFailed(
            {"password": _("Your role requires two-factor sign-in; it cannot be turned off.")}
        )
    if not verify_password(user, password):
        raise ValidationFailed({"password": _("This is not your current password.")})
    assert user.id is not None
    user.totp_secret = None
    user.totp_last_step = None
    session.add(user)
    await session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    record(session, user, AccountEventKind.TOTP_DISABLED)
    await session.commit()


async def remaining_recovery_codes(session: AsyncSession, user_id: int) -> int:
    query = select(func.count()).where(
        col(RecoveryCode.user_id) == user_id, col(RecoveryCode.used_at).is_(None)
    )
    return int((await session.exec(query)).one())


async def _take_totp_step(session: AsyncSession, user: User, step: int) -> bool:
    """Store `step` as the last one used, unless it (or a later one) was used already."""
    result = await session.exec(
        update(User)
        .where(
            col(User.id) == user.id,
            or_(col(User.totp_last_step).is_(None), col(User.totp_last_step) < step),
        )
        .values(totp_last_step=step)
    )
    return bool(result.rowcount == 1)


async def _take_recovery_code(session: AsyncSession, user: User, code: str) -> bool:
    result = await session.exec(
        update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user.id,
            col(RecoveryCode.code_hash) == _hash_code(_normalise_recovery(code)),
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=utcnow())
    )
    return bool(result.rowcount == 1)


async def check_second_factor(session: AsyncSession, user: User, code: str) -> bool:
    """Whether `code` (from the app, or a recovery code) lets the user in; commits. A wrong
    code counts as a failed sign-in; raises SignInLocked when the account is or gets locked."""
    now = utcnow()
    if (until := lock.locked_until(user, now)) is not None:
        raise SignInLocked(until)
    passed = False
    if user.totp_secret:
        step = totp.matching_step(user.totp_secret, code, now)
        if step is not None:
            passed = await _take_totp_step(session, user, step)
        elif await _take_recovery_code(session, user, code):
            record(session, user, AccountEventKind.RECOVERY_CODE_USED)
            passed = True
    if passed:
        await session.commit()
        return True
    if (until := await lock.count_failure(session, user, now)) is not None:
        raise SignInLocked(until)
    return False
