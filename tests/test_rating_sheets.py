"""The rating sheet as XLSX (participation/services/evaluation/sheets.py): exported per round
and evaluator with the scale as data validation, filled in offline and read back all or
nothing, with an error per row and field; the round trip stores submitted ratings."""

from __future__ import annotations

import io

import pytest
from argon2 import PasswordHasher
from httpx import Response
from openpyxl import Workbook, load_workbook
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    EvaluationAction,
    EvaluationEvent,
    EvaluationSetup,
    Rating,
    User,
)
from participation.routes import rating_sheets as sheets_route
from participation.services.errors import ValidationFailed
from participation.services.evaluation import rounds, sheets
from participation.services.importing import ImportFailed, UnreadableFile
from participation.settings import Settings
from tests.evaluation_rows import Round, rated_round
from tests.helpers import PASSWORD, Client, csrf_token, html, in_db, in_locale, login, one, text_of


def _fill(data: bytes, rows: dict[int, list[object]]) -> bytes:
    """The sheet with the value and reason cells of the profiles in `rows` replaced."""
    book = load_workbook(io.BytesIO(data))
    sheet = book["Bewertung"]
    for row in sheet.iter_rows(min_row=2):
        cells = rows.get(int(row[0].value or 0))
        if cells is not None:
            for cell, value in zip(row[2:], cells, strict=False):
                cell.value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _setup(session: AsyncSession) -> tuple[Round, User, bytes]:
    made = await rated_round(session)
    evaluator = made.evaluators[1]  # rated A and C; a conflict-free, assigned evaluator
    return made, evaluator, await sheets.rating_sheet(session, made.round_id, evaluator)


async def test_the_sheet_lists_the_profiles_with_what_was_rated_and_the_scale(
    session: AsyncSession,
) -> None:
    made, _evaluator, data = await _setup(session)
    sheet = load_workbook(io.BytesIO(data))["Bewertung"]
    header = [c.value for c in sheet[1]]
    first, second = made.criteria
    assert header == [
        "Nr.",
        "Steckbrief",
        f"Wirkung [K{first.id}]",
        f"Kosten [K{second.id}]",
        f"Begründung: Wirkung [K{first.id}]",
        f"Begründung: Kosten [K{second.id}]",
    ]
    rows = {r[1]: r[2:4] for r in sheet.iter_rows(min_row=2, values_only=True)}
    # D has a draft with one criterion left open: not in the sheet, which wants all or none.
    assert rows == {"A": (4, 4), "B": (None, None), "C": (3, 3), "D": (None, None)}
    [validation] = sheet.data_validations.dataValidation
    assert (validation.type, validation.formula1, validation.formula2) == ("whole", "0", "4")


async def test_a_filled_sheet_is_stored_as_submitted_ratings(session: AsyncSession) -> None:
    made, evaluator, data = await _setup(session)
    _a, b, _c, d = (p.id or 0 for p in made.profiles)
    filled = _fill(data, {b: [2, 1, "teuer", None], d: [0, 0]})
    found = await sheets.import_rating_sheet(
        session, made.round_id, evaluator, made.admin, "bewertung.xlsx", filled
    )
    # A and C were filled in already (the sheet carries what was rated), B and D now.
    assert set(found.by_profile) == {p.id for p in made.profiles}
    stored = {
        (r.profile_id, r.criterion_id): (r.value, r.justification, r.submitted_at is not None)
        for r in await session.exec(select(Rating).where(col(Rating.evaluator_id) == evaluator.id))
    }
    first, second = (c.id or 0 for c in made.criteria)
    assert stored[(b, first)] == (2, "teuer", True)
    assert stored[(b, second)] == (1, "", True)
    assert stored[(d, first)] == (0, "", True)  # the draft replaced and submitted
    [event] = await session.exec(
        select(EvaluationEvent).where(
            col(EvaluationEvent.action) == EvaluationAction.RATINGS_IMPORTED
        )
    )
    assert event.details["evaluator"] == evaluator.id
    setup = await session.get(EvaluationSetup, made.process_id)
    assert setup is not None
    assert setup.first_rating_at is not None


async def test_every_wrong_row_is_named_and_nothing_is_stored(session: AsyncSession) -> None:
    made, evaluator, data = await _setup(session)
    _a, b, c, d = (p.id or 0 for p in made.profiles)
    book = load_workbook(io.BytesIO(_fill(data, {b: [5, 1], c: [2, None], d: ["viel", 2]})))
    sheet = book["Bewertung"]
    sheet.append([999, "Fremd", 1, 1])
    sheet.append([b, "B noch einmal", 1, 1])
    out = io.BytesIO()
    book.save(out)
    before = list(await session.exec(select(Rating)))
    with pytest.raises(ImportFailed) as failed, in_locale("de"):
        await sheets.import_rating_sheet(
            session, made.round_id, evaluator, made.admin, "x.xlsx", out.getvalue()
        )
    first, second = made.criteria
    # Rows 2-5 are A-D (by title), 6 the stranger, 7 B again.
    assert {(e.line, e.field) for e in failed.value.errors} == {
        (3, f"Wirkung [K{first.id}]"),  # B: 5 is above the scale
        (4, f"Kosten [K{second.id}]"),  # C: one criterion left empty
        (5, f"Wirkung [K{first.id}]"),  # D: not a number
        (6, "Nr."),  # not one of the evaluator's profiles
        (7, "Nr."),  # B twice
    }
    messages = {e.message for e in failed.value.errors}
    assert "Bitte geben Sie eine ganze Zahl von 0 bis 4 an." in messages
    assert len(list(await session.exec(select(Rating)))) == len(before)


