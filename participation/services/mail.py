"""E-mails to the authors of ideas who gave an address and consented: what is sent when, and
the outbox rows that hold them until `participation.mail_sender` delivers them.

- Sending is on only when SMTP_HOST is set. The sender then puts a `MailContext` into the
  `info` of every session its sessionmaker makes (`enable`); without it nothing is queued,
  so no address waits in a table for a mail that will never go out.
- `notify_author` adds the mail to the session; the caller's commit stores it together with
  the event that caused it (a submission, a moderator's decision, an answer). After that
  commit the sender is woken (`_wake_after_commit`), so the mail leaves within seconds.
- Texts are plain-text Jinja templates under templates/mail/, translated with the same
  gettext catalogue as the pages, in the language the person used when submitting.
- Every mail carries a link of its own that stops the mails (`unsubscribe_url`): a token
  signed with SECRET_KEY over the contribution's id and address, so it needs no table and
  dies with the address. Only the first mail has the follow link (the DB keeps its hash).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any, Final

from jinja2 import Environment
from sqlalchemy import delete, event, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Session
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from participation import i18n
from participation.i18n import N_
from participation.inputs import parse_int
from participation.models import Contribution, ContributionStatus, OutgoingMail, Process, utcnow
from participation.settings import SUPPORTED_LOCALES, Settings
from participation.templating import create_environment

# A contribution's columns once its author's address is forgotten (unsubscribed, or past the
# retention period: services/retention.py).
NO_ADDRESS: Final = {"notify_email": None, "notify_consent_at": None, "notify_locale": None}
_CONTEXT_KEY: Final = "participation.mail"
_QUEUED_KEY: Final = "participation.mail_queued"
# The page that stops the mails; German like the site's other public paths ("/mitmachen").
UNSUBSCRIBE_PATH: Final = "/abbestellen/"
_SIGNATURE_BYTES: Final = 16  # 128 bits: far beyond guessing, short enough for a mail line
# The firm panel's opt-out from every survey mail of a process (services/survey_panel.py).
PANEL_OPT_OUT_PATH: Final = "/abmelden/"
_UNSUBSCRIBE_LINK: Final = re.compile(
    rf"https?://\S+?(?:{re.escape(UNSUBSCRIBE_PATH)}[0-9]+\.[A-Za-z0-9_-]+"
    rf"|{re.escape(PANEL_OPT_OUT_PATH)}[A-Za-z0-9_-]+)"
)


class MailEvent(StrEnum):
    """Why an author gets a mail; each has a template templates/mail/<value>.txt."""

    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    HIDDEN = "hidden"
    MERGED = "merged"
    ANSWERED = "answered"
    PROFILE_PUBLISHED = "profile_published"  # services/profiles/notices.py
    PLAN_OUTCOME = "plan_outcome"  # services/evaluation/outcomes.py
    TRACKING = "tracking"  # the daily news of profiles' progress: services/tracking/notices.py
    # To staff, not authors: the moderators' daily digest (services/queue_digest.py).
    MODERATION_DIGEST = "moderation_digest"


SUBJECTS: Final[dict[MailEvent, str]] = {
    MailEvent.SUBMITTED: N_("Thank you for your idea: %(title)s"),
    MailEvent.PUBLISHED: N_("Your idea is published: %(title)s"),
    MailEvent.REJECTED: N_("Your idea was not published: %(title)s"),
    MailEvent.CHANGES_REQUESTED: N_("Please revise your idea: %(title)s"),
    MailEvent.HIDDEN: N_("Your idea was taken off the public pages: %(title)s"),
    MailEvent.MERGED: N_("Your idea was merged with a similar one: %(title)s"),
    MailEvent.ANSWERED: N_("The moderation has answered your idea: %(title)s"),
    MailEvent.PROFILE_PUBLISHED: N_("Your idea went into a project profile: %(title)s"),
    MailEvent.PLAN_OUTCOME: N_("What became of your idea: %(title)s"),
    MailEvent.TRACKING: N_("News of the project profile with your idea: %(title)s"),
    MailEvent.MODERATION_DIGEST: N_("Moderation queue of %(title)s"),
}


@dataclass(frozen=True)
class MailContext:
    """What composing a mail needs besides the contribution: the site's settings, and how
    to wake the sender once a mail is committed."""

    settings: Settings
    wake: Callable[[], None] = lambda: None

    @property
    def base_url(self) -> str:
        # Settings insist on BASE_URL when SMTP_HOST is set (see settings._mail_settings).
        assert self.settings.base_url is not None
        return self.settings.base_url


def enable(sessionmaker: async_sessionmaker[AsyncSession], context: MailContext) -> None:
    """Queue mails from every session this sessionmaker makes from now on."""
    # Kept beside what others put in the sessions' info (services/triage/scoring.py).
    sessionmaker.configure(info={**(sessionmaker.kw.get("info") or {}), _CONTEXT_KEY: context})


def mail_context(session: AsyncSession) -> MailContext | None:
    context = session.info.get(_CONTEXT_KEY)
    return context if isinstance(context, MailContext) else None


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    # Only now is the row visible to the sender's own connection.
    if session.info.pop(_QUEUED_KEY, False):
        context = session.info.get(_CONTEXT_KEY)
        if isinstance(context, MailContext):
            context.wake()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_QUEUED_KEY, None)


@cache
def _environment(settings: Settings) -> Environment:
    env = create_environment(settings)  # the pages' environment: same gettext, same filters
    env.autoescape = False  # plain text: "&" must stay "&"
    return env


@contextmanager
def in_language(locale: str | None, default: str) -> Iterator[None]:
    token = i18n.current_locale.set(locale if locale in SUPPORTED_LOCALES else default)
    try:
        yield
    finally:
        i18n.current_locale.reset(token)


def render(
    context: MailContext, kind: MailEvent, locale: str | None, values: dict[str, Any]
) -> tuple[str, str]:
    """(subject, body) of one mail in the author's language."""
    return render_mail(context, SUBJECTS[kind], kind.value, locale, values)


