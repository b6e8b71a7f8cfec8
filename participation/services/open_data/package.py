"""Writing the open-data ZIP: a CSV file per resource, datapackage.json (a Frictionless
Data package descriptor) and README.md.

The database is read on the event loop (the async drivers wait without blocking it); turning
a batch into CSV and compressing it runs in a worker thread, so building the package for
100,000 contributions holds up no other request. Only one batch is in memory at a time.

The CSV files are RFC 4180: UTF-8 without BOM, comma-separated, quoted where needed, lines
ending in CRLF, a header row; times in UTC as ISO 8601. Text starting with =, +, -, @, a tab
or a carriage return gets an apostrophe in front, as in the staff exports, so that a
spreadsheet does not run it as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Final

import anyio.to_thread
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import N_, _, gettext
from participation.labels import label
from participation.models import (
    PUBLIC_PROFILE_STATUSES,
    Channel,
    ContributionKind,
    Horizon,
    OrganisationKind,
    OrganisationRole,
    Process,
    ProfileStatus,
    Segment,
)
from participation.services.contribution_export import KINDS
from participation.services.open_data.licences import Licence, attribution
from participation.services.open_data.resources import (
    EXPORTED_KINDS,
    Resource,
    Scope,
    Shape,
    resources_for,
)
from participation.services.spreadsheet_cells import defuse

DELIMITER: Final = ","
# The codes of the columns that hold one, as README.md lists them: those that can occur.
CODES: Final[tuple[tuple[str, Sequence[StrEnum]], ...]] = (
    ("kind", EXPORTED_KINDS),
    ("channel", tuple(Channel)),
    ("segment", tuple(Segment)),
    ("horizon", tuple(Horizon)),
    ("status", tuple(s for s in ProfileStatus if s in PUBLIC_PROFILE_STATUSES)),
    ("role", tuple(OrganisationRole)),
    ("kind (profile_organisations)", tuple(OrganisationKind)),
)


def _code_label(code: StrEnum) -> str:
    if isinstance(code, ContributionKind):  # labelled where the staff export names kinds
        return gettext(KINDS[code])
    return label(code)


@dataclass(frozen=True)
class About:
    """What the README and the descriptor say about the package beyond its rows."""

    process: Process
    licence: Licence
    publisher: str  # the site's name
    process_url: str
    created: datetime


@dataclass(frozen=True)
class Written:
    resource: Resource
    rows: int
    bytes: int


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, str):
        return defuse(value)
    return value


def _write_rows(entry: IO[bytes], rows: Sequence[Sequence[Any]], shape: Shape | None = None) -> int:
    """One batch as CSV into the open ZIP entry (in a worker thread)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerows([_cell(v) for v in (shape(row) if shape else row)] for row in rows)
    entry.write(buffer.getvalue().encode("utf-8"))
    return len(rows)


async def _write_resource(
    archive: zipfile.ZipFile, session: AsyncSession, resource: Resource, scope: Scope
) -> Written:
    entry = await anyio.to_thread.run_sync(archive.open, resource.path, "w")
    count = 0
    try:
        header = [c.name for c in resource.columns]
        await anyio.to_thread.run_sync(_write_rows, entry, [header])
        async for rows in resource.rows(session, scope):
            count += await anyio.to_thread.run_sync(_write_rows, entry, rows, resource.shape)
    finally:
        await anyio.to_thread.run_sync(entry.close)
    size = archive.getinfo(resource.path).file_size
    return Written(resource, count, size)


def fields_of(resource: Resource) -> list[dict[str, str]]:
    """A resource's fields as a Frictionless table schema names them."""
    return [
        {"name": c.name, "type": c.type, "description": gettext(c.description)}
        for c in resource.columns
    ]


def licence_entry(licence: Licence) -> dict[str, str]:
    """The licence as a Frictionless descriptor names it."""
    return {"name": licence.open_definition_id, "path": licence.url, "title": licence.title}