async def test_a_sheet_without_its_columns_or_no_sheet_at_all(session: AsyncSession) -> None:
    made, evaluator, _data = await _setup(session)
    book = Workbook()
    assert book.active is not None
    book.active.append(["Nr.", "Steckbrief", "Wirkung"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ImportFailed) as failed, in_locale("de"):
        await sheets.import_rating_sheet(
            session, made.round_id, evaluator, made.admin, "x.xlsx", out.getvalue()
        )
    assert "Wirkung, Kosten" in failed.value.errors[0].message
    with pytest.raises(UnreadableFile):
        await sheets.import_rating_sheet(
            session, made.round_id, evaluator, made.admin, "x.xlsx", b"kein Arbeitsblatt"
        )
    await rounds.close_round(session, made.round_id, made.admin)
    with pytest.raises(ValidationFailed):
        await sheets.import_rating_sheet(
            session, made.round_id, evaluator, made.admin, "x.xlsx", out.getvalue()
        )


async def _can_sign_in(session: AsyncSession) -> Round:
    """The rated round, with a password for the admin and evaluator two."""
    made = await rated_round(session)
    for user in (made.admin, made.evaluators[1]):
        user.password_hash = PasswordHasher().hash(PASSWORD)
        session.add(user)
    await session.commit()
    return made


def _upload(client: Client, url: str, data: bytes) -> Response:
    return client.post(
        url,
        files={"file": ("bewertung.xlsx", data, sheets_route.XLSX)},
        data={"_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )


def test_an_evaluator_rates_offline_through_the_round_page(
    client: Client, settings: Settings
) -> None:
    made = in_db(settings, _can_sign_in)
    assert login(client, "zwei@example.org").status_code == 303
    page = html(client.get(f"/bewertung/runden/{made.round_id}").text)
    link = one(page, f'a[href="/bewertung/runden/{made.round_id}/tabelle.xlsx"]')
    sheet = client.get(str(link["href"]))
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith(sheets_route.XLSX)
    b = made.profiles[1].id or 0
    answer = _upload(
        client, f"/bewertung/runden/{made.round_id}/tabelle", _fill(sheet.content, {b: [9, 9]})
    )
    assert answer.status_code == 422
    assert "Bitte geben Sie eine ganze Zahl von 0 bis 4 an." in text_of(html(answer.text))
    answer = _upload(
        client, f"/bewertung/runden/{made.round_id}/tabelle", _fill(sheet.content, {b: [1, 2]})
    )
    assert answer.status_code == 303
    assert "aus der Tabelle übernommen" in text_of(
        html(client.get(f"/bewertung/runden/{made.round_id}").text)
    )
    # Another evaluator's sheet is the admin's to handle, not theirs.
    other = f"/admin/bewertung/runden/{made.round_id}/bewertende/{made.evaluators[0].id}"
    assert client.get(f"{other}/tabelle.xlsx").status_code == 403


def test_an_admin_takes_over_an_evaluators_sheet(client: Client, settings: Settings) -> None:
    made = in_db(settings, _can_sign_in)
    assert login(client, "admin@example.org").status_code == 303
    two = made.evaluators[1]
    base = f"/admin/bewertung/runden/{made.round_id}/bewertende/{two.id}"
    page = html(client.get(f"/admin/bewertung/runden/{made.round_id}").text)
    assert one(page, f'a[href="{base}/tabelle.xlsx"]')
    sheet = client.get(f"{base}/tabelle.xlsx")
    assert sheet.status_code == 200
    d = made.profiles[3].id or 0
    answer = _upload(client, f"{base}/tabelle", _fill(sheet.content, {d: [2, 2]}))
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/admin/bewertung/runden/{made.round_id}"

    async def submitted(session: AsyncSession) -> int:
        rows = await session.exec(
            select(Rating).where(
                col(Rating.evaluator_id) == two.id,
                col(Rating.profile_id) == d,
                col(Rating.submitted_at).is_not(None),
            )
        )
        return len(list(rows))

    assert in_db(settings, submitted) == 2
    # The admin (no evaluator of this round) has no sheet of their own here.
    assert client.get(f"/bewertung/runden/{made.round_id}/tabelle.xlsx").status_code == 404