def render_mail(
    context: MailContext, subject: str, template_name: str, locale: str | None, values: Any
) -> tuple[str, str]:
    """(subject, body) of the mail templates/mail/<template_name>.txt in a language; the
    subject is a message id with %(title)s."""
    settings = context.settings
    with in_language(locale, settings.default_locale):
        subject = i18n.gettext(subject) % {"title": values["title"]}
        template = _environment(settings).get_template(f"mail/{template_name}.txt")
        body = template.render(site_name=settings.site_name, **values)
    # No runs of blank lines where template logic left a paragraph out.
    text = body.strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return " ".join(subject.split()), text + "\n"


def render_body(context: MailContext, template_name: str, locale: str | None, values: Any) -> str:
    """The body of templates/mail/<template_name>.txt in a language, for mails whose subject
    is not a message id (the firm panel's, as its admin wrote it)."""
    settings = context.settings
    with in_language(locale, settings.default_locale):
        template = _environment(settings).get_template(f"mail/{template_name}.txt")
        text = template.render(site_name=settings.site_name, **values).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text + "\n"


async def notify_author(
    session: AsyncSession,
    contribution: Contribution,
    kind: MailEvent,
    *,
    reason: str = "",
    follow_token: str | None = None,
    merged_into: Contribution | None = None,
    extra: Mapping[str, Any] | None = None,
) -> OutgoingMail | None:
    """Add a mail about `contribution` to the session, to be committed by the caller together
    with the event. None (nothing queued) when sending is off or the author gave no address."""
    context = mail_context(session)
    if context is None or not contribution.notify_email:
        return None
    process = await session.get(Process, contribution.process_id)
    assert process is not None
    base = context.base_url
    process_url = f"{base}/processes/{process.slug}"
    target = merged_into or contribution
    assert contribution.id is not None  # flushed by the caller: the links need the id
    token = unsubscribe_token(context.settings, contribution.id, contribution.notify_email)
    values = {
        "title": contribution.title,
        "process_title": process.title,
        "process_url": process_url,
        "idea_url": f"{process_url}/ideas/{target.id}",
        "merged_title": merged_into.title if merged_into is not None else "",
        "published": contribution.status is ContributionStatus.PUBLISHED,
        "reason": reason,
        "answer": contribution.answer,
        "follow_url": f"{base}/follow/{follow_token}" if follow_token else "",
        "unsubscribe_url": f"{base}{UNSUBSCRIBE_PATH}{token}",
        **(extra or {}),
    }
    subject, body = render(context, kind, contribution.notify_locale, values)
    return queue_mail(session, contribution.notify_email, subject, body, contribution.id)


