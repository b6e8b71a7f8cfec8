"""An administrator limits a staff member to processes and action fields (their remit);
the rules are in services/accounts/remit.py."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_user, requires_admin
from participation.i18n import _
from participation.labels import label
from participation.models import User
from participation.routes import Db, FormData
from participation.services.accounts import remit
from participation.services.errors import ValidationFailed


class StaffScopeController(Controller):
    path = "/admin/users/{user_id:int}/zustaendigkeit"
    guards = [requires_admin]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @staticmethod
    async def _member(db: Db, user_id: int) -> User:
        member = await db.get(User, user_id)
        if member is None:
            raise NotFoundException()
        return member

    @staticmethod
    def _page(
        member: User,
        choices: list[remit.ScopeChoice],
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        return Template(
            "pages/staff_scope/edit.html",
            context={
                "member": member,
                "role_label": label(member.role),
                "choices": choices,
                "errors": errors or {},
            },
            status_code=status_code,
        )

    @get("/", cache=False)
    async def edit(self, db: Db, user_id: FromPath[int]) -> Template:
        member = await self._member(db, user_id)
        return self._page(member, await remit.scope_choices(db, user_id))

    @post("/")
    async def save(
        self, request: Request[Any, Any, Any], db: Db, data: FormData, user_id: FromPath[int]
    ) -> Template | Redirect:
        member = await self._member(db, user_id)
        choices = await remit.scope_choices(db, user_id)
        try:
            limits = remit.read_scope_form(data, choices)
            await remit.set_scope(db, member, limits, actor=guarded_user(request))
        except ValidationFailed as failed:
            return self._page(member, choices, failed.errors, HTTP_422_UNPROCESSABLE_ENTITY)
        flash(request, _("The remit is saved."), "success")
        return Redirect(f"/admin/users/{user_id}", status_code=303)
