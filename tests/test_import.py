"""Importing contributions from CSV and XLSX: reading (encodings, delimiters, line numbers),
the column mapping, row errors with their lines, all-or-nothing storing with its rollback,
the command line, and the admin page's upload -> mapping -> dry run -> import."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.cli import main
from participation.models import (
    Channel,
    Contribution,
    ContributionStatus,
    ContributionTheme,
    Process,
    Role,
    Segment,
    ThemeSource,
)
from participation.services import importing
from participation.services.importing import (
    MAX_ROWS,
    ImportFailed,
    ImportOptions,
    UnreadableFile,
    guess_mapping,
    parse_created,
    parse_mapping,
    plan_import,
    read_table,
    run_import,
)
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_process,
    add_staff,
    add_themes,
    contributions,
    count,
    de,
    german,
    html,
    in_db,
    login,
    one,
    post_form,
    suggestions_done,
    text_of,
    theme_rows,
)

FIXTURES = Path(__file__).parent / "fixtures"
WORKSHOP = FIXTURES / "import_workshop.csv"
WITH_ERRORS = FIXTURES / "import_errors.csv"
BERLIN = "Europe/Berlin"


def _options(table: importing.Table, **overrides: object) -> ImportOptions:
    values: dict[str, object] = {"mapping": guess_mapping(table.header), "time_zone": BERLIN}
    values.update(overrides)
    return ImportOptions(**values)  # type: ignore[arg-type]


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading ---------------------------------------------------------------------------------


def test_reads_cp1252_csv_with_semicolons_and_keeps_line_numbers() -> None:
    table = read_table("karten.csv", WORKSHOP.read_bytes())
    assert table.header == [
        "Titel",
        "Beschreibung",
        "Gruppe",
        "Gemeinde",
        "Handlungsfelder",
        "Datum",
    ]
    assert [line for line, _row in table.rows] == [2, 3, 4, 6]  # row 4 spans two lines
    assert table.rows[0][1]["Titel"] == "Radweg an der B3"
    assert "Kälte" in table.rows[1][1]["Beschreibung"]


def test_reads_utf8_with_bom_and_commas() -> None:
    data = "\ufefftitle,text\nÄrger,Über die Straße\n".encode()
    table = read_table("x.csv", data)
    assert table.header == ["title", "text"]
    assert table.rows == [(2, {"title": "Ärger", "text": "Über die Straße"})]


def test_reads_xlsx_with_dates() -> None:
    data = _xlsx([["Titel", "Text", "Datum"], ["A", "Ein Text", datetime(2026, 6, 15, 9, 30)], []])
    table = read_table("umfrage.xlsx", data)
    assert table.rows == [(2, {"Titel": "A", "Text": "Ein Text", "Datum": "2026-06-15 09:30:00"})]


@pytest.mark.parametrize(
    ("name", "data"),
    [("x.pdf", b"%PDF"), ("x.csv", b""), ("x.xlsx", b"not a zip"), ("x.csv", b";;\n")],
)
def test_unreadable_files_are_refused(name: str, data: bytes) -> None:
    with pytest.raises(UnreadableFile):
        read_table(name, data)


# --- files too large to read ---------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Karten" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


BROKEN = '<row r="999999"><c t="inlineStr"><is><t>kaputt'
TOO_MANY_ROWS = de("The file has more than %(n)d rows. Please split it into smaller files.") % {
    "n": MAX_ROWS
}
TOO_MANY_LINES = de(
    "The file has more than %(n)d lines, empty ones included. Please delete the empty "
    "lines or split the file."
) % {"n": importing.MAX_LINES}


def _cell(column: str, row: int, text: str) -> str:
    return f'<c r="{column}{row}" t="inlineStr"><is><t>{text}</t></is></c>'


def _bomb_xlsx(rows: int, *, tail: str = "", padding: int = 0, dimension: str = "") -> bytes:
    """An XLSX file written by hand, sheet XML streamed into the archive: a header and
    `rows` rows of two cells, then `tail` (e.g. broken XML) and `padding` bytes of white
    space, which compress to almost nothing, like a zip bomb's."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + (f'<dimension ref="{dimension}"/>'.encode() if dimension else b"")
                + b"<sheetData>"
                + f'<row r="1">{_cell("A", 1, "Titel")}{_cell("B", 1, "Text")}</row>'.encode()
            )
            chunk = []
            for n in range(2, rows + 2):
                chunk.append(f'<row r="{n}">{_cell("A", n, "Idee")}{_cell("B", n, "x")}</row>')
                if len(chunk) == 5000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write("".join(chunk).encode() + tail.encode())
            for _ in range(padding // 1_000_000):
                sheet.write(b" " * 1_000_000)
            if not tail:
                sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def test_an_xlsx_file_is_read_only_up_to_the_row_limit() -> None:
    """Reading stops at the first row past the limit: the broken rest of the sheet (where a
    bomb's millions of rows would be) is never reached."""
    rows = MAX_ROWS + 5000
    data = _bomb_xlsx(rows, tail=BROKEN, dimension=f"A1:B{rows + 1}")
    with pytest.raises(UnreadableFile) as refused:
        read_table("karten.xlsx", data)
    assert refused.value.args[0] == TOO_MANY_ROWS


def test_an_xlsx_sheet_of_too_many_rows_is_refused_before_openpyxl_reads_it() -> None:
    """Without a dimension element openpyxl would read the whole sheet to find its size
    (and here fail at the broken end): the rows are counted first."""
    data = _bomb_xlsx(importing.MAX_LINES + 10, tail=BROKEN)
    with pytest.raises(UnreadableFile) as refused:
        read_table("karten.xlsx", data)
    assert refused.value.args[0] == TOO_MANY_LINES


def test_an_xlsx_file_that_unpacks_too_large_is_refused_before_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importing, "XLSX_MAX_UNPACKED", 2_000_000)
    data = _bomb_xlsx(10, padding=3_000_000)
    assert len(data) < 50_000  # three megabytes of sheet in a few kilobytes
    with pytest.raises(UnreadableFile) as refused:
        read_table("karten.xlsx", data)
    assert str(refused.value) == de(
        "The file unpacks to more than %(mb)d MB, more than an import may hold. "
        "Please split it into smaller files (at most %(rows)d rows each)."
    ) % {"mb": 2, "rows": MAX_ROWS}


