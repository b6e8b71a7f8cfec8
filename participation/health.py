"""What /healthz reports: whether the database takes writes, asked quickly and on a
connection of the health check's own, so a full request pool cannot make a healthy database
look down.

The probe writes one row and rolls it back (see `db.probe_write`) within HEALTH_TIMEOUT;
concurrent checks share one probe, and a result is reused for a second, so a load balancer
(or a load test) asking many times a second costs one write a second per process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncEngine

from participation.db import (
    BUSY,
    EngineUse,
    connections_in_use,
    create_engine,
    create_sessionmaker,
    error_text,
    probe_write,
    unavailable_cause,
)
from participation.settings import Settings

log = logging.getLogger("participation")

REUSE_SECONDS: Final = 1.0


@dataclass(frozen=True)
class Health:
    cause: str | None  # None when the database took the write in time
    checked_at: float  # time.monotonic()

    @property
    def ok(self) -> bool:
        return self.cause is None


class HealthCheck:
    """The database's health for /healthz, and how busy the requests' pool is."""

    def __init__(self, settings: Settings, web_engine: AsyncEngine) -> None:
        self._settings = settings
        self._web_engine = web_engine
        self._engine = create_engine(settings, EngineUse.HEALTH)
        self._sessionmaker = create_sessionmaker(self._engine)
        self._last: Health | None = None
        self._running: asyncio.Task[Health] | None = None

    async def check(self) -> Health:
        last = self._last
        if last is not None and time.monotonic() - last.checked_at < REUSE_SECONDS:
            return last
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._probe(), name="health-probe")
        # Shielded: a client that hangs up must not cancel the probe the others wait for.
        return await asyncio.shield(self._running)

    def report(self, health: Health) -> dict[str, Any]:
        """The body of /healthz: the database's state and the requests' connections."""
        limit = self._settings.db_pool_size + self._settings.db_pool_overflow
        in_use = connections_in_use(self._web_engine)
        return {
            "status": "ok" if health.ok else "error",
            "database": health.cause or "ok",
            "connections": {"in_use": in_use, "limit": limit, "busy": in_use >= limit},
        }

    async def _probe(self) -> Health:
        cause: str | None = None
        # The engine's own timeouts (connecting, the pool, the statement, SQLite's lock) are
        # HEALTH_TIMEOUT; this bound also covers a connection that hangs without an answer.
        bound = asyncio.timeout(self._settings.health_timeout * 2)
        try:
            async with bound, self._sessionmaker() as session:
                await probe_write(session)
        except TimeoutError:  # ours, or asyncpg's while connecting
            cause = BUSY if bound.expired() else "unreachable"
            log.warning("Health check: the database did not answer in time (%s)", cause)
        except Exception as error:
            cause = unavailable_cause(error) or type(error).__name__
            log.warning("Health check: the database takes no writes: %s", error_text(error))
        self._last = Health(cause, time.monotonic())
        return self._last

    async def close(self) -> None:
        if self._running is not None and not self._running.done():
            self._running.cancel()
        await self._engine.dispose()
