"""How errors reach people: a page in their language, JSON for the API, the login page for staff."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from participation.db import BUSY, error_text, unavailable_cause
from participation.i18n import _, current_locale
from participation.middleware import locale_of
from participation.private_paths import redact
from participation.services.accounts.remit import OUTSIDE_SCOPE

log = logging.getLogger("participation")


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(("/api/", "/schema"))


def _messages(status_code: int, detail: str) -> tuple[str, str]:
    """Title and explanation for a status code, in the request's language."""
    if status_code == 403 and "csrf" in detail.lower():
        return _("The form has expired"), _(
            "For your security the form could not be sent. Go back, reload the page and send "
            "it again: your browser usually keeps what you typed."
        )
    if status_code == 403 and detail == OUTSIDE_SCOPE:
        return _("Outside your remit"), _(
            "This belongs to a process or action field you do not work in. An administrator "
            "can extend your remit."
        )
    if status_code == 503 and detail.endswith(BUSY):
        return _("The site is very busy right now"), _(
            "It could not answer in time because many people are using it at once. Please "
            "try again in a few seconds. If you were sending a form, go back: your browser "
            "usually keeps what you typed."
        )
    table = {
        400: (_("Something in the request is wrong"), _("Please check your input and try again.")),
        403: (_("Access denied"), _("Your account may not open this page.")),
        404: (_("Page not found"), _("The page does not exist or has been moved.")),
        405: (_("Not possible here"), _("This page cannot be used this way.")),
        429: (
            _("Too many requests"),
            _("You have sent a lot in a short time. Please wait a minute and try again."),
        ),
        503: (
            _("Saving is not possible right now"),
            _(
                "The site cannot store anything at the moment; nothing was saved. Go back: "
                "your browser usually keeps what you typed. Please send it again in a few "
                "minutes."
            ),
        ),
    }
    return table.get(
        status_code,
        (
            _("Something went wrong"),
            _("We could not complete your request. Please try again later."),
        ),
    )


def _error_page(
    request: Request[Any, Any, Any], status_code: int, detail: str, extra: Any = None
) -> Response[Any]:
    # Errors raised before routing (an unknown path) never pass the locale middleware, so the
    # language is chosen here as well; for all others this gives the same answer again.
    current_locale.set(locale_of(request.scope, request.app.state.settings.default_locale))
    title, message = _messages(status_code, detail)
    if _wants_json(request):
        content: dict[str, Any] = {"status_code": status_code, "detail": detail or title}
        if extra:
            content["extra"] = extra  # e.g. which query parameter failed validation
        return Response(content, status_code=status_code, media_type=MediaType.JSON)
    return Template(
        template_name="pages/errors/error.html",
        context={"status_code": status_code, "title": title, "message": message},
        status_code=status_code,
    )


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    response = _error_page(request, exc.status_code, str(exc.detail), exc.extra)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def not_authorized_handler(
    request: Request[Any, Any, Any], exc: NotAuthorizedException
) -> Response[Any]:
    if _wants_json(request):
        return _error_page(request, exc.status_code, str(exc.detail))
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"/login?next={quote(target)}", status_code=303)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The path without its token: /follow/<token> in a log would open the author's ideas.
    path = redact(request.url.path)
    log.exception("Unhandled error on %s %s", request.method, path, exc_info=exc)
    return _error_page(request, HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error")


# Seconds after which a client may try again when the database is unavailable, and when it
# only was too busy (no free connection in time, a statement past its timeout, a lock).
RETRY_AFTER = "120"
RETRY_AFTER_BUSY = "10"


def database_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A database that is read-only, full or unreachable is a 503 that says so (and is logged
    once, without traceback); any other database error is a bug and a 500."""
    cause = unavailable_cause(exc)
    if cause is None:
        return internal_error_handler(request, exc)
    log_at = log.warning if cause == BUSY else log.error  # overload passes; the rest needs a person
    log_at(
        "Database unavailable (%s) on %s %s: %s",
        cause,
        request.method,
        redact(request.url.path),
        error_text(exc),
    )
    response = _error_page(request, HTTP_503_SERVICE_UNAVAILABLE, f"Database unavailable: {cause}")
    response.headers["retry-after"] = RETRY_AFTER_BUSY if cause == BUSY else RETRY_AFTER
    return response


def exception_handlers() -> ExceptionHandlersMap:
    return {
        NotAuthorizedException: not_authorized_handler,
        PermissionDeniedException: http_exception_handler,
        HTTPException: http_exception_handler,
        DBAPIError: database_error_handler,
        PoolTimeout: database_error_handler,
        ConnectionError: database_error_handler,
        HTTP_500_INTERNAL_SERVER_ERROR: internal_error_handler,
    }
