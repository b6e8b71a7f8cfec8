"""News of a profile's updates for the authors of its sources, at most one mail a day.

- `queue_notices` (called with each update, in its transaction): one `TrackingNotice` per
  address of an author of one of the profile's published sources who consented to mails
  (the rules of services/mail.py: an address and a consent on the contribution). Nothing is
  kept when sending is off, so no address waits for a mail that will never go out.
- `collect_daily` (participation/tracking_task.py, hourly): the waiting notices become one
  mail per address, listing the updates per profile with links, unless a tracking mail
  went to that address within the last 24 hours (then they wait for the next run after
  that). A notice whose author has since withdrawn (unsubscribed, a new address) or whose
  profile left the public is dropped. Deleting a contribution through the follow link
  deletes its waiting notices (ON DELETE CASCADE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    PUBLIC_PROFILE_STATUSES,
    Contribution,
    ContributionStatus,
    OutgoingMail,
    Process,
    Profile,
    ProfileSource,
    ProfileUpdate,
    TrackingNotice,
)
from participation.services.mail import (
    UNSUBSCRIBE_PATH,
    MailContext,
    MailEvent,
    in_language,
    mail_context,
    render,
    unsubscribe_token,
)
from participation.services.profiles.notices import profile_path
from participation.services.tracking.timeline import describe

QUIET: Final = timedelta(hours=24)  # between two tracking mails to one address
BATCH: Final = 200  # addresses per run; the next run takes the rest


async def queue_notices(db: AsyncSession, profile: Profile, news: ProfileUpdate) -> int:
    """One notice per consenting author address for this update; the caller commits."""
    if mail_context(db) is None or news.id is None:
        return 0
    authors = await db.exec(
        select(Contribution.id, Contribution.notify_email)
        .join(ProfileSource, col(ProfileSource.contribution_id) == Contribution.id)
        .where(
            ProfileSource.profile_id == profile.id,
            Contribution.status == ContributionStatus.PUBLISHED,
            col(Contribution.notify_email).is_not(None),
            col(Contribution.notify_consent_at).is_not(None),
        )
        .order_by(col(Contribution.id))
    )
    seen: set[str] = set()
    for contribution_id, address in authors:
        recipient = (address or "").lower()
        if recipient and recipient not in seen:
            seen.add(recipient)
            db.add(
                TrackingNotice(
                    recipient=recipient,
                    update_id=news.id,
                    contribution_id=contribution_id,
                    created_at=news.created_at,
                )
            )
    return len(seen)


@dataclass
class _Profile:
    title: str
    url: str
    entries: list[ProfileUpdate] = field(default_factory=list)


@dataclass
class _Digest:
    """What one address gets: its first idea's row (address, language, stop link)."""

    contribution: Contribution
    notice_ids: list[int] = field(default_factory=list)
    profiles: dict[int, _Profile] = field(default_factory=dict)


async def _waiting_recipients(db: AsyncSession, now: datetime) -> list[str]:
    recently = (
        select(TrackingNotice.recipient)
        .join(OutgoingMail, col(OutgoingMail.id) == TrackingNotice.mail_id)
        .where(col(OutgoingMail.created_at) > now - QUIET)
    )
    rows = await db.exec(
        select(TrackingNotice.recipient)
        .where(
            col(TrackingNotice.mail_id).is_(None),
            col(TrackingNotice.recipient).not_in(recently),
        )
        .distinct()
        .order_by(col(TrackingNotice.recipient))
        .limit(BATCH)
    )
    return list(rows)


