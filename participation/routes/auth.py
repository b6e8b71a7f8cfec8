"""Staff sign-in and sign-out."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_429_TOO_MANY_REQUESTS

from participation.auth import current_user, home_path, sign_in, sign_out
from participation.i18n import _
from participation.routes import Db, FormData, NextParam, safe_next
from participation.services.users import SignInLocked, authenticate


def _login_page(email: str, target: str, error: str, status_code: int) -> Template:
    return Template(
        "pages/auth/login.html",
        context={"email": email, "error": error, "next": target},
        status_code=status_code,
    )


class AuthController(Controller):
    include_in_schema = False

    @get("/login", cache=False)
    async def login_form(
        self, request: Request[Any, Any, Any], next_: NextParam = None
    ) -> Template | Redirect:
        user = current_user(request)
        if user is not None:
            return Redirect(safe_next(next_, home_path(user)), status_code=303)
        # Without a target the user's role decides where sign-in leads (see the POST).
        return Template(
            "pages/auth/login.html",
            context={"email": "", "error": None, "next": safe_next(next_, "")},
        )

    @post("/login")
    async def login(
        self, request: Request[Any, Any, Any], db: Db, data: FormData
    ) -> Template | Redirect:
        email = data.get("email", "").strip()
        target = safe_next(data.get("next"), "")
        try:
            user = await authenticate(db, email, data.get("password", ""))
        except SignInLocked as locked:
            return _login_page(email, target, str(locked), HTTP_429_TOO_MANY_REQUESTS)
        if user is None:
            error = _("E-mail address or password is not correct.")
            return _login_page(email, target, error, HTTP_400_BAD_REQUEST)
        sign_in(request, user)
        return Redirect(target or home_path(user), status_code=303)

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        sign_out(request)
        flash(request, _("You have been signed out."), "info")
        return Redirect("/", status_code=303)
