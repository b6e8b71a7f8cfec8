"""Every contribution of a process for staff, as CSV (streamed) or XLSX; who may download
them is decided by services/contribution_export.may_export."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from participation.auth import guarded_scope, guarded_user, requires_staff
from participation.models import Process
from participation.routes import Db
from participation.routes.processes import load_process
from participation.routes.profiles import file_slug
from participation.routes.survey_results import XLSX
from participation.services import contribution_export
from participation.services.errors import NotFound
from participation.services.events.sites import get_site

# One site's contributions only (?site=<id>): an id of another process's site finds none.
SiteParam = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)]


async def _site_of(db: Db, process: Process, site: int | None) -> int | None:
    """The site to narrow to; an unknown one is a 404, not a silently empty file."""
    if site is None:
        return None
    try:
        await get_site(db, process.id or 0, site)
    except NotFound as exc:
        raise NotFoundException() from exc
    return site


def _attachment(slug: str, extension: str) -> dict[str, str]:
    name = f"beitraege-{file_slug(slug)}.{extension}"
    return {"Content-Disposition": f'attachment; filename="{name}"'}


class ContributionExportController(Controller):
    path = "/admin/processes/{slug:str}"
    # Signed-in staff get this far (anonymous visitors are sent to sign in); the role (and
    # later the process) is checked by may_export.
    guards = [requires_staff]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    async def _process(self, request: Request[Any, Any, Any], db: Db, slug: str) -> Process:
        process = (await load_process(db, slug)).process
        if not contribution_export.may_export(guarded_user(request), process):
            raise PermissionDeniedException("Your role does not allow this")
        return process

    @get("/beitraege.csv", cache=False)
    async def export_csv(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        slug: FromPath[str],
        site: SiteParam = None,
    ) -> Stream:
        process = await self._process(request, db, slug)
        assert process.id is not None
        chunks = contribution_export.csv_stream(
            state.sessionmaker,
            process.id,
            state.settings.time_zone,
            scope=await guarded_scope(request),
            site_id=await _site_of(db, process, site),
        )
        return Stream(
            chunks, media_type="text/csv; charset=utf-8", headers=_attachment(slug, "csv")
        )

    @get("/beitraege.xlsx", cache=False)
    async def export_xlsx(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        slug: FromPath[str],
        site: SiteParam = None,
    ) -> Response[bytes]:
        process = await self._process(request, db, slug)
        assert process.id is not None
        pages = contribution_export.export_pages(
            db,
            process.id,
            state.settings.time_zone,
            scope=await guarded_scope(request),
            site_id=await _site_of(db, process, site),
        )
        content = await contribution_export.write_xlsx(pages)
        return Response(content, media_type=XLSX, headers=_attachment(slug, "xlsx"))
