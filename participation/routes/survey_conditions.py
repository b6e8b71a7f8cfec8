"""Survey logic in the builder, for admins: the page that sets or removes the condition of a
section or a question (services/survey_logic.py). Without JavaScript in two steps: choose the
earlier question (a GET form), then tick its answers or give the scale's range and save.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import requires_admin
from participation.i18n import _
from participation.inputs import parse_int
from participation.models import Process, Survey
from participation.routes import Db, FormData
from participation.routes.survey_admin import load_survey
from participation.services import survey_logic, surveys
from participation.services.errors import ValidationFailed
from participation.services.survey_logic import Target
from participation.services.surveys import SectionView


async def _target(
    db: Db, survey_id: int, section_id: int, question_id: int | None
) -> tuple[Survey, Process, list[SectionView], Target, str]:
    """The survey, its structure, the target and how the page names it; 404 for a section
    or question not in the survey."""
    survey, process = await load_survey(db, survey_id)
    structure = await surveys.survey_structure(db, survey_id)
    numbers = {view.section.id: n for n, view in enumerate(structure, start=1)}
    if question_id is None:
        if section_id not in numbers:
            raise NotFoundException()
        view = structure[numbers[section_id] - 1]
        name = _("Section %(n)d: %(title)s") % {
            "n": numbers[section_id],
            "title": view.section.title,
        }
        return survey, process, structure, Target(section_id), name
    for n, view in enumerate(structure, start=1):
        for m, item in enumerate(view.questions, start=1):
            if item.question.id == question_id:
                name = _("Question %(n)d.%(m)d: %(text)s") % {
                    "n": n,
                    "m": m,
                    "text": item.question.text,
                }
                return survey, process, structure, Target(view.section.id or 0, question_id), name
    raise NotFoundException()


def _page(
    survey: Survey,
    process: Process,
    structure: list[SectionView],
    target: Target,
    name: str,
    *,
    source_id: int | None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    current: str = "",
    status_code: int = 200,
) -> Template:
    """The condition page; `current` is the stored condition in words ("" for none)."""
    sources = survey_logic.sources_for(structure, target)
    source = next((q for q in sources if q.question.id == source_id), None)
    path = (
        f"/admin/surveys/{survey.id}/sections/{target.section_id}/condition"
        if target.question_id is None
        else f"/admin/surveys/{survey.id}/questions/{target.question_id}/condition"
    )
    return Template(
        "pages/survey_admin/condition.html",
        context={
            "survey": survey,
            "process": process,
            "name": name,
            "sources": sources,
            "source": source,
            "values": values or {},
            "errors": errors or {},
            "path": path,
            "scale": range(survey_logic.SCALE_LOW, survey_logic.SCALE_HIGH + 1),
            "is_question": target.question_id is not None,
            "described": current,
        },
        status_code=status_code,
    )


class SurveyConditionController(Controller):
    path = "/admin/surveys/{survey_id:int}"
    guards = [requires_admin]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    async def _show(
        self, db: Db, survey_id: int, section_id: int, question_id: int | None, source: int
    ) -> Template:
        survey, process, structure, target, name = await _target(
            db, survey_id, section_id, question_id
        )
        rules = await survey_logic.rules_of(db, survey_id)
        current = rules.of(target)
        values: dict[str, str] = {}
        if current is not None:
            values = {f"option-{o}": "on" for o in current.option_ids}
            values.update(low=str(current.low or ""), high=str(current.high or ""))
        chosen = source or (current.source_question_id if current else None)
        if current is not None and chosen != current.source_question_id:
            values = {}
        described = survey_logic.describe(structure, current) if current else ""
        return _page(
            survey,
            process,
            structure,
            target,
            name,
            source_id=chosen,
            values=values,
            current=described,
        )

    async def _save(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        survey_id: int,
        section_id: int,
        question_id: int | None,
        data: dict[str, str],
    ) -> Template | Redirect:
        survey, process, structure, target, name = await _target(
            db, survey_id, section_id, question_id
        )
        anchor = f"#question-{question_id}" if question_id else f"#section-{section_id}"
        back = f"/admin/surveys/{survey_id}/questions{anchor}"
        if data.get("action") == "remove":
            await survey_logic.set_condition(db, survey, target, None)
            flash(request, _("The condition is removed: shown to everyone."), "success")
            return Redirect(back, status_code=303)
        try:
            rule = survey_logic.check_rule(structure, target, data)
        except ValidationFailed as failed:
            rules = await survey_logic.rules_of(db, survey_id)
            stored = rules.of(target)
            return _page(
                survey,
                process,
                structure,
                target,
                name,
                source_id=parse_int(data.get("source")),
                values=data,
                errors=failed.errors,
                current=survey_logic.describe(structure, stored) if stored else "",
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        await survey_logic.set_condition(db, survey, target, rule)
        flash(request, survey_logic.describe(structure, rule), "success")
        return Redirect(back, status_code=303)

    @get("/sections/{section_id:int}/condition", cache=False)
    async def section_condition(
        self,
        db: Db,
        survey_id: FromPath[int],
        section_id: FromPath[int],
        source: FromQuery[int] = 0,
    ) -> Template:
        return await self._show(db, survey_id, section_id, None, source)

    @post("/sections/{section_id:int}/condition")
    async def save_section_condition(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        survey_id: FromPath[int],
        section_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        return await self._save(request, db, survey_id, section_id, None, data)

    @get("/questions/{question_id:int}/condition", cache=False)
    async def question_condition(
        self,
        db: Db,
        survey_id: FromPath[int],
        question_id: FromPath[int],
        source: FromQuery[int] = 0,
    ) -> Template:
        return await self._show(db, survey_id, 0, question_id, source)

    @post("/questions/{question_id:int}/condition")
    async def save_question_condition(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        survey_id: FromPath[int],
        question_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        return await self._save(request, db, survey_id, 0, question_id, data)
