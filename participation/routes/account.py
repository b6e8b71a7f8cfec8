"""The signed-in staff member's own account (/konto): name, password, two-factor sign-in and
the way to the access tokens (/konto/tokens, routes/tokens.py)."""

from __future__ import annotations

from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_user, requires_staff, sign_in
from participation.i18n import _
from participation.models import User
from participation.qr import qr_svg
from participation.routes import Db, FormData
from participation.services.accounts import security, totp
from participation.services.errors import ValidationFailed
from participation.settings import Settings

NO_STORE: Final = {"Cache-Control": "no-store"}
_SETUP_SECRET: Final = "totp_setup_secret"  # noqa: S105 - a session key
SETUP_PATH: Final = "/konto/zwei-faktor"


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def totp_setup_page(
    request: Request[Any, Any, Any],
    user: User,
    *,
    action: str,
    required: bool = False,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """The setup page: a QR code and the secret as text, and the field for a first code. The
    secret waits in the (server-side) session until a code confirms it; a reload shows the
    same one."""
    secret = request.session.get(_SETUP_SECRET) if request.session else None
    if not isinstance(secret, str) or not secret:
        secret = totp.new_secret()
        request.set_session({**(request.session or {}), _SETUP_SECRET: secret})
    uri = totp.provisioning_uri(secret, user.email, _settings(request).site_name)
    return Template(
        "pages/account/totp_setup.html",
        context={
            "qr": qr_svg(uri).decode(),
            "secret": totp.grouped(secret),
            "action": action,
            "required": required,
            "errors": errors or {},
        },
        status_code=status_code,
        headers=NO_STORE,
    )


async def confirm_totp(
    request: Request[Any, Any, Any],
    db: Db,
    user: User,
    code: str,
    *,
    action: str,
    required: bool = False,
) -> list[str] | Template:
    """Turn on two-factor sign-in with the session's secret: the recovery codes, or the
    setup page again with the error."""
    secret = request.session.get(_SETUP_SECRET) if request.session else None
    try:
        return await security.enable_totp(db, user, secret if isinstance(secret, str) else "", code)
    except ValidationFailed as failed:
        return totp_setup_page(
            request,
            user,
            action=action,
            required=required,
            errors=failed.errors,
            status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        )


def recovery_codes_page(codes: list[str], next_path: str) -> Template:
    """The recovery codes, shown this once."""
    return Template(
        "pages/account/recovery_codes.html",
        context={"codes": codes, "next_path": next_path},
        headers=NO_STORE,
    )


class AccountController(Controller):
    path = "/konto"
    guards = [requires_staff]  # noqa: RUF012
    include_in_schema = False

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        *,
        errors: dict[str, str] | None = None,
        name: str | None = None,
        status_code: int = 200,
    ) -> Template:
        user = guarded_user(request)
        assert user.id is not None
        context = {
            "account": user,
            "name": user.display_name if name is None else name,
            "errors": errors or {},
            "recovery_left": await security.remaining_recovery_codes(db, user.id),
            "totp_required": security.requires_second_factor(
                user, _settings(request).require_2fa_for
            ),
            "name_max": security.NAME_MAX,
        }
        return Template(
            "pages/account/index.html", context=context, status_code=status_code, headers=NO_STORE
        )

    @get("/", cache=False)
    async def index(self, request: Request[Any, Any, Any], db: Db) -> Template:
        return await self._page(request, db)

    @post("/name")
    async def rename(
        self, request: Request[Any, Any, Any], db: Db, data: FormData
    ) -> Template | Redirect:
        name = data.get("display_name", "")
        try:
            await security.change_name(db, guarded_user(request), name)
        except ValidationFailed as failed:
            return await self._page(request, db, errors=failed.errors, name=name, status_code=422)
        flash(request, _("Your name is saved."), "success")
        return Redirect("/konto", status_code=303)

    @post("/passwort")
    async def change_password(
        self, request: Request[Any, Any, Any], db: Db, data: FormData
    ) -> Template | Redirect:
        user = guarded_user(request)
        try:
            await security.change_password(
                db,
                user,
                data.get("current_password", ""),
                data.get("password", ""),
                data.get("password_repeat", ""),
            )
        except ValidationFailed as failed:
            return await self._page(
                request, db, errors=failed.errors, status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        sign_in(request, user)  # this session goes on under the new generation; others end
        flash(
            request, _("Your password is changed. Other sessions have been signed out."), "success"
        )
        return Redirect("/konto", status_code=303)

    @get("/zwei-faktor", cache=False)
    async def totp_form(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user = guarded_user(request)
        if user.totp_secret:
            return Redirect("/konto", status_code=303)
        return totp_setup_page(request, user, action=SETUP_PATH)

    @post("/zwei-faktor")
    async def totp_enable(
        self, request: Request[Any, Any, Any], db: Db, data: FormData
    ) -> Template | Redirect:
        user = guarded_user(request)
        if user.totp_secret:
            return Redirect("/konto", status_code=303)
        codes = await confirm_totp(request, db, user, data.get("code", ""), action=SETUP_PATH)
        if isinstance(codes, Template):
            return codes
        request.set_session({k: v for k, v in request.session.items() if k != _SETUP_SECRET})
        return recovery_codes_page(codes, "/konto")

    @post("/zwei-faktor/aus")
    async def totp_disable(
        self, request: Request[Any, Any, Any], db: Db, data: FormData
    ) -> Template | Redirect:
        try:
            await security.disable_totp(
                db,
                guarded_user(request),
                data.get("totp_password", ""),
                _settings(request).require_2fa_for,
            )
        except ValidationFailed as failed:
            errors = {"totp_password": failed.errors["password"]}
            return await self._page(
                request, db, errors=errors, status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        flash(request, _("Two-factor sign-in is turned off."), "success")
        return Redirect("/konto", status_code=303)

    @post("/zwei-faktor/codes")
    async def recovery_codes(self, request: Request[Any, Any, Any], db: Db) -> Template | Redirect:
        user = guarded_user(request)
        if not user.totp_secret:
            return Redirect("/konto", status_code=303)
        return recovery_codes_page(await security.new_recovery_codes(db, user), "/konto")
