"""The published plan of a process for everyone: its priority groups with their profiles, the
same by action field (`?ansicht=handlungsfelder`), how it was rated, and the plan as PDF and
XLSX. While the plan is not published all of these answer 404.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from participation.models import OrganisationRole
from participation.routes import Db
from participation.routes.processes import load_process
from participation.routes.profiles import XLSX, file_slug
from participation.services.errors import NotFound
from participation.services.evaluation import plan, plan_files
from participation.services.evaluation.plan import BY_FIELD, BY_GROUP, Plan
from participation.services.markdown import render_markdown
from participation.services.processes import ProcessOverview
from participation.services.profiles import sheet
from participation.services.profiles.breakdown import sector_label, size_label

PDF_TEXTS: Final = ("summary", "problem", "goal", "measures")


async def _plan(db: Db, slug: str, *, means: bool = True) -> tuple[ProcessOverview, Plan]:
    overview = await load_process(db, slug)
    try:
        found = await plan.plan_of(db, overview.process.id or 0, means=means)
    except NotFound as exc:
        raise NotFoundException() from exc
    return overview, found


def _context(overview: ProcessOverview, found: Plan) -> dict[str, Any]:
    return {
        "overview": overview,
        "process": overview.process,
        "plan": found,
        "method": found.method,
        "breakdown": found.method.contributions,
        "sector_label": sector_label,
        "size_label": size_label,
        "decimal": plan.decimal,
        "number": plan.number,
        "by_group": BY_GROUP,
        "by_field": BY_FIELD,
    }


class PlanController(Controller):
    path = "/processes/{slug:str}"
    include_in_schema = False

    @get("/plan", public_page=True)
    async def page(self, db: Db, slug: FromPath[str], ansicht: FromQuery[str] = "") -> Template:
        overview, found = await _plan(db, slug, means=False)
        context = _context(overview, found)
        context["view"] = BY_FIELD if ansicht == BY_FIELD else BY_GROUP
        return Template("pages/plan/plan.html", context=context)

    @get("/plan.pdf", public_page=True)
    async def pdf(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str]
    ) -> Response[bytes]:
        """The plan as a PDF: cover, method, the groups as tables and a page per profile of
        the first group."""
        overview, found = await _plan(db, slug)
        context = _context(overview, found)
        first = found.groups[0].profiles if found.groups else []
        context |= {
            "request": request,
            "first_group": found.groups[0] if found.groups else None,
            "texts": {
                placed.id: {
                    name: render_markdown(getattr(placed.profile, name)) for name in PDF_TEXTS
                }
                for placed in first
            },
            "lead_role": OrganisationRole.LEAD,
        }
        engine = request.app.template_engine
        assert engine is not None  # app.py configures the Jinja engine
        html = engine.get_template("pages/plan/plan_pdf.html").render(**context)
        content = await sheet.render_pdf(html)
        return Response(
            content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="plan-{file_slug(slug)}.pdf"'},
        )

    @get("/plan.xlsx", public_page=True)
    async def xlsx(self, db: Db, slug: FromPath[str]) -> Response[bytes]:
        """One row per placed profile (group, rank, score, per-criterion means and spread),
        and a sheet of the criteria and their weights."""
        _overview, found = await _plan(db, slug)
        content = await plan_files.write_xlsx(found)
        return Response(
            content,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="plan-{file_slug(slug)}.xlsx"'},
        )
