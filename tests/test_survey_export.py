"""Exporting a survey's sent responses as CSV and XLSX: header, cells per question kind, the
formula guard, filters, and the download's headers."""

from __future__ import annotations

import csv
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from openpyxl import load_workbook

from participation.models import Process
from participation.services import survey_export
from participation.services.spreadsheet_cells import defuse
from participation.services.survey_export import write_xlsx
from participation.settings import Settings
from tests.helpers import Client, de, field_error, html, in_db
from tests.survey_data import SECOND_TEXT, SurveyData, add_survey_data

HEADER_START = [
    "Response ID",
    "Sent at",
    "Segment",
    "Organisation",
    "Sector (WZ 2008)",
    "Size (employees)",
    "Municipality",
]
QUESTIONS = [
    "1.1 Wie gut ist Ihr Internet?",
    "1.2 Was nutzen Sie?",
    "1.3 Wie wichtig ist Glasfaser?",
    "2.1 Was hilft am meisten?",
    "2.2 Was fehlt Ihnen?",
]


@pytest.fixture
def data(settings: Settings, process: Process) -> SurveyData:
    return in_db(settings, lambda s: add_survey_data(s, process))


def _csv(client: Client, data: SurveyData, query: str = "") -> list[list[str]]:
    response = client.get(f"/surveys/{data.survey.id}/export.csv{query}")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_csv_has_a_row_per_sent_response(staff_client: Client, data: SurveyData) -> None:
    response = staff_client.get(f"/surveys/{data.survey.id}/export.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="umfrage-{data.survey.id}-betriebe.csv"'
    )
    rows = _csv(staff_client, data)
    assert rows[0] == [de(h) for h in HEADER_START] + QUESTIONS
    first, second, third = (r.id for r in data.responses[:3])
    assert [row[0] for row in rows[1:]] == [str(first), str(second), str(third)]  # unsent left out
    assert rows[1] == [
        str(first),
        "2026-03-02 10:00",  # Berlin time
        de("Firm or organisation"),
        "Tischlerei Holz",
        "C",
        "1-9",
        "Kornbach",
        "Gut",
        "E-Mail; Cloud",  # several choices, in the survey's order
        "5",
        "1. Netz; 2. Förderung; 3. Beratung",
        "'=SUMME(A1)",  # a formula would run in Excel: kept as text
    ]
    assert rows[2][-1] == SECOND_TEXT
    assert rows[2][-2] == "1. Förderung; 2. Netz; 3. Beratung"
    # A skipped question is an empty cell; a resident has no organisation.
    assert rows[3][3:9] == ["", "", "", "", "Schlecht", ""]
    assert rows[3][-1] == ""


def test_csv_honours_the_filters(staff_client: Client, data: SurveyData) -> None:
    rows = _csv(staff_client, data, "?segment=firm&size=10-49")
    assert [row[0] for row in rows[1:]] == [str(data.responses[1].id)]
    assert _csv(staff_client, data, "?sector=A")[1:] == []


def test_a_bad_filter_is_a_400_not_a_file(staff_client: Client, data: SurveyData) -> None:
    response = staff_client.get(f"/surveys/{data.survey.id}/export.xlsx?segment=robot")
    assert response.status_code == 400
    assert "content-disposition" not in response.headers
    assert "'robot'" in field_error(html(response.text), "segment")


def test_xlsx_has_the_same_table(staff_client: Client, data: SurveyData) -> None:
    response = staff_client.get(f"/surveys/{data.survey.id}/export.xlsx?segment=firm")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["content-disposition"].endswith('betriebe.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [de(h) for h in HEADER_START] + QUESTIONS
    assert len(rows) == 3  # the two firms
    first = rows[1]
    assert first[0] == data.responses[0].id
    assert first[7:] == [
        "Gut",
        "E-Mail; Cloud",
        5,
        "1. Netz; 2. Förderung; 3. Beratung",
        "'=SUMME(A1)",
    ]
    assert rows[2][8] == "E-Mail"


def test_defuse_guards_every_formula_start_and_keeps_numbers() -> None:
    for text in ("=1+1", "+49 123", "-5", "@SUM(A1)", "\tx"):
        assert defuse(text) == "'" + text
    assert defuse("Mehr Glasfaser") == "Mehr Glasfaser"
    assert defuse(-5) == -5
    assert defuse(None) is None


def test_xlsx_drops_control_characters_and_odd_sheet_titles() -> None:
    content = write_xlsx(["A"], [["a\x00b\x07c"]], "Umfrage: [Betriebe]/2026?")
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet is not None
    assert sheet.title == "Umfrage Betriebe2026"
    assert sheet["A2"].value == "abc"


# --- off the event loop -------------------------------------------------------------------------

GENEROUS = 30.0  # seconds: only so that a broken build fails instead of hanging


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_other_requests_are_served_while_an_export_is_built(
    staff_client: Client, data: SurveyData, monkeypatch: pytest.MonkeyPatch, extension: str
) -> None:
    """The cells are built in a worker thread: while one export's rows are held there, the
    same process answers another request. On the event loop, the other request would wait
    for the export (and the test would fail, not hang)."""
    building, release = threading.Event(), threading.Event()
    build_rows = survey_export._rows_of

    def held(*args: Any) -> Any:
        building.set()
        release.wait(GENEROUS)
        return build_rows(*args)

    monkeypatch.setattr(survey_export, "_rows_of", held)
    with ThreadPoolExecutor(max_workers=1) as pool:
        export = pool.submit(staff_client.get, f"/surveys/{data.survey.id}/export.{extension}")
        assert building.wait(GENEROUS)
        other = staff_client.get(f"/surveys/{data.survey.id}/results")
        assert other.status_code == 200
        assert not export.done()  # the other request finished while the export was held
        release.set()
        response = export.result(timeout=GENEROUS)
    assert response.status_code == 200
    if extension == "csv":
        assert len(_csv(staff_client, data)) == 4  # header and three sent responses
    else:
        sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
        assert sheet is not None
        assert len(list(sheet.iter_rows())) == 4
