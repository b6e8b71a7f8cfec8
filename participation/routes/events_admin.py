"""Sites and events of a process, for admins: add, rename and remove sites; create, edit
and delete events. Plain forms, POST-redirect-GET; a refused removal says why."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import requires_admin
from participation.i18n import _
from participation.models import Event, Process, Site
from participation.routes import Db, FormData
from participation.routes.processes import load_process
from participation.services.errors import NotFound, ValidationFailed
from participation.services.events import events, sites
from participation.services.events.events import EventForm
from participation.services.events.sites import SiteForm

AnyRequest = Request[Any, Any, Any]


async def _process(db: Db, slug: str) -> Process:
    return (await load_process(db, slug)).process


async def _site(db: Db, process: Process, site_id: int) -> Site:
    try:
        return await sites.get_site(db, process.id or 0, site_id)
    except NotFound as exc:
        raise NotFoundException() from exc


async def _event(db: Db, process: Process, event_id: int) -> Event:
    try:
        return await events.get_event(db, process.id or 0, event_id)
    except NotFound as exc:
        raise NotFoundException() from exc


async def _sites_page(
    db: Db,
    process: Process,
    form: SiteForm | None = None,
    editing: tuple[int, SiteForm] | None = None,
    removal_error: tuple[int, str] | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        "pages/events_admin/sites.html",
        context={
            "process": process,
            "sites": await sites.list_sites(db, process.id or 0),
            "form": form or SiteForm(),
            "editing": editing,
            "removal_error": removal_error,
        },
        status_code=status_code,
    )


def _event_form_page(
    process: Process, form: EventForm, event: Event | None, status_code: int = 200
) -> Template:
    base = f"/admin/processes/{process.slug}/veranstaltungen"
    return Template(
        "pages/events_admin/event_form.html",
        context={
            "process": process,
            "form": form,
            "event": event,
            "action": f"{base}/{event.id}" if event else f"{base}/neu",
        },
        status_code=status_code,
    )


class SiteAdminController(Controller):
    path = "/admin/processes/{slug:str}/standorte"
    guards = [requires_admin]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/", cache=False)
    async def index(self, db: Db, slug: FromPath[str]) -> Template:
        return await _sites_page(db, await _process(db, slug))

    @post("/")
    async def add(
        self, request: AnyRequest, db: Db, slug: FromPath[str], data: FormData
    ) -> Template | Redirect:
        process = await _process(db, slug)
        form = SiteForm.from_form(data)
        try:
            site = await sites.add_site(db, process.id or 0, form)
        except ValidationFailed:
            return await _sites_page(db, process, form, status_code=HTTP_422_UNPROCESSABLE_ENTITY)
        flash(request, _("Site added: “%(name)s”.") % {"name": site.name}, "success")
        return Redirect(f"/admin/processes/{slug}/standorte", status_code=303)

    @post("/{site_id:int}")
    async def update(
        self,
        request: AnyRequest,
        db: Db,
        slug: FromPath[str],
        site_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        process = await _process(db, slug)
        site = await _site(db, process, site_id)
        form = SiteForm.from_form(data)
        try:
            await sites.update_site(db, site, form)
        except ValidationFailed:
            return await _sites_page(
                db, process, editing=(site_id, form), status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        flash(request, _("Site saved: “%(name)s”.") % {"name": site.name}, "success")
        return Redirect(f"/admin/processes/{slug}/standorte", status_code=303)

    @post("/{site_id:int}/entfernen")
    async def remove(
        self, request: AnyRequest, db: Db, slug: FromPath[str], site_id: FromPath[int]
    ) -> Template | Redirect:
        process = await _process(db, slug)
        site = await _site(db, process, site_id)
        name = site.name
        try:
            await sites.remove_site(db, site)
        except ValidationFailed as failed:
            return await _sites_page(
                db,
                process,
                removal_error=(site_id, failed.errors["site"]),
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        flash(request, _("Site removed: “%(name)s”.") % {"name": name}, "success")
        return Redirect(f"/admin/processes/{slug}/standorte", status_code=303)


class EventAdminController(Controller):
    path = "/admin/processes/{slug:str}/veranstaltungen"
    guards = [requires_admin]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/", cache=False)
    async def index(self, db: Db, slug: FromPath[str]) -> Template:
        process = await _process(db, slug)
        return Template(
            "pages/events_admin/events.html",
            context={"process": process, "events": await events.all_events(db, process.id or 0)},
        )

    @get("/neu", cache=False)
    async def new(self, db: Db, slug: FromPath[str]) -> Template:
        return _event_form_page(await _process(db, slug), EventForm(), None)

    @post("/neu")
    async def create(
        self, request: AnyRequest, db: Db, state: State, slug: FromPath[str], data: FormData
    ) -> Template | Redirect:
        process = await _process(db, slug)
        return await self._save(request, db, state, process, None, data)

    @get("/{event_id:int}", cache=False)
    async def edit(
        self, db: Db, state: State, slug: FromPath[str], event_id: FromPath[int]
    ) -> Template:
        process = await _process(db, slug)
        event = await _event(db, process, event_id)
        return _event_form_page(process, EventForm.of(event, state.settings.time_zone), event)

    @post("/{event_id:int}")
    async def update(
        self,
        request: AnyRequest,
        db: Db,
        state: State,
        slug: FromPath[str],
        event_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        process = await _process(db, slug)
        event = await _event(db, process, event_id)
        return await self._save(request, db, state, process, event, data)

    @post("/{event_id:int}/loeschen")
    async def delete(
        self, request: AnyRequest, db: Db, slug: FromPath[str], event_id: FromPath[int]
    ) -> Redirect:
        process = await _process(db, slug)
        event = await _event(db, process, event_id)
        title = event.title
        await events.delete_event(db, event)
        flash(request, _("Event deleted: “%(title)s”.") % {"title": title}, "success")
        return Redirect(f"/admin/processes/{slug}/veranstaltungen", status_code=303)

    @staticmethod
    async def _save(
        request: AnyRequest,
        db: Db,
        state: State,
        process: Process,
        event: Event | None,
        data: dict[str, str],
    ) -> Template | Redirect:
        form = EventForm.from_form(data)
        try:
            saved = await events.save_event(
                db, process.id or 0, event, form, state.settings.time_zone
            )
        except ValidationFailed:
            return _event_form_page(process, form, event, HTTP_422_UNPROCESSABLE_ENTITY)
        flash(request, _("Event saved: “%(title)s”.") % {"title": saved.title}, "success")
        return Redirect(f"/admin/processes/{process.slug}/veranstaltungen", status_code=303)
