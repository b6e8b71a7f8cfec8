"""A survey's results for staff (charts and tables per question, filters in the URL), all
free-text answers of one question, and the export of every sent response as CSV or XLSX."""

from __future__ import annotations

import re
from typing import Annotated, Any

import anyio
from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST

from participation import wz2008
from participation.auth import requires_analyst
from participation.models import Process, Segment, Survey
from participation.routes import Db
from participation.services import survey_export, survey_results
from participation.services.accounts.remit import WHOLE_PROCESS
from participation.services.survey_results import ResultFilters

PageNumber = Annotated[int, QueryParameter(ge=1, le=100_000)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _load(db: Db, survey_id: int) -> tuple[Survey, Process]:
    found = await survey_results.get_survey(db, survey_id)
    if found is None:
        raise NotFoundException()
    return found


def _filters(request: HTMXRequest) -> tuple[ResultFilters, dict[str, str]]:
    params = {name: request.query_params.get(name, "") for name in survey_results.PARAMS}
    return survey_results.parse_filters(params)


def _filter_context(filters: ResultFilters, errors: dict[str, str]) -> dict[str, Any]:
    return {
        "filters": filters,
        "errors": errors,
        "segments": list(Segment),
        "sectors": wz2008.SECTIONS,
        "sizes": wz2008.SIZE_CLASSES,
        "number": survey_results.number,
    }


def _file_name(survey: Survey, extension: str) -> str:
    # Only plain characters in a header; the id keeps names apart across processes.
    slug = re.sub(r"[^a-z0-9]+", "-", survey.slug.lower()).strip("-")
    return f"umfrage-{survey.id}{'-' + slug if slug else ''}.{extension}"


async def _results_page(request: HTMXRequest, db: Db, survey: Survey, process: Process) -> Template:
    filters, errors = _filters(request)
    results = await survey_results.survey_results(
        db, survey, process, filters, request.app.state.survey_tallies
    )
    context = {
        **_filter_context(filters, errors),
        "results": results,
        "survey": survey,
        "process": process,
        "chart": survey_results.chart,
        "texts_shown": survey_results.TEXTS_SHOWN,
    }
    # A wrong filter is the request's fault: 400, with the message at the field.
    status = HTTP_400_BAD_REQUEST if errors else HTTP_200_OK
    # One address, two answers: caches must tell them apart.
    vary = {"Vary": "HX-Request, HX-Target"}
    htmx = request.htmx
    if htmx and not htmx.history_restore_request and htmx.target == "survey-results":
        return Template(
            "partials/survey_results/_results.html",
            context=context,
            headers=vary,
            status_code=status,
        )
    return Template(
        "pages/survey_results/results.html", context=context, headers=vary, status_code=status
    )


class SurveyResultsController(Controller):
    path = "/surveys/{survey_id:int}"
    guards = [requires_analyst]  # noqa: RUF012 - Litestar reads this class attribute
    # The results count every respondent: not for a remit of some action fields.
    opt = {WHOLE_PROCESS: True}  # noqa: RUF012
    include_in_schema = False

    @get("/results", cache=False)
    async def results(self, request: HTMXRequest, db: Db, survey_id: FromPath[int]) -> Template:
        """The results with filters in the URL: a GET form that works without JavaScript;
        htmx asks for the results area alone when a filter changes."""
        survey, process = await _load(db, survey_id)
        return await _results_page(request, db, survey, process)

    @get("/results/questions/{question_id:int}", cache=False)
    async def texts(
        self,
        request: HTMXRequest,
        db: Db,
        survey_id: FromPath[int],
        question_id: FromPath[int],
        page: PageNumber = 1,
    ) -> Template:
        """Every free-text answer to one question, paged, with the same filters."""
        survey, process = await _load(db, survey_id)
        numbered = await survey_results.find_question(db, survey_id, question_id)
        if numbered is None:
            raise NotFoundException()
        filters, errors = _filters(request)
        answers = await survey_results.text_answer_page(db, survey_id, question_id, filters, page)
        return Template(
            "pages/survey_results/texts.html",
            context={
                **_filter_context(filters, errors),
                "survey": survey,
                "process": process,
                "numbered": numbered,
                "answers": answers,
                "per_page": survey_results.TEXTS_PER_PAGE,
            },
            status_code=HTTP_400_BAD_REQUEST if errors else HTTP_200_OK,
        )

    @get("/export.csv", cache=False)
    async def export_csv(
        self, request: HTMXRequest, db: Db, state: State, survey_id: FromPath[int]
    ) -> Response[bytes] | Template:
        return await self._export(request, db, state, survey_id, "csv")

    @get("/export.xlsx", cache=False)
    async def export_xlsx(
        self, request: HTMXRequest, db: Db, state: State, survey_id: FromPath[int]
    ) -> Response[bytes] | Template:
        return await self._export(request, db, state, survey_id, "xlsx")

    async def _export(
        self, request: HTMXRequest, db: Db, state: State, survey_id: int, extension: str
    ) -> Response[bytes] | Template:
        survey, process = await _load(db, survey_id)
        filters, errors = _filters(request)
        if errors:
            # The results page says which filter is wrong, at the field.
            return await _results_page(request, db, survey, process)
        table = await survey_export.export_table(db, survey_id, filters, state.settings.time_zone)
        if extension == "csv":
            content = await survey_export.write_csv(table)
            media_type = "text/csv; charset=utf-8"
        else:
            rows = await survey_export.collect(table)
            content = await anyio.to_thread.run_sync(
                survey_export.write_xlsx, table.header, rows, survey.title
            )
            media_type = XLSX
        disposition = f'attachment; filename="{_file_name(survey, extension)}"'
        return Response(
            content, media_type=media_type, headers={"Content-Disposition": disposition}
        )
