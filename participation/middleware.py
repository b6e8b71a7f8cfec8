"""ASGI middleware: cleaned input, the request's language, and security and cache headers on
every response."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

import msgspec
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp, HTTPRequestEvent, Message, Receive, ReceiveMessage, Scope, Send

from participation.i18n import DEFAULT_LOCALE, current_locale, negotiate_locale
from participation.inputs import MAX_ID, NestedTooDeep, clean_json, clean_text
from participation.private_paths import is_private

LOCALE_COOKIE = "lang"

# Scripts, styles and fonts only from this site: htmx and CSS are vendored (see static/).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Follow links carry a private token in the path: never send it to another site.
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "cross-origin-opener-policy": "same-origin",
}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def locale_of(scope: Scope, default_locale: str = DEFAULT_LOCALE) -> str:
    """The request's language: the `lang` cookie, else Accept-Language, else the default."""
    cookies = SimpleCookie()
    try:
        cookies.load(_header(scope, b"cookie") or "")
    except Exception:  # a malformed cookie header must not break the page
        cookies = SimpleCookie()
    chosen = cookies[LOCALE_COOKIE].value if LOCALE_COOKIE in cookies else None
    return negotiate_locale(chosen, _header(scope, b"accept-language"), default_locale)


def locale_middleware(app: ASGIApp, default_locale: str = DEFAULT_LOCALE) -> ASGIApp:
    """Sets the request's language (see `locale_of`) for gettext in everything that follows."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        token = current_locale.set(locale_of(scope, default_locale))
        try:
            await app(scope, receive, send)
        finally:
            current_locale.reset(token)

    return middleware


def _never_stored(scope: Scope) -> bool:
    """Staff pages (behind a guard, or anything a signed-in user sees), pages under a private
    token, and so their exports: "Back" after signing out on a shared computer must not show
    them from the browser's cache."""
    handler = scope.get("route_handler")
    guarded = handler is not None and bool(handler.resolve_guards())
    return guarded or scope.get("user") is not None or is_private(scope.get("path", ""))


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A before_send hook: it sees every response, also the 404 of an unknown path."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in SECURITY_HEADERS.items():
            if name not in headers:
                headers[name] = value
        headers["content-language"] = current_locale.get()
        if _never_stored(scope):
            headers["cache-control"] = "no-store"


# --- cleaned input -----------------------------------------------------------------------------

# Litestar's own default, for a request that reaches us without a route handler.
_BODY_MAX_DEFAULT: Final = 10_000_000
# Nothing in a query string or form of only these bytes needs cleaning.
_PLAIN: Final = re.compile(rb"[\x21-\x24\x26-\x7e]*")  # printable ASCII without "%"
# Passwords are compared, never stored or shown: they stay exactly as typed.
_VERBATIM: Final = "password"


def _clean_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (clean_text(key), value if _VERBATIM in key else clean_text(value)) for key, value in pairs
    ]


def _clean_urlencoded(raw: bytes) -> bytes:
    """A query string or form body with every key and value through `clean_text`; the same
    bytes when nothing changes. Decoded as Litestar decodes it (UTF-8, bad bytes replaced)."""
    if _PLAIN.fullmatch(raw):
        return raw
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    cleaned = _clean_pairs(pairs)
    return raw if cleaned == pairs else urlencode(cleaned).encode("ascii")


def _clean_json(raw: bytes) -> bytes:
    if not raw.strip():
        return raw
    try:
        value = msgspec.json.decode(raw)
        cleaned = clean_json(value)
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise ClientException("The request body is not valid JSON.") from None
    except (NestedTooDeep, RecursionError):
        raise ClientException("The JSON body is nested too deeply.") from None
    return raw if cleaned == value else msgspec.json.encode(cleaned)


def _body_kind(scope: Scope) -> str | None:
    if scope.get("method") in {"GET", "HEAD", "OPTIONS"}:
        return None
    content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        return "form"
    if content_type == "application/json" or content_type.endswith("+json"):
        return "json"
    return None  # multipart uploads (the import) are read by their own route


async def _read_body(scope: Scope, receive: Receive) -> tuple[bytes, ReceiveMessage | None]:
    """The whole body (within the route's size limit), or what came before a disconnect."""
    handler = scope.get("route_handler")
    limit = _BODY_MAX_DEFAULT
    if isinstance(handler, HTTPRouteHandler):
        limit = handler.resolve_request_max_body_size() or limit
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _check_path_params(scope: Scope) -> None:
    params: dict[str, Any] = scope.get("path_params") or {}
    for name, value in params.items():
        if isinstance(value, str):
            params[name] = clean_text(value)
        elif isinstance(value, int) and not 0 <= value <= MAX_ID:
            # No row has such an id; the database would fail to even look.
            raise NotFoundException(f"{name} must be a whole number from 0 to {MAX_ID}")


def clean_input_middleware(app: ASGIApp) -> ASGIApp:
    """Every text that comes in, cleaned in one place before any route sees it: path
    parameters, the query string, and form and JSON bodies (`inputs.clean_text`: no NUL or
    other control characters, no invisible format characters, composed Unicode). Ids in the
    path beyond what a row can have answer 404; JSON nested too deep answers 400."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        _check_path_params(scope)
        if query := scope.get("query_string", b""):
            scope["query_string"] = _clean_urlencoded(query)
        kind = _body_kind(scope)
        if kind is None:
            await app(scope, receive, send)
            return
        body, interrupted = await _read_body(scope, receive)
        cleaned = _clean_urlencoded(body) if kind == "form" else _clean_json(body)
        if cleaned is not body:
            headers = MutableScopeHeaders(scope)
            headers["content-length"] = str(len(cleaned))
        replayed = False

        async def replay() -> ReceiveMessage:
            nonlocal replayed
            if interrupted is not None:
                return interrupted
            if not replayed:
                replayed = True
                message: HTTPRequestEvent = {
                    "type": "http.request",
                    "body": cleaned,
                    "more_body": False,
                }
                return message
            return await receive()

        await app(scope, replay, send)

    return middleware
