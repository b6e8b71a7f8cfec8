"""Telling authors that their idea went into a published project profile.

- On the follow page, read at request time from the profile's sources and its status (no
  copy to keep in step): "Ihre Idee ist in den Steckbrief „…“ eingeflossen", with a link.
  A profile taken back from the public disappears from it at once.
- By e-mail, once per author (address) and profile, to those who consented: `on_published`
  is called when a profile becomes public. The outbox is the record of what was sent, so a
  profile published, taken back and published again sends nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    PUBLIC_PROFILE_STATUSES,
    Contribution,
    OutgoingMail,
    Process,
    Profile,
    ProfileSource,
)
from participation.services.mail import MailEvent, mail_context, notify_author


@dataclass(frozen=True)
class ProfileMention:
    profile_id: int
    title: str
    process_slug: str

    @property
    def path(self) -> str:
        return profile_path(self.process_slug, self.profile_id)


def profile_path(slug: str, profile_id: int) -> str:
    return f"/processes/{slug}/steckbriefe/{profile_id}"


async def published_profiles_of(
    session: AsyncSession, contribution_ids: Sequence[int]
) -> dict[int, list[ProfileMention]]:
    """The public profiles each of these contributions went into, by contribution id; one
    statement (profile_source is indexed by contribution)."""
    if not contribution_ids:
        return {}
    rows = await session.exec(
        select(ProfileSource.contribution_id, Profile.id, Profile.title, Process.slug)
        .join(Profile, col(Profile.id) == ProfileSource.profile_id)
        .join(Process, col(Process.id) == Profile.process_id)
        .where(
            col(ProfileSource.contribution_id).in_(list(contribution_ids)),
            col(Profile.status).in_(sorted(PUBLIC_PROFILE_STATUSES)),
        )
        .order_by(col(Profile.title), col(Profile.id))
    )
    mentions: dict[int, list[ProfileMention]] = {}
    for contribution_id, profile_id, title, slug in rows:
        mentions.setdefault(contribution_id, []).append(
            ProfileMention(profile_id or 0, title, slug)
        )
    return mentions


async def on_published(session: AsyncSession, profile: Profile) -> int:
    """Queue the mail "your idea went into this profile" for every source's author who
    consented and has not had it for this profile; the caller commits with the status
    change. Returns how many mails were queued (0 when sending is off)."""
    context = mail_context(session)
    if context is None or profile.status not in PUBLIC_PROFILE_STATUSES:
        return 0
    process = await session.get(Process, profile.process_id)
    assert process is not None
    assert profile.id is not None
    path = profile_path(process.slug, profile.id)
    authors = list(
        await session.exec(
            select(Contribution)
            .join(ProfileSource, col(ProfileSource.contribution_id) == Contribution.id)
            .where(
                ProfileSource.profile_id == profile.id,
                col(Contribution.notify_email).is_not(None),
                col(Contribution.notify_consent_at).is_not(None),
            )
            .order_by(col(Contribution.id))
        )
    )
    # Each mail names the profile's address on a line of its own: that line marks it.
    already = set(
        await session.exec(
            select(OutgoingMail.recipient).where(
                col(OutgoingMail.contribution_id).in_(
                    select(ProfileSource.contribution_id).where(
                        ProfileSource.profile_id == profile.id
                    )
                ),
                col(OutgoingMail.body).contains(f"{path}\n"),
            )
        )
    )
    sent = {address.lower() for address in already}
    queued = 0
    for contribution in authors:
        address = (contribution.notify_email or "").lower()
        if address in sent:
            continue
        mail = await notify_author(
            session,
            contribution,
            MailEvent.PROFILE_PUBLISHED,
            extra={"profile_title": profile.title, "profile_url": context.base_url + path},
        )
        if mail is not None:
            sent.add(address)
            queued += 1
    return queued
