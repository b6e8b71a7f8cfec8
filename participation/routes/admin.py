"""Process administration for admins: list, create and edit a process with its phases,
action fields (themes), moderation mode and open channels.

The repeating rows (phases, themes) work without JavaScript: "add", "remove" and "move"
are submit buttons that send the whole form back and get it again with all input kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_user, requires_admin
from participation.i18n import _
from participation.inputs import parse_int
from participation.models import Channel, ModerationMode, PhaseKind, Process
from participation.routes import Db, FormData
from participation.services import processes, retention
from participation.services.errors import ValidationFailed
from participation.services.open_data import LICENCES
from participation.services.plain_help import HELP_TEXTS, PLAIN_DESCRIPTION_MAX, PLAIN_HELP_MAX
from participation.services.processes import ProcessForm


def _form_page(
    form: ProcessForm,
    process: Process | None,
    status_code: int = 200,
    data_deleted_from: datetime | None = None,
    retention_days: int = 0,
) -> Template:
    action = f"/admin/processes/{process.slug}/edit" if process else "/admin/processes/new"
    return Template(
        "pages/admin/process_form.html",
        context={
            "form": form,
            "process": process,
            "action": action,
            "phase_kinds": list(PhaseKind),
            "channels": list(Channel),
            "modes": list(ModerationMode),
            "licence_choices": [(code.value, lic.title) for code, lic in LICENCES.items()],
            # The plain idea form's steps whose help texts the admin may write.
            "plain_help_texts": HELP_TEXTS,
            "plain_description_max": PLAIN_DESCRIPTION_MAX,
            "plain_help_max": PLAIN_HELP_MAX,
            # The day the daily purge takes this process's personal data (services/retention.py).
            "data_deleted_from": data_deleted_from,
            "retention_days": retention_days,
        },
        status_code=status_code,
    )


class ProcessAdminController(Controller):
    path = "/admin/processes"
    guards = [requires_admin]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/", cache=False)
    async def index(self, db: Db) -> Template:
        return Template(
            "pages/admin/processes.html",
            context={"processes": await processes.list_processes(db)},
        )

    @get("/new", cache=False)
    async def new(self) -> Template:
        return _form_page(ProcessForm.new(), None)

    @post("/new")
    async def create(
        self, request: Request[Any, Any, Any], db: Db, state: State, data: FormData
    ) -> Template | Redirect:
        return await self._submit(request, db, state, None, data)

    @get("/{slug:str}/edit", cache=False)
    async def edit(self, db: Db, state: State, slug: FromPath[str]) -> Template:
        found = await processes.get_process_for_edit(db, slug)
        if found is None:
            raise NotFoundException()
        process, phases, themes = found
        form = processes.form_for(process, phases, themes, state.settings.time_zone)
        days = state.settings.retention_days
        deleted_from = retention.deletion_date((phase.ends_at for phase in phases), days)
        return _form_page(form, process, data_deleted_from=deleted_from, retention_days=days)

    @post("/{slug:str}/edit")
    async def update(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        slug: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        found = await processes.get_process_for_edit(db, slug)
        if found is None:
            raise NotFoundException()
        return await self._submit(request, db, state, found[0], data)

    @staticmethod
    async def _submit(
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        process: Process | None,
        data: dict[str, str],
    ) -> Template | Redirect:
        form = ProcessForm.from_form(data)
        action = data.get("action", "save")
        if action.startswith("theme-keep-") and process is not None:
            theme_id = parse_int(action.removeprefix("theme-keep-"))
            if theme_id is not None:
                await processes.restore_theme(db, process, form, theme_id)
            return _form_page(form, process)
        if processes.apply_row_action(form, action):
            return _form_page(form, process)
        try:
            saved = await processes.save_process(
                db, process, form, guarded_user(request), state.settings.time_zone
            )
        except ValidationFailed:  # nothing was written: the form comes back with its messages
            return _form_page(form, process, HTTP_422_UNPROCESSABLE_ENTITY)
        flash(request, _("Saved: “%(title)s”.") % {"title": saved.title}, "success")
        return Redirect(f"/admin/processes/{saved.slug}/edit", status_code=303)