def test_an_xlsx_sheet_claiming_huge_dimensions_is_read_as_it_is() -> None:
    data = _bomb_xlsx(3, dimension="A1:XFD1048576")
    table = read_table("karten.xlsx", data)
    assert table.header == ["Titel", "Text"]
    assert [line for line, _row in table.rows] == [2, 3, 4]


def test_an_xlsx_sheet_with_too_many_columns_is_refused() -> None:
    too_far = get_column_letter(importing.MAX_COLUMNS + 1)
    data = _xlsx([["Titel", "Text"], ["A", "B"]])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        "</row></sheetData>", f"{_cell(too_far, 2, 'zu weit')}</row></sheetData>"
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    with pytest.raises(UnreadableFile) as refused:
        read_table("breit.xlsx", buffer.getvalue())
    assert str(refused.value) == de("The file has more than %(n)d columns.") % {
        "n": importing.MAX_COLUMNS
    }


def test_a_csv_file_is_read_only_up_to_the_row_limit() -> None:
    rows = "".join(f"Idee {n};Text\n" for n in range(MAX_ROWS + 1))
    data = ("Titel;Text\n" + rows + "kaputt;\0;\n" * 10).encode()
    with pytest.raises(UnreadableFile) as refused:
        read_table("karten.csv", data)
    assert refused.value.args[0] == TOO_MANY_ROWS


