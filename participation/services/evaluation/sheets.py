"""The rating sheet as a spreadsheet, for juries and consultancies that work offline: one XLSX
per round and evaluator (a row per assigned profile, a column per criterion with the scale as
data validation and one for the reasons), filled in and read back all-or-nothing with an
error per row and field, as the contribution import does (services/importing.py reads it).

Columns are found by their header, which carries each criterion's id ("Nachhaltigkeit [K12]"),
so a renamed criterion or moved column still lands where it belongs. A row without any value
is a profile not rated yet and is left alone; a row with some values must have all.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Final

import anyio.to_thread
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import (
    ConflictOfInterest,
    Criterion,
    EvaluationAction,
    EvaluationSetup,
    Profile,
    Rating,
    RatingRound,
    RoundStatus,
    User,
    utcnow,
)
from participation.services.errors import ValidationFailed
from participation.services.evaluation.criteria import criteria_of, setup_of
from participation.services.evaluation.rounds import assigned_profiles, get_round, log_event
from participation.services.importing import ImportFailed, RowError, parse_upload
from participation.services.spreadsheet_cells import defuse

ID_HEADER: Final = "Nr."
TITLE_HEADER: Final = "Steckbrief"
CRITERION_ID = re.compile(r"\[K(\d+)\]\s*$")
REASON_PREFIX: Final = "Begründung: "
REASON_MAX: Final = 2000


def value_header(criterion: Criterion) -> str:
    return f"{criterion.name} [K{criterion.id}]"


def reason_header(criterion: Criterion) -> str:
    return f"{REASON_PREFIX}{criterion.name} [K{criterion.id}]"


async def _conflicted(session: AsyncSession, round_id: int, evaluator_id: int) -> set[int]:
    rows = await session.exec(
        select(ConflictOfInterest.profile_id).where(
            col(ConflictOfInterest.round_id) == round_id,
            col(ConflictOfInterest.evaluator_id) == evaluator_id,
        )
    )
    return set(rows)


async def _to_rate(session: AsyncSession, round_id: int, evaluator: User) -> list[Profile]:
    """The evaluator's profiles in the round, without those they declared a conflict for."""
    assert evaluator.id is not None
    conflicted = await _conflicted(session, round_id, evaluator.id)
    return [
        p
        for p in await assigned_profiles(session, round_id, evaluator.id)
        if p.id not in conflicted
    ]


async def rating_sheet(session: AsyncSession, round_id: int, evaluator: User) -> bytes:
    """The evaluator's sheet for the round, with what they rated so far filled in."""
    round_ = await get_round(session, round_id)
    setup = await setup_of(session, round_.process_id)
    criteria = await criteria_of(session, round_.process_id)
    profiles = await _to_rate(session, round_id, evaluator)
    given: dict[tuple[int, int], Rating] = {
        (r.profile_id, r.criterion_id): r
        for r in await session.exec(
            select(Rating).where(
                col(Rating.round_id) == round_id, col(Rating.evaluator_id) == evaluator.id
            )
        )
    }
    # Building and zipping the workbook is CPU work: in a worker thread, off the event loop.
    return await anyio.to_thread.run_sync(
        partial(_workbook, round_, setup, criteria, profiles, given)
    )


