"""Supports ("Unterstützen") without accounts, and the browser id they and reports rest on.

A browser is known only by a random id in a signed cookie. The database keeps the SHA-256
hash of that id, never the id itself and never an IP address, so a support cannot be tied
back to a person. One support per idea and browser; a second one changes nothing, and the
same browser may withdraw its support. The idea's kept count (Contribution.support_count)
follows the Support rows by database trigger (migration 0011).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Contribution, Support, utcnow

BROWSER_COOKIE: Final = "browser_id"
BROWSER_COOKIE_MAX_AGE: Final = 365 * 24 * 3600
_ID_BYTES: Final = 18


def _signature(secret_key: str, browser_id: str) -> str:
    return hmac.new(secret_key.encode(), browser_id.encode(), hashlib.sha256).hexdigest()


def new_browser_id() -> str:
    return secrets.token_urlsafe(_ID_BYTES)


def sign_browser_id(secret_key: str, browser_id: str) -> str:
    """The cookie value: the id and its HMAC, so nobody can pick an id of their own."""
    return f"{browser_id}.{_signature(secret_key, browser_id)}"


def read_browser_id(secret_key: str, cookie: str | None) -> str | None:
    """The id from a cookie value, or None when it is missing or its signature is wrong."""
    if not cookie or len(cookie) > 200 or "." not in cookie:
        return None
    browser_id, signature = cookie.rsplit(".", 1)
    if not browser_id or not hmac.compare_digest(signature, _signature(secret_key, browser_id)):
        return None
    return browser_id


def browser_hash(browser_id: str) -> str:
    """What the database keeps of a browser id."""
    return hashlib.sha256(browser_id.encode()).hexdigest()


async def support_count(session: AsyncSession, contribution_id: int) -> int:
    """The idea's kept count, read from the database (not from a row the session holds)."""
    found = await session.exec(
        select(Contribution.support_count).where(col(Contribution.id) == contribution_id)
    )
    return found.first() or 0


async def has_supported(
    session: AsyncSession, contribution_id: int, supporter_hash: str | None
) -> bool:
    if supporter_hash is None:
        return False
    found = await session.exec(
        select(Support.id).where(
            Support.contribution_id == contribution_id,
            Support.supporter_hash == supporter_hash,
        )
    )
    return found.first() is not None


async def add_support(session: AsyncSession, contribution_id: int, supporter_hash: str) -> bool:
    """Count this browser's support once. True if it is new, False if it was there already.

    The caller makes sure the idea is published. Two clicks at the same moment meet the
    unique constraint; the second is then simply not counted.
    """
    if await has_supported(session, contribution_id, supporter_hash):
        return False
    session.add(
        Support(contribution_id=contribution_id, supporter_hash=supporter_hash, created_at=utcnow())
    )
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return False
    return True


async def withdraw_support(
    session: AsyncSession, contribution_id: int, supporter_hash: str
) -> bool:
    """Take this browser's support back. True if there was one; withdrawing twice (two clicks
    at once) deletes the row once, so the count drops once."""
    result = await session.exec(
        delete(Support).where(
            col(Support.contribution_id) == contribution_id,
            col(Support.supporter_hash) == supporter_hash,
        )
    )
    await session.commit()
    return bool(result.rowcount)
