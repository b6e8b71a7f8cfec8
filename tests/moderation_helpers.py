"""Rows and steps the moderation tests share: contributions of every kind (with the survey
question or focus-group session they came from), a moderator's decision as the browser sends
it, and counting the SQL statements a page runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from httpx import Response
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import translations_for
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    FocusGroupIdea,
    FocusGroupSession,
    Process,
    Segment,
    utcnow,
)
from participation.models.surveys import QuestionKind, SurveyAnswer, SurveySection
from participation.settings import Settings
from tests.helpers import Client, add_idea, in_db, post_form
from tests.survey_data import add_question, add_response, add_survey

QUESTION = "Was würde Ihrem Betrieb bei der Digitalisierung am meisten helfen?"
SESSION_TITLE = "BBS Auetal, Klasse 11b"


async def add_item(
    session: AsyncSession,
    process: Process,
    *,
    status: ContributionStatus = ContributionStatus.PENDING,
    **fields: Any,
) -> Contribution:
    """A contribution of any kind (see helpers.add_idea), pending by default."""
    if fields.get("channel") is Channel.FOCUS_GROUP:
        fields.setdefault("segment", Segment.PUPIL)
    return await add_idea(session, process, status=status, **fields)


async def add_survey_answer(
    session: AsyncSession,
    process: Process,
    text: str = "Eine Beratung vor Ort zu Förderprogrammen.",
    *,
    status: ContributionStatus = ContributionStatus.PENDING,
    slug: str = "betriebe",
) -> Contribution:
    """A free-text answer of a sent survey response and the contribution it became, as
    sending a response makes them (services/survey_responses.py)."""
    survey = await add_survey(session, process, slug=slug)
    assert survey.id is not None
    section = SurveySection(survey_id=survey.id, title="Ihr Betrieb")
    session.add(section)
    await session.flush()
    question, _options = await add_question(
        session, survey, section, QuestionKind.FREE_TEXT, QUESTION, 1
    )
    response = await add_response(
        session, survey, sent_at=utcnow(), segment=Segment.FIRM, token=f"survey-{slug}"
    )
    item = await add_item(
        session,
        process,
        kind=ContributionKind.SURVEY_ANSWER,
        title=QUESTION,
        body=text,
        status=status,
        channel=Channel.SURVEY,
    )
    assert response.id is not None
    assert question.id is not None
    session.add(
        SurveyAnswer(
            response_id=response.id, question_id=question.id, text=text, contribution_id=item.id
        )
    )
    await session.commit()
    return item


async def add_focus_group_idea(
    session: AsyncSession,
    process: Process,
    *,
    title: str = "WLAN auf dem Schulhof",
    dots: int = 5,
    session_title: str = SESSION_TITLE,
    code: str = "K7P2QX",
    body: str = "",
    status: ContributionStatus = ContributionStatus.PENDING,
) -> Contribution:
    """An idea of a closed focus-group session and the contribution it became, with its
    dots, as closing a session makes them (services/focus_groups.py)."""
    assert process.id is not None
    now = utcnow()
    group = FocusGroupSession(
        process_id=process.id,
        title=session_title,
        join_code=code,
        expires_at=now,
        closed_at=now,
    )
    session.add(group)
    await session.flush()
    assert group.id is not None
    item = await add_item(
        session,
        process,
        title=title,
        body=body or title,
        status=status,
        channel=Channel.FOCUS_GROUP,
        imported_ratings={"dots": dots},
    )
    session.add(FocusGroupIdea(session_id=group.id, title=title, contribution_id=item.id))
    await session.commit()
    return item


def de_plural(singular: str, plural: str, n: int) -> str:
    """The German text of a plural message id for `n`, as the app shows it."""
    return translations_for("de").ungettext(singular, plural, n)


def stored(settings: Settings, contribution_id: int | None) -> Contribution:
    """The contribution as the database holds it now."""

    async def load(session: AsyncSession) -> Contribution:
        found = await session.get(Contribution, contribution_id)
        assert found is not None
        return found

    return in_db(settings, load)


def decide(
    client: Client,
    settings: Settings,
    contribution_id: int | None,
    action: str,
    data: dict[str, str] | None = None,
    *,
    version: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A moderation form as the page sends it: with the version the page was rendered from
    (by default the stored one, as if the page had just been loaded)."""
    seen = stored(settings, contribution_id).version if version is None else version
    return post_form(
        client,
        f"/moderation/contributions/{contribution_id}/{action}",
        {**(data or {}), "version": str(seen)},
        headers=headers,
    )


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """The SQL statements run inside the block, on every engine (the app's own too)."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)
