"""Mails collected by the app on its event loop every hour, each at most once a day per
person: the daily news of profiles' progress (services/tracking/notices.py) and the
moderators' daily digest (services/queue_digest.py). An hourly run sends a mail within an
hour of becoming due. Idle unless SMTP_HOST is set. Several app processes may run them at
once: each claims what it sends with a conditional UPDATE, and the one that finds it taken
drops its mail."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Final

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.background import BackgroundLoop
from participation.db import SessionMaker
from participation.models import utcnow
from participation.services.queue_digest import send_digests
from participation.services.tracking import collect_daily
from participation.settings import Settings

log = logging.getLogger("participation")

INTERVAL: Final = 3600.0  # seconds


class HourlyMail(BackgroundLoop):
    """Runs `collect` with sessions that queue mails (the app's sessionmaker, which the mail
    sender enabled); a database error is logged and retried the next hour."""

    name = "hourly-mail"
    failure = "Collecting a daily mail failed"

    def __init__(
        self, settings: Settings, sessionmaker: SessionMaker, interval: float = INTERVAL
    ) -> None:
        super().__init__()
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.interval = interval
        self.runs = 0  # finished runs, for tests that wait for one

    async def collect(self, session: AsyncSession, now: datetime) -> int:
        raise NotImplementedError

    async def start(self) -> None:
        if self.settings.mail is not None:
            await super().start()

    async def run_once(self) -> int:
        try:
            async with self.sessionmaker() as session:
                return await self.collect(session, utcnow())
        except asyncio.CancelledError:
            raise
        except Exception:  # the database is away? keep serving, try again in an hour
            log.exception(self.failure)
            return 0

    async def _work(self) -> None:
        while True:
            await self.run_once()
            self.runs += 1
            await asyncio.sleep(self.interval)


class TrackingDigest(HourlyMail):
    name = "tracking-digest"
    failure = "Collecting the daily news of profiles failed"

    async def collect(self, session: AsyncSession, now: datetime) -> int:
        return await collect_daily(session, now)


class ModerationDigest(HourlyMail):
    name = "moderation-digest"
    failure = "Sending the moderators' daily digest failed"

    async def collect(self, session: AsyncSession, now: datetime) -> int:
        return await send_digests(session, now)