def _workbook(
    round_: RatingRound,
    setup: EvaluationSetup,
    criteria: Sequence[Criterion],
    profiles: Sequence[Profile],
    given: dict[tuple[int, int], Rating],
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Bewertung"
    header = [ID_HEADER, TITLE_HEADER, *map(value_header, criteria), *map(reason_header, criteria)]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for profile in profiles:
        values = [given.get((profile.id or 0, c.id or 0)) for c in criteria]
        if not all(values):
            # A draft with criteria left open stays out of the sheet (and in the database):
            # read back, a row with some values must have all.
            values = [None] * len(criteria)
        sheet.append(
            [
                profile.id,
                defuse(profile.title),
                *(r.value if r else None for r in values),
                *(defuse(r.justification) if r else None for r in values),
            ]
        )
    # Whole numbers on the scale in the value columns (Excel and LibreOffice enforce it).
    if criteria and profiles:
        validation = DataValidation(
            type="whole",
            operator="between",
            formula1=str(setup.scale_min),
            formula2=str(setup.scale_max),
            showErrorMessage=True,
            errorTitle="Wert außerhalb der Skala",
            error=f"Bitte eine ganze Zahl von {setup.scale_min} bis {setup.scale_max}.",
        )
        sheet.add_data_validation(validation)
        last_row = len(profiles) + 1
        for index in range(len(criteria)):
            letter = sheet.cell(row=1, column=3 + index).column_letter
            validation.add(f"{letter}2:{letter}{last_row}")
    sheet.freeze_panes = "C2"
    _scale_sheet(book, setup, criteria, round_)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _scale_sheet(
    book: Workbook, setup: EvaluationSetup, criteria: Sequence[Criterion], round_: RatingRound
) -> None:
    scale = book.create_sheet("Skala")
    scale.append([defuse(round_.title)])
    scale.append(["Stufe", "Bedeutung"])
    for level, text in enumerate(setup.levels, start=setup.scale_min):
        scale.append([level, defuse(text)])
    for criterion in criteria:
        scale.append([])
        scale.append([defuse(criterion.name), defuse(criterion.description)])
        for level, text in enumerate(criterion.levels, start=setup.scale_min):
            scale.append([level, defuse(text)])


@dataclass
class SheetRatings:
    """What a filled sheet says, per profile: {criterion id: (value, reason)}."""

    by_profile: dict[int, dict[int, tuple[int, str]]] = field(default_factory=dict)
    skipped: int = 0  # rows without any value


async def read_rating_sheet(
    session: AsyncSession, round_id: int, evaluator: User, name: str, data: bytes
) -> SheetRatings:
    """The ratings of a filled sheet; ImportFailed with every row error, UnreadableFile for a
    file that is no sheet at all."""
    round_ = await get_round(session, round_id)
    setup = await setup_of(session, round_.process_id)
    criteria = {c.id: c for c in await criteria_of(session, round_.process_id)}
    allowed = {p.id for p in await _to_rate(session, round_id, evaluator)}
    table = await parse_upload(name, data)  # in a worker thread
    errors: list[RowError] = []
    columns: dict[int, str] = {}  # criterion id -> value column
    reasons: dict[int, str] = {}
    for title in table.header:
        found = CRITERION_ID.search(title)
        if found is None:
            continue
        cid = int(found.group(1))
        if cid not in criteria:
            errors.append(RowError(1, title, _("This criterion is not one of this process.")))
        elif title.startswith(REASON_PREFIX):
            reasons[cid] = title
        else:
            columns[cid] = title
    missing = [c for cid, c in criteria.items() if cid not in columns]
    if ID_HEADER not in table.header or missing:
        names = ", ".join([ID_HEADER] * (ID_HEADER not in table.header) + [c.name for c in missing])
        errors.append(RowError(1, "", _("Columns are missing: %(names)s") % {"names": names}))
        raise ImportFailed(errors)
    result = SheetRatings()
    for line, row in table.rows:
        values = {cid: row.get(column, "").strip() for cid, column in columns.items()}
        if not any(values.values()):
            result.skipped += 1
            continue
        profile_id = row.get(ID_HEADER, "").strip()
        pid = int(profile_id) if profile_id.isascii() and profile_id.isdigit() else None
        if pid is None or pid not in allowed:
            errors.append(
                RowError(line, ID_HEADER, _("This profile is not one of yours in this round."))
            )
            continue
        if pid in result.by_profile:
            errors.append(RowError(line, ID_HEADER, _("This profile appears twice.")))
            continue
        rated: dict[int, tuple[int, str]] = {}
        for cid, text in values.items():
            column = columns[cid]
            value = int(text) if text.lstrip("-").isascii() and text.lstrip("-").isdigit() else None
            if not text:
                errors.append(RowError(line, column, _("Please rate every criterion or none.")))
            elif value is None or not setup.scale_min <= value <= setup.scale_max:
                message = _("Please give a whole number from %(min)d to %(max)d.")
                errors.append(
                    RowError(
                        line, column, message % {"min": setup.scale_min, "max": setup.scale_max}
                    )
                )
            else:
                reason = row.get(reasons.get(cid, ""), "").strip()
                if len(reason) > REASON_MAX:
                    message = _("At most %(n)d characters, please.") % {"n": REASON_MAX}
                    errors.append(RowError(line, reasons[cid], message))
                rated[cid] = (value, reason[:REASON_MAX])
        result.by_profile[pid] = rated
    if errors:
        raise ImportFailed(errors)
    return result


async def import_rating_sheet(
    session: AsyncSession, round_id: int, evaluator: User, actor: User, name: str, data: bytes
) -> SheetRatings:
    """Read a filled sheet and store its ratings as submitted, replacing what the evaluator
    had for those profiles; all or nothing. Only while the round is open."""
    round_ = await get_round(session, round_id)
    if round_.status is not RoundStatus.OPEN:
        raise ValidationFailed({"file": _("This round is closed: it takes no more ratings.")})
    found = await read_rating_sheet(session, round_id, evaluator, name, data)
    if not found.by_profile:
        raise ValidationFailed({"file": _("The sheet holds no ratings.")})
    assert evaluator.id is not None
    now = utcnow()
    await session.exec(
        delete(Rating).where(
            col(Rating.round_id) == round_id,
            col(Rating.evaluator_id) == evaluator.id,
            col(Rating.profile_id).in_(list(found.by_profile)),
        )
    )
    session.add_all(
        Rating(
            round_id=round_id,
            profile_id=pid,
            evaluator_id=evaluator.id,
            criterion_id=cid,
            value=value,
            justification=reason,
            updated_at=now,
            submitted_at=now,
        )
        for pid, rated in found.by_profile.items()
        for cid, (value, reason) in rated.items()
    )
    setup = await session.get(EvaluationSetup, round_.process_id)
    if setup is None:
        setup = await setup_of(session, round_.process_id)
    if setup.first_rating_at is None:
        setup.first_rating_at = now
        session.add(setup)
    log_event(
        session,
        round_.process_id,
        EvaluationAction.RATINGS_IMPORTED,
        actor,
        round_id=round_id,
        evaluator=evaluator.id,
        profiles=sorted(found.by_profile),
        file=name[:200],
    )
    await session.commit()
    return found
