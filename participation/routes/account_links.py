"""Pages reached without signing in: accepting an invitation, asking for a new password, and
setting it with the link from the mail. The links carry a token (private_paths.py keeps them
out of logs and caches)."""

from __future__ import annotations

from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_404_NOT_FOUND,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)

from participation.auth import Step, begin_step, home_path, sign_in
from participation.i18n import _
from participation.models import LinkPurpose
from participation.rate_limit import Window, client_address
from participation.routes import Db, FormData
from participation.routes.account import NO_STORE
from participation.services.accounts import by_link, security
from participation.services.errors import ValidationFailed
from participation.services.users import complete_sign_in
from participation.settings import Settings

# Reset requests per client address: enough for typing mistakes, too few to mail-bomb.
RESET_REQUESTS: Final = (Window(seconds=900, limit=5),)


def _link_page(
    template: str,
    token: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    if errors and "link" in errors:
        template, status_code = "pages/auth/link_invalid.html", HTTP_404_NOT_FOUND
    return Template(
        template,
        context={"token": token, "values": values or {}, "errors": errors or {}},
        status_code=status_code,
        headers=NO_STORE,
    )


async def _link_form(db: Db, token: str, purpose: LinkPurpose, template: str) -> Template:
    """The form a link opens, or the "link invalid" page."""
    user = await by_link.link_works(db, token, purpose)
    if user is None:
        return _link_page("", token, errors={"link": ""})
    return _link_page(template, token, values={"email": user.email})


class AccountLinkController(Controller):
    include_in_schema = False

    @get("/einladung/{token:str}", cache=False)
    async def invitation_form(self, db: Db, token: FromPath[str]) -> Template:
        return await _link_form(db, token, LinkPurpose.INVITATION, "pages/auth/invitation.html")

    @post("/einladung/{token:str}")
    async def accept_invitation(
        self, request: Request[Any, Any, Any], db: Db, token: FromPath[str], data: FormData
    ) -> Template | Redirect:
        name = data.get("display_name", "")
        try:
            user = await by_link.accept_invitation(
                db, token, name, data.get("password", ""), data.get("password_repeat", "")
            )
        except ValidationFailed as failed:
            invited = await by_link.link_works(db, token, LinkPurpose.INVITATION)
            values = {"display_name": name, "email": invited.email if invited else ""}
            return _link_page(
                "pages/auth/invitation.html",
                token,
                values=values,
                errors=failed.errors,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        settings: Settings = request.app.state.settings
        if security.requires_second_factor(user, settings.require_2fa_for):
            begin_step(request, user, Step.SETUP, "")
            return Redirect("/login/zwei-faktor", status_code=303)
        await complete_sign_in(db, user)
        sign_in(request, user)
        flash(request, _("Welcome! Your account is ready."), "success")
        return Redirect(home_path(user), status_code=303)

    @get("/passwort-vergessen", cache=False)
    async def forgotten_form(self) -> Template:
        return Template(
            "pages/auth/forgotten.html", context={"sent": False, "email": "", "too_many": False}
        )

    @post("/passwort-vergessen")
    async def forgotten(self, request: Request[Any, Any, Any], data: FormData) -> Template:
        """The same answer for every address, at once; the link is made and mailed after it
        went out (services/accounts/by_link.py)."""
        settings: Settings = request.app.state.settings
        address = client_address(request, settings.trusted_proxy)
        store = request.app.stores.get("rate_limit")
        taken = await request.app.state.counters.take(store, f"reset:{address}", RESET_REQUESTS)
        email = data.get("email", "").strip()
        if taken is None:
            return Template(
                "pages/auth/forgotten.html",
                context={"sent": False, "email": email, "too_many": True},
                status_code=HTTP_429_TOO_MANY_REQUESTS,
            )
        return Template(
            "pages/auth/forgotten.html",
            context={"sent": True, "email": "", "too_many": False},
            background=BackgroundTask(by_link.request_reset, request.app.state.sessionmaker, email),
        )

    @get("/passwort-neu/{token:str}", cache=False)
    async def reset_form(self, db: Db, token: FromPath[str]) -> Template:
        return await _link_form(db, token, LinkPurpose.PASSWORD_RESET, "pages/auth/reset.html")

    @post("/passwort-neu/{token:str}")
    async def reset(
        self, request: Request[Any, Any, Any], db: Db, token: FromPath[str], data: FormData
    ) -> Template | Redirect:
        try:
            await by_link.reset_password(
                db, token, data.get("password", ""), data.get("password_repeat", "")
            )
        except ValidationFailed as failed:
            user = await by_link.link_works(db, token, LinkPurpose.PASSWORD_RESET)
            return _link_page(
                "pages/auth/reset.html",
                token,
                values={"email": user.email if user else ""},
                errors=failed.errors,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        flash(request, _("Your new password is set. Please sign in with it."), "success")
        return Redirect("/login", status_code=303)
