"""Where contributions came from, for the staff's lists: the survey and question a free-text
answer was given to, the live session (focus group, workshop, ...) an idea was collected in,
the prompt it answered and its dots.

Read for a page's items at once: one query per source, however many items the page holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    FocusGroupIdea,
    FocusGroupPrompt,
    FocusGroupSession,
    LiveAudience,
    LiveFormat,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
)


@dataclass(frozen=True)
class SurveySource:
    survey_title: str
    question: str


@dataclass(frozen=True)
class FocusGroupSource:
    """A live session's idea (the name is older than live sessions for any audience)."""

    session_title: str
    dots: int  # all members' dots on the idea when the session was closed
    format: LiveFormat = LiveFormat.FOCUS_GROUP
    audience: LiveAudience = LiveAudience.PUPILS
    prompt: str = ""  # the prompt the idea answered; "" for none


Source = SurveySource | FocusGroupSource


async def sources_of(
    session: AsyncSession, contributions: Sequence[Contribution]
) -> dict[int, Source]:
    """The source of each survey answer and live-session idea among `contributions`, by
    id."""
    answers = [
        c.id for c in contributions if c.kind is ContributionKind.SURVEY_ANSWER and c.id is not None
    ]
    # Workshop ideas may also come from an import: those have no session and no source here.
    in_sessions = {Channel.FOCUS_GROUP, Channel.WORKSHOP}
    ideas = {c.id: c for c in contributions if c.channel in in_sessions and c.id is not None}
    found: dict[int, Source] = {}
    if answers:
        rows = await session.exec(
            select(SurveyAnswer.contribution_id, Survey.title, SurveyQuestion.text)
            .join(SurveyQuestion, col(SurveyQuestion.id) == SurveyAnswer.question_id)
            .join(Survey, col(Survey.id) == SurveyQuestion.survey_id)
            .where(col(SurveyAnswer.contribution_id).in_(answers))
        )
        for contribution_id, survey_title, question in rows:
            if contribution_id is not None:
                found[contribution_id] = SurveySource(survey_title, question)
    if ideas:
        rows_ = await session.exec(
            select(FocusGroupIdea.contribution_id, FocusGroupSession, FocusGroupPrompt.text)
            .join(FocusGroupSession, col(FocusGroupSession.id) == FocusGroupIdea.session_id)
            .outerjoin(FocusGroupPrompt, col(FocusGroupPrompt.id) == FocusGroupIdea.prompt_id)
            .where(col(FocusGroupIdea.contribution_id).in_(list(ideas)))
        )
        for contribution_id, live, prompt in rows_:
            if contribution_id is not None:
                # Closing the session stored the dots on the contribution itself.
                dots = (ideas[contribution_id].imported_ratings or {}).get("dots", 0)
                found[contribution_id] = FocusGroupSource(
                    live.title, dots, live.format, live.audience, prompt or ""
                )
    return found
