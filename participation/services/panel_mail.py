"""Mailing the firm panel through the outbox (services/mail.py): the invitation's text as the
admin writes it, its preview, sending the next batch, and reminders.

- The text has the placeholder {link} for the personal link (and may use {organisation});
  every mail adds a footer with the opt-out link, whatever the text says.
- Each mail gets a fresh random token; only its hash is stored (services/panel_links.py), and
  the stored copy of the mail loses the link once it is sent (participation/mail_sender.py).
- Reminders go to invitees who have not sent their response: at most MAX_REMINDERS, each at
  least REMINDER_GAP after the previous mail. Nothing goes to an address that opted out of
  the process's survey mails.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import parse_int
from participation.models import Process, utcnow
from participation.models.survey_panel import PanelOptOut, SurveyInvitee, SurveyInviteeLink
from participation.models.surveys import Survey
from participation.services.contributions import hash_token
from participation.services.errors import ValidationFailed
from participation.services.mail import (
    PANEL_OPT_OUT_PATH,
    MailContext,
    mail_context,
    queue_mail,
    render_body,
)
from participation.services.surveys import SurveyState, survey_state
from participation.settings import Settings

LINK: Final = "{link}"
ORGANISATION: Final = "{organisation}"
SUBJECT_MAX: Final = 200
BODY_MAX: Final = 5000
BATCH_DEFAULT: Final = 200
BATCH_MAX: Final = 2000
MAX_REMINDERS: Final = 2
REMINDER_GAP: Final = timedelta(days=5)


def default_subject(survey: Survey) -> str:
    return _("Invitation to the survey “%(title)s”") % {"title": survey.title}


def default_body(survey: Survey, process: Process) -> str:
    return _(
        "Good day,\n\n"
        "as part of “%(process)s” we would like to know what firms in the region need. "
        "We invite {organisation} to take part in our survey “%(title)s”.\n\n"
        "Your personal link (it works for your firm only):\n{link}\n\n"
        "Thank you for your time!"
    ) % {"process": process.title, "title": survey.title}


@dataclass
class MailText:
    """The invitation as typed on the panel page."""

    subject: str
    body: str

    @classmethod
    def of(cls, survey: Survey, process: Process) -> MailText:
        return cls(
            survey.panel_subject or default_subject(survey),
            survey.panel_body or default_body(survey, process),
        )


def check_text(text: MailText) -> dict[str, str]:
    errors: dict[str, str] = {}
    subject = " ".join(text.subject.split())
    if not subject:
        errors["subject"] = _("Please give the mail a subject.")
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = _("Please use at most %(n)d characters.") % {"n": SUBJECT_MAX}
    body = text.body.strip()
    if LINK not in body:
        errors["body"] = _("The text needs the placeholder %(link)s for the personal link.") % {
            "link": LINK
        }
    elif len(body) > BODY_MAX:
        errors["body"] = _("Please use at most %(n)d characters.") % {"n": BODY_MAX}
    return errors


async def save_text(session: AsyncSession, survey: Survey, text: MailText) -> None:
    """Store the invitation's text; ValidationFailed (nothing written) when it is not fit."""
    if errors := check_text(text):
        raise ValidationFailed(errors)
    survey.panel_subject = " ".join(text.subject.split())
    survey.panel_body = text.body.replace("\r\n", "\n").strip()
    survey.updated_at = utcnow()
    session.add(survey)
    await session.commit()


@dataclass(frozen=True)
class ComposedMail:
    subject: str
    body: str


def compose(
    context: MailContext,
    text: MailText,
    process: Process,
    organisation: str,
    token: str,
    reminder: int = 0,
) -> ComposedMail:
    """One invitation (or the `reminder`th reminder) with its links."""
    base = context.base_url.rstrip("/")
    name = organisation or _("your firm")
    body = text.body.replace(ORGANISATION, name).replace(LINK, f"{base}/umfrage/{token}")
    subject = text.subject.replace(ORGANISATION, name)
    if reminder:
        subject = _("Reminder: %(subject)s") % {"subject": subject}
    rendered = render_body(
        context,
        "panel_invitation",
        None,
        {
            "text": body,
            "reminder": reminder,
            "process_title": process.title,
            "opt_out_url": f"{base}{PANEL_OPT_OUT_PATH}{token}",
        },
    )
    return ComposedMail(" ".join(subject.split()), rendered)


def preview(settings: Settings, base_url: str, survey: Survey, process: Process) -> ComposedMail:
    """The invitation as an invitee would get it, with a sample link (`base_url`: the site's
    address, also where no mail is sent)."""
    context = MailContext(replace(settings, base_url=settings.base_url or base_url))
    return compose(context, MailText.of(survey, process), process, "", "…")


# --- sending ----------------------------------------------------------------------------------


def parse_count(text: str) -> int:
    count = parse_int(text, 1, BATCH_MAX)
    if count is None:
        raise ValidationFailed(
            {"count": _("Please enter a number from 1 to %(n)d.") % {"n": BATCH_MAX}}
        )
    return count


