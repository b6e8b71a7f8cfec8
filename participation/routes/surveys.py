"""Answering a survey, without an account: the open link's start page and the private link
`/umfrage/<token>` that shows one page at a time, saves it, and comes back where the
respondent left. Plain forms with POST-redirect-GET, so it all works without JavaScript."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_403_FORBIDDEN,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from participation.inputs import parse_int
from participation.models import Process, utcnow
from participation.models.surveys import Survey
from participation.rate_limit import RESPONSE
from participation.routes import Db, FormData, suggest_later
from participation.routes.processes import load_process
from participation.services import panel_links, survey_responses
from participation.services.contributions import PUBLIC_SEGMENTS
from participation.services.errors import ValidationFailed
from participation.services.markdown import render_markdown
from participation.services.survey_responses import (
    AlreadySent,
    Incomplete,
    Pages,
    PageState,
    Respondent,
    SurveyClosed,
)
from participation.services.surveys import SurveyState, survey_state
from participation.wz2008 import SECTIONS, SIZE_CLASSES


def answer_context(
    survey: Survey, process: Process, pages: Pages, state: PageState
) -> dict[str, Any]:
    """What the answering pages (and the admins' preview) need to show a page."""
    return {
        "survey": survey,
        "process": process,
        "pages": pages,
        "state": state,
        "segments": PUBLIC_SEGMENTS,
        "sectors": SECTIONS,
        "sizes": SIZE_CLASSES,
        "intro_html": render_markdown(survey.intro),
        "answer_texts": survey_responses.answer_texts,
    }


def _start_page(survey: Survey, process: Process, pages: Pages, status_code: int = 200) -> Template:
    context = answer_context(survey, process, pages, PageState(page=pages.numbers[0]))
    context.update(
        state_now=survey_state(survey, utcnow()),
        minutes=survey_responses.minutes_to_answer(pages),
    )
    return Template("pages/surveys/start.html", context=context, status_code=status_code)


async def _answer_page(
    db: Db, respondent: Respondent, state: PageState | None = None, status_code: int = 200
) -> Template:
    survey, process, response = respondent.survey, respondent.process, respondent.response
    if respondent.sent:
        return Template(
            "pages/surveys/done.html",
            context={"survey": survey, "process": process, "thanks": False},
            status_code=HTTP_409_CONFLICT if status_code != 200 else 200,
        )
    pages = await survey_responses.pages_of(db, survey, response)
    now_state = survey_state(survey, utcnow())
    if now_state is not SurveyState.OPEN:
        context = answer_context(survey, process, pages, PageState(page=pages.numbers[0]))
        context.update(state_now=now_state, minutes=0)
        return Template("pages/surveys/closed.html", context=context, status_code=status_code)
    assert response is not None
    if state is None:
        values = await survey_responses.saved_values(db, response)
        state = PageState(page=pages.clamp(response.current_page), values=values)
    context = answer_context(survey, process, pages, state)
    # Invited through the firm panel to a survey that keeps who answered: said on every page,
    # the first one before anything is asked included.
    context.update(
        token=respondent.token,
        named=response.invitee_id is not None and not survey.anonymous,
        asks_name=panel_links.asks_name(survey, response),
    )
    return Template("pages/surveys/answer.html", context=context, status_code=status_code)


async def _respondent(db: Db, token: str) -> Respondent:
    respondent = await survey_responses.resolve(db, token)
    if respondent is None:
        raise NotFoundException()
    return respondent


class SurveyController(Controller):
    include_in_schema = False

    @get("/processes/{slug:str}/umfragen/{survey_slug:str}", cache=False)
    async def open_link(self, db: Db, slug: FromPath[str], survey_slug: FromPath[str]) -> Template:
        """The open link: what the survey is about, how long it takes, and "Start"."""
        overview = await load_process(db, slug)
        survey = await survey_responses.public_survey(db, overview.process.id or 0, survey_slug)
        if survey is None:
            raise NotFoundException()
        pages = await survey_responses.pages_of(db, survey)
        return _start_page(survey, overview.process, pages)

    @post("/processes/{slug:str}/umfragen/{survey_slug:str}")
    async def start(
        self, db: Db, slug: FromPath[str], survey_slug: FromPath[str]
    ) -> Template | Redirect:
        overview = await load_process(db, slug)
        survey = await survey_responses.public_survey(db, overview.process.id or 0, survey_slug)
        if survey is None:
            raise NotFoundException()
        try:
            token = await survey_responses.start(db, survey)
        except SurveyClosed:
            pages = await survey_responses.pages_of(db, survey)
            status = HTTP_403_FORBIDDEN if survey.invitation_only else HTTP_422_UNPROCESSABLE_ENTITY
            return _start_page(survey, overview.process, pages, status)
        return Redirect(f"/umfrage/{token}", status_code=303)

    @get("/umfrage/{token:str}", cache=False)
    async def answer(self, db: Db, token: FromPath[str], gesendet: FromQuery[str] = "") -> Template:
        respondent = await _respondent(db, token)
        if respondent.sent and gesendet:
            return Template(
                "pages/surveys/done.html",
                context={
                    "survey": respondent.survey,
                    "process": respondent.process,
                    "thanks": True,
                    "thanks_html": render_markdown(respondent.survey.thanks),
                },
            )
        return await _answer_page(db, respondent)

    # Limited per response: a class may answer from one school address.
    @post("/umfrage/{token:str}", rate_limit=RESPONSE)
    async def save(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        token: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        """Save the page and go on (`action` next), back (`back`), or send (`send`)."""
        respondent = await _respondent(db, token)
        action = data.get("action", "next")
        page = parse_int(data.get("page")) or 0
        values = {k: v for k, v in data.items() if k not in {"_csrf_token", "action", "page"}}
        try:
            if action == "send":
                created = await survey_responses.send(db, respondent)
                suggest_later(state, respondent.survey.process_id, created)
                return Redirect(f"/umfrage/{token}?gesendet=1", status_code=303)
            await survey_responses.save_page(db, respondent, page, values, back=action == "back")
        except AlreadySent:
            if action == "send":  # a double click, or sent again after "back": it is sent
                return Redirect(f"/umfrage/{token}?gesendet=1", status_code=303)
            return await _answer_page(db, respondent, status_code=HTTP_409_CONFLICT)
        except SurveyClosed:
            return await _answer_page(db, respondent, status_code=HTTP_422_UNPROCESSABLE_ENTITY)
        except Incomplete as missing:
            assert respondent.response is not None
            saved = await survey_responses.saved_values(db, respondent.response)
            return await _answer_page(
                db,
                respondent,
                PageState(page=missing.page, values=saved, errors=missing.errors),
                HTTP_422_UNPROCESSABLE_ENTITY,
            )
        except ValidationFailed as failed:
            return await _answer_page(
                db,
                respondent,
                PageState(page=page, values=values, errors=failed.errors),
                HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(f"/umfrage/{token}", status_code=303)
