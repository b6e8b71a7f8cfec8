"""A survey's sent responses as a table: one row per response, one column per question,
written as CSV (for German Excel: UTF-8 with BOM, `;`) or XLSX (openpyxl, write-only).

Responses are read in batches, each with its answers in one query, so memory stays flat
however many there are. Cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import anyio.to_thread
from openpyxl import Workbook
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.labels import label
from participation.models import QuestionKind, Segment, SurveyAnswer, SurveyResponse
from participation.services.spreadsheet_cells import Cell, csv_lines, xlsx_cell
from participation.services.survey_results import (
    NumberedQuestion,
    ResultFilters,
    response_conditions,
    survey_outline,
)

BATCH: Final = 500


@dataclass(frozen=True)
class ExportTable:
    header: Sequence[str]
    batches: AsyncIterator[list[list[Cell]]]  # rows, a batch at a time


def _header(questions: Sequence[NumberedQuestion]) -> list[str]:
    return [
        _("Response ID"),
        _("Sent at"),
        _("Segment"),
        _("Organisation"),
        _("Sector (WZ 2008)"),
        _("Size (employees)"),
        _("Municipality"),
        *(f"{q.number} {q.question.text}" for q in questions),
    ]


@dataclass
class _Answers:
    """One response's values for one question: chosen options with their rank (or None),
    the scale's number, the free text."""

    options: list[tuple[int, int | None]] = field(default_factory=list)
    number: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class _Column:
    """What writing one question's cells needs, looked up once per export."""

    question_id: int
    kind: QuestionKind
    labels: dict[int, str]  # option id -> label
    order: dict[int, int]  # option id -> position in the survey

    @classmethod
    def of(cls, numbered: NumberedQuestion) -> _Column:
        options = [(o.id or 0, o.label) for o in numbered.options]
        return cls(
            question_id=numbered.question.id or 0,
            kind=numbered.question.kind,
            labels=dict(options),
            order={option_id: i for i, (option_id, _label) in enumerate(options)},
        )

    def cell(self, answers: _Answers | None) -> Cell:
        """One response's answer to this question, as people read it."""
        if answers is None:
            return None
        if self.kind is QuestionKind.SCALE:
            return answers.number
        if self.kind is QuestionKind.FREE_TEXT:
            return answers.text
        if self.kind is QuestionKind.RANKING:
            ranked = sorted(answers.options, key=lambda a: a[1] or 0)
            return "; ".join(f"{rank}. {self.labels.get(option, '')}" for option, rank in ranked)
        # Choices in the order the survey lists them.
        chosen = sorted(answers.options, key=lambda a: self.order.get(a[0], 0))
        return "; ".join(self.labels.get(option, "") for option, _rank in chosen)


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""


@dataclass(frozen=True)
class _Batch:
    """One batch of responses as read: plain values, so the cells can be built in a thread."""

    # id, sent at, segment, organisation, sector, size, municipality
    responses: list[tuple[Any, ...]]
    values: list[tuple[Any, ...]]  # response, question, option, number
    texts: list[tuple[Any, ...]]  # response, question, text


def _rows_of(
    batch: _Batch, columns: Sequence[_Column], zone: ZoneInfo, segments: dict[str, str]
) -> list[list[Cell]]:
    """The batch's rows of cells. CPU-bound (tens of thousands of answers per batch): run in
    a worker thread; `segments` holds the segments' labels, translated on the event loop."""
    answers: dict[tuple[int, int], _Answers] = defaultdict(_Answers)
    for response_id, question_id, option_id, number in batch.values:
        found = answers[response_id, question_id]
        if option_id is None:
            found.number = number
        else:
            found.options.append((option_id, number))
    for response_id, question_id, text in batch.texts:
        answers[response_id, question_id].text = text
    return [
        [
            response_id,
            _when(submitted_at, zone),
            segments.get(segment, segment) if segment else "",
            organisation or "",
            sector or "",
            size or "",
            municipality or "",
            *(c.cell(answers.get((response_id, c.question_id))) for c in columns),
        ]
        for response_id, submitted_at, segment, organisation, sector, size, municipality in (
            batch.responses
        )
    ]


async def export_table(
    session: AsyncSession, survey_id: int, filters: ResultFilters, time_zone: str
) -> ExportTable:
    """The header and the rows (read lazily, in batches) of a survey's sent responses. The
    event loop only reads; each batch's cells are built in a worker thread, so an export of
    thousands of responses does not hold up the other requests of the process."""
    questions = [q for part in await survey_outline(session, survey_id) for q in part.questions]
    zone = ZoneInfo(time_zone)
    columns = [_Column.of(q) for q in questions]
    segments = {segment.value: label(segment) for segment in Segment}

    async def batches() -> AsyncIterator[list[list[Cell]]]:
        last_id = 0
        while True:
            found = (
                await session.exec(
                    select(SurveyResponse)
                    .where(
                        *response_conditions(survey_id, filters), col(SurveyResponse.id) > last_id
                    )
                    .order_by(col(SurveyResponse.id))
                    .limit(BATCH)
                )
            ).all()
            if not found:
                return
            responses = [
                (
                    r.id or 0,
                    r.submitted_at,
                    r.segment.value if r.segment else None,
                    r.organisation_name,
                    r.organisation_sector,
                    r.organisation_size,
                    r.municipality,
                )
                for r in found
            ]
            last_id = responses[-1][0]
            ids = [r[0] for r in responses]
            values = await session.exec(
                select(
                    SurveyAnswer.response_id,
                    SurveyAnswer.question_id,
                    SurveyAnswer.option_id,
                    SurveyAnswer.number,
                ).where(col(SurveyAnswer.response_id).in_(ids), col(SurveyAnswer.text).is_(None))
            )
            texts = await session.exec(
                select(SurveyAnswer.response_id, SurveyAnswer.question_id, SurveyAnswer.text).where(
                    col(SurveyAnswer.response_id).in_(ids), col(SurveyAnswer.text).is_not(None)
                )
            )
            batch = _Batch(
                responses=responses,
                values=[tuple(v) for v in values],
                texts=[tuple(t) for t in texts],
            )
            yield await anyio.to_thread.run_sync(_rows_of, batch, columns, zone, segments)

    return ExportTable(header=_header(questions), batches=batches())


async def write_csv(table: ExportTable) -> bytes:
    """CSV as German Excel opens it with a double click: UTF-8 with BOM, `;` between cells.
    Each batch is written in a worker thread."""
    parts = ["\ufeff", csv_lines([table.header])]
    async for rows in table.batches:
        parts.append(await anyio.to_thread.run_sync(csv_lines, rows))
    return "".join(parts).encode("utf-8")


async def collect(table: ExportTable) -> list[list[Cell]]:
    """Every row, for writing the workbook off the event loop."""
    return [row async for rows in table.batches for row in rows]


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Cell]], title: str) -> bytes:
    """An XLSX workbook of one sheet; CPU-bound, so callers run it in a worker thread."""
    workbook = Workbook(write_only=True)
    # Sheet titles: at most 31 characters, none of []:*?/\
    name = "".join(c for c in title if c not in "[]:*?/\\")[:31].strip()
    sheet = workbook.create_sheet(title=name or "Survey")
    sheet.append([xlsx_cell(h) for h in header])
    for row in rows:
        sheet.append([xlsx_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
