"""Rate limits on writes: budgets per client address that suit shared addresses, a budget per
survey response, and nothing counted for requests the app refused.

A school class, an office or a town hall sends everything from one address, so the budget
per address is generous per minute (a class submitting at once) and bounded per hour (a
script cannot keep that pace up). Requests that only check input (the htmx field checks)
have a budget of their own and never use up the write budget, and a survey's pages count
against their response (the token in the address), not against the address: one network
can answer a survey as a class. Reading is not limited.

A request is counted before it runs (so concurrent ones cannot slip past the limit) and
given back when the app refused it (CSRF failure, no permission, unknown address, wrong
content type): a page on another site that makes a visitor's browser send forged forms must
not use up that address's budget. Counters are fixed windows in the `rate_limit` store:
memory per process, or Redis shared by all processes (there two requests at the same moment
in different processes may both pass the last free slot).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Final

import anyio
from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, TooManyRequestsException
from litestar.middleware import ASGIMiddleware
from litestar.stores.base import Store
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from participation.settings import Settings

# Route handlers choose their budget with this opt key, e.g. @post(..., rate_limit=CHECK).
OPT_KEY: Final = "rate_limit"
WRITE: Final = "write"  # the default for non-GET requests: per address
CHECK: Final = "check"  # validation only, nothing stored: per address, its own budget
RESPONSE: Final = "response"  # one survey response's pages: per token in the path
STORE: Final = "rate_limit"
# Matched from the start of the path: Litestar's own exclude patterns are searched anywhere
# in it, so "/static" there would also exempt /processes/static-x/ideas.
EXCLUDED: Final = re.compile(
    r"/static(/|$)"
    r"|/healthz$"
    # Pupils in a focus group share their school's address; the focus-group service limits
    # joins per address and session, ideas per pupil and dots per pupil instead.
    r"|/mitmachen(/|$)"
)
# Answers that mean the app refused the request before doing anything for it.
REFUSED: Final = frozenset({401, 403, 404, 405, 413, 415})
_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def client_address(request: Request[Any, Any, Any], trusted_proxy: bool) -> str:
    """The client's address; behind our own proxy the one it added to X-Forwarded-For."""
    if trusted_proxy:
        # The last entry is the one our proxy added; earlier ones the client may invent.
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class Window:
    seconds: int
    limit: int


@dataclass(frozen=True)
class Taken:
    """What one counted request took: the counter keys and each window's end (for giving it
    back), and the tightest window's figures (for the RateLimit headers)."""

    slots: tuple[tuple[str, int], ...]
    limit: int
    remaining: int
    reset_in: int


class Counters:
    """Fixed-window counters in a store. One lock per process around read-and-write."""

    def __init__(self) -> None:
        self._lock = anyio.Lock()

    @staticmethod
    async def _read(store: Store, key: str, now: int) -> tuple[int, int]:
        raw = await store.get(key)
        if raw:
            stored = json.loads(raw)
            if stored["reset"] > now:
                return int(stored["count"]), int(stored["reset"])
        return 0, 0

    async def take(self, store: Store, name: str, windows: tuple[Window, ...]) -> Taken | None:
        """Count one request in every window, or None (counting nothing) if one is full."""
        now = int(time.time())
        async with self._lock:
            current = [(w, *await self._read(store, _key(name, w), now)) for w in windows]
            if any(count >= w.limit for w, count, _reset in current):
                return None
            counted = []
            for window, count, reset in current:
                reset = reset or now + window.seconds
                value = json.dumps({"count": count + 1, "reset": reset})
                await store.set(_key(name, window), value, expires_in=max(reset - now, 1))
                counted.append((window, count + 1, reset))
        window, count, reset = min(counted, key=lambda item: item[0].limit - item[1])
        return Taken(
            slots=tuple((_key(name, w), r) for w, _count, r in counted),
            limit=window.limit,
            remaining=window.limit - count,
            reset_in=reset - now,
        )

    async def give_back(self, store: Store, taken: Taken) -> None:
        """Undo `take`, in the windows that are still the ones it counted in."""
        now = int(time.time())
        async with self._lock:
            for key, reset in taken.slots:
                count, current_reset = await self._read(store, key, now)
                if current_reset == reset and count > 0:
                    value = json.dumps({"count": count - 1, "reset": reset})
                    await store.set(key, value, expires_in=max(reset - now, 1))

    async def full_window(
        self, store: Store, name: str, windows: tuple[Window, ...]
    ) -> tuple[Window, int]:
        """The full window that frees up last, and the seconds until it does."""
        now = int(time.time())
        full = [(windows[0], 0)]
        for window in windows:
            count, reset = await self._read(store, _key(name, window), now)
            if count >= window.limit:
                full.append((window, reset - now))
        return max(full, key=lambda item: item[1])


def _key(name: str, window: Window) -> str:
    return f"{name}:{window.seconds}"


def _excluded(scope: Scope) -> bool:
    return EXCLUDED.match(scope["path"]) is not None


def _token_key(token: str) -> str:
    # The token opens the response: only a hash of it goes into the store.
    return hashlib.sha256(token.encode()).hexdigest()[:32]


class WriteLimitMiddleware(ASGIMiddleware):
    """Counts non-GET requests against their budget (see the module docstring); 429 when
    it is used up."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, settings: Settings) -> None:
        self.should_bypass_for_scope = _excluded
        self.trusted_proxy = settings.trusted_proxy
        self.budgets: dict[str, tuple[Window, ...]] = {
            WRITE: (
                Window(60, settings.write_rate_limit_per_minute),
                Window(3600, settings.write_rate_limit_per_hour),
            ),
            CHECK: (Window(60, settings.check_rate_limit_per_minute),),
            RESPONSE: (Window(60, settings.survey_rate_limit_per_minute),),
        }

    def _counter_name(self, scope: Scope, request: Request[Any, Any, Any]) -> tuple[str, str]:
        budget = str(scope["route_handler"].opt.get(OPT_KEY, WRITE))
        if budget == RESPONSE:
            return budget, f"{RESPONSE}:{_token_key(str(scope['path_params'].get('token', '')))}"
        return budget, f"{budget}:{client_address(request, self.trusted_proxy)}"

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] in _SAFE_METHODS:
            await next_app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope)
        budget, name = self._counter_name(scope, request)
        windows = self.budgets.get(budget, self.budgets[WRITE])
        store = request.app.stores.get(STORE)
        counters: Counters = request.app.state.counters
        taken = await counters.take(store, name, windows)
        if taken is None:
            full, wait = await counters.full_window(store, name, windows)
            raise TooManyRequestsException(
                headers={
                    "retry-after": str(wait),
                    "ratelimit-limit": str(full.limit),
                    "ratelimit-remaining": "0",
                    "ratelimit-reset": str(wait),
                }
            )
        status = 0

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableScopeHeaders(message)
                headers["ratelimit-limit"] = str(taken.limit)
                headers["ratelimit-remaining"] = str(taken.remaining)
                headers["ratelimit-reset"] = str(taken.reset_in)
            await send(message)

        try:
            await next_app(scope, receive, send_counted)
        except HTTPException as refused:  # e.g. the CSRF check, which raises past the handler
            status = refused.status_code
            raise
        finally:
            if status in REFUSED:
                await counters.give_back(store, taken)