def _mailable(survey: Survey) -> ColumnElement[bool]:
    """Invitees of the survey with an address that has not opted out of the process."""
    opted_out = select(col(PanelOptOut.address_hash)).where(
        col(PanelOptOut.process_id) == survey.process_id
    )
    return (
        (col(SurveyInvitee.survey_id) == survey.id)
        & col(SurveyInvitee.address).is_not(None)
        & ~col(SurveyInvitee.opted_out)
        & col(SurveyInvitee.address_hash).not_in(opted_out)
    )


def _ready(session: AsyncSession, survey: Survey) -> MailContext:
    context = mail_context(session)
    if context is None:
        raise ValidationFailed(
            {"count": _("This site sends no e-mail (SMTP_HOST is not set), so nothing was sent.")}
        )
    if survey_state(survey, utcnow()) is not SurveyState.OPEN:
        raise ValidationFailed(
            {
                "count": _(
                    "The survey is not open: its links would not work. Please check its dates."
                )
            }
        )
    return context


async def _mail(
    session: AsyncSession,
    context: MailContext,
    text: MailText,
    process: Process,
    invitees: list[SurveyInvitee],
    now: datetime,
    reminder: bool,
) -> int:
    for invitee in invitees:
        assert invitee.id is not None
        assert invitee.address is not None
        token = secrets.token_urlsafe(24)
        session.add(SurveyInviteeLink(invitee_id=invitee.id, token_hash=hash_token(token)))
        number = invitee.reminders + 1 if reminder else 0
        mail = compose(context, text, process, invitee.organisation, token, number)
        queue_mail(session, invitee.address, mail.subject, mail.body, invitee_id=invitee.id)
        if reminder:
            invitee.reminders = number
        else:
            invitee.invited_at = now
        invitee.last_mailed_at = now
        session.add(invitee)
    await session.commit()
    return len(invitees)


async def send_invitations(
    session: AsyncSession, survey: Survey, process: Process, count: int
) -> int:
    """Invite the next `count` invitees of the list, in its order; returns how many."""
    context = _ready(session, survey)
    invitees = list(
        await session.exec(
            select(SurveyInvitee)
            .where(_mailable(survey), col(SurveyInvitee.invited_at).is_(None))
            .order_by(col(SurveyInvitee.id))
            .limit(count)
        )
    )
    return await _mail(
        session, context, MailText.of(survey, process), process, invitees, utcnow(), False
    )


def _due(survey: Survey, now: datetime) -> ColumnElement[bool]:
    return (
        _mailable(survey)
        & col(SurveyInvitee.invited_at).is_not(None)
        & ~col(SurveyInvitee.answered)
        & (col(SurveyInvitee.reminders) < MAX_REMINDERS)
        & (col(SurveyInvitee.last_mailed_at) <= now - REMINDER_GAP)
    )


async def send_reminders(
    session: AsyncSession, survey: Survey, process: Process, count: int, now: datetime | None = None
) -> int:
    """Remind up to `count` invitees who are due (see the module's docstring)."""
    context = _ready(session, survey)
    now = now or utcnow()
    invitees = list(
        await session.exec(
            select(SurveyInvitee)
            .where(_due(survey, now))
            .order_by(col(SurveyInvitee.last_mailed_at), col(SurveyInvitee.id))
            .limit(count)
        )
    )
    return await _mail(session, context, MailText.of(survey, process), process, invitees, now, True)


@dataclass(frozen=True)
class DueDay:
    """How many invitees get their `reminder`th reminder from `day` on."""

    day: date
    reminder: int
    count: int


@dataclass(frozen=True)
class Schedule:
    not_invited: int
    due_now: int
    later: list[DueDay]


async def schedule(session: AsyncSession, survey: Survey, now: datetime | None = None) -> Schedule:
    """Who is due when: invitees not invited yet, reminders due now, and later ones by day
    (grouped in the database by the day of the last mail)."""
    now = now or utcnow()
    not_invited = (
        await session.exec(
            select(func.count())
            .select_from(SurveyInvitee)
            .where(_mailable(survey), col(SurveyInvitee.invited_at).is_(None))
        )
    ).one()
    due_now = (
        await session.exec(select(func.count()).select_from(SurveyInvitee).where(_due(survey, now)))
    ).one()
    day = func.date(col(SurveyInvitee.last_mailed_at))
    waiting = await session.exec(
        select(day, col(SurveyInvitee.reminders), func.count())
        .where(
            _mailable(survey),
            col(SurveyInvitee.invited_at).is_not(None),
            ~col(SurveyInvitee.answered),
            col(SurveyInvitee.reminders) < MAX_REMINDERS,
            col(SurveyInvitee.last_mailed_at) > now - REMINDER_GAP,
        )
        .group_by(day, col(SurveyInvitee.reminders))
        .order_by(day, col(SurveyInvitee.reminders))
    )
    later = [
        DueDay(_as_date(mailed) + REMINDER_GAP, reminders + 1, count)
        for mailed, reminders, count in waiting
    ]
    return Schedule(int(not_invited), int(due_now), later)


def _as_date(value: object) -> date:
    # SQLite's date() gives text, PostgreSQL's a date.
    return value if isinstance(value, date) else date.fromisoformat(str(value))
