"""The public pages of processes: the list on the home page and one process with its ideas."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from participation.models import utcnow
from participation.routes import Db
from participation.services import idea_list, open_data, processes
from participation.services.contributions import PUBLIC_SEGMENTS, IdeaForm
from participation.services.evaluation.publication import is_published
from participation.services.events.events import process_events
from participation.services.events.sites import list_sites
from participation.services.markdown import render_markdown
from participation.services.processes import ProcessOverview
from participation.services.profiles.public import profile_preview
from participation.services.surveys import open_public_surveys

PageNumber = Annotated[int, QueryParameter(ge=1, le=100_000)]


async def load_process(db: Db, slug: FromPath[str]) -> ProcessOverview:
    overview = await processes.get_process(db, slug)
    if overview is None:
        raise NotFoundException()
    return overview


async def process_page_context(
    db: Db, state: State, overview: ProcessOverview, page: int, form: IdeaForm
) -> dict[str, Any]:
    """Everything the process page shows; also used to re-render it after a failed submit."""
    assert overview.process.id is not None
    ideas = await _newest_ideas(db, state, overview, page)
    return {
        "overview": overview,
        "process": overview.process,
        "description_html": render_markdown(overview.process.description),
        "timeline": processes.timeline(overview.phases, utcnow()),
        "themes": await processes.list_themes(db, overview.process.id),
        "ideas": ideas,
        "form": form,
        "segments": PUBLIC_SEGMENTS,
        "surveys": await open_public_surveys(db, overview.process.id),
        "profiles": await profile_preview(db, overview.process.id),
        "plan_published": await is_published(db, overview.process.id),
        "open_data": open_data.offer(overview.process, state.settings.var_dir),
        "events": await process_events(db, overview.process.id, utcnow(), state.settings.time_zone),
        # The idea form offers the process's sites, if it has any.
        "sites": await list_sites(db, overview.process.id),
    }


async def _newest_ideas(
    db: Db, state: State, overview: ProcessOverview, page: int
) -> processes.Page[idea_list.ListedIdea]:
    """One page of the newest published ideas, with their kept counts, as the list has them."""
    assert overview.process.id is not None
    filters = idea_list.IdeaFilters(page=page)
    return await idea_list.list_ideas(
        db, overview.process.id, filters, state.settings.page_size, overview.published_ideas
    )


class ProcessController(Controller):
    include_in_schema = False

    @get("/", public_page=True)
    async def home(self, db: Db) -> Template:
        return Template(
            "pages/home/index.html", context={"processes": await processes.list_processes(db)}
        )

    @get("/processes/{slug:str}", public_page=True)
    async def detail(
        self, request: HTMXRequest, db: Db, state: State, slug: FromPath[str], page: PageNumber = 1
    ) -> Template:
        overview = await load_process(db, slug)
        if request.htmx and request.htmx.target == "ideas":  # paging: the list alone
            ideas = await _newest_ideas(db, state, overview, page)
            context = {"process": overview.process, "ideas": ideas}
            return Template("partials/processes/_ideas.html", context=context)
        context = await process_page_context(db, state, overview, page, IdeaForm())
        return Template("pages/processes/detail.html", context=context)