def test_a_file_of_empty_lines_is_not_read_to_its_end() -> None:
    data = ("Titel;Text\n" + "\n" * (importing.MAX_LINES + 1) + "\0").encode()
    with pytest.raises(UnreadableFile) as refused:
        read_table("leer.csv", data)
    assert refused.value.args[0] == TOO_MANY_LINES


def test_the_row_limit_itself_is_allowed() -> None:
    rows = "".join(f"Idee {n};Text\n" for n in range(MAX_ROWS))
    table = read_table("karten.csv", ("Titel;Text\n" + rows).encode())
    assert len(table.rows) == MAX_ROWS


def test_mapping_is_guessed_from_german_headers_and_can_be_given() -> None:
    header = ["Titel", "Beschreibung", "Gruppe", "Gemeinde", "Handlungsfelder", "Datum"]
    assert guess_mapping(header) == {
        "title": "Titel",
        "text": "Beschreibung",
        "segment": "Gruppe",
        "municipality": "Gemeinde",
        "themes": "Handlungsfelder",
        "created": "Datum",
    }
    assert parse_mapping("title=Kopf, text=Inhalt") == {"title": "Kopf", "text": "Inhalt"}
    with pytest.raises(UnreadableFile):
        parse_mapping("colour=Farbe")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15.06.2026", datetime(2026, 6, 15, 10, 0, tzinfo=UTC)),  # noon in Berlin (CEST)
        ("15.06.2026 14:30", datetime(2026, 6, 15, 12, 30, tzinfo=UTC)),
        ("2026-01-15", datetime(2026, 1, 15, 11, 0, tzinfo=UTC)),  # CET
        ("2026-06-15T14:30:00+00:00", datetime(2026, 6, 15, 14, 30, tzinfo=UTC)),
        ("31.02.2026", None),
        ("gestern", None),
    ],
)
def test_dates_in_german_and_iso_writing(value: str, expected: datetime | None) -> None:
    from zoneinfo import ZoneInfo

    assert parse_created(value, ZoneInfo(BERLIN)) == expected


# --- checking and storing --------------------------------------------------------------------


