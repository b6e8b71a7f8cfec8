"""Single-use links sent to a person: an invitation (valid 7 days: set name and password) and
a password reset (valid 1 hour). Only the SHA-256 of a link's token is stored; making a new
link of a purpose voids the person's older ones, and using one spends it with a conditional
UPDATE, so two tabs cannot both use it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Final

from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import AccountLink, LinkPurpose, User, utcnow

VALID_FOR: Final[dict[LinkPurpose, timedelta]] = {
    LinkPurpose.INVITATION: timedelta(days=7),
    LinkPurpose.PASSWORD_RESET: timedelta(hours=1),
}
# Paths the links open (private: participation/private_paths.py keeps them out of logs).
PATHS: Final[dict[LinkPurpose, str]] = {
    LinkPurpose.INVITATION: "/einladung/",
    LinkPurpose.PASSWORD_RESET: "/passwort-neu/",
}
TOKEN_MAX: Final = 100


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def new_link(session: AsyncSession, user: User, purpose: LinkPurpose) -> str:
    """A new link's token (shown or mailed once; the caller commits). Older unspent links of
    the same purpose stop working."""
    assert user.id is not None
    now = utcnow()
    await void_links(session, user.id, purpose)
    token = secrets.token_urlsafe(32)
    session.add(
        AccountLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + VALID_FOR[purpose],
        )
    )
    return token


async def void_links(session: AsyncSession, user_id: int, purpose: LinkPurpose) -> None:
    await session.exec(
        update(AccountLink)
        .where(
            col(AccountLink.user_id) == user_id,
            col(AccountLink.purpose) == purpose,
            col(AccountLink.spent_at).is_(None),
        )
        .values(spent_at=utcnow())
    )


async def links_since(
    session: AsyncSession, user_id: int, purpose: LinkPurpose, since: timedelta
) -> int:
    """How many links of `purpose` were made for the user lately (the index serves it)."""
    query = select(func.count()).where(
        col(AccountLink.user_id) == user_id,
        col(AccountLink.purpose) == purpose,
        col(AccountLink.created_at) > utcnow() - since,
    )
    return int((await session.exec(query)).one())


async def open_link(
    session: AsyncSession, token: str, purpose: LinkPurpose
) -> tuple[AccountLink, User] | None:
    """The link and its account if the token is one of `purpose`, unspent and unexpired."""
    if not token or len(token) > TOKEN_MAX:
        return None
    query = (
        select(AccountLink, User)
        .join(User, col(User.id) == col(AccountLink.user_id))
        .where(col(AccountLink.token_hash) == _hash(token))
    )
    found = (await session.exec(query)).first()
    if found is None:
        return None
    link, user = found
    if link.purpose != purpose or link.spent_at is not None or link.expires_at <= utcnow():
        return None
    return link, user


async def spend(session: AsyncSession, link: AccountLink) -> bool:
    """Mark the link used; False if another request used it first (the caller commits)."""
    result = await session.exec(
        update(AccountLink)
        .where(col(AccountLink.id) == link.id, col(AccountLink.spent_at).is_(None))
        .values(spent_at=utcnow())
    )
    return bool(result.rowcount == 1)
