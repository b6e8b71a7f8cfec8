"""Staff sign-in and sign-out: the password, then (when the account has it, or its role
requires it) the second factor, and only then a signed-in session."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_429_TOO_MANY_REQUESTS,
)

from participation.auth import (
    PendingStep,
    Step,
    begin_step,
    current_user,
    home_path,
    pending_step,
    sign_in,
    sign_out,
)
from participation.i18n import _
from participation.models import User
from participation.routes import Db, FormData, NextParam, safe_next
from participation.routes.account import (
    NO_STORE,
    confirm_totp,
    recovery_codes_page,
    totp_setup_page,
)
from participation.services.accounts import security
from participation.services.users import SignInLocked, check_password, complete_sign_in
from participation.settings import Settings

CODE_PATH = "/login/code"
SETUP_PATH = "/login/zwei-faktor"


def _login_page(email: str, target: str, error: str, status_code: int) -> Template:
    return Template(
        "pages/auth/login.html",
        context={"email": email, "error": error, "next": target},
        status_code=status_code,
    )


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _locked(request: Request[Any, Any, Any], locked: SignInLocked) -> str:
    return locked.message_at(_settings(request).time_zone)


async def _finish(request: Request[Any, Any, Any], db: Db, user: User, target: str) -> Redirect:
    await complete_sign_in(db, user)
    sign_in(request, user)
    return Redirect(target or home_path(user), status_code=303)


async def _pending(
    request: Request[Any, Any, Any], db: Db, step: Step
) -> tuple[User, PendingStep] | None:
    """The account whose password passed in this session and waits for `step`."""
    pending = pending_step(request)
    if pending is None or pending.step is not step:
        return None
    user = await db.get(User, pending.user_id)
    if user is None or not user.is_active or user.session_generation != pending.generation:
        return None
    return user, pending


def _start_again(request: Request[Any, Any, Any]) -> Redirect:
    flash(request, _("Please sign in again."), "info")
    return Redirect("/login", status_code=303)


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
            user = await check_password(db, email, data.get("password", ""))
        except SignInLocked as locked:
            return _login_page(email, target, _locked(request, locked), HTTP_429_TOO_MANY_REQUESTS)
        if user is None:
            error = _("E-mail address or password is not correct.")
            return _login_page(email, target, error, HTTP_400_BAD_REQUEST)
        if user.totp_secret:
            begin_step(request, user, Step.CODE, target)
            return Redirect(CODE_PATH, status_code=303)
        if security.requires_second_factor(user, _settings(request).require_2fa_for):
            begin_step(request, user, Step.SETUP, target)
            return Redirect(SETUP_PATH, status_code=303)
        return await _finish(request, db, user, target)

    @get(CODE_PATH, cache=False)
    async def code_form(self, request: Request[Any, Any, Any], db: Db) -> Template | Redirect:
        if await _pending(request, db, Step.CODE) is None:
            return _start_again(request)
        return Template("pages/auth/code.html", context={"error": None}, headers=NO_STORE)

    @post(CODE_PATH)
    async def code(
        self, request: Request[Any, Any, Any], db: Db, data: FormData
    ) -> Template | Redirect:
        found = await _pending(request, db, Step.CODE)
        if found is None:
            return _start_again(request)
        user, pending = found
        try:
            passed = await security.check_second_factor(db, user, data.get("code", ""))
        except SignInLocked as locked:
            sign_out(request)
            return _login_page(user.email, "", _locked(request, locked), HTTP_429_TOO_MANY_REQUESTS)
        if not passed:
            error = _("This code is not right. Please enter the current code of your app.")
            return Template(
                "pages/auth/code.html",
                context={"error": error},
                status_code=HTTP_400_BAD_REQUEST,
                headers=NO_STORE,
            )
        return await _finish(request, db, user, pending.target)

    @get(SETUP_PATH, cache=False)
    async def setup_form(self, request: Request[Any, Any, Any], db: Db) -> Template | Redirect:
        found = await _pending(request, db, Step.SETUP)
        if found is None:
            return _start_again(request)
        return totp_setup_page(request, found[0], action=SETUP_PATH, required=True)

    @post(SETUP_PATH)
    async def setup(
        self, request: Request[Any, Any, Any], db: Db, data: FormData
    ) -> Template | Redirect:
        found = await _pending(request, db, Step.SETUP)
        if found is None:
            return _start_again(request)
        user, pending = found
        codes = await confirm_totp(
            request, db, user, data.get("code", ""), action=SETUP_PATH, required=True
        )
        if isinstance(codes, Template):
            return codes
        await complete_sign_in(db, user)
        sign_in(request, user)
        return recovery_codes_page(codes, pending.target or home_path(user))

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        sign_out(request)
        flash(request, _("You have been signed out."), "info")
        return Redirect("/", status_code=303)
