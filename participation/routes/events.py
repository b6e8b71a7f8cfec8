"""An event's public page: its date, place, agenda and registration link; after the event,
the published contributions its live sessions collected, paged."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from participation.models import utcnow
from participation.routes import Db
from participation.routes.processes import load_process
from participation.services.errors import NotFound
from participation.services.events import events
from participation.services.markdown import render_markdown

PageNumber = Annotated[int, QueryParameter(ge=1, le=100_000)]


class EventController(Controller):
    include_in_schema = False

    @get("/processes/{slug:str}/veranstaltungen/{event_id:int}", public_page=True, cache=False)
    async def show(
        self,
        db: Db,
        state: State,
        slug: FromPath[str],
        event_id: FromPath[int],
        page: PageNumber = 1,
    ) -> Template:
        overview = await load_process(db, slug)
        try:
            event = await events.get_event(db, overview.process.id or 0, event_id)
        except NotFound as exc:
            raise NotFoundException() from exc
        found = await events.event_page(db, event, page, utcnow(), state.settings.time_zone)
        return Template(
            "pages/events/event.html",
            context={
                "process": overview.process,
                "found": found,
                "agenda_html": render_markdown(event.agenda),
            },
        )
