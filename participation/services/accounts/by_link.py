"""What a person does with a link from a mail: accept an invitation (name and password) or
set a new password after asking for one.

`request_reset` answers nothing: the page says the same whether or not the address has an
account, and the route runs it after the answer has gone out, so neither the words nor the
time taken tell which addresses exist. At most RESETS_PER_HOUR links per account and hour
are made (more requests are ignored, silently like unknown addresses)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import SessionMaker
from participation.i18n import _
from participation.models import AccountEventKind, LinkPurpose, User
from participation.services.accounts import links
from participation.services.accounts.mails import send_link
from participation.services.accounts.security import NAME_MAX, check_new_password, set_password
from participation.services.errors import ValidationFailed
from participation.services.users import get_by_email

log = logging.getLogger("participation")

RESETS_PER_HOUR: Final = 3


def _spent() -> ValidationFailed:
    return ValidationFailed({"link": _("This link has just been used.")})


async def accept_invitation(
    session: AsyncSession, token: str, name: str, password: str, repeated: str
) -> User:
    """The invited account with its name and password set; commits. ValidationFailed
    (fields `display_name`, `password`, `password_repeat`, `link`) otherwise."""
    opened = await links.open_link(session, token, LinkPurpose.INVITATION)
    if opened is None:
        raise ValidationFailed({"link": _("This invitation link is not valid (any more).")})
    link, user = opened
    cleaned = " ".join(name.split())
    errors: dict[str, str] = {}
    if not cleaned or len(cleaned) > NAME_MAX:
        errors["display_name"] = _("Please enter your name (at most %(max)d characters).") % {
            "max": NAME_MAX
        }
    try:
        check_new_password(user, password, repeated)
    except ValidationFailed as failed:
        errors.update(failed.errors)
    if errors:
        raise ValidationFailed(errors)
    if not await links.spend(session, link):
        raise _spent()
    user.display_name = cleaned
    set_password(session, user, password, AccountEventKind.JOINED)
    await session.commit()
    return user


async def reset_password(session: AsyncSession, token: str, password: str, repeated: str) -> User:
    opened = await links.open_link(session, token, LinkPurpose.PASSWORD_RESET)
    if opened is None:
        raise ValidationFailed({"link": _("This link is not valid (any more).")})
    link, user = opened
    check_new_password(user, password, repeated)
    if not await links.spend(session, link):
        raise _spent()
    set_password(session, user, password, AccountEventKind.PASSWORD_RESET)
    await session.commit()
    return user


async def link_works(session: AsyncSession, token: str, purpose: LinkPurpose) -> User | None:
    opened = await links.open_link(session, token, purpose)
    return opened[1] if opened is not None else None


async def request_reset(sessionmaker: SessionMaker, email: str) -> None:
    """Mail a reset link to the address if an active account that can sign in has it."""
    async with sessionmaker() as session:
        user = await get_by_email(session, email)
        if user is None or not user.is_active or not user.password_hash or user.id is None:
            return
        recent = await links.links_since(
            session, user.id, LinkPurpose.PASSWORD_RESET, timedelta(hours=1)
        )
        if recent >= RESETS_PER_HOUR:
            log.info("Password reset not sent: %d links within the hour", recent)
            return
        token = await links.new_link(session, user, LinkPurpose.PASSWORD_RESET)
        if not send_link(session, user, LinkPurpose.PASSWORD_RESET, token):
            log.warning("Password reset asked, but the site sends no mail (SMTP_HOST unset)")
            return
        await session.commit()
