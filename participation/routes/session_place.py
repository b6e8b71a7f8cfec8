"""Where a live session took place: a small staff page to set its site and event. Closing
the session carries the site onto its contributions (services/events/session_place.py)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_user, requires_facilitator
from participation.i18n import _
from participation.models import FocusGroupSession
from participation.routes import Db, FormData
from participation.services import focus_groups
from participation.services.errors import NotFound, ValidationFailed
from participation.services.events import session_place
from participation.services.events.session_place import PlaceForm

AnyRequest = Request[Any, Any, Any]


async def _live(db: Db, request: AnyRequest, session_id: int) -> FocusGroupSession:
    try:
        return await focus_groups.session_for(db, session_id, guarded_user(request))
    except NotFound as exc:
        raise NotFoundException() from exc


async def _page(
    db: Db, live: FocusGroupSession, form: PlaceForm, status_code: int = 200
) -> Template:
    site_choices, event_choices = await session_place.place_choices(db, live.process_id)
    return Template(
        "pages/events_admin/session_place.html",
        context={
            "live": live,
            "form": form,
            "site_choices": site_choices,
            "event_choices": event_choices,
        },
        status_code=status_code,
    )


class SessionPlaceController(Controller):
    path = "/focus-groups/{session_id:int}/ort"
    guards = [requires_facilitator]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/", cache=False)
    async def show(self, db: Db, request: AnyRequest, session_id: FromPath[int]) -> Template:
        live = await _live(db, request, session_id)
        return await _page(db, live, PlaceForm.of(live))

    @post("/")
    async def save(
        self, db: Db, request: AnyRequest, session_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        live = await _live(db, request, session_id)
        form = PlaceForm.from_form(data)
        try:
            await session_place.set_place(db, live, form)
        except ValidationFailed:
            return await _page(db, live, form, HTTP_422_UNPROCESSABLE_ENTITY)
        flash(request, _("Saved where the session takes place."), "success")
        return Redirect(f"/focus-groups/{session_id}/ort", status_code=303)
