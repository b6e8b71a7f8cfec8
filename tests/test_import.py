"""Importing contributions from CSV and XLSX: reading (encodings, delimiters, line numbers),
the column mapping, row errors with their lines, all-or-nothing storing with its rollback,
the command line, and the admin page's upload -> mapping -> dry run -> import."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from openpyxl import Workbook
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
    german,
    html,
    in_db,
    login,
    one,
    post_form,
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
    (stored,) = in_db(settings, contributions)
    assert stored.channel is Channel.SURVEY
    assert stored.status is ContributionStatus.PENDING
    assert stored.source_ref == "umfrage.xlsx:2"
    themes = in_db(settings, lambda s: theme_rows(s, stored.id))
    assert set(themes) == {"oepnv"}
