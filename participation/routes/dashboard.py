"""The participation dashboard of a process for staff, a CSV file per figure, and the form
for the known population of firms. Who may see what is decided in services/dashboard."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation import wz2008
from participation.auth import guarded_scope, guarded_user, requires_staff
from participation.i18n import _
from participation.models import PopulationDimension, Process
from participation.routes import Db, FormData
from participation.routes.processes import load_process
from participation.routes.profiles import file_slug
from participation.services import dashboard
from participation.services.accounts.remit import WHOLE_PROCESS
from participation.services.dashboard import counts, population
from participation.services.dashboard.kept import FigureCache, KeptFigures
from participation.services.errors import ValidationFailed
from participation.services.spreadsheet_cells import csv_lines
from participation.services.survey_results import number


def _base(slug: str) -> str:
    return f"/admin/processes/{slug}/beteiligung"


class DashboardController(Controller):
    path = "/admin/processes/{slug:str}/beteiligung"
    # Signed-in staff get this far (anonymous visitors are sent to sign in); the role (and
    # later the process) is checked by services/dashboard.
    guards = [requires_staff]  # noqa: RUF012 - Litestar reads this class attribute
    # It counts all of a process: not for a remit of some action fields.
    opt = {WHOLE_PROCESS: True}  # noqa: RUF012
    include_in_schema = False

    async def _process(self, request: Request[Any, Any, Any], db: Db, slug: str) -> Process:
        process = (await load_process(db, slug)).process
        if not dashboard.may_view(guarded_user(request), process, await guarded_scope(request)):
            raise PermissionDeniedException("Your role does not allow this")
        return process

    @get("/", cache=False)
    async def page(
        self, request: Request[Any, Any, Any], db: Db, state: State, slug: FromPath[str]
    ) -> Template:
        process = await self._process(request, db, slug)
        kept = await _kept(state, db, process)
        return Template(
            "pages/dashboard/dashboard.html",
            context={
                "process": process,
                "figures": kept.figures,
                "counted_at": kept.counted_at,
                "base": _base(slug),
                "may_enter": dashboard.may_enter_population(guarded_user(request), process),
                "number": number,
            },
        )

    @get("/{figure_file:str}", cache=False)
    async def download(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        slug: FromPath[str],
        figure_file: FromPath[str],
    ) -> Response[bytes]:
        key = figure_file.removesuffix(".csv")
        process = await self._process(request, db, slug)
        if key == figure_file or key not in dashboard.BUILDERS:
            raise NotFoundException()
        if key in dashboard.PAGE_SHOWS_ALL:
            figure = (await _kept(state, db, process)).figures[key]
        else:
            found = await dashboard.figure(db, process, state.settings.time_zone, key)
            assert found is not None
            figure = found
        # For German Excel: UTF-8 with BOM, `;`, formulas defused (as the survey export).
        content = "\ufeff" + csv_lines([list(figure.header), *figure.csv_rows()])
        file_name = f"beteiligung-{file_slug(slug)}-{key}.csv"
        return Response(
            content.encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
        )

    async def _population_process(
        self, request: Request[Any, Any, Any], db: Db, slug: str
    ) -> Process:
        process = await self._process(request, db, slug)
        if not dashboard.may_enter_population(guarded_user(request), process):
            raise PermissionDeniedException("Your role does not allow this")
        return process

    @get("/grundgesamtheit", cache=False)
    async def population_form(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str]
    ) -> Template:
        process = await self._population_process(request, db, slug)
        stored = await counts.known_population(db, process.id or 0)
        return _population_page(process, population.PopulationForm.of_stored(stored))

    @post("/grundgesamtheit")
    async def save_population(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str], data: FormData
    ) -> Template | Redirect:
        process = await self._population_process(request, db, slug)
        form = population.PopulationForm.from_form(data)
        try:
            await population.save_population(db, process.id or 0, form)
        except ValidationFailed as exc:
            form.errors = exc.errors
            return _population_page(process, form, HTTP_422_UNPROCESSABLE_ENTITY)
        flash(request, _("The known population was saved."), "success")
        return Redirect(f"{_base(slug)}#firms-title", status_code=303)


async def _kept(state: State, db: Db, process: Process) -> KeptFigures:
    """The page's figures, kept between requests (services/dashboard/kept.py)."""
    time_zone = state.settings.time_zone
    cache: FigureCache = state.dashboard_figures
    return await cache.figures(
        db, process, time_zone, lambda: dashboard.figures(db, process, time_zone)
    )


def _population_page(
    process: Process, form: population.PopulationForm, status_code: int = 200
) -> Template:
    sections = [(letter, wz2008.section_name(letter)) for letter, _name in wz2008.SECTIONS]
    return Template(
        "pages/dashboard/population.html",
        context={
            "process": process,
            "form": form,
            "base": _base(process.slug),
            "sections": sections,
            "sizes": wz2008.SIZE_CLASSES,
            "SECTOR": PopulationDimension.SECTOR,
            "SIZE": PopulationDimension.SIZE,
            "field_name": population.field_name,
        },
        status_code=status_code,
    )
