"""The import page in a real browser: an admin uploads a CSV, sees the row errors of a dry
run with their line numbers, uploads a corrected file and imports it; axe-core checks each
step."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Contribution
from tests.e2e.conftest import LiveServer, check, create_staff, submit_login

pytestmark = pytest.mark.e2e

SLUG = "digitalstrategie-auetal"
ADMIN, PASSWORD = "admin-import@example.org", "ein langes Passwort fürs Admin-Konto"
BROKEN = (
    "Titel;Beschreibung;Handlungsfelder;Datum\n"
    "Rufbus per App;Den Rufbus sollte man per App bestellen können.;Mobilität;15.06.2026\n"
    "Leere Karte;;Mobilität;16.06.2026\n"
    "Tanzkurse;Digitale Tanzkurse für alle.;Tanz;gestern\n"
)
FIXED = (
    "Titel;Beschreibung;Handlungsfelder;Datum\n"
    "Rufbus per App;Den Rufbus sollte man per App bestellen können.;Mobilität;15.06.2026\n"
    "WLAN im Bürgerhaus;Im Bürgerhaus Kornbach fehlt ein offenes WLAN.;breitband;16.06.2026\n"
)


def _create_admin(live_server: LiveServer) -> None:
    create_staff(live_server, ADMIN, PASSWORD, "admin")


def test_dry_run_errors_then_import(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    _create_admin(live_server)
    page.goto(live_server.url + "/login")
    submit_login(page, ADMIN, PASSWORD)

    page.goto(f"{live_server.url}/admin/processes/{SLUG}/edit")
    page.get_by_role("link", name="Beiträge importieren").click()
    expect(page.get_by_role("heading", name="Beiträge importieren")).to_be_visible()
    check(page)

    # Nothing chosen: the message at the file field.
    page.get_by_role("button", name="Hochladen und Spalten zuordnen").click()
    expect(page.locator("#file-error")).not_to_be_empty()
    check(page)

    broken = tmp_path / "werkstatt.csv"
    broken.write_text(BROKEN, encoding="cp1252")
    page.get_by_label("CSV- oder XLSX-Datei").set_input_files(str(broken))
    page.get_by_label("Kanal für Zeilen ohne Angabe").select_option("workshop")
    page.get_by_role("button", name="Hochladen und Spalten zuordnen").click()
    # The columns are assigned from their names already.
    expect(page.get_by_label("Text", exact=True)).to_have_value("Beschreibung")
    check(page)
    page.get_by_role("button", name="Probelauf").click()
    errors = page.locator(".error-summary tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("3")
    expect(errors.nth(1)).to_contain_text("Tanz")
    check(page)
    # Importing anyway stores nothing.
    page.get_by_role("button", name="Alle Zeilen importieren").click()
    expect(page.locator(".error-summary")).to_be_visible()

    page.get_by_role("link", name="Datei hochladen").click()
    fixed = tmp_path / "werkstatt-korrigiert.csv"
    fixed.write_text(FIXED, encoding="utf-8")
    page.get_by_label("CSV- oder XLSX-Datei").set_input_files(str(fixed))
    page.get_by_label("Kanal für Zeilen ohne Angabe").select_option("workshop")
    page.get_by_role("button", name="Hochladen und Spalten zuordnen").click()
    page.get_by_role("button", name="Probelauf").click()
    expect(page.locator(".notice--success")).to_contain_text("2")
    page.get_by_role("button", name="Alle Zeilen importieren").click()
    expect(page.get_by_role("heading", name="Import abgeschlossen")).to_be_visible()
    check(page)

    async def imported(session: AsyncSession) -> list[tuple[str | None, str, str, str | None]]:
        found = await session.exec(
            select(
                Contribution.title,
                Contribution.channel,
                Contribution.status,
                Contribution.source_ref,
            )
            .where(col(Contribution.source_ref).like("werkstatt%"))
            .order_by(col(Contribution.id))
        )
        return [(title, str(channel), str(status), ref) for title, channel, status, ref in found]

    assert live_server.in_db(imported) == [
        ("Rufbus per App", "workshop", "published", "werkstatt-korrigiert.csv:2"),
        ("WLAN im Bürgerhaus", "workshop", "published", "werkstatt-korrigiert.csv:3"),
    ]
