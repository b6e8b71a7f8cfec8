"""The firm panel's side of answering a survey: the invitee a mailed link leads to, what the
list says about the firm (prefilled into the response), and cutting the response loose from
its invitee when it is sent.

Each mail carries a random token of its own; only its SHA-256 hash is stored
(`SurveyInviteeLink`). While a response is answered it finds its invitee by `invitee_id`; its
own `resume_token_hash` is the hash of a token nobody has, so no stored hash ties it to a
mailed link. Once sent (on an anonymous survey) `invitee_id` is cleared and the invitee keeps
only `answered`.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Segment
from participation.models.survey_panel import SurveyInvitee, SurveyInviteeLink
from participation.models.surveys import Survey, SurveyResponse
from participation.services.contributions import hash_token


def address_hash(address: str) -> str:
    """The SHA-256 hash of an address as the panel compares them (case does not count)."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


async def invitee_for_token(session: AsyncSession, token: str) -> SurveyInvitee | None:
    """The invitee whose mail carried this token, or None."""
    return (
        await session.exec(
            select(SurveyInvitee)
            .join(SurveyInviteeLink, col(SurveyInviteeLink.invitee_id) == SurveyInvitee.id)
            .where(SurveyInviteeLink.token_hash == hash_token(token))
        )
    ).first()


async def response_of(session: AsyncSession, invitee: SurveyInvitee) -> SurveyResponse | None:
    """The invitee's response being answered (none before the first visit or after sending)."""
    return (
        await session.exec(select(SurveyResponse).where(SurveyResponse.invitee_id == invitee.id))
    ).first()


def prefill(response: SurveyResponse, survey: Survey, invitee: SurveyInvitee) -> None:
    """What the list says about the firm, so the survey need not ask it again: the WZ
    section and size class; the firm's name only where the survey is not anonymous."""
    response.invitee_id = invitee.id
    if survey.segment is None or survey.segment is Segment.FIRM:
        response.segment = Segment.FIRM
        response.organisation_sector = invitee.wz_section
        response.organisation_size = invitee.size_class
        if not survey.anonymous and invitee.organisation:
            response.organisation_name = invitee.organisation


def asks_name(survey: Survey, response: SurveyResponse) -> bool:
    """Whether the survey asks the firm's name: not of a response invited through the
    panel of an anonymous survey, where the name would say who answered what."""
    return response.invitee_id is None or not survey.anonymous


async def mark_answered(session: AsyncSession, survey: Survey, response: SurveyResponse) -> None:
    """On sending (the caller commits): the invitee is answered, so no reminder goes out;
    on an anonymous survey the response forgets whose it was."""
    if response.invitee_id is None:
        return
    await session.exec(
        update(SurveyInvitee)
        .where(col(SurveyInvitee.id) == response.invitee_id)
        .values(answered=True)
    )
    if survey.anonymous:
        await session.exec(
            update(SurveyResponse)
            .where(col(SurveyResponse.id) == response.id)
            .values(invitee_id=None)
        )