async def collect_daily(session: AsyncSession, now: datetime) -> int:
    """Turn the waiting notices into at most one mail per address and 24 hours; commits.
    Returns how many mails were queued (0 when sending is off)."""
    context = mail_context(session)
    if context is None:
        return 0
    recipients = await _waiting_recipients(session, now)
    if not recipients:
        return 0
    rows = await session.exec(
        select(TrackingNotice, ProfileUpdate, Contribution, Profile)
        .join(ProfileUpdate, col(ProfileUpdate.id) == TrackingNotice.update_id)
        .join(Contribution, col(Contribution.id) == TrackingNotice.contribution_id)
        .join(Profile, col(Profile.id) == ProfileUpdate.profile_id)
        .where(col(TrackingNotice.recipient).in_(recipients), col(TrackingNotice.mail_id).is_(None))
        .order_by(
            col(TrackingNotice.recipient),
            col(Contribution.id),
            col(ProfileUpdate.created_at),
            col(ProfileUpdate.id),
        )
    )
    found = list(rows)
    slugs = await _slugs(session, {profile.process_id for *_, profile in found})
    digests: dict[str, _Digest] = {}
    dropped: list[int] = []
    for notice, news, contribution, profile in found:
        assert notice.id is not None
        assert profile.id is not None
        still_wanted = (
            contribution.status is ContributionStatus.PUBLISHED
            and (contribution.notify_email or "").lower() == notice.recipient
            and contribution.notify_consent_at is not None
            and profile.status in PUBLIC_PROFILE_STATUSES
        )
        if not still_wanted:
            dropped.append(notice.id)
            continue
        digest = digests.setdefault(notice.recipient, _Digest(contribution))
        digest.notice_ids.append(notice.id)
        url = context.base_url + profile_path(slugs[profile.process_id], profile.id)
        digest.profiles.setdefault(profile.id, _Profile(profile.title, url)).entries.append(news)
    if dropped:
        await session.exec(delete(TrackingNotice).where(col(TrackingNotice.id).in_(dropped)))
    queued = 0
    for digest in digests.values():
        mail = _compose(context, digest, now)
        session.add(mail)
        await session.flush()
        # Claimed only where still waiting: of two app processes collecting at once, the
        # second finds them taken and drops its copy of the mail.
        claimed = await session.exec(
            update(TrackingNotice)
            .where(
                col(TrackingNotice.id).in_(digest.notice_ids),
                col(TrackingNotice.mail_id).is_(None),
            )
            .values(mail_id=mail.id)
        )
        if claimed.rowcount != len(digest.notice_ids):
            await session.exec(
                update(TrackingNotice)
                .where(col(TrackingNotice.mail_id) == mail.id)
                .values(mail_id=None)
            )
            await session.delete(mail)
            continue
        queued += 1
    await session.commit()
    if queued:
        context.wake()
    return queued


async def _slugs(session: AsyncSession, process_ids: set[int]) -> dict[int, str]:
    if not process_ids:
        return {}
    rows = await session.exec(
        select(Process.id, Process.slug).where(col(Process.id).in_(sorted(process_ids)))
    )
    return {process_id or 0: slug for process_id, slug in rows}


def _compose(context: MailContext, digest: _Digest, now: datetime) -> OutgoingMail:
    contribution = digest.contribution
    assert contribution.id is not None
    assert contribution.notify_email
    settings = context.settings
    token = unsubscribe_token(settings, contribution.id, contribution.notify_email)
    with in_language(contribution.notify_locale, settings.default_locale):
        profiles = [
            {
                "title": item.title,
                "url": item.url,
                "entries": [
                    {"sentence": describe(entry), "text": entry.text} for entry in item.entries
                ],
            }
            for item in digest.profiles.values()
        ]
    values = {
        "title": ", ".join(item.title for item in digest.profiles.values()),
        "profiles": profiles,
        "follow_url": "",
        "unsubscribe_url": f"{context.base_url}{UNSUBSCRIBE_PATH}{token}",
    }
    subject, body = render(context, MailEvent.TRACKING, contribution.notify_locale, values)
    return OutgoingMail(
        recipient=contribution.notify_email,
        subject=subject[:300],
        body=body,
        contribution_id=contribution.id,
        created_at=now,
        next_attempt_at=now,
    )