async def test_import_stores_all_rows_with_channel_themes_and_source(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    await add_themes(session, process)
    table = read_table("karten.csv", WORKSHOP.read_bytes())
    ids = await run_import(session, process, table, _options(table, channel=Channel.WORKSHOP))
    assert len(ids) == 4
    stored = await contributions(session)
    assert [c.source_ref for c in stored] == [
        "karten.csv:2",
        "karten.csv:3",
        "karten.csv:4",
        "karten.csv:6",
    ]
    assert {c.channel for c in stored} == {Channel.WORKSHOP}
    assert {c.status for c in stored} == {ContributionStatus.PUBLISHED}
    assert [c.segment for c in stored] == [
        Segment.RESIDENT,
        Segment.PUPIL,
        Segment.OTHER,  # empty: the default
        Segment.RESIDENT,
    ]
    assert stored[0].created_at == datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
    assert stored[0].published_at == stored[0].created_at
    assert stored[0].municipality == "Kornbach"
    assert (
        stored[2].body
        == "Die Haltestelle am Markt braucht ein Dach.\nBei Regen steht man im Nassen."
    )
    themes = await theme_rows(session, stored[1].id)
    assert set(themes) == {"schule", "oepnv"}
    assert {t.source for t in themes.values()} == {ThemeSource.CONFIRMED}
    assert set(await theme_rows(session, stored[2].id)) == {"oepnv"}  # by name
    assert await theme_rows(session, stored[3].id) == {}


async def test_into_moderation_leaves_them_pending(session: AsyncSession) -> None:
    process = await add_process(session)
    await add_themes(session, process)
    table = read_table("karten.csv", WORKSHOP.read_bytes())
    await run_import(session, process, table, _options(table, to_moderation=True))
    stored = await contributions(session)
    assert {c.status for c in stored} == {ContributionStatus.PENDING}
    assert {c.published_at for c in stored} == {None}


async def test_every_row_error_is_listed_with_its_line_and_nothing_is_stored(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    await add_themes(session, process)
    table = read_table("fehler.csv", WITH_ERRORS.read_bytes())
    plan = await plan_import(session, process, table, _options(table))
    assert [(e.line, e.field) for e in plan.errors] == [
        (3, "text"),
        (4, "themes"),
        (4, "created"),
        (5, "created"),
    ]
    assert "Gibt es nicht" in plan.errors[1].message
    assert len(plan.rows) == 1  # the one good row
    with pytest.raises(ImportFailed) as failed:
        await run_import(session, process, table, _options(table))
    assert len(failed.value.errors) == 4
    assert await count(session, Contribution) == 0


async def test_unknown_segment_channel_and_a_missing_column(session: AsyncSession) -> None:
    process = await add_process(session)
    table = read_table("x.csv", b"text;wer;kanal\nEin langer Text;Marsmensch;Brief\n")
    plan = await plan_import(
        session,
        process,
        table,
        _options(table, mapping={"text": "text", "segment": "wer", "channel": "kanal"}),
    )
    assert [(e.line, e.field) for e in plan.errors] == [(2, "segment"), (2, "channel")]
    plan = await plan_import(session, process, table, _options(table, mapping={"text": "Text"}))
    assert [(e.line, e.field) for e in plan.errors] == [(1, "mapping")]
    plan = await plan_import(session, process, table, _options(table, mapping={"title": "wer"}))
    assert [(e.line, e.field) for e in plan.errors] == [(1, "text")]


async def test_a_failure_while_storing_rolls_everything_back(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    process = await add_process(session)
    await add_themes(session, process)
    table = read_table("karten.csv", WORKSHOP.read_bytes())

    def broken(**_kwargs: object) -> ContributionTheme:
        """Fails as the theme rows are made: after the contributions were flushed."""
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "ContributionTheme", broken)
    with pytest.raises(RuntimeError):
        await run_import(session, process, table, _options(table))
    assert await count(session, Contribution) == 0
    assert await count(session, ContributionTheme) == 0


async def test_a_database_error_rolls_everything_back(session: AsyncSession) -> None:
    process = await add_process(session)
    await add_themes(session, process)
    table = read_table("karten.csv", WORKSHOP.read_bytes())
    # A theme id that does not exist breaks the foreign key at commit time.
    plan = await plan_import(session, process, table, _options(table))
    broken = [plan.rows[0], *[replace(row, theme_ids=(99999,)) for row in plan.rows[1:]]]

    async def broken_plan(*_args: object, **_kwargs: object) -> importing.ImportPlan:
        return importing.ImportPlan(rows=broken)

    monkey = pytest.MonkeyPatch()
    monkey.setattr(importing, "plan_import", broken_plan)
    try:
        with pytest.raises(Exception):  # noqa: B017, PT011 - IntegrityError of either driver
            await run_import(session, process, table, _options(table))
    finally:
        monkey.undo()
    assert await count(session, Contribution) == 0


# --- command line ----------------------------------------------------------------------------


def _cli_env(settings: Settings) -> dict[str, str]:
    return {
        "VAR_DIR": str(settings.var_dir),
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
    }


def test_cli_dry_run_then_import(settings: Settings, process: Process) -> None:
    in_db(settings, lambda s: add_themes(s, process))
    runner = CliRunner()
    env = _cli_env(settings)
    dry = runner.invoke(
        main, ["import", SLUG, str(WORKSHOP), "--dry-run", "--channel", "workshop"], env=env
    )
    assert dry.exit_code == 0, dry.output
    assert "4 rows are fine" in dry.output
    assert in_db(settings, lambda s: count(s, Contribution)) == 0

    done = runner.invoke(
        main,
        ["import", SLUG, str(WORKSHOP), "--channel", "workshop", "--segment", "expert"],
        env=env,
    )
    assert done.exit_code == 0, done.output
    assert "Imported 4 contributions" in done.output
    assert "Suggested action fields for 4" in done.output  # after the commit
    stored = in_db(settings, contributions)
    assert {c.channel for c in stored} == {Channel.WORKSHOP}
    assert stored[2].segment is Segment.EXPERT


def test_cli_lists_row_errors_and_imports_nothing(settings: Settings, process: Process) -> None:
    in_db(settings, lambda s: add_themes(s, process))
    result = CliRunner().invoke(
        main,
        ["import", SLUG, str(WITH_ERRORS), "--mapping", "title=title,text=text"],
        env=_cli_env(settings),
    )
    assert result.exit_code == 1
    # One language, like the other commands: English, the messages of each row included.
    assert "line 3 (text): The text is empty." in result.output
    assert "line 4 (themes): Unknown action field Gibt es nicht." in result.output
    assert german("The text is empty.") not in result.output
    assert in_db(settings, lambda s: count(s, Contribution)) == 0


def test_cli_unknown_process(settings: Settings) -> None:
    result = CliRunner().invoke(main, ["import", "nope", str(WORKSHOP)], env=_cli_env(settings))
    assert result.exit_code == 2
    assert "no process" in result.output


# --- the admin page --------------------------------------------------------------------------


@pytest.fixture
def admin_client(client: Client, settings: Settings, process: Process) -> Client:
    in_db(settings, lambda s: add_staff(s, "admin@example.org", Role.ADMIN))
    in_db(settings, lambda s: add_themes(s, process))
    assert login(client, "admin@example.org").status_code == 303
    return client


URL = f"/admin/processes/{SLUG}/import"


def _upload(client: Client, name: str, data: bytes, **fields: str) -> object:
    from tests.helpers import csrf_token

    return client.post(
        URL,
        data={"_csrf_token": csrf_token(client), **fields},
        files={"file": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )


def test_import_page_is_for_admins_only(
    client: Client, settings: Settings, process: Process, staff_client: Client
) -> None:
    assert staff_client.get(URL).status_code == 403


def _selected(page: BeautifulSoup, select: str) -> str:
    option = page.select_one(f"{select} option[selected]")
    return str(option["value"]) if option is not None else ""


def test_upload_map_dry_run_and_import(admin_client: Client, settings: Settings) -> None:
    page = html(admin_client.get(URL).text)
    assert one(page, "input#file")["type"] == "file"

    response = _upload(admin_client, "karten.csv", WORKSHOP.read_bytes(), channel="workshop")
    assert response.status_code == 200  # type: ignore[attr-defined]
    mapping = html(response.text)  # type: ignore[attr-defined]
    # Selects pre-filled from the header names.
    selected = one(mapping, "#map_text option[selected]")
    assert selected["value"] == "Beschreibung"
    assert one(mapping, "#map_themes option[selected]")["value"] == "Handlungsfelder"
    upload_id = str(one(mapping, "input[name=upload]")["value"])
    form = {
        "upload": upload_id,
        "name": "karten.csv",
        "channel": "workshop",
        "segment": "other",
        **{
            f"map_{name}": str(option["value"])
            if (option := mapping.select_one(f"#map_{name} option[selected]"))
            else ""
            for name in importing.IMPORT_FIELDS
        },
    }
    dry = post_form(admin_client, URL + "/check", {**form, "action": "dry_run"})
    assert dry.status_code == 200
    assert "4" in text_of(one(html(dry.text), ".notice--success"))
    assert in_db(settings, lambda s: count(s, Contribution)) == 0

    done = post_form(admin_client, URL + "/check", {**form, "action": "import"})
    assert done.status_code == 200
    assert german("Import finished") in text_of(one(html(done.text), "h1"))
    stored = in_db(settings, contributions)
    assert len(stored) == 4
    assert {c.channel for c in stored} == {Channel.WORKSHOP}
    assert stored[0].source_ref == "karten.csv:2"
    # The kept file is gone: sending the form again imports nothing twice.
    again = post_form(admin_client, URL + "/check", {**form, "action": "import"})
    assert again.status_code == 422
    assert in_db(settings, lambda s: count(s, Contribution)) == 4


def test_dry_run_lists_row_errors_with_lines(admin_client: Client, settings: Settings) -> None:
    response = _upload(admin_client, "fehler.csv", WITH_ERRORS.read_bytes())
    upload_id = str(one(html(response.text), "input[name=upload]")["value"])  # type: ignore[attr-defined]
    form = {
        "upload": upload_id,
        "name": "fehler.csv",
        "map_title": "title",
        "map_text": "text",
        "map_themes": "themes",
        "map_created": "created",
        "action": "import",
    }
    result = post_form(admin_client, URL + "/check", form)
    assert result.status_code == 422
    rows = [
        [text_of(td) for td in tr.select("td")]
        for tr in html(result.text).select(".error-summary tbody tr")
    ]
    assert [row[0] for row in rows] == ["3", "4", "4", "5"]
    assert in_db(settings, lambda s: count(s, Contribution)) == 0


def test_upload_errors_are_shown_at_the_field(admin_client: Client) -> None:
    response = _upload(admin_client, "notes.pdf", b"%PDF-1.4", segment="pupil")
    assert response.status_code == 422  # type: ignore[attr-defined]
    page = html(response.text)  # type: ignore[attr-defined]
    assert text_of(one(page, "#file-error"))
    assert one(page, "#segment option[selected]")["value"] == "pupil"  # kept
    forged = post_form(
        admin_client, URL + "/check", {"upload": "../../etc/passwd", "action": "import"}
    )
    assert forged.status_code == 422


def test_a_bomb_like_xlsx_upload_gets_a_message_for_the_admin(
    admin_client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "XLSX_MAX_UNPACKED", 2_000_000)
    response = _upload(admin_client, "karten.xlsx", _bomb_xlsx(10, padding=3_000_000))
    assert response.status_code == 422  # type: ignore[attr-defined]
    page = html(response.text)  # type: ignore[attr-defined]
    assert text_of(one(page, "#file-error")) == german(
        "The file unpacks to more than %(mb)d MB, more than an import may hold. "
        "Please split it into smaller files (at most %(rows)d rows each)."
    ) % {"mb": 2, "rows": MAX_ROWS}
    assert not list((settings.var_dir / "imports").glob("*"))


def test_imported_xlsx_through_the_page(admin_client: Client, settings: Settings) -> None:
    data = _xlsx(
        [
            ["Titel", "Text", "Themen", "Datum"],
            [
                "Mehr Busse",
                "Abends fährt kein Bus mehr nach Kornbach.",
                "Bus und Bahn",
                "15.06.2026",
            ],
        ]
    )
    response = _upload(admin_client, "umfrage.xlsx", data)
    upload_id = str(one(html(response.text), "input[name=upload]")["value"])  # type: ignore[attr-defined]
    done = post_form(
        admin_client,
        URL + "/check",
        {
            "upload": upload_id,
            "name": "umfrage.xlsx",
            "map_title": "Titel",
            "map_text": "Text",
            "map_themes": "Themen",
            "map_created": "Datum",
            "channel": "survey",
            "to_moderation": "on",
            "action": "import",
        },
    )
    assert done.status_code == 200, done.text
    suggestions_done(admin_client)  # the tagger's suggestions leave the confirmed theme alone
    (stored,) = in_db(settings, contributions)
    assert stored.channel is Channel.SURVEY
    assert stored.status is ContributionStatus.PENDING
    assert stored.source_ref == "umfrage.xlsx:2"
    themes = in_db(settings, lambda s: theme_rows(s, stored.id))
    assert set(themes) == {"oepnv"}
