"""A process's open data for everyone: the ZIP (CSV files, datapackage.json, README.md) and,
in the API, what it holds. Both answer 404 while the process has no licence
(services/open_data.licence_for decides it)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File

from participation.routes import Db
from participation.routes.processes import load_process
from participation.routes.profiles import file_slug
from participation.services import open_data
from participation.services.errors import NotFound
from participation.services.evaluation.publication import is_published


def _process_url(request: Request[Any, Any, Any], state: State, slug: str) -> str:
    site = state.settings.base_url or str(request.base_url).rstrip("/")
    return f"{site}/processes/{slug}"


class OpenDataController(Controller):
    @get("/processes/{slug:str}/offene-daten.zip", cache=False, include_in_schema=False)
    async def download(
        self, request: Request[Any, Any, Any], db: Db, state: State, slug: FromPath[str]
    ) -> File:
        """The ZIP as kept, or written now when what it holds has changed (see
        services/open_data); saved as <slug>-open-data-<day of the extract>.zip."""
        process = (await load_process(db, slug)).process
        settings = state.settings
        try:
            package = await open_data.ensure_package(
                db,
                process,
                settings.var_dir,
                publisher=settings.site_name,
                process_url=_process_url(request, state, slug),
            )
        except NotFound as exc:
            raise NotFoundException() from exc
        return File(
            path=package.path,
            filename=package.filename(file_slug(slug), settings.time_zone),
            media_type="application/zip",
        )

    @get(
        "/api/v1/processes/{slug:str}/open-data",
        summary="The open-data resources of a process",
        public_page=True,
    )
    async def resources(
        self, request: Request[Any, Any, Any], db: Db, state: State, slug: FromPath[str]
    ) -> dict[str, Any]:
        """The licence, the download's address and each CSV file in it with its fields, as
        in the package's datapackage.json."""
        process = (await load_process(db, slug)).process
        licence = open_data.licence_for(process)
        if licence is None or process.id is None:
            raise NotFoundException()
        plan_published = await is_published(db, process.id)
        url = _process_url(request, state, slug)
        return open_data.outline(process, licence, plan_published, f"{url}/offene-daten.zip")
