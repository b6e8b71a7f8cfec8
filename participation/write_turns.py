"""Requests that may write to SQLite take turns, first come first served, one per process.

SQLite lets one connection write at a time. The others do not queue: each retries for the
lock now and then until its busy timeout runs out, so under a burst of writers (64 people
sending at once) the unlucky ones wait past any timeout while newcomers slip in, and get
the busy page. Taking turns here instead keeps the order fair and leaves the busy timeout to
arbitrate between the few contenders left: the app's processes and its background work. A
request waiting for its turn holds no connection, so pages go on being read meanwhile.

PostgreSQL writers wait in the server's own fair lock queues: no turns there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

from litestar import Request
from sqlalchemy import exc

from participation.settings import Settings

_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def may_write(method: str) -> bool:
    """Whether a request with this method may change what is stored."""
    return method not in _SAFE_METHODS


class WriteTurns:
    def __init__(self, settings: Settings) -> None:
        self._lock = asyncio.Lock() if settings.is_sqlite else None
        # A turn is the one writer connection: waited for as long as for one of the pool.
        self.wait = settings.db_pool_timeout
        self.waiting = 0  # requests in line now, for the benchmark and tests

    @asynccontextmanager
    async def turn(self, request: Request[Any, Any, Any]) -> AsyncIterator[None]:
        """Hold the process's write turn for the block if `request` may write (its method is
        not a safe one) and the database is SQLite.
        Raises SQLAlchemy's TimeoutError (the busy page) when the turn does not come within
        the pool timeout."""
        if self._lock is None or not may_write(request.method):
            yield
            return
        self.waiting += 1
        try:
            async with asyncio.timeout(self.wait):
                await self._lock.acquire()
        except TimeoutError:
            raise exc.TimeoutError(f"no write turn within {self.wait:g} s") from None
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self._lock.release()
