"""Delivering the outbox (`OutgoingMail` rows) over SMTP.

- `send_pending()` sends what is due once: the app's `MailSender` calls it, and so does
  `participation mail send-pending` (cron, or to check the SMTP settings by hand).
- Each row is claimed with a conditional UPDATE (still unsent and due -> due again only after
  a lease): of several app processes sending at once, exactly one gets each mail.
- A failure is written to the row (`last_error`) and the next attempt backs off: 1, 5 and
  30 minutes, 2 hours, then every 12 hours; after 8 attempts the sender gives up. The row
  stays, sent or not: it is the record of what went out.
- `MailSender` runs in the app while SMTP_HOST is set: it wakes when a mail is committed
  (see services/mail.py) and every minute, for retries and mails other processes queued.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Final

import aiosmtplib
from sqlalchemy import update
from sqlmodel import col, select

from participation.background import BackgroundLoop
from participation.db import SessionMaker
from participation.models import OutgoingMail, utcnow
from participation.services.mail import MailContext, enable, unsubscribe_url_in
from participation.settings import MailSettings, Settings

log = logging.getLogger("participation")

BACKOFF: Final = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS: Final = 8
# A claimed mail is due again after this long, in case its sender died mid-way.
LEASE: Final = timedelta(minutes=10)
WAKE_INTERVAL: Final = 60.0  # seconds
SMTP_TIMEOUT: Final = 30.0  # seconds per SMTP command
BATCH: Final = 100  # mails per run at most; the next run picks up the rest


@dataclass(frozen=True)
class SendResult:
    sent: int = 0
    failed: int = 0


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[min(attempts, len(BACKOFF)) - 1]


def build_message(mail: OutgoingMail, sender: str, now: datetime) -> EmailMessage:
    """The mail as it goes out: text/plain in UTF-8 with the headers mail servers expect."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    # Stable across retries, so a receiver can drop a copy delivered twice.
    unique = hashlib.sha256(f"{mail.id}:{mail.created_at.isoformat()}".encode()).hexdigest()[:16]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<outbox.{mail.id}.{unique}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    # RFC 2369: the mail program's own "unsubscribe" opens the same page as the link in the
    # text (taken from it: `send_pending` gets the mail settings only, not SECRET_KEY).
    # No RFC 8058 one-click POST: that would need a form without CSRF protection.
    if (unsubscribe := unsubscribe_url_in(mail.body)) is not None:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message.set_content(mail.body, charset="utf-8")
    return message


def _client(settings: MailSettings) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        username=settings.username,
        password=settings.password,
        use_tls=settings.security == "ssl",
        start_tls=settings.security == "starttls",
        timeout=SMTP_TIMEOUT,
    )


async def _claim(sessionmaker: SessionMaker, now: datetime) -> list[OutgoingMail]:
    """Claim up to BATCH due mails for this sender; rows another sender claimed first are
    skipped (their UPDATE matches no row any more)."""
    async with sessionmaker() as session:
        due = list(
            await session.exec(
                select(OutgoingMail.id)
                .where(
                    col(OutgoingMail.sent_at).is_(None),
                    col(OutgoingMail.next_attempt_at) <= now,
                )
                .order_by(col(OutgoingMail.next_attempt_at), col(OutgoingMail.id))
                .limit(BATCH)
            )
        )
        claimed: list[OutgoingMail] = []
        for mail_id in due:
            result = await session.exec(
                update(OutgoingMail)
                .where(
                    col(OutgoingMail.id) == mail_id,
                    col(OutgoingMail.sent_at).is_(None),
                    col(OutgoingMail.next_attempt_at) <= now,
                )
                .values(next_attempt_at=now + LEASE, attempts=col(OutgoingMail.attempts) + 1)
            )
            await session.commit()  # at once: another sender must see the claim
            if result.rowcount == 1:
                mail = await session.get(OutgoingMail, mail_id, populate_existing=True)
                if mail is not None:
                    claimed.append(mail)
        return claimed


# The plain follow token exists only in the first mail; the database keeps just its hash
# (services/contributions.py), so the stored copy loses it once the mail is out. So do the
# firm panel's survey and opt-out links (services/survey_panel.py): kept, they would tie the
# address to the response.
_FOLLOW_LINK: Final = re.compile(r"(/follow/|/umfrage/|/abmelden/)[A-Za-z0-9_-]+")


def without_follow_links(body: str) -> str:
    return _FOLLOW_LINK.sub(r"\1…", body)


async def _record(
    sessionmaker: SessionMaker, mail: OutgoingMail, now: datetime, error: str | None
) -> None:
    values: dict[str, object]
    if error is None:
        values = {"sent_at": now, "next_attempt_at": None, "last_error": ""}
    else:
        retry = next_attempt(mail.attempts, now)
        values = {"next_attempt_at": retry, "last_error": error[:2000]}
        if retry is None:
            log.error("Gave up on mail %s after %d attempts: %s", mail.id, mail.attempts, error)
    if values["next_attempt_at"] is None:  # sent, or given up: never sent again
        values["body"] = without_follow_links(mail.body)
    async with sessionmaker() as session:
        await session.exec(
            update(OutgoingMail).where(col(OutgoingMail.id) == mail.id).values(**values)
        )
        await session.commit()


async def send_pending(
    sessionmaker: SessionMaker, settings: MailSettings, *, now: datetime | None = None
) -> SendResult:
    """Send every mail that is due (at `now`, default the present) over one SMTP connection."""
    now = now or utcnow()
    claimed = await _claim(sessionmaker, now)
    if not claimed:
        return SendResult()
    sent = failed = 0
    client = _client(settings)
    try:
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as error:
            # The server is unreachable: every claimed mail waits for its next attempt.
            for mail in claimed:
                await _record(sessionmaker, mail, now, _describe(error))
            log.warning("Could not reach the SMTP server: %s", _describe(error))
            return SendResult(failed=len(claimed))
        for mail in claimed:
            try:
                await client.send_message(build_message(mail, settings.sender, utcnow()))
            except Exception as error:  # refused, cut off, a header it cannot encode: retry later
                failed += 1
                await _record(sessionmaker, mail, now, _describe(error))
                log.warning("Could not send mail %s: %s", mail.id, _describe(error))
                if not client.is_connected:
                    with suppress(aiosmtplib.SMTPException, OSError):
                        await client.connect()
            else:
                sent += 1
                await _record(sessionmaker, mail, utcnow(), None)
    finally:
        if client.is_connected:
            with suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()
    return SendResult(sent=sent, failed=failed)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


class MailSender(BackgroundLoop):
    """Sends the outbox from the app's event loop while SMTP_HOST is set; does nothing
    otherwise. `start()` also makes the app's sessions queue mails (see services/mail.py)."""

    name = "mail-sender"

    def __init__(self, settings: Settings, sessionmaker: SessionMaker) -> None:
        super().__init__()
        self.settings = settings
        self.sessionmaker = sessionmaker
        self._wake = asyncio.Event()
        self.runs = 0  # finished runs of send_pending, for tests that wait for one

    @property
    def enabled(self) -> bool:
        return self.settings.mail is not None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if not self.enabled:
            return
        enable(self.sessionmaker, MailContext(self.settings, wake=self.wake))
        await super().start()

    async def _work(self) -> None:
        assert self.settings.mail is not None
        while True:
            self._wake.clear()  # a mail queued while sending wakes the next round
            try:
                await send_pending(self.sessionmaker, self.settings.mail)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is gone? keep the app serving, try again later
                log.exception("Sending the e-mail outbox failed")
            self.runs += 1
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), WAKE_INTERVAL)
