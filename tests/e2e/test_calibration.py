"""The calibration meeting in a real browser: an admin opens a rated round's calibration view,
takes over the preset priority groups, proposes them from the ranking, sorts the table and
moves a profile with a reason; axe-core checks every page state (`check`), also without
JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, submit_login
from tests.evaluation_rows import Round, rated_round

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def rated(live_server: LiveServer) -> Round:
    """A second process beside the demo with four profiles rated by two evaluators."""
    return live_server.in_db(rated_round)


def _sign_in(page: Page, live_server: LiveServer, target: str) -> None:
    """As the demo's admin: lines 3 and 4 of var/demo-login.txt."""
    lines = (live_server.var_dir / "demo-login.txt").read_text().splitlines()
    page.goto(live_server.url + target)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    submit_login(page, lines[2], lines[3])


def test_an_admin_settles_the_groups_in_the_calibration_view(
    page: Page, live_server: LiveServer, rated: Round
) -> None:
    url = f"/admin/bewertung/runden/{rated.round_id}/kalibrierung"
    _sign_in(page, live_server, url)
    expect(page.get_by_role("heading", name="Kalibrierung: Runde")).to_be_visible()
    table = page.get_by_role("table", name=re.compile("^Punktzahlen"))
    expect(table.locator("tbody th a")).to_have_text(["A", "B", "C", "D"])
    check(page)

    page.get_by_role("link", name="Gruppen festlegen").click()
    page.get_by_role("button", name=re.compile("Gruppen des Digitalisierungsplans")).click()
    expect(page.get_by_text("Die Prioritätsgruppen sind gespeichert.")).to_be_visible()
    expect(page.get_by_label("Zahl der Steckbriefe").first).to_have_value("8")
    check(page)

    page.goto(live_server.url + url)
    page.get_by_role("button", name="Gruppen aus der Rangfolge vorschlagen").click()
    expect(page.get_by_text("4 Steckbriefe in die Gruppen eingeordnet.")).to_be_visible()
    expect(table.locator("tbody tr").first).to_contain_text("Premium+")
    check(page)

    page.get_by_role("link", name="Titel").click()
    expect(page).to_have_url(re.compile(r"sort=title$"))
    row = page.locator(f"#profile-{rated.profiles[3].id}")
    row.locator("summary").click()
    row.get_by_label("In die Gruppe").select_option(label="Weitere Projektideen")
    row.get_by_label("Begründung (Pflicht, wird protokolliert)").fill("Nur ein Gutachten")
    row.get_by_role("button", name="Verschieben").click()
    expect(page.get_by_text("Verschoben. Die Begründung steht im Protokoll.")).to_be_visible()
    expect(page.locator(f"#profile-{rated.profiles[3].id}")).to_contain_text(
        "verschoben: Nur ein Gutachten"
    )
    check(page)


def test_the_calibration_view_works_without_javascript(
    browser: Browser, live_server: LiveServer, rated: Round
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    _sign_in(page, live_server, f"/admin/bewertung/runden/{rated.round_id}/kalibrierung?sort=flags")
    expect(page.get_by_role("heading", name="Verteilung der Punktzahlen")).to_be_visible()
    check(page)
    context.close()
