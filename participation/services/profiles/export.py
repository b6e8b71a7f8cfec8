"""A process's project profiles for offline work: CSV (one line per profile and source, for
German Excel: UTF-8 with BOM, `;`) and XLSX (write-only: a sheet of profiles, one of their
sources, one of their indicators).

Sources are read in batches of ids with their contributions, so memory stays flat with
thousands of them; the files are written in worker threads. Cells a spreadsheet would run as
formulas are defused as in the survey export.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

import anyio.to_thread
from openpyxl import Workbook
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.labels import label
from participation.models import (
    Contribution,
    Profile,
    ProfileIndicator,
    ProfileSource,
    ProfileTheme,
    Theme,
)
from participation.services.spreadsheet_cells import Cell, csv_lines, xlsx_cell

BATCH: Final = 1000


@dataclass(frozen=True)
class ProfileExport:
    """What goes into the files; `source_batches` reads the sources as they are written."""

    profiles: Sequence[list[Cell]]  # one row per profile, PROFILE_HEADER's columns
    profile_ids: Sequence[int]
    indicators: Sequence[list[Cell]]
    source_batches: AsyncIterator[list[list[Cell]]]


def profile_header() -> list[str]:
    return [
        _("Profile ID"),
        _("Title"),
        _("Status"),
        _("Action fields"),
        _("Horizon"),
        _("Cost from (EUR)"),
        _("Cost to (EUR)"),
        _("Summary"),
        _("Starting point"),
        _("Goal"),
        _("Measures"),
        _("Target groups"),
        _("Funding"),
        _("Sources"),
        _("Updated"),
        _("Published"),
    ]


def source_header() -> list[str]:
    return [
        _("Profile ID"),
        _("Contribution ID"),
        _("Kind"),
        _("Channel"),
        _("Segment"),
        _("Sector (WZ 2008)"),
        _("Size class"),
        _("Title"),
        _("Text"),
        _("Status"),
    ]


def indicator_header() -> list[str]:
    return [_("Profile ID"), _("Indicator"), _("Unit"), _("Baseline"), _("Target"), _("By")]


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else ""


async def profile_export(
    session: AsyncSession, process_id: int, time_zone: str, *, batch: int = BATCH
) -> ProfileExport:
    zone = ZoneInfo(time_zone)
    profiles = list(
        await session.exec(
            select(Profile)
            .where(Profile.process_id == process_id)
            .order_by(col(Profile.title), col(Profile.id))
        )
    )
    ids = [p.id for p in profiles if p.id is not None]
    themes: dict[int, list[str]] = {}
    for profile_id, name in await session.exec(
        select(ProfileTheme.profile_id, Theme.name)
        .join(Theme, col(Theme.id) == ProfileTheme.theme_id)
        .join(Profile, col(Profile.id) == ProfileTheme.profile_id)
        .where(Profile.process_id == process_id)
        .order_by(col(ProfileTheme.is_primary).desc(), col(Theme.position))
    ):
        themes.setdefault(profile_id, []).append(name)
    indicators = await session.exec(
        select(ProfileIndicator)
        .join(Profile, col(Profile.id) == ProfileIndicator.profile_id)
        .where(Profile.process_id == process_id)
        .order_by(col(ProfileIndicator.profile_id), col(ProfileIndicator.position))
    )
    rows: list[list[Cell]] = [
        [
            p.id,
            p.title,
            label(p.status),
            ", ".join(themes.get(p.id or 0, [])),
            label(p.horizon) if p.horizon else "",
            p.cost_min,
            p.cost_max,
            p.summary,
            p.problem,
            p.goal,
            p.measures,
            p.target_groups,
            p.funding,
            p.source_count,
            _when(p.updated_at, zone),
            _when(p.published_at, zone),
        ]
        for p in profiles
    ]
    return ProfileExport(
        profiles=rows,
        profile_ids=ids,
        indicators=[
            [i.profile_id, i.name, i.unit, i.baseline, i.target, i.due] for i in indicators
        ],
        source_batches=_source_batches(session, process_id, batch),
    )


async def _source_batches(
    session: AsyncSession, process_id: int, size: int
) -> AsyncIterator[list[list[Cell]]]:
    """The sources of the process's profiles, by profile and contribution, `size` at a
    time (keyset paging over profile_source's key, so no batch scans the ones before)."""
    after: tuple[int, int] = (0, 0)
    while True:
        batch = list(
            await session.exec(
                select(ProfileSource.profile_id, Contribution)
                .join(Profile, col(Profile.id) == ProfileSource.profile_id)
                .join(Contribution, col(Contribution.id) == ProfileSource.contribution_id)
                .where(
                    Profile.process_id == process_id,
                    (col(ProfileSource.profile_id) > after[0])
                    | (
                        (col(ProfileSource.profile_id) == after[0])
                        & (col(ProfileSource.contribution_id) > after[1])
                    ),
                )
                .order_by(col(ProfileSource.profile_id), col(ProfileSource.contribution_id))
                .limit(size)
            )
        )
        if not batch:
            return
        yield [
            [
                profile_id,
                c.id,
                c.kind.value,
                label(c.channel),
                label(c.segment),
                c.organisation_sector or "",
                c.organisation_size or "",
                c.title,
                c.body,
                label(c.status),
            ]
            for profile_id, c in batch
        ]
        after = (batch[-1][0], batch[-1][1].id or 0)


async def write_csv(export: ProfileExport) -> bytes:
    """One line per profile and source (a profile without sources: one line with its own
    columns only); UTF-8 with BOM and `;` as German Excel opens it."""
    header = [*profile_header(), *source_header()[1:]]
    by_id = {row[0]: row for row in export.profiles}
    seen: set[int] = set()
    parts = ["\ufeff", csv_lines([header])]
    empty_source: list[Cell] = [""] * (len(source_header()) - 1)
    async for batch in export.source_batches:
        lines = []
        for source in batch:
            profile_id = source[0]
            assert isinstance(profile_id, int)
            seen.add(profile_id)
            lines.append([*by_id[profile_id], *source[1:]])
        parts.append(await anyio.to_thread.run_sync(csv_lines, lines))
    alone = [[*row, *empty_source] for row in export.profiles if row[0] not in seen]
    parts.append(csv_lines(alone))
    return "".join(parts).encode("utf-8")


def _sheet(
    workbook: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]
) -> None:
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([xlsx_cell(h) for h in header])
    for row in rows:
        sheet.append([xlsx_cell(cell) for cell in row])


Sheet = tuple[str, Sequence[str], Sequence[Sequence[Cell]]]


def _workbook(sheets: Sequence[Sheet]) -> bytes:
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        _sheet(workbook, title, header, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def write_xlsx(export: ProfileExport) -> bytes:
    """The workbook, written in a worker thread (openpyxl is CPU-bound)."""
    sources = [row async for batch in export.source_batches for row in batch]
    # Titles and headers translated here, in the request's language.
    sheets: list[Sheet] = [
        (_("Profiles"), profile_header(), export.profiles),
        (_("Sources"), source_header(), sources),
        (_("Indicators"), indicator_header(), export.indicators),
    ]
    return await anyio.to_thread.run_sync(_workbook, sheets)
