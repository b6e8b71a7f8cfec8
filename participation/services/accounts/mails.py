"""The invitation and password-reset mails, through the outbox like every other mail
(services/mail.py): queued in the transaction that made the link, sent by the app's sender."""

from __future__ import annotations

from typing import Final

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import N_
from participation.labels import label
from participation.models import LinkPurpose, User
from participation.services.accounts.links import PATHS
from participation.services.mail import mail_context, queue_mail, render_mail

SUBJECTS: Final[dict[LinkPurpose, str]] = {
    LinkPurpose.INVITATION: N_("Your invitation to %(title)s"),
    LinkPurpose.PASSWORD_RESET: N_("A new password for %(title)s"),
}


def link_url(base_url: str, purpose: LinkPurpose, token: str) -> str:
    return f"{base_url}{PATHS[purpose]}{token}"


def send_link(
    session: AsyncSession,
    user: User,
    purpose: LinkPurpose,
    token: str,
    *,
    inviter: User | None = None,
) -> bool:
    """Queue the mail with the link (the caller commits); False when the site sends no
    mail, so the admin is shown the link instead."""
    context = mail_context(session)
    if context is None:
        return False
    site = context.settings.site_name
    values = {
        "title": site,
        "link_url": link_url(context.base_url, purpose, token),
        "inviter": inviter.display_name if inviter is not None else site,
        "role": label(user.role),
    }
    subject, body = render_mail(context, SUBJECTS[purpose], purpose.value, None, values)
    queue_mail(session, user.email, subject, body)
    return True
