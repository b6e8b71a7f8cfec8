"""Survey administration for admins: a process's surveys, a survey's settings and dates, the
builder (sections and questions), the preview, and invitation links with their CSV download.

Every step is a plain form post answered with a redirect (or the page again with its messages
and all input kept), so it all works without JavaScript. Deleting asks first, on a page of
its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import requires_admin
from participation.i18n import _, ngettext
from participation.inputs import parse_int
from participation.models import Process, Segment, utcnow
from participation.models.surveys import QuestionKind, Survey
from participation.routes import Db, FormData, QueryId
from participation.routes.surveys import answer_context
from participation.services import survey_logic, survey_responses, surveys
from participation.services.errors import ValidationFailed
from participation.services.processes import get_process
from participation.services.survey_responses import PageState
from participation.services.surveys import (
    NewSurveyForm,
    QuestionForm,
    QuestionView,
    SectionForm,
    SettingsForm,
)


async def _process(db: Db, slug: str) -> Process:
    overview = await get_process(db, slug)
    if overview is None:
        raise NotFoundException()
    return overview.process


async def load_survey(db: Db, survey_id: int) -> tuple[Survey, Process]:
    """A survey and its process, or 404 (the survey pages' first step)."""
    found = await surveys.get_survey(db, survey_id)
    if found is None:
        raise NotFoundException()
    return found


def _url(survey: Survey, rest: str = "") -> str:
    return f"/admin/surveys/{survey.id}{rest}"


async def _list_page(
    db: Db, process: Process, form: NewSurveyForm, status_code: int = 200
) -> Template:
    assert process.id is not None
    return Template(
        "pages/survey_admin/list.html",
        context={
            "process": process,
            "summaries": await surveys.list_surveys(db, process.id),
            "form": form,
        },
        status_code=status_code,
    )


def _settings_page(
    survey: Survey, process: Process, form: SettingsForm, status_code: int = 200
) -> Template:
    return Template(
        "pages/survey_admin/settings.html",
        context={
            "survey": survey,
            "process": process,
            "form": form,
            "segments": list(Segment),
            "state": surveys.survey_state(survey, utcnow()),
        },
        status_code=status_code,
    )


async def _builder_page(
    db: Db,
    survey: Survey,
    process: Process,
    *,
    new_section: SectionForm | None = None,
    section_forms: dict[int, SectionForm] | None = None,
    status_code: int = 200,
) -> Template:
    structure = await surveys.survey_structure(db, survey.id or 0)
    forms = {
        view.section.id or 0: SectionForm(view.section.title, view.section.description)
        for view in structure
    }
    forms.update(section_forms or {})
    return Template(
        "pages/survey_admin/builder.html",
        context={
            "survey": survey,
            "process": process,
            "structure": structure,
            "section_forms": forms,
            "new_section": new_section or SectionForm(),
            **await _conditions_in_words(db, survey.id or 0, structure),
        },
        status_code=status_code,
    )


def _question_page(
    survey: Survey,
    process: Process,
    structure: list[surveys.SectionView],
    form: QuestionForm,
    view: QuestionView | None,
    status_code: int = 200,
) -> Template:
    return Template(
        "pages/survey_admin/question.html",
        context={
            "survey": survey,
            "process": process,
            "sections": [s.section for s in structure],
            "form": form,
            "view": view,
            "kinds": list(QuestionKind),
            "action": _url(survey, f"/questions/{view.question.id}" if view else "/questions/new"),
        },
        status_code=status_code,
    )


async def _conditions_in_words(
    db: Db, survey_id: int, structure: Sequence[surveys.SectionView]
) -> dict[str, dict[int, str]]:
    """The conditions in words, by section and by question (services/survey_logic.py), for
    the builder and the preview."""
    rules = await survey_logic.rules_of(db, survey_id)
    return {
        "section_conditions": {
            sid: survey_logic.describe(structure, rule) for sid, rule in rules.sections.items()
        },
        "question_conditions": {
            qid: survey_logic.describe(structure, rule) for qid, rule in rules.questions.items()
        },
    }


async def _refused_move(
    request: Request[Any, Any, Any], db: Db, survey_id: int, moved: list[surveys.SectionView]
) -> bool:
    """Whether the move to `moved` would leave a condition reading a later answer; if so the
    admin is told and nothing moves."""
    rules = await survey_logic.rules_of(db, survey_id)
    if not survey_logic.backward_targets(moved, rules):
        return False
    message = _(
        "Not moved: a condition would then refer to a question that is asked after it. "
        "Change or remove that condition first."
    )
    flash(request, message, "error")
    return True


def _step(direction: str) -> int:
    return -1 if direction == "up" else 1


class SurveyAdminController(Controller):
    path = "/admin"
    guards = [requires_admin]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    # --- a process's surveys ------------------------------------------------------------

    @get("/processes/{slug:str}/surveys", cache=False)
    async def index(self, db: Db, slug: FromPath[str]) -> Template:
        return await _list_page(db, await _process(db, slug), NewSurveyForm())

    @post("/processes/{slug:str}/surveys")
    async def create(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str], data: FormData
    ) -> Template | Redirect:
        process = await _process(db, slug)
        form = NewSurveyForm.from_form(data)
        try:
            survey = await surveys.create_survey(db, process, form)
        except ValidationFailed:
            return await _list_page(db, process, form, HTTP_422_UNPROCESSABLE_ENTITY)
        flash(request, _("Survey created: “%(title)s”.") % {"title": survey.title}, "success")
        return Redirect(_url(survey), status_code=303)

    # --- settings -----------------------------------------------------------------------

    @get("/surveys/{survey_id:int}", cache=False)
    async def settings(self, db: Db, state: State, survey_id: FromPath[int]) -> Template:
        survey, process = await load_survey(db, survey_id)
        return _settings_page(survey, process, SettingsForm.of(survey, state.settings.time_zone))

    @post("/surveys/{survey_id:int}")
    async def save_settings(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        survey_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        survey, process = await load_survey(db, survey_id)
        form = SettingsForm.from_form(data)
        try:
            await surveys.save_settings(db, survey, form, state.settings.time_zone)
        except ValidationFailed:
            await db.refresh(survey)
            return _settings_page(survey, process, form, HTTP_422_UNPROCESSABLE_ENTITY)
        flash(request, _("Saved: “%(title)s”.") % {"title": survey.title}, "success")
        return Redirect(_url(survey), status_code=303)

    # --- sections -----------------------------------------------------------------------

    @get("/surveys/{survey_id:int}/questions", cache=False)
    async def builder(self, db: Db, survey_id: FromPath[int]) -> Template:
        survey, process = await load_survey(db, survey_id)
        return await _builder_page(db, survey, process)

    @post("/surveys/{survey_id:int}/sections")
    async def add_section(
        self, request: Request[Any, Any, Any], db: Db, survey_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        survey, process = await load_survey(db, survey_id)
        form = SectionForm.from_form(data)
        try:
            section = await surveys.add_section(db, survey, form)
        except ValidationFailed:
            return await _builder_page(
                db, survey, process, new_section=form, status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        flash(request, _("Section added: “%(title)s”.") % {"title": section.title}, "success")
        return Redirect(_url(survey, f"/questions#section-{section.id}"), status_code=303)

    @post("/surveys/{survey_id:int}/sections/{section_id:int}")
    async def update_section(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        survey_id: FromPath[int],
        section_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        survey, process = await load_survey(db, survey_id)
        section = await surveys.get_section(db, survey, section_id)
        if section is None:
            raise NotFoundException()
        form = SectionForm.from_form(data)
        try:
            await surveys.update_section(db, section, form)
        except ValidationFailed:
            return await _builder_page(
                db,
                survey,
                process,
                section_forms={section_id: form},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        flash(request, _("Section saved: “%(title)s”.") % {"title": section.title}, "success")
        return Redirect(_url(survey, f"/questions#section-{section_id}"), status_code=303)

    @post("/surveys/{survey_id:int}/sections/{section_id:int}/move")
    async def move_section(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        survey_id: FromPath[int],
        section_id: FromPath[int],
        data: FormData,
    ) -> Redirect:
        survey = (await load_survey(db, survey_id))[0]
        section = await surveys.get_section(db, survey, section_id)
        if section is None:
            raise NotFoundException()
        step = _step(data.get("direction", ""))
        structure = await surveys.survey_structure(db, survey_id)
        moved = survey_logic.with_section_moved(structure, section_id, step)
        if not await _refused_move(request, db, survey_id, moved):
            await surveys.move_section(db, section, step)
        return Redirect(_url(survey, f"/questions#section-{section_id}"), status_code=303)

    @post("/surveys/{survey_id:int}/sections/{section_id:int}/delete")
    async def delete_section(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        survey_id: FromPath[int],
        section_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        """A section that holds questions is deleted only after a yes on the page this
        shows first."""
        survey, process = await load_survey(db, survey_id)
        section = await surveys.get_section(db, survey, section_id)
        if section is None:
            raise NotFoundException()
        view = next(
            v for v in await surveys.survey_structure(db, survey_id) if v.section.id == section_id
        )
        if view.questions and data.get("confirm") != "yes":
            return Template(
                "pages/survey_admin/confirm_delete.html",
                context={
                    "survey": survey,
                    "process": process,
                    "section": view,
                    "question": None,
                    "action": _url(survey, f"/sections/{section_id}/delete"),
                    "answers": sum(q.answers for q in view.questions),
                },
            )
        title = section.title
        await surveys.delete_section(db, section)
        flash(request, _("Section deleted: “%(title)s”.") % {"title": title}, "success")
        return Redirect(_url(survey, "/questions"), status_code=303)

    # --- questions ----------------------------------------------------------------------

    @get("/surveys/{survey_id:int}/questions/new", cache=False)
    async def new_question(
        self, db: Db, survey_id: FromPath[int], section: FromQuery[int] = 0
    ) -> Template | Redirect:
        survey, process = await load_survey(db, survey_id)
        structure = await surveys.survey_structure(db, survey_id)
        if not structure:
            return Redirect(_url(survey, "/questions"), status_code=303)
        known = any(v.section.id == section for v in structure)
        form = QuestionForm(section_id=str(section if known else structure[0].section.id))
        return _question_page(survey, process, structure, form, None)

    @post("/surveys/{survey_id:int}/questions/new")
    async def create_question(
        self, request: Request[Any, Any, Any], db: Db, survey_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        survey, process = await load_survey(db, survey_id)
        form = QuestionForm.from_form(data)
        try:
            question = await surveys.save_question(db, survey, None, form)
        except ValidationFailed:
            structure = await surveys.survey_structure(db, survey_id)
            return _question_page(
                survey, process, structure, form, None, HTTP_422_UNPROCESSABLE_ENTITY
            )
        flash(request, _("Question added."), "success")
        return Redirect(_url(survey, f"/questions#question-{question.id}"), status_code=303)

    @get("/surveys/{survey_id:int}/questions/{question_id:int}", cache=False)
    async def edit_question(
        self, db: Db, survey_id: FromPath[int], question_id: FromPath[int]
    ) -> Template:
        survey, process = await load_survey(db, survey_id)
        view = await surveys.get_question(db, survey, question_id)
        if view is None:
            raise NotFoundException()
        structure = await surveys.survey_structure(db, survey_id)
        return _question_page(survey, process, structure, QuestionForm.of(view), view)

    @post("/surveys/{survey_id:int}/questions/{question_id:int}")
    async def update_question(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        survey_id: FromPath[int],
        question_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        survey, process = await load_survey(db, survey_id)
        view = await surveys.get_question(db, survey, question_id)
        if view is None:
            raise NotFoundException()
        form = QuestionForm.from_form(data)
        try:
            await surveys.save_question(db, survey, view, form)
        except ValidationFailed:
            structure = await surveys.survey_structure(db, survey_id)
            return _question_page(
                survey, process, structure, form, view, HTTP_422_UNPROCESSABLE_ENTITY
            )
        flash(request, _("Question saved."), "success")
        # Conditions that read answers this question no longer offers go with them.
        structure = await surveys.survey_structure(db, survey_id)
        if removed := await survey_logic.prune(db, survey_id, structure):
            message = ngettext(
                "%(num)d condition read answers this question no longer has and was removed.",
                "%(num)d conditions read answers this question no longer has and were removed.",
                removed,
            )
            flash(request, message % {"num": removed}, "info")
        return Redirect(_url(survey, f"/questions#question-{question_id}"), status_code=303)

    @post("/surveys/{survey_id:int}/questions/{question_id:int}/move")
    async def move_question(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        survey_id: FromPath[int],
        question_id: FromPath[int],
        data: FormData,
    ) -> Redirect:
        """Up or down within its section (`direction`), or to the end of another (`section`)."""
        survey = (await load_survey(db, survey_id))[0]
        view = await surveys.get_question(db, survey, question_id)
        if view is None:
            raise NotFoundException()
        target = data.get("section", "")
        if target:
            section_id = parse_int(target)
            section = (
                None if section_id is None else await surveys.get_section(db, survey, section_id)
            )
            if section is None:
                raise NotFoundException()
            structure = await surveys.survey_structure(db, survey_id)
            moved = survey_logic.with_question_moved(structure, question_id, section.id or 0)
            if not await _refused_move(request, db, survey_id, moved):
                await surveys.move_question_to(db, view.question, section)
        else:
            await surveys.move_question(db, survey, view.question, _step(data.get("direction", "")))
        return Redirect(_url(survey, f"/questions#question-{question_id}"), status_code=303)

    @post("/surveys/{survey_id:int}/questions/{question_id:int}/delete")
    async def delete_question(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        survey_id: FromPath[int],
        question_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        """Asks first, saying how many answers go with the question."""
        survey, process = await load_survey(db, survey_id)
        view = await surveys.get_question(db, survey, question_id)
        if view is None:
            raise NotFoundException()
        if data.get("confirm") != "yes":
            return Template(
                "pages/survey_admin/confirm_delete.html",
                context={
                    "survey": survey,
                    "process": process,
                    "section": None,
                    "question": view,
                    "action": _url(survey, f"/questions/{question_id}/delete"),
                    "answers": view.answers,
                },
            )
        await surveys.delete_question(db, view.question)
        flash(request, _("Question deleted."), "success")
        return Redirect(_url(survey, "/questions"), status_code=303)

    # --- preview ------------------------------------------------------------------------

    @get("/surveys/{survey_id:int}/preview", cache=False)
    async def preview(self, db: Db, survey_id: FromPath[int]) -> Template:
        survey, process = await load_survey(db, survey_id)
        pages = await survey_responses.pages_of(db, survey)
        context = answer_context(survey, process, pages, PageState(page=pages.numbers[0]))
        context.update(await _conditions_in_words(db, survey_id, pages.structure))
        return Template("pages/survey_admin/preview.html", context=context)

    # --- invitations --------------------------------------------------------------------

    @get("/surveys/{survey_id:int}/invitations", cache=False)
    async def invitations(self, db: Db, survey_id: FromPath[int]) -> Template:
        survey, process = await load_survey(db, survey_id)
        return await _invitations_page(db, survey, process)

    @post("/surveys/{survey_id:int}/invitations")
    async def generate(
        self, request: Request[Any, Any, Any], db: Db, survey_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        survey, process = await load_survey(db, survey_id)
        typed = data.get("count", "")
        try:
            count = survey_responses.parse_invitation_count(typed)
        except ValidationFailed as failed:
            return await _invitations_page(
                db, survey, process, typed, failed.errors, HTTP_422_UNPROCESSABLE_ENTITY
            )
        batch = await survey_responses.generate_invitations(db, survey, count)
        flash(
            request,
            _("%(count)d invitation links made (batch %(batch)d).")
            % {"count": count, "batch": batch},
            "success",
        )
        return Redirect(_url(survey, "/invitations"), status_code=303)

    @get("/surveys/{survey_id:int}/invitations.csv", cache=False)
    async def invitations_csv(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        survey_id: FromPath[int],
        batch: QueryId = None,
    ) -> Response[bytes]:
        survey = (await load_survey(db, survey_id))[0]
        rows = await survey_responses.unused_invitations(db, survey_id, batch)
        base = state.settings.base_url or str(request.base_url).rstrip("/")
        suffix = f"-{batch}" if batch is not None else ""
        return Response(
            survey_responses.invitations_csv(rows, base),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="einladungen-{survey.slug}{suffix}.csv"'
                )
            },
        )


async def _invitations_page(
    db: Db,
    survey: Survey,
    process: Process,
    count: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        "pages/survey_admin/invitations.html",
        context={
            "survey": survey,
            "process": process,
            "counts": await survey_responses.invitation_counts(db, survey.id or 0),
            "count": count,
            "errors": errors or {},
            "max_count": survey_responses.MAX_INVITATIONS,
        },
        status_code=status_code,
    )