def queue_mail(
    session: AsyncSession,
    recipient: str,
    subject: str,
    body: str,
    contribution_id: int | None = None,
    *,
    invitee_id: int | None = None,
) -> OutgoingMail:
    """Add a composed mail to the outbox; the caller's commit stores it and wakes the sender."""
    now = utcnow()
    mail = OutgoingMail(
        recipient=recipient,
        subject=subject[:300],
        body=body,
        contribution_id=contribution_id,
        invitee_id=invitee_id,
        created_at=now,
        next_attempt_at=now,  # due at once
    )
    session.add(mail)
    session.info[_QUEUED_KEY] = True
    return mail


async def forget_mails(session: AsyncSession, contribution_ids: Sequence[int]) -> None:
    """Delete the mails about these contributions (the caller commits). After an unsubscribe
    nothing more may go out; the address and the texts go too, sent or not, as the follow
    page promises ("we have deleted your e-mail address", "everything … removed")."""
    if contribution_ids:
        await session.exec(
            delete(OutgoingMail).where(
                col(OutgoingMail.contribution_id).in_(list(contribution_ids))
            )
        )


async def forget_address(session: AsyncSession, contribution_ids: Sequence[int]) -> None:
    """Stop e-mails about these contributions (the caller commits): forget the address, the
    consent and the language, and the mails (unsent ones must not go out). Shared by the
    follow page's button and the link in every mail, so both stop the same way."""
    if not contribution_ids:
        return
    await session.exec(
        update(Contribution)
        .where(col(Contribution.id).in_(list(contribution_ids)))
        .values(**NO_ADDRESS)
    )
    await forget_mails(session, contribution_ids)


def _signature(settings: Settings, contribution_id: int, address: str) -> str:
    message = f"unsubscribe:{contribution_id}:{address}".encode()
    digest = hmac.new(settings.secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_SIGNATURE_BYTES]).decode().rstrip("=")


def unsubscribe_token(settings: Settings, contribution_id: int, address: str) -> str:
    """The token in the link that stops the mails about one contribution to one address:
    "<id>.<signature>". Bound to the address, so it is void once the address is gone."""
    return f"{contribution_id}.{_signature(settings, contribution_id, address)}"


async def contribution_for_unsubscribe(
    session: AsyncSession, settings: Settings, token: str
) -> Contribution | None:
    """The contribution whose mails a token stops; None for a forged, malformed or spent
    token (the address is gone, or was changed)."""
    number, dot, signature = token.partition(".")
    contribution_id = parse_int(number)
    if not dot or contribution_id is None or len(signature) > 64:
        return None
    contribution = await session.get(Contribution, contribution_id)
    if contribution is None or not contribution.notify_email:
        return None
    expected = _signature(settings, contribution_id, contribution.notify_email)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return None
    return contribution


async def unsubscribe_by_link(session: AsyncSession, settings: Settings, token: str) -> str | None:
    """Stop the mails a token covers and commit; the idea's title, or None when the token is
    not (or no longer) valid."""
    contribution = await contribution_for_unsubscribe(session, settings, token)
    if contribution is None or contribution.id is None:
        return None
    title = contribution.title
    await forget_address(session, [contribution.id])
    await session.commit()
    return title


def unsubscribe_url_in(body: str) -> str | None:
    """The stop link a composed mail carries (for its List-Unsubscribe header); None for
    mails composed before every mail had one."""
    found = _UNSUBSCRIBE_LINK.search(body)
    return found.group(0) if found else None


def mask_address(address: str) -> str:
    """An address as the follow page shows it: enough to recognise, not to harvest
    ("a***@example.org")."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"
