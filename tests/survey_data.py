"""A small survey with fixed answers, written directly as model rows, so the results and the
exports can be checked number by number (and without the survey builder).

Three sent responses and one started but not sent (sections and questions are numbered
as respondents see them; ranking lists first, second, third):

- first: firm, sector C, 1-9 employees. 1.1 Gut; 1.2 E-Mail and Cloud; 1.3 5;
  2.1 Netz, Förderung, Beratung; 2.2 "=SUMME(A1)"
- second: firm, sector J, 10-49. 1.1 Gut; 1.2 E-Mail; 1.3 4; 2.1 Förderung, Netz, Beratung;
  2.2 SECOND_TEXT (which became a moderation item)
- third: resident. 1.1 Schlecht; 1.2 skipped; 1.3 2; 2.1 Netz, Beratung, Förderung;
  2.2 skipped
- unsent: firm, sector C, 1-9. 1.1 Mittel; 1.3 1; 2.2 "Nicht gesendet"
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Process,
    QuestionKind,
    Segment,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
    utcnow,
)
from participation.services.contributions import hash_token
from tests.helpers import add_idea

SURVEY_TITLE = "Digitalisierung in Betrieben"
FIRST_SENT = datetime(2026, 3, 2, 9, 0, tzinfo=utcnow().tzinfo)
SECOND_TEXT = "Mehr Glasfaser in den Gewerbegebieten"


@dataclass(frozen=True)
class SurveyData:
    survey: Survey
    questions: dict[str, SurveyQuestion]  # by number, e.g. "1.2"
    options: dict[str, SurveyOption]  # by label
    responses: list[SurveyResponse]  # the three sent ones, then the unsent one
    contribution_id: int  # the moderation item the second free-text answer became


async def add_survey(session: AsyncSession, process: Process, *, slug: str = "betriebe") -> Survey:
    assert process.id is not None
    survey = Survey(
        process_id=process.id,
        slug=slug,
        title=SURVEY_TITLE,
        opens_at=utcnow() - timedelta(days=10),
    )
    session.add(survey)
    await session.flush()
    return survey


async def add_question(
    session: AsyncSession,
    survey: Survey,
    section: SurveySection,
    kind: QuestionKind,
    text: str,
    position: int,
    options: list[str] = [],  # noqa: B006 - read only
    *,
    scale_low_label: str = "",
    scale_high_label: str = "",
) -> tuple[SurveyQuestion, list[SurveyOption]]:
    assert survey.id is not None
    assert section.id is not None
    question = SurveyQuestion(
        survey_id=survey.id,
        section_id=section.id,
        kind=kind,
        text=text,
        position=position,
        scale_low_label=scale_low_label,
        scale_high_label=scale_high_label,
    )
    session.add(question)
    await session.flush()
    assert question.id is not None
    rows = [
        SurveyOption(question_id=question.id, label=o, position=i) for i, o in enumerate(options)
    ]
    session.add_all(rows)
    await session.flush()
    return question, rows


async def add_response(
    session: AsyncSession,
    survey: Survey,
    *,
    sent_at: datetime | None,
    segment: Segment | None,
    sector: str | None = None,
    size: str | None = None,
    name: str | None = None,
    municipality: str | None = None,
    token: str,
) -> SurveyResponse:
    assert survey.id is not None
    response = SurveyResponse(
        survey_id=survey.id,
        resume_token_hash=hash_token(token),
        segment=segment,
        organisation_name=name,
        organisation_sector=sector,
        organisation_size=size,
        municipality=municipality,
        submitted_at=sent_at,
    )
    session.add(response)
    await session.flush()
    return response


def answer(
    response: SurveyResponse,
    question: SurveyQuestion,
    *,
    option: SurveyOption | None = None,
    number: int | None = None,
    text: str | None = None,
    contribution_id: int | None = None,
) -> SurveyAnswer:
    assert response.id is not None
    assert question.id is not None
    return SurveyAnswer(
        response_id=response.id,
        question_id=question.id,
        option_id=option.id if option else None,
        number=number,
        text=text,
        contribution_id=contribution_id,
    )


async def add_survey_data(session: AsyncSession, process: Process) -> SurveyData:
    """The survey in the module's docstring, committed."""
    survey = await add_survey(session, process)
    assert survey.id is not None
    # Sections and questions are added out of order: the results follow `position`.
    wishes = SurveySection(survey_id=survey.id, title="Wünsche", position=1)
    firm = SurveySection(survey_id=survey.id, title="Ihr Betrieb", position=0)
    session.add_all([wishes, firm])
    await session.flush()
    ranking, ranked = await add_question(
        session, survey, wishes, QuestionKind.RANKING, "Was hilft am meisten?", 0,
        ["Förderung", "Beratung", "Netz"],
    )  # fmt: skip
    free, _none = await add_question(
        session, survey, wishes, QuestionKind.FREE_TEXT, "Was fehlt Ihnen?", 1
    )
    single, grades = await add_question(
        session, survey, firm, QuestionKind.SINGLE_CHOICE, "Wie gut ist Ihr Internet?", 0,
        ["Gut", "Mittel", "Schlecht"],
    )  # fmt: skip
    multiple, tools = await add_question(
        session, survey, firm, QuestionKind.MULTIPLE_CHOICE, "Was nutzen Sie?", 1,
        ["E-Mail", "Cloud", "Onlineshop"],
    )  # fmt: skip
    scale, _none = await add_question(
        session, survey, firm, QuestionKind.SCALE, "Wie wichtig ist Glasfaser?", 2, [],
        scale_low_label="unwichtig", scale_high_label="sehr wichtig",
    )  # fmt: skip
    options = {o.label: o for o in [*ranked, *grades, *tools]}
    idea = await add_idea(session, process, title="Glasfaser", body=SECOND_TEXT)
    assert idea.id is not None

    hour = timedelta(hours=1)
    first = await add_response(
        session, survey, sent_at=FIRST_SENT, segment=Segment.FIRM, sector="C", size="1-9",
        name="Tischlerei Holz", municipality="Kornbach", token="r1",
    )  # fmt: skip
    second = await add_response(
        session, survey, sent_at=FIRST_SENT + hour, segment=Segment.FIRM, sector="J",
        size="10-49", name="Netzwerk GmbH", municipality="Auenbrück", token="r2",
    )  # fmt: skip
    third = await add_response(
        session, survey, sent_at=FIRST_SENT + 2 * hour, segment=Segment.RESIDENT, token="r3"
    )
    unsent = await add_response(
        session, survey, sent_at=None, segment=Segment.FIRM, sector="C", size="1-9", token="r4"
    )
    o = options
    session.add_all(
        [
            answer(first, single, option=o["Gut"]),
            answer(first, multiple, option=o["E-Mail"]),
            answer(first, multiple, option=o["Cloud"]),
            answer(first, scale, number=5),
            answer(first, ranking, option=o["Netz"], number=1),
            answer(first, ranking, option=o["Förderung"], number=2),
            answer(first, ranking, option=o["Beratung"], number=3),
            answer(first, free, text="=SUMME(A1)"),
            answer(second, single, option=o["Gut"]),
            answer(second, multiple, option=o["E-Mail"]),
            answer(second, scale, number=4),
            answer(second, ranking, option=o["Förderung"], number=1),
            answer(second, ranking, option=o["Netz"], number=2),
            answer(second, ranking, option=o["Beratung"], number=3),
            answer(second, free, text=SECOND_TEXT, contribution_id=idea.id),
            answer(third, single, option=o["Schlecht"]),
            answer(third, scale, number=2),
            answer(third, ranking, option=o["Netz"], number=1),
            answer(third, ranking, option=o["Beratung"], number=2),
            answer(third, ranking, option=o["Förderung"], number=3),
            answer(unsent, single, option=o["Mittel"]),
            answer(unsent, scale, number=1),
            answer(unsent, free, text="Nicht gesendet"),
        ]
    )
    await session.commit()
    questions = {"1.1": single, "1.2": multiple, "1.3": scale, "2.1": ranking, "2.2": free}
    return SurveyData(survey, questions, options, [first, second, third, unsent], idea.id)
