"""Test helpers for surveys: a survey with a question of every kind, signing in as admin,
and walking through the answering pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from httpx import Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Process, Role, Segment, utcnow
from participation.models.surveys import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)
from participation.settings import Settings
from tests.helpers import Client, add_staff, in_db, login, post_form

ADMIN = "admin@example.org"


def sign_in_admin(client: Client, settings: Settings) -> Client:
    """An admin account, and the client signed in with it."""
    in_db(settings, lambda s: add_staff(s, ADMIN, Role.ADMIN))
    assert login(client, ADMIN).status_code == 303
    return client


@dataclass(frozen=True)
class BuiltSurvey:
    """A survey of two sections: page 1 single, multiple, scale; page 2 text, ranking."""

    survey: Survey
    sections: list[SurveySection]
    questions: dict[QuestionKind, SurveyQuestion]
    options: dict[QuestionKind, list[SurveyOption]]

    @property
    def id(self) -> int:
        assert self.survey.id is not None
        return self.survey.id

    def q(self, kind: QuestionKind) -> str:
        """The form field name of a question."""
        return f"q-{self.questions[kind].id}"

    def option(self, kind: QuestionKind, index: int) -> int:
        option_id = self.options[kind][index].id
        assert option_id is not None
        return option_id


OPTIONS = {
    QuestionKind.SINGLE_CHOICE: ["Ja", "Nein", "Weiß nicht"],
    QuestionKind.MULTIPLE_CHOICE: ["Glasfaser", "Mobilfunk", "WLAN"],
    QuestionKind.RANKING: ["Fachkräfte", "Breitband", "Verkehr"],
}


async def add_survey(
    session: AsyncSession,
    process: Process,
    *,
    slug: str = "firmenbefragung",
    state: str = "open",
    segment: Segment | None = None,
    invitation_only: bool = False,
    required: bool = True,
) -> BuiltSurvey:
    """A survey that is `open`, `closed`, `future` or `draft`; every question `required`."""
    assert process.id is not None
    now = utcnow()
    day = timedelta(days=1)
    opens, closes = {
        "open": (now - day, now + 10 * day),
        "closed": (now - 10 * day, now - day),
        "future": (now + day, now + 10 * day),
        "draft": (None, None),
    }[state]
    survey = Survey(
        process_id=process.id,
        slug=slug,
        title="Befragung der Betriebe",
        intro="Wie **digital** ist Ihr Betrieb?",
        thanks="Danke für Ihre Zeit.",
        segment=segment,
        invitation_only=invitation_only,
        opens_at=opens,
        closes_at=closes,
    )
    session.add(survey)
    await session.flush()
    assert survey.id is not None
    sections = [
        SurveySection(survey_id=survey.id, title="Ihr Betrieb heute", position=0),
        SurveySection(survey_id=survey.id, title="Was fehlt", position=1),
    ]
    session.add_all(sections)
    await session.flush()
    texts = {
        QuestionKind.SINGLE_CHOICE: "Nutzen Sie digitale Rechnungen?",
        QuestionKind.MULTIPLE_CHOICE: "Welche Anschlüsse haben Sie?",
        QuestionKind.SCALE: "Wie wichtig ist schnelles Internet?",
        QuestionKind.FREE_TEXT: "Was sollte der Landkreis als Erstes tun?",
        QuestionKind.RANKING: "Ordnen Sie die Themen nach Dringlichkeit.",
    }
    questions: dict[QuestionKind, SurveyQuestion] = {}
    for position, kind in enumerate(texts):
        section = sections[0] if position < 3 else sections[1]
        assert section.id is not None
        question = SurveyQuestion(
            survey_id=survey.id,
            section_id=section.id,
            kind=kind,
            text=texts[kind],
            required=required,
            position=position,
            scale_low_label="unwichtig" if kind is QuestionKind.SCALE else "",
            scale_high_label="sehr wichtig" if kind is QuestionKind.SCALE else "",
        )
        session.add(question)
        questions[kind] = question
    await session.flush()
    options: dict[QuestionKind, list[SurveyOption]] = {}
    for kind, labels in OPTIONS.items():
        question_id = questions[kind].id
        assert question_id is not None
        options[kind] = [
            SurveyOption(question_id=question_id, label=label, position=i)
            for i, label in enumerate(labels)
        ]
        session.add_all(options[kind])
    await session.commit()
    return BuiltSurvey(survey, sections, questions, options)


def stored_survey(settings: Settings, process: Process, **kwargs: object) -> BuiltSurvey:
    return in_db(settings, lambda s: add_survey(s, process, **kwargs))  # type: ignore[arg-type]


def page_one(built: BuiltSurvey) -> dict[str, str]:
    """Valid answers to the first section."""
    multiple = built.q(QuestionKind.MULTIPLE_CHOICE)
    return {
        "page": "1",
        built.q(QuestionKind.SINGLE_CHOICE): str(built.option(QuestionKind.SINGLE_CHOICE, 0)),
        f"{multiple}-{built.option(QuestionKind.MULTIPLE_CHOICE, 0)}": "on",
        f"{multiple}-{built.option(QuestionKind.MULTIPLE_CHOICE, 2)}": "on",
        built.q(QuestionKind.SCALE): "4",
    }


def page_two(
    built: BuiltSurvey, text: str = "Mehr Glasfaser in den Gewerbegebieten."
) -> dict[str, str]:
    """Valid answers to the second section: a text and a full ranking."""
    ranking = built.q(QuestionKind.RANKING)
    return {
        "page": "2",
        built.q(QuestionKind.FREE_TEXT): text,
        f"{ranking}-{built.option(QuestionKind.RANKING, 0)}": "2",
        f"{ranking}-{built.option(QuestionKind.RANKING, 1)}": "1",
        f"{ranking}-{built.option(QuestionKind.RANKING, 2)}": "3",
    }


ABOUT_RESIDENT = {"page": "0", "segment": "resident", "municipality": "Kornbach"}


def start(client: Client, process: Process, built: BuiltSurvey) -> str:
    """Press "Start" on the open link; returns the private token."""
    response = post_form(client, f"/processes/{process.slug}/umfragen/{built.survey.slug}")
    assert response.status_code == 303, response.text
    return token_from(response)


def token_from(response: Response) -> str:
    match = re.fullmatch(r"/umfrage/([\w-]+)", response.headers["location"])
    assert match, response.headers["location"]
    return match[1]


def answer(client: Client, token: str, data: dict[str, str], action: str = "next") -> Response:
    return post_form(client, f"/umfrage/{token}", {**data, "action": action})


async def responses(session: AsyncSession) -> list[SurveyResponse]:
    return list(await session.exec(select(SurveyResponse).order_by(col(SurveyResponse.id))))


async def answers(session: AsyncSession) -> list[SurveyAnswer]:
    return list(await session.exec(select(SurveyAnswer).order_by(col(SurveyAnswer.id))))
