"""The user administration for admins (/admin/users): the list, invitations, a user's page
with role, access and the account log."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_201_CREATED, HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_user, requires_admin
from participation.i18n import _
from participation.models import LinkPurpose, Role, User
from participation.routes import Db, FormData
from participation.routes.account import NO_STORE
from participation.services.accounts import admin, remit
from participation.services.accounts.log import LABELS, account_log
from participation.services.accounts.mails import link_url
from participation.services.errors import ValidationFailed


def _base_url(request: Request[Any, Any, Any]) -> str:
    configured: str | None = request.app.state.settings.base_url
    return configured or str(request.base_url).rstrip("/")


class UsersAdminController(Controller):
    path = "/admin/users"
    guards = [requires_admin]  # noqa: RUF012
    include_in_schema = False

    async def _list(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        *,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        context = {
            "rows": await admin.visible_users(db, guarded_user(request)),
            "roles": list(Role),
            "values": values or {"role": Role.MODERATOR.value},
            "errors": errors or {},
        }
        return Template(
            "pages/users_admin/list.html",
            context=context,
            status_code=status_code,
            headers=NO_STORE,
        )

    async def _user(self, request: Request[Any, Any, Any], db: Db, user_id: int) -> User:
        user = await admin.visible_user(db, guarded_user(request), user_id)
        if user is None:
            raise NotFoundException()
        return user

    async def _detail(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        user: User,
        *,
        new_link: str = "",
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        assert user.id is not None
        context = {
            "account": user,
            "is_self": user.id == guarded_user(request).id,
            "invited": admin.is_invited(user),
            "invitation_expires": await admin.invitation_expires(db, user.id),
            "new_link": new_link,
            "roles": list(Role),
            "log": await account_log(db, user.id),
            "remit": await remit.describe_scope(db, user.id),
            "log_labels": LABELS,
            "errors": errors or {},
        }
        return Template(
            "pages/users_admin/detail.html",
            context=context,
            status_code=status_code,
            headers=NO_STORE,
        )

    @get("/", cache=False)
    async def index(self, request: Request[Any, Any, Any], db: Db) -> Template:
        return await self._list(request, db)

    @post("/", status_code=HTTP_201_CREATED)
    async def invite(
        self, request: Request[Any, Any, Any], db: Db, data: FormData
    ) -> Template | Redirect:
        values = {"email": data.get("email", ""), "role": data.get("role", "")}
        try:
            made = await admin.invite(db, guarded_user(request), values["email"], values["role"])
        except ValidationFailed as failed:
            return await self._list(
                request,
                db,
                values=values,
                errors=failed.errors,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return await self._after_invitation(request, db, made)

    async def _after_invitation(
        self, request: Request[Any, Any, Any], db: Db, made: admin.Invitation
    ) -> Template | Redirect:
        if made.mailed:
            flash(
                request,
                _("The invitation is on its way to %(email)s.") % {"email": made.user.email},
                "success",
            )
            return Redirect(f"/admin/users/{made.user.id}", status_code=303)
        # No mail from this site: the admin passes the link on, shown this once.
        url = link_url(_base_url(request), LinkPurpose.INVITATION, made.token)
        return await self._detail(
            request, db, made.user, new_link=url, status_code=HTTP_201_CREATED
        )

    @get("/{user_id:int}", cache=False)
    async def detail(
        self, request: Request[Any, Any, Any], db: Db, user_id: FromPath[int]
    ) -> Template:
        return await self._detail(request, db, await self._user(request, db, user_id))

    @post("/{user_id:int}/einladung")
    async def renew(
        self, request: Request[Any, Any, Any], db: Db, user_id: FromPath[int]
    ) -> Template | Redirect:
        user = await self._user(request, db, user_id)
        try:
            made = await admin.renew_invitation(db, guarded_user(request), user)
        except ValidationFailed as failed:
            return await self._detail(
                request, db, user, errors=failed.errors, status_code=HTTP_409_CONFLICT
            )
        return await self._after_invitation(request, db, made)

    @post("/{user_id:int}/rolle")
    async def change_role(
        self, request: Request[Any, Any, Any], db: Db, user_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        user = await self._user(request, db, user_id)
        try:
            await admin.change_role(db, guarded_user(request), user, data.get("role", ""))
        except ValidationFailed as failed:
            return await self._detail(
                request, db, user, errors=failed.errors, status_code=HTTP_409_CONFLICT
            )
        flash(request, _("The role is saved."), "success")
        return Redirect(f"/admin/users/{user_id}", status_code=303)

    @post("/{user_id:int}/deaktivieren")
    async def deactivate(
        self, request: Request[Any, Any, Any], db: Db, user_id: FromPath[int]
    ) -> Template | Redirect:
        return await self._set_active(request, db, user_id, active=False)

    @post("/{user_id:int}/reaktivieren")
    async def reactivate(
        self, request: Request[Any, Any, Any], db: Db, user_id: FromPath[int]
    ) -> Template | Redirect:
        return await self._set_active(request, db, user_id, active=True)

    async def _set_active(
        self, request: Request[Any, Any, Any], db: Db, user_id: int, *, active: bool
    ) -> Template | Redirect:
        user = await self._user(request, db, user_id)
        try:
            await admin.set_active(db, guarded_user(request), user, active)
        except ValidationFailed as failed:
            return await self._detail(
                request, db, user, errors=failed.errors, status_code=HTTP_409_CONFLICT
            )
        message = (
            _("The account is active again.")
            if active
            else _("The account is deactivated; its sessions have ended.")
        )
        flash(request, message, "success")
        return Redirect(f"/admin/users/{user_id}", status_code=303)
