"""A survey's sent responses as a table: one row per response, one column per question,
written as CSV (for German Excel: UTF-8 with BOM, `;`) or XLSX (openpyxl, write-only).

Responses are read in batches, each with its answers in one query, so memory stays flat
however many there are. Cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.labels import label
from participation.models import QuestionKind, SurveyAnswer, SurveyResponse
from participation.services.survey_results import (
    NumberedQuestion,
    ResultFilters,
    response_conditions,
    survey_outline,
)

BATCH: Final = 500
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | None


def defuse(value: Cell) -> Cell:
    """Text that a spreadsheet would take as a formula, with a quote in front so it stays
    text; numbers are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportTable:
    header: Sequence[str]
    rows: AsyncIterator[list[Cell]]


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


async def export_table(
    session: AsyncSession, survey_id: int, filters: ResultFilters, time_zone: str
) -> ExportTable:
    """The header and the rows (read lazily, in batches) of a survey's sent responses."""
    questions = [q for part in await survey_outline(session, survey_id) for q in part.questions]
    zone = ZoneInfo(time_zone)
    columns = [_Column.of(q) for q in questions]

    async def rows() -> AsyncIterator[list[Cell]]:
        last_id = 0
        while True:
            responses = (
                await session.exec(
                    select(SurveyResponse)
                    .where(
                        *response_conditions(survey_id, filters), col(SurveyResponse.id) > last_id
                    )
                    .order_by(col(SurveyResponse.id))
                    .limit(BATCH)
                )
            ).all()
            if not responses:
                return
            last_id = responses[-1].id or 0
            # Plain columns, not model objects: tens of thousands of rows per batch.
            ids = [r.id for r in responses]
            answers: dict[tuple[int, int], _Answers] = defaultdict(_Answers)
            values = await session.exec(
                select(
                    SurveyAnswer.response_id,
                    SurveyAnswer.question_id,
                    SurveyAnswer.option_id,
                    SurveyAnswer.number,
                ).where(col(SurveyAnswer.response_id).in_(ids), col(SurveyAnswer.text).is_(None))
            )
            for response_id, question_id, option_id, number in values:
                found = answers[response_id, question_id]
                if option_id is None:
                    found.number = number
                else:
                    found.options.append((option_id, number))
            texts = await session.exec(
                select(SurveyAnswer.response_id, SurveyAnswer.question_id, SurveyAnswer.text).where(
                    col(SurveyAnswer.response_id).in_(ids), col(SurveyAnswer.text).is_not(None)
                )
            )
            for response_id, question_id, text in texts:
                answers[response_id, question_id].text = text
            for response in responses:
                yield [
                    response.id,
                    _when(response.submitted_at, zone),
                    label(response.segment) if response.segment else "",
                    response.organisation_name or "",
                    response.organisation_sector or "",
                    response.organisation_size or "",
                    response.municipality or "",
                    *(c.cell(answers.get((response.id or 0, c.question_id))) for c in columns),
                ]

    return ExportTable(header=_header(questions), rows=rows())


async def write_csv(table: ExportTable) -> bytes:
    """CSV as German Excel opens it with a double click: UTF-8 with BOM, `;` between cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([defuse(h) for h in table.header])
    async for row in table.rows:
        writer.writerow([defuse(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def collect(table: ExportTable) -> list[list[Cell]]:
    """Every row, for writing the workbook off the event loop."""
    return [row async for row in table.rows]


def _xlsx_cell(value: Cell) -> Cell:
    # Control characters are not allowed in XLSX; openpyxl refuses them.
    value = defuse(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Cell]], title: str) -> bytes:
    """An XLSX workbook of one sheet; CPU-bound, so callers run it in a worker thread."""
    workbook = Workbook(write_only=True)
    # Sheet titles: at most 31 characters, none of []:*?/\
    name = "".join(c for c in title if c not in "[]:*?/\\")[:31].strip()
    sheet = workbook.create_sheet(title=name or "Survey")
    sheet.append([_xlsx_cell(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
