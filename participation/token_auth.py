"""The staff API's sign-in: a personal access token (`Authorization: Bearer <token>`), acting
as its owner with their role; see participation/services/tokens.py.

- A request with a bearer token is that token's user, whatever session cookie it carries; a
  wrong, revoked or deactivated user's token is a 401 at once (never a fallback to the
  session).
- Without a token, reading (GET, HEAD) works with the browser's staff session as on the
  pages. Writing needs the token: the staff API's write routes are excluded from CSRF
  (`STAFF_WRITE` below, a script has no CSRF token), so a cookie alone must never be
  enough to write there. A browser on another site cannot send an Authorization header
  without a CORS preflight, which this app refuses.
"""

from __future__ import annotations

from typing import Any, Final

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from participation.auth import RoleGuard
from participation.db import SessionMaker
from participation.models import Role
from participation.services.tokens import user_for_token

_READING: Final = frozenset({"GET", "HEAD"})
# Route options for a staff API write (POST, PUT, PATCH, DELETE): no CSRF token, because
# `StaffApiGuard` takes such requests only with a bearer token.
STAFF_WRITE: Final[dict[str, Any]] = {"exclude_from_csrf": True}


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of an `Authorization: Bearer …` header; None without one."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class StaffApiGuard:
    """Lets through a bearer token's user, or (reading only) the signed-in user, if their
    role is one of the guard's (admins always): 401 without a valid sign-in, 403 for
    another role."""

    def __init__(self, *roles: Role) -> None:
        self.roles = RoleGuard(*roles)

    async def __call__(
        self, connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        token = bearer_token(connection)
        if token is not None:
            sessionmaker: SessionMaker = connection.app.state.sessionmaker
            async with sessionmaker() as session:
                user = await user_for_token(session, token)
            if user is None:
                raise NotAuthorizedException("Invalid or revoked token")
            connection.scope["user"] = user
        elif connection.scope.get("method") not in _READING:
            raise NotAuthorizedException("Send a personal access token: Authorization: Bearer …")
        await self.roles(connection, handler)


def staff_api(*roles: Role) -> StaffApiGuard:
    return StaffApiGuard(*roles)