def descriptor(about: About, written: Sequence[Written]) -> dict[str, Any]:
    """The Frictionless Data package descriptor (tabular data package)."""
    process, licence = about.process, about.licence
    resources = []
    for w in written:
        schema: dict[str, Any] = {"fields": fields_of(w.resource)}
        if w.resource.primary_key:
            schema["primaryKey"] = list(w.resource.primary_key)
        if w.resource.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": f, "reference": {"resource": other, "fields": key}}
                for f, other, key in w.resource.foreign_keys
            ]
        resources.append(
            {
                "name": w.resource.name,
                "path": w.resource.path,
                "profile": "tabular-data-resource",
                "title": gettext(w.resource.description),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": w.bytes,
                "dialect": {"delimiter": DELIMITER, "lineTerminator": "\r\n", "header": True},
                "schema": schema,
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": f"{process.slug}-open-data",
        "title": process.title,
        "description": process.summary,
        "homepage": about.process_url,
        "created": _cell(about.created),
        "licenses": [licence_entry(licence)],
        "sources": [{"title": about.publisher, "path": about.process_url}],
        "resources": resources,
    }


def readme(about: About, written: Sequence[Written], plan_published: bool) -> str:
    """README.md: the process, the date of the extract, the licence, every file and field,
    the codes, and what was left out and why."""
    process, licence = about.process, about.licence
    created = about.created.astimezone(UTC)
    lines = [
        "# " + _("Open data: %(process)s") % {"process": process.title},
        "",
        process.summary,
        "",
        "- "
        + _("Process: %(title)s (%(url)s)") % {"title": process.title, "url": about.process_url},
        "- " + _("Published by: %(publisher)s") % {"publisher": about.publisher},
        "- " + _("Date of the extract: %(when)s UTC") % {"when": f"{created:%Y-%m-%d %H:%M}"},
        "",
        "## " + _("Licence"),
        "",
        f"{licence.title}: {licence.url}",
        "",
        (
            _("When you reuse the data, name the source like this:")
            if licence.attribution_required
            else _("No source note is required; we would be glad of one like this:")
        ),
        "",
        "> " + attribution(licence, about.publisher, process.title, created.year),
        "",
        "## " + _("Format"),
        "",
        _(
            "Each table is a CSV file as in RFC 4180: UTF-8 without byte order mark, fields "
            "separated by commas, quoted where needed, a header row. Times are in UTC (ISO "
            "8601). Text that starts with =, +, -, @, a tab or a line break has an apostrophe "
            "(') in front, so that spreadsheets do not run it as a formula: remove it when you "
            "process the text. datapackage.json describes every file and field in the "
            "Frictionless Data format (frictionlessdata.io). To open a file in Excel, use "
            "Data > From Text/CSV and choose UTF-8 and the comma."
        ),
        "",
        "## " + _("Files and fields"),
        "",
    ]
    for w in written:
        lines += [f"### {w.resource.path}", "", gettext(w.resource.description)]
        lines += ["", _("Rows: %(rows)d") % {"rows": w.rows}, ""]
        lines += ["| " + " | ".join((_("Field"), _("Type"), _("Meaning"))) + " |"]
        lines += ["| --- | --- | --- |"]
        lines += [f"| {c.name} | {c.type} | {gettext(c.description)} |" for c in w.resource.columns]
        lines.append("")
    lines += ["## " + _("Codes"), ""]
    for column, enum in CODES:
        values = ", ".join(f"`{m.value}` ({_code_label(m)})" for m in enum)
        lines += [f"- **{column}**: {values}"]
    lines += ["", "## " + _("What is not in it, and why"), ""]
    lines += [f"- {gettext(text)}" for text in LEFT_OUT]
    if not plan_published:
        lines.append(f"- {gettext(PLAN_NOT_PUBLISHED)}")
    lines.append("")
    return "\n".join(lines)


LEFT_OUT: Final = (
    N_(
        "Personal data: no names, e-mail addresses, organisation names of contributors, "
        "pseudonyms of focus-group members, follow links, network addresses. Contributors "
        "were promised that only their text is published."
    ),
    N_("The sector and size class of firms: with the municipality they could identify a firm."),
    N_(
        "Contributions that are not published: waiting for review, rejected, hidden, merged "
        "into another (the kept idea's page shows their texts) or deleted by their authors; "
        "comments on them."
    ),
    N_(
        "Moderation reasons, internal notes, the moderation log and suggested action fields "
        "that no moderator confirmed: they are staff's working material, not published."
    ),
    N_("Clusters of the text analysis: staff use them to read, they are not published."),
    N_("Profiles that are not published, and the working groups' internal comments."),
    N_("Individual ratings of evaluators: only the means per criterion are published."),
)
PLAN_NOT_PUBLISHED: Final = N_("The plan (priority groups and scores): it is not published yet.")


def _zip_text(archive: zipfile.ZipFile, name: str, text: str) -> None:
    archive.writestr(name, text.encode("utf-8"))


async def write_package(
    session: AsyncSession, target: Path, about: About, scope: Scope
) -> list[Written]:
    """The ZIP at `target` (created or replaced); what each file holds."""
    archive = await anyio.to_thread.run_sync(
        lambda: zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
    )
    try:
        written = [
            await _write_resource(archive, session, resource, scope)
            for resource in resources_for(scope.plan is not None)
        ]
        package = json.dumps(descriptor(about, written), ensure_ascii=False, indent=2)
        text = readme(about, written, scope.plan is not None)
        await anyio.to_thread.run_sync(_zip_text, archive, "datapackage.json", package)
        await anyio.to_thread.run_sync(_zip_text, archive, "README.md", text)
    finally:
        await anyio.to_thread.run_sync(archive.close)
    return written
