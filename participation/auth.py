"""Staff sign-in: server-side sessions, the current user on every request, and role guards.

Residents never sign in; only staff (admin, moderator, evaluator) have accounts.
Anonymous requests to staff pages are sent to the login page; staff API routes answer 401.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Empty

from participation.db import SessionMaker
from participation.models import Role, User
from participation.services.accounts.remit import Scope, check_route, scope_of
from participation.services.users import get_active_user

SESSION_USER_KEY = "user_id"
SESSION_GENERATION_KEY = "generation"
_PENDING_KEY = "pending_sign_in"
# Seconds between the password and the second step before the person starts again.
PENDING_FOR: Final = 300
_ROTATE_FLAG = "rotate_session_id"
_NEW_ID = "new_session_id"


class RotatingSessionBackend(ServerSideSessionBackend):
    """Issues a fresh session id when asked (at sign-in), so an id planted before sign-in
    (session fixation) never becomes an authenticated session."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        state = connection.scope.setdefault("state", {})
        if state.get(_ROTATE_FLAG):
            if _NEW_ID not in state:
                state[_NEW_ID] = self.generate_session_id()
            return str(state[_NEW_ID])
        return super().get_session_id(connection)

    async def store_in_message(
        self,
        scope_session: Any,
        message: Any,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        # On rotation the id that came in is dropped from the store: after sign-out it must
        # no longer carry the user, after sign-in the old (anonymous) one is never needed.
        old_id = connection.cookies.get(self.config.key)
        if connection.scope.setdefault("state", {}).get(_ROTATE_FLAG) and old_id:
            await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
        if not scope_session:
            if not old_id:
                # Residents never need a session: no cookie, no stored entry for them.
                return
            scope_session = Empty  # an emptied session is deleted, its cookie cleared
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def sign_in(connection: ASGIConnection[Any, Any, Any, Any], user: User) -> None:
    """Sign the session in (under a new id). The account's session generation goes with it:
    a password change raises it and so ends every session signed in before."""
    connection.scope.setdefault("state", {})[_ROTATE_FLAG] = True
    connection.set_session(
        {SESSION_USER_KEY: user.id, SESSION_GENERATION_KEY: user.session_generation}
    )


class Step(StrEnum):
    """What a session whose password passed still has to do before it is signed in."""

    CODE = "code"  # enter the authenticator's code or a recovery code
    SETUP = "setup"  # set up two-factor sign-in (REQUIRE_2FA_FOR)


def begin_step(
    connection: ASGIConnection[Any, Any, Any, Any], user: User, step: Step, target: str
) -> None:
    """The password passed; the session is not signed in until `step` is done too."""
    connection.scope.setdefault("state", {})[_ROTATE_FLAG] = True
    connection.set_session(
        {
            _PENDING_KEY: {
                "user_id": user.id,
                "generation": user.session_generation,
                "step": step.value,
                "since": int(time.time()),
                "next": target,
            }
        }
    )


@dataclass(frozen=True)
class PendingStep:
    user_id: int
    generation: int
    step: Step
    target: str


def pending_step(connection: ASGIConnection[Any, Any, Any, Any]) -> PendingStep | None:
    """The step this session waits for, if it is not over PENDING_FOR old."""
    pending = connection.session.get(_PENDING_KEY) if connection.session else None
    if not isinstance(pending, dict) or int(pending.get("since", 0)) + PENDING_FOR < time.time():
        return None
    try:
        return PendingStep(
            int(pending["user_id"]),
            int(pending["generation"]),
            Step(pending["step"]),
            str(pending.get("next", "")),
        )
    except (KeyError, TypeError, ValueError):
        return None


def sign_out(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Deletes the signed-in session and starts an empty one under a new id, which can still
    carry a message (clear_session() would leave no session to flash into)."""
    connection.scope.setdefault("state", {})[_ROTATE_FLAG] = True
    connection.set_session({})


class SessionUserMiddleware(AbstractAuthenticationMiddleware):
    """Puts the signed-in staff user (or None) on `request.user` for every request."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        user_id = connection.session.get(SESSION_USER_KEY) if connection.session else None
        if not isinstance(user_id, int):
            return AuthenticationResult(user=None, auth=None)
        sessionmaker: SessionMaker = connection.app.state.sessionmaker
        async with sessionmaker() as session:
            user = await get_active_user(session, user_id)
        if user is not None and not _session_still_valid(connection, user):
            user = None
        return AuthenticationResult(user=user, auth=None)


def _session_still_valid(connection: ASGIConnection[Any, Any, Any, Any], user: User) -> bool:
    """Signed in before the password last changed, or without the second factor the role
    now requires: the session no longer counts (the person signs in again)."""
    if connection.session.get(SESSION_GENERATION_KEY, 0) != user.session_generation:
        return False
    required: frozenset[str] = connection.app.state.settings.require_2fa_for
    return not (user.role.value in required and not user.totp_secret)


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    user = connection.scope.get("user")
    return user if isinstance(user, User) else None


def guarded_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User:
    """The signed-in user of a handler whose guard lets only signed-in staff through."""
    user = current_user(connection)
    assert user is not None
    assert user.id is not None  # a stored account
    return user


async def guarded_scope(connection: ASGIConnection[Any, Any, Any, Any]) -> Scope:
    """The processes and action fields the guarded user works in, for narrowing lists."""
    return await scope_of(connection, guarded_user(connection))


class RoleGuard:
    """A guard that lets through signed-in users with one of its roles (admins always), for
    rows within their scope (services/accounts/remit.py).
    Templates ask it too (`allows`), so nobody is shown a link that would answer 403."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset({*roles, Role.ADMIN})

    def allows(self, user: User | None) -> bool:
        return user is not None and user.role in self.roles

    async def __call__(
        self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        user = current_user(connection)
        if user is None:
            raise NotAuthorizedException("Sign-in required")
        if user.role not in self.roles:
            raise PermissionDeniedException("Your role does not allow this")
        # A role may be limited to processes and action fields: the row the path names must
        # lie within them.
        await check_route(connection, user)


def require_roles(*roles: Role) -> RoleGuard:
    """A guard that lets through signed-in users with one of `roles` (admins always)."""
    return RoleGuard(*roles)


# The moderation queue, its log and the moderation API.
requires_moderator = require_roles(Role.MODERATOR)
# The analysis pages: evaluators read the clusters too, they rate the profiles condensed
# from them.
requires_analyst = require_roles(Role.MODERATOR, Role.EVALUATOR)
# The staff areas in the main navigation, by name, and who may open them.
AREAS: dict[str, RoleGuard] = {"moderation": requires_moderator, "analysis": requires_analyst}
# Process administration: processes, phases, themes, channels, surveys (admins only).
requires_admin = require_roles()
AREAS["admin"] = requires_admin
# Focus-group sessions: facilitators run them; moderators may stand in.
requires_facilitator = require_roles(Role.FACILITATOR, Role.MODERATOR)
AREAS["focus_groups"] = requires_facilitator
# Project profiles: every staff member reads them; who may edit which one is decided per
# profile (services/profiles/access.py).
requires_staff = require_roles(*Role)
AREAS["profiles"] = requires_staff


def home_path(user: User) -> str:
    """Where a user lands after sign-in: the first area their role may open."""
    if requires_moderator.allows(user):
        return "/moderation"
    if user.role == Role.FACILITATOR:
        return "/focus-groups"
    if user.role == Role.EDITOR:
        return "/admin/steckbriefe"
    return "/analysis"
