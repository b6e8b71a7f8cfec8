"""The request's language (ASGI middleware) and security headers on every response."""

from __future__ import annotations

from http.cookies import SimpleCookie

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from participation.i18n import DEFAULT_LOCALE, current_locale, negotiate_locale

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


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A before_send hook: it sees every response, also the 404 of an unknown path."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in SECURITY_HEADERS.items():
            if name not in headers:
                headers[name] = value
        headers["content-language"] = current_locale.get()
