"""The import page for admins: upload a CSV or XLSX file, map its columns, dry run (every row
error with its line number), then import all rows or none.

Between the steps the file waits under var/imports/ (see services/importing.py); the
forms carry only its random id. Every step is a plain form post, so it all works without
JavaScript."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import requires_admin
from participation.i18n import _
from participation.models import Channel, Process, Segment
from participation.routes import Db, FormData, suggest_later
from participation.routes.uploads import uploaded_table
from participation.services.importing import (
    IMPORT_CHANNELS,
    IMPORT_FIELDS,
    ImportFailed,
    ImportOptions,
    ImportPlan,
    Table,
    UnreadableFile,
    discard_upload,
    guess_mapping,
    load_upload,
    parse_upload,
    plan_import,
    run_import,
    save_upload,
)
from participation.services.processes import get_process

Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
UPLOAD_MAX_BYTES = 10 * 1024 * 1024


async def _process(db: Db, slug: str) -> Process:
    overview = await get_process(db, slug)
    if overview is None:
        raise NotFoundException()
    return overview.process


def _options(data: dict[str, Any], state: State, mapping: dict[str, str]) -> ImportOptions:
    channel = str(data.get("channel", ""))
    segment = str(data.get("segment", ""))
    return ImportOptions(
        mapping=mapping,
        channel=Channel(channel)
        if channel in {c.value for c in IMPORT_CHANNELS}
        else Channel.IMPORT,
        segment=Segment(segment) if segment in {s.value for s in Segment} else Segment.OTHER,
        to_moderation=str(data.get("to_moderation", "")) in {"on", "true", "1"},
        time_zone=state.settings.time_zone,
    )


def _upload_page(process: Process, options: ImportOptions, error: str | None = None) -> Template:
    return Template(
        "pages/admin/import.html",
        context={
            "process": process,
            "options": options,
            "error": error,
            "channels": IMPORT_CHANNELS,
            "segments": list(Segment),
        },
        status_code=HTTP_422_UNPROCESSABLE_ENTITY if error else 200,
    )


def _mapping_page(
    process: Process,
    table: Table,
    upload_id: str,
    options: ImportOptions,
    plan: ImportPlan | None = None,
) -> Template:
    return Template(
        "pages/admin/import_map.html",
        context={
            "process": process,
            "table": table,
            "upload_id": upload_id,
            "options": options,
            "plan": plan,
            "fields": IMPORT_FIELDS,
            "channels": IMPORT_CHANNELS,
            "segments": list(Segment),
        },
        status_code=HTTP_422_UNPROCESSABLE_ENTITY if plan and plan.errors else 200,
    )


class ImportAdminController(Controller):
    path = "/admin/processes/{slug:str}/import"
    guards = [requires_admin]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/", cache=False)
    async def upload_form(self, db: Db, state: State, slug: FromPath[str]) -> Template:
        process = await _process(db, slug)
        return _upload_page(process, _options({}, state, {}))

    @post("/", request_max_body_size=UPLOAD_MAX_BYTES + 64 * 1024)
    async def upload(self, db: Db, state: State, slug: FromPath[str], data: Upload) -> Template:
        """Keep the file and show its columns, each field pre-filled from the header names."""
        process = await _process(db, slug)
        options = _options(data, state, {})
        try:
            filename, content, table = await uploaded_table(data.get("file"))
            upload_id = await save_upload(state.settings.var_dir, filename, content)
        except UnreadableFile as error:
            return _upload_page(process, options, str(error))
        mapping = guess_mapping(table.header)
        return _mapping_page(process, table, upload_id, _options(data, state, mapping))

    @post("/check")
    async def check(self, db: Db, state: State, slug: FromPath[str], data: FormData) -> Template:
        """Dry run (the default button) or import; both check every row first."""
        process = await _process(db, slug)
        mapping = {name: data.get(f"map_{name}", "") for name in IMPORT_FIELDS}
        options = _options(dict(data), state, mapping)
        upload_id = data.get("upload", "")
        name = data.get("name", "") or "import.csv"
        content = await load_upload(state.settings.var_dir, upload_id)
        if content is None:
            return _upload_page(
                process, options, _("The uploaded file is no longer there; please upload it again.")
            )
        try:
            # The kept file's id has the trusted ending; rows are reported under its name.
            table = replace(await parse_upload(upload_id, content), name=name)
        except UnreadableFile as error:
            return _upload_page(process, options, str(error))
        if data.get("action") != "import":
            plan = await plan_import(db, process, table, options)
            return _mapping_page(process, table, upload_id, options, plan)
        try:
            ids = await run_import(db, process, table, options)
        except ImportFailed as failed:
            return _mapping_page(
                process, table, upload_id, options, ImportPlan(errors=failed.errors)
            )
        await discard_upload(state.settings.var_dir, upload_id)
        # Theme suggestions once the import is committed, after the answer has gone out;
        # the tagger itself runs in a worker thread.
        suggest_later(state, process.id or 0, ids)
        return Template(
            "pages/admin/import_done.html",
            context={"process": process, "imported": len(ids), "options": options, "name": name},
        )
