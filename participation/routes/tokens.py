"""The signed-in staff member's personal access tokens for the staff API: make one (shown
once), see them (name, first characters, made, last used), revoke one."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_201_CREATED, HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_user, require_roles
from participation.i18n import _
from participation.models import Role, User
from participation.routes import Db, FormData
from participation.services import tokens
from participation.services.errors import ValidationFailed

# Every staff role may make tokens; a token can do what its owner's role can.
requires_staff = require_roles(*Role)
NO_STORE = {"Cache-Control": "no-store"}


class TokenController(Controller):
    path = "/konto/tokens"
    guards = [requires_staff]  # noqa: RUF012
    include_in_schema = False

    async def _page(
        self,
        db: Db,
        user: User,
        *,
        name: str = "",
        errors: dict[str, str] | None = None,
        new_token: str = "",
        status_code: int = 200,
    ) -> Template:
        context = {
            "tokens": await tokens.list_tokens(db, user.id or 0),
            "name": name,
            "errors": errors or {},
            "new_token": new_token,
            "name_max": tokens.NAME_MAX,
        }
        return Template(
            "pages/account/tokens.html",
            context=context,
            status_code=status_code,
            headers=NO_STORE,
        )

    @get("/", cache=False)
    async def index(self, request: Request[Any, Any, Any], db: Db) -> Template:
        return await self._page(db, guarded_user(request))

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, request: Request[Any, Any, Any], db: Db, data: FormData) -> Template:
        """The new token is on this answer only (no-store), never again."""
        user = guarded_user(request)
        name = data.get("name", "")
        try:
            made = await tokens.create_token(db, user, name)
        except ValidationFailed as failed:
            return await self._page(
                db, user, name=name, errors=failed.errors, status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        return await self._page(db, user, new_token=made.token, status_code=HTTP_201_CREATED)

    @post("/{token_id:int}/revoke")
    async def revoke(
        self, request: Request[Any, Any, Any], db: Db, token_id: FromPath[int]
    ) -> Redirect:
        if not await tokens.revoke_token(db, guarded_user(request).id or 0, token_id):
            raise NotFoundException()
        flash(request, _("The token is revoked; it no longer works."), "success")
        return Redirect("/konto/tokens", status_code=303)
