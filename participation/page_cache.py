"""Public pages as anonymous visitors see them, kept for a moment.

When a newspaper links a process, thousands of people open the same few pages within
minutes; each would cost the database queries and the template again. Pages a handler marks
as public (`@get(..., public_page=True)`) are kept for PAGE_CACHE_SECONDS (a second) per
address, query, language and htmx target, and served from memory to every visitor who sees
exactly what everybody sees: no signed-in user, nothing in their session (a flash message),
no cookie but the CSRF, session and language ones (the supports cookie marks the ideas a
browser supported). Everyone else, and every method but GET, passes through untouched.

The only per-visitor part of a public page is the CSRF token in its forms: it is kept as a
placeholder and each visitor gets theirs, with the cookie for it when they have none (as
Litestar's CSRF middleware would do). A write that succeeds in this process clears all
pages, so what its author does next shows at once; another process's pages follow within
that second (and the time one request takes to build the page anew: meanwhile the others
get the page as it was).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.middleware.csrf import generate_csrf_token
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from participation.i18n import current_locale
from participation.lru import LRUCache
from participation.middleware import LOCALE_COOKIE
from participation.write_turns import may_write

PUBLIC_PAGE: Final = "public_page"  # the route option that marks a page as the same for all
MAX_BYTES: Final = 32 * 1024 * 1024  # over all kept pages
MAX_PAGE_BYTES: Final = 1024 * 1024
MAX_PAGES: Final = 4096  # addresses × languages × htmx targets; the bytes bound them first
_PLACEHOLDER: Final = b"\x00csrf-token\x00"  # never in a rendered page: NUL is stripped from input

Key = tuple[str, bytes, str, tuple[tuple[bytes, bytes], ...]]


@dataclass(frozen=True)
class KeptPage:
    status: int
    headers: list[tuple[bytes, bytes]]  # without content-length and set-cookie
    body: bytes  # the CSRF token replaced by _PLACEHOLDER
    kept_until: float


class PageCache:
    """The kept pages of one app process, least recently used first out."""

    def __init__(self, ttl: float, max_bytes: int = MAX_BYTES) -> None:
        self.ttl = ttl
        self._pages: LRUCache[KeptPage] = LRUCache(
            lambda page: len(page.body), max_entries=MAX_PAGES, max_cost=max_bytes
        )
        self._building: set[Key] = set()
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> KeptPage | None:
        """The kept page, or None when this request is to build it (then call `built`).
        Past its time, a page is still given out while another request builds it anew: a
        crowd on one page would otherwise all build it at the same moment."""
        page = self._pages.get(key)
        if page is not None and (page.kept_until >= time.monotonic() or key in self._building):
            return page
        self._building.add(key)
        return None

    def built(self, key: Key) -> None:
        """The request that was to build `key` is done (kept or not)."""
        self._building.discard(key)

    def put(self, key: Key, page: KeptPage) -> None:
        self._pages.put(key, page)

    def clear(self) -> None:
        self._pages.clear()


class PageCacheMiddleware:
    """Serves public pages from the process's PageCache (see the module's docstring). Sits
    inside the session and user middleware, which it reads, and outside CSRF."""

    def __init__(self, app: ASGIApp, cache: PageCache, csrf: CSRFConfig, session_key: str) -> None:
        self.app = app
        self.cache = cache
        self.csrf = csrf
        self.plain_cookies = {csrf.cookie_name, session_key, LOCALE_COOKIE}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or self.cache.ttl <= 0:
            await self.app(scope, receive, send)
            return
        if may_write(scope["method"]):
            await self.app(scope, receive, self._clearing_after_success(send))
            return
        key = self._key(scope) if scope["method"] == "GET" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        page = self.cache.get(key)
        if page is not None:
            self.cache.hits += 1
            await self._serve(page, scope, send)
            return
        self.cache.misses += 1
        try:
            await self.app(scope, receive, self._keeping(key, scope, send))
        finally:
            self.cache.built(key)

    def _key(self, scope: Scope) -> Key | None:
        """The page's key, or None when this request may see something of its own."""
        handler = scope.get("route_handler")
        if handler is None or not handler.opt.get(PUBLIC_PAGE):
            return None
        if scope.get("user") is not None or scope.get("session"):
            return None
        htmx: list[tuple[bytes, bytes]] = []
        for name, value in scope["headers"]:
            if name == b"cookie":
                if not self._plain(value):
                    return None
            elif name == b"authorization":
                return None
            elif name.startswith(b"hx-"):
                htmx.append((name, value))
        return scope["path"], scope.get("query_string", b""), current_locale.get(), tuple(htmx)

    def _plain(self, header: bytes) -> bool:
        for pair in header.decode("latin-1").split(";"):
            name = pair.split("=", 1)[0].strip()
            if name and name not in self.plain_cookies:
                return False
        return True

    def _token(self, scope: Scope) -> tuple[str, bool]:
        """The visitor's CSRF token, and whether it is new (then it needs its cookie)."""
        for name, value in scope["headers"]:
            if name == b"cookie":
                for pair in value.decode("latin-1").split(";"):
                    cookie, _, token = pair.strip().partition("=")
                    if cookie == self.csrf.cookie_name and token:
                        return token, False
        return generate_csrf_token(secret=self.csrf.secret), True

    async def _serve(self, page: KeptPage, scope: Scope, send: Send) -> None:
        token, new = self._token(scope)
        body = page.body.replace(_PLACEHOLDER, token.encode("latin-1"))
        headers = [*page.headers, (b"content-length", str(len(body)).encode())]
        if new:
            cookie = Cookie(
                key=self.csrf.cookie_name,
                value=token,
                path=self.csrf.cookie_path,
                secure=self.csrf.cookie_secure,
                httponly=self.csrf.cookie_httponly,
                samesite=self.csrf.cookie_samesite,
                domain=self.csrf.cookie_domain,
            )
            headers.append((b"set-cookie", cookie.to_header(header="").encode("latin-1")))
        await send({"type": "http.response.start", "status": page.status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    def _keeping(self, key: Key, scope: Scope, send: Send) -> Send:
        """`send`, keeping a copy of a complete 200 page that set no cookie of its own."""
        start: dict[str, object] = {}
        chunks: list[bytes] = []

        async def keeping_send(message: Message) -> None:
            # Copied before it leaves: the middleware outside adds headers of the visitor's.
            if message["type"] == "http.response.start":
                start.update(message, headers=list(message.get("headers", [])))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._keep(key, scope, start, b"".join(chunks))
            await send(message)

        return keeping_send

    def _keep(self, key: Key, scope: Scope, start: dict[str, object], body: bytes) -> None:
        if start.get("status") != 200 or len(body) > MAX_PAGE_BYTES:
            return
        headers: list[tuple[bytes, bytes]] = []
        csrf_cookie = self.csrf.cookie_name.encode("latin-1") + b"="
        for name, value in start["headers"]:  # type: ignore[attr-defined]
            if name == b"set-cookie":
                if not value.startswith(csrf_cookie):
                    return  # a cookie of the page's own: not the same for everyone
            elif name == b"cache-control" and (b"no-store" in value or b"private" in value):
                return
            elif name != b"content-length":
                headers.append((name, value))
        token = ScopeState.from_scope(scope).csrf_token
        if isinstance(token, str) and token:
            body = body.replace(token.encode("latin-1"), _PLACEHOLDER)
        self.cache.put(key, KeptPage(200, headers, body, time.monotonic() + self.cache.ttl))

    def _clearing_after_success(self, send: Send) -> Send:
        async def clearing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                self.cache.clear()
            await send(message)

        return clearing_send
