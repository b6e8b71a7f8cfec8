"""The public pages of project profiles (Steckbriefe): a process's published profiles with
filters in the URL, one profile with its breakdown and sources, and its one-page PDF.

A profile that is not published answers 404 here, as if it did not exist. The pages are the
same for every visitor and kept like the other public pages (`public_page=True`)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from participation.auth import requires_moderator
from participation.models import Horizon, OrganisationRole
from participation.routes import Db
from participation.routes.processes import load_process
from participation.services.markdown import render_markdown
from participation.services.processes import ProcessOverview, list_themes
from participation.services.profiles import export, public, sheet
from participation.services.profiles.breakdown import (
    Breakdown,
    sector_label,
    size_label,
    source_breakdown,
)
from participation.services.profiles.notices import profile_path
from participation.services.tracking import timeline

PageNumber = Annotated[int, QueryParameter(ge=1, le=public.PAGE_MAX)]
# The profile's text fields in the order the page shows them, with their headings.
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_FIELDS = ("summary", "problem", "goal", "measures", "funding")


async def _profile_context(
    db: Db, overview: ProcessOverview, profile_id: int, page: int
) -> dict[str, Any]:
    process_id = overview.process.id
    assert process_id is not None
    detail = await public.profile_detail(db, process_id, profile_id)
    if detail is None:
        raise NotFoundException()
    breakdown: Breakdown = await source_breakdown(db, profile_id)
    sources = await public.public_sources(db, detail.profile, page, breakdown.public)
    profile = detail.profile
    return {
        "overview": overview,
        "process": overview.process,
        "detail": detail,
        "profile": profile,
        "cost": public.cost_range(profile),
        "texts": {name: render_markdown(getattr(profile, name)) for name in TEXT_FIELDS},
        "breakdown": breakdown,
        "sources": sources,
        "roles": list(OrganisationRole),
        "sector_label": sector_label,
        "size_label": size_label,
        "profile_url": profile_path(overview.process.slug, profile_id),
    }


class ProfileController(Controller):
    path = "/processes/{slug:str}/steckbriefe"
    include_in_schema = False

    @get("/", public_page=True)
    async def index(self, request: HTMXRequest, db: Db, slug: FromPath[str]) -> Template:
        """Published profiles by title; a GET form filters by action field and horizon."""
        overview = await load_process(db, slug)
        process_id = overview.process.id
        assert process_id is not None
        themes = await list_themes(db, process_id)
        params = {name: request.query_params.get(name, "") for name in public.PARAMS}
        filters, errors = public.parse_filters(params, [t.slug for t in themes])
        theme_id = next((t.id for t in themes if t.slug == filters.theme), None)
        found = await public.public_profiles(db, process_id, filters, theme_id)
        context = {
            "overview": overview,
            "process": overview.process,
            "themes": themes,
            "horizons": list(Horizon),
            "filters": filters,
            "errors": errors,
            "found": found,
        }
        return _page_or_part(request, context, "pages/profiles/list.html", "profile-results")

    @get("/{profile_id:int}", public_page=True)
    async def detail(
        self,
        request: HTMXRequest,
        db: Db,
        slug: FromPath[str],
        profile_id: FromPath[int],
        page: PageNumber = 1,
    ) -> Template:
        overview = await load_process(db, slug)
        context = await _profile_context(db, overview, profile_id, page)
        context["qr"] = sheet.qr_data_url(_absolute(request, context["profile_url"]))
        context |= {
            "tracking": await timeline.tracking_of(db, profile_id, context["detail"].indicators),
            "describe": timeline.describe,
            "number": timeline.number,
        }
        return _page_or_part(request, context, "pages/profiles/detail.html", "profile-sources")

    @get("/{profile_id:int}/pdf", public_page=True)
    async def pdf(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        slug: FromPath[str],
        profile_id: FromPath[int],
    ) -> Response[bytes]:
        """The profile as a one-page PDF with a QR code to its page."""
        overview = await load_process(db, slug)
        context = await _profile_context(db, overview, profile_id, 1)
        url = _absolute(request, context["profile_url"])
        context |= {"request": request, "qr": sheet.qr_data_url(url), "page_url": url}
        engine = request.app.template_engine
        assert engine is not None  # app.py configures the Jinja engine
        template = engine.get_template("pages/profiles/sheet.html")
        pdf = await sheet.render_pdf(template.render(**context))
        name = f"steckbrief-{profile_id}.pdf"
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )


# htmx asks for one part of a page (its id); the part's template is partials/profiles/_<name>.
_PARTS: Final = {"profile-results": "_list.html", "profile-sources": "_sources.html"}


def _page_or_part(request: HTMXRequest, context: dict[str, Any], page: str, part: str) -> Template:
    """The whole page, or the part htmx asks for. One address, two answers: caches must tell
    them apart, and htmx restoring history from the server gets the whole page."""
    vary = {"Vary": "HX-Request, HX-Target"}
    htmx = request.htmx
    if htmx and not htmx.history_restore_request and htmx.target == part:
        return Template(f"partials/profiles/{_PARTS[part]}", context=context, headers=vary)
    return Template(page, context=context, headers=vary)


def _absolute(request: Request[Any, Any, Any], path: str) -> str:
    base = request.app.state.settings.base_url or str(request.base_url).rstrip("/")
    return str(base) + path


class ProfileExportController(Controller):
    """A process's profiles, all statuses, with sources and indicators: moderators, admins."""

    path = "/admin/processes/{slug:str}/steckbriefe"
    guards = [requires_moderator]  # noqa: RUF012
    include_in_schema = False

    @get("/export.csv", cache=False)
    async def export_csv(self, db: Db, state: State, slug: FromPath[str]) -> Response[bytes]:
        return await self._export(db, state, slug, "csv")

    @get("/export.xlsx", cache=False)
    async def export_xlsx(self, db: Db, state: State, slug: FromPath[str]) -> Response[bytes]:
        return await self._export(db, state, slug, "xlsx")

    async def _export(self, db: Db, state: State, slug: str, extension: str) -> Response[bytes]:
        overview = await load_process(db, slug)
        assert overview.process.id is not None
        found = await export.profile_export(db, overview.process.id, state.settings.time_zone)
        if extension == "csv":
            content, media_type = await export.write_csv(found), "text/csv; charset=utf-8"
        else:
            content, media_type = await export.write_xlsx(found), XLSX
        name = f"steckbriefe-{file_slug(slug)}.{extension}"
        return Response(
            content,
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


def file_slug(slug: str) -> str:
    # Only plain characters in a header.
    return re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-") or "verfahren"
