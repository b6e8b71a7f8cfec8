"""The daily purge of personal data past `RETENTION_DAYS` (services/retention.py), run by the
app on its event loop: once at start, then every day. It is a few UPDATEs and DELETEs, so it
needs no worker thread. Several app processes may run it at once: the second finds nothing."""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from participation.background import BackgroundLoop
from participation.db import SessionMaker
from participation.models import utcnow
from participation.services.retention import PurgeReport, purge

log = logging.getLogger("participation")

INTERVAL: Final = 24 * 3600.0  # seconds


class RetentionPurge(BackgroundLoop):
    """Starts and stops the background task; a database error is logged and retried the
    next day, never raised into the app."""

    name = "retention-purge"

    def __init__(self, sessionmaker: SessionMaker, days: int, interval: float = INTERVAL) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker
        self.days = days
        self.interval = interval
        self.runs = 0  # finished runs, failed ones included, for tests that wait for one
        self.last: PurgeReport | None = None

    async def run_once(self) -> PurgeReport | None:
        try:
            async with self.sessionmaker() as session:
                report = await purge(session, utcnow(), self.days)
        except asyncio.CancelledError:
            raise
        except Exception:  # the database is away? keep serving, try again tomorrow
            log.exception("Deleting personal data past the retention period failed")
            return None
        if report.changed:
            log.info("Retention (%d days): %s", self.days, "; ".join(report.lines()[1:]))
        self.last = report
        return report

    async def _work(self) -> None:
        while True:
            await self.run_once()
            self.runs += 1
            await asyncio.sleep(self.interval)
