"""Personal access tokens: a staff member's key for scripts and other tools to use the staff
API in their name and with their role (`Authorization: Bearer <token>`).

A token is shown once, when it is made; only its SHA-256 hash is stored, with its first
characters so a person can tell their tokens apart. A revoked token, or any token of a
deactivated account, stops working with the next request: every request looks the token
up together with its account.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import PersonalAccessToken, User, utcnow
from participation.services.errors import ValidationFailed

TOKEN_START: Final = "pat_"  # noqa: S105 - not a secret: so a token found in a script or log is recognisable
PREFIX_LENGTH: Final = 12
NAME_MAX: Final = 120
TOKEN_MAX: Final = 200
# Last use is written at most this often per token: a busy script must not write per call.
LAST_USED_STEP: Final = timedelta(minutes=5)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    row: PersonalAccessToken
    token: str  # shown once, never stored


def check_name(name: str) -> str:
    """The cleaned name; ValidationFailed with a message for the `name` field."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed({"name": _("Give the token a name, e.g. what it is used for.")})
    if len(cleaned) > NAME_MAX:
        raise ValidationFailed(
            {"name": _("At most %(max)d characters, please.") % {"max": NAME_MAX}}
        )
    return cleaned


async def create_token(session: AsyncSession, user: User, name: str) -> NewToken:
    """A new token for `user`; the caller shows `token` once."""
    assert user.id is not None
    token = TOKEN_START + secrets.token_urlsafe(32)
    row = PersonalAccessToken(
        user_id=user.id,
        name=check_name(name),
        token_hash=hash_token(token),
        prefix=token[:PREFIX_LENGTH],
    )
    session.add(row)
    await session.commit()
    await session.refresh(row)
    return NewToken(row=row, token=token)


async def list_tokens(session: AsyncSession, user_id: int) -> list[PersonalAccessToken]:
    """A person's tokens that still work, newest first."""
    rows = await session.exec(
        select(PersonalAccessToken)
        .where(
            PersonalAccessToken.user_id == user_id,
            col(PersonalAccessToken.revoked_at).is_(None),
        )
        .order_by(col(PersonalAccessToken.created_at).desc(), col(PersonalAccessToken.id).desc())
    )
    return list(rows)


async def revoke_token(session: AsyncSession, user_id: int, token_id: int) -> bool:
    """Revoke one of the person's own tokens; False if they have no such working token."""
    result = await session.exec(
        update(PersonalAccessToken)
        .where(
            col(PersonalAccessToken.id) == token_id,
            col(PersonalAccessToken.user_id) == user_id,
            col(PersonalAccessToken.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )
    await session.commit()
    return bool(result.rowcount)


async def user_for_token(session: AsyncSession, token: str) -> User | None:
    """The active account a working token belongs to; None for anything else. Notes the
    token's use (at most every LAST_USED_STEP)."""
    if not token.startswith(TOKEN_START) or len(token) > TOKEN_MAX:
        return None
    row = (
        await session.exec(
            select(PersonalAccessToken, User)
            .join(User, col(User.id) == PersonalAccessToken.user_id)
            .where(
                PersonalAccessToken.token_hash == hash_token(token),
                col(PersonalAccessToken.revoked_at).is_(None),
                col(User.is_active).is_(True),
            )
        )
    ).first()
    if row is None:
        return None
    pat, user = row
    now = utcnow()
    if pat.last_used_at is None or now - pat.last_used_at >= LAST_USED_STEP:
        await session.exec(
            update(PersonalAccessToken)
            .where(col(PersonalAccessToken.id) == pat.id)
            .values(last_used_at=now)
        )
        await session.commit()
    return user
