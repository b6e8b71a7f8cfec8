"""The daily news of profiles' progress (services/tracking/notices.py), collected by the app
on its event loop every hour: each address gets at most one such mail in 24 hours, so an
hourly run sends it within an hour of becoming due. Idle unless SMTP_HOST is set. Several
app processes may run it at once: each claims the waiting notices with a conditional UPDATE,
and the one that finds them taken drops its mail."""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from participation.background import BackgroundLoop
from participation.db import SessionMaker
from participation.models import utcnow
from participation.services.tracking import collect_daily
from participation.settings import Settings

log = logging.getLogger("participation")

INTERVAL: Final = 3600.0  # seconds


class TrackingDigest(BackgroundLoop):
    """Runs `collect_daily` with sessions that queue mails (the app's sessionmaker, which
    the mail sender enabled); a database error is logged and retried the next hour."""

    name = "tracking-digest"

    def __init__(
        self, settings: Settings, sessionmaker: SessionMaker, interval: float = INTERVAL
    ) -> None:
        super().__init__()
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.interval = interval
        self.runs = 0  # finished runs, for tests that wait for one

    async def start(self) -> None:
        if self.settings.mail is not None:
            await super().start()

    async def run_once(self) -> int:
        try:
            async with self.sessionmaker() as session:
                return await collect_daily(session, utcnow())
        except asyncio.CancelledError:
            raise
        except Exception:  # the database is away? keep serving, try again in an hour
            log.exception("Collecting the daily news of profiles failed")
            return 0

    async def _work(self) -> None:
        while True:
            await self.run_once()
            self.runs += 1
            await asyncio.sleep(self.interval)
