"""The moderators' daily digest: for each staff member who turned it on (at
/moderation/zusammenfassung), one mail a day with what is new in the queue of the
processes they moderate: new items, new reports from the public, and items waiting
longer than OVERDUE. Sent by the app's hourly task (participation/tracking_task.py) through
the outbox; nothing is sent while there is nothing to tell.

At most once a day per person: a subscription is due when its last digest is QUIET ago,
and it is claimed with a conditional UPDATE on that condition in the transaction that
queues the mail, so of two app processes only one sends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from babel.dates import format_date
from sqlalchemy import ColumnElement, and_, delete, or_, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionStatus,
    DigestSubscription,
    OutgoingMail,
    Process,
    Report,
    ReportStatus,
    User,
)
from participation.services.mail import MailContext, MailEvent, mail_context, render
from participation.services.queue_scope import may_moderate, moderated_processes, queue_scope

QUIET: Final = timedelta(hours=24) - timedelta(minutes=10)  # an hourly run may come early
OVERDUE: Final = timedelta(days=7)
SETTINGS_PATH: Final = "/moderation/zusammenfassung"


async def is_subscribed(session: AsyncSession, user_id: int) -> bool:
    return await session.get(DigestSubscription, user_id) is not None


async def subscribe(session: AsyncSession, user: User, wanted: bool) -> None:
    """Turn the digest on or off for `user`; commits. Turning it on twice changes nothing."""
    assert user.id is not None
    present = await session.get(DigestSubscription, user.id)
    if wanted and present is None:
        session.add(DigestSubscription(user_id=user.id))
    elif not wanted and present is not None:
        await session.exec(
            delete(DigestSubscription).where(col(DigestSubscription.user_id) == user.id)
        )
    await session.commit()


@dataclass(frozen=True)
class ProcessNews:
    process: Process
    new: int  # items that came in since the last digest (still waiting)
    reports: int  # reports from the public since the last digest (still open)
    overdue: int  # items waiting longer than OVERDUE

    @property
    def anything(self) -> bool:
        return bool(self.new or self.reports or self.overdue)


async def news_for(
    session: AsyncSession, user: User, since: datetime, now: datetime
) -> list[ProcessNews]:
    """What is new for `user` since `since`, per process they moderate (those with news),
    within their remit: a moderator of some action fields hears of those fields' items."""
    remit = await queue_scope(session, user)
    processes = {p.id: p for p in await moderated_processes(session, remit)}
    scope = and_(col(Contribution.process_id).in_(list(processes)), remit.contributions_in())
    pending = Contribution.status == ContributionStatus.PENDING
    per_process = (col(Contribution.process_id), func.count())
    new = await session.exec(
        select(*per_process)
        .where(pending, scope, col(Contribution.created_at) > since)
        .group_by(col(Contribution.process_id))
    )
    overdue = await session.exec(
        select(*per_process)
        .where(pending, scope, col(Contribution.created_at) <= now - OVERDUE)
        .group_by(col(Contribution.process_id))
    )
    reports = await session.exec(
        select(*per_process)
        .join(Report, col(Report.contribution_id) == Contribution.id)
        .where(scope, Report.status == ReportStatus.OPEN, col(Report.created_at) > since)
        .group_by(col(Contribution.process_id))
    )
    fresh, late, reported = dict(new.all()), dict(overdue.all()), dict(reports.all())
    news = [
        ProcessNews(process, fresh.get(key, 0), reported.get(key, 0), late.get(key, 0))
        for key, process in processes.items()
        if key is not None
    ]
    return [n for n in news if n.anything]


def _due(now: datetime) -> ColumnElement[bool]:
    last = col(DigestSubscription.last_sent_at)
    return or_(last.is_(None), last <= now - QUIET)


async def send_digests(session: AsyncSession, now: datetime) -> int:
    """Queue the digests that are due; commits each with its claim. How many were queued
    (0 when sending is off)."""
    context = mail_context(session)
    if context is None:
        return 0
    due = await session.exec(
        select(DigestSubscription, User)
        .join(User, col(User.id) == DigestSubscription.user_id)
        .where(_due(now))
        .order_by(col(DigestSubscription.user_id))
    )
    queued = 0
    for subscription, user in due.all():
        if not may_moderate(user):  # deactivated, or no longer moderating
            continue
        since = subscription.last_sent_at or now - timedelta(hours=24)
        news = await news_for(session, user, since, now)
        if not news:
            continue
        claimed = await session.exec(
            update(DigestSubscription)
            .where(col(DigestSubscription.user_id) == user.id, _due(now))
            .values(last_sent_at=now)
        )
        if claimed.rowcount != 1:  # another app process sent it meanwhile
            await session.rollback()
            continue
        session.add(_compose(context, user, news, now))
        await session.commit()
        queued += 1
    if queued:
        context.wake()
    return queued


def _compose(
    context: MailContext, user: User, news: list[ProcessNews], now: datetime
) -> OutgoingMail:
    base = context.base_url
    locale = context.settings.default_locale
    days = OVERDUE.days
    values = {
        "title": format_date(now.date(), format="medium", locale=locale),
        "name": user.display_name,
        "overdue_days": days,
        "processes": [
            {
                "title": n.process.title,
                "new": n.new,
                "reports": n.reports,
                "overdue": n.overdue,
                "queue_url": f"{base}/moderation?process={n.process.slug}",
                "overdue_url": f"{base}/moderation?process={n.process.slug}&age={days}",
            }
            for n in news
        ],
        "reports_url": f"{base}/moderation/reports",
        "settings_url": f"{base}{SETTINGS_PATH}",
    }
    subject, body = render(context, MailEvent.MODERATION_DIGEST, locale, values)
    return OutgoingMail(
        recipient=user.email,
        subject=subject[:300],
        body=body,
        created_at=now,
        next_attempt_at=now,
    )
