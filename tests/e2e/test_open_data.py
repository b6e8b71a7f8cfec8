"""Open data in a real browser: an admin gives the demo process a licence on its form, the
public process page then offers the download with the licence, and a visitor downloads the
ZIP, which holds the published idea shown on the page; afterwards the link tells the file's
size. axe and the phone width check each state."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, create_staff, submit_login

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "admin-daten@example.org", "ein langes Passwort für Admins"
SLUG = "digitalstrategie-auetal"
LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0"


def test_the_admin_sets_a_licence_and_a_visitor_downloads_the_open_data(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    create_staff(live_server, EMAIL, PASSWORD, "admin")
    public = browser.new_page(locale="de-DE")
    public.goto(f"{live_server.url}/processes/{SLUG}")
    expect(public.locator("#ideas")).to_be_visible()
    expect(public.locator("#open-data")).to_have_count(0)  # no licence, no download

    page.goto(f"{live_server.url}/admin/processes/{SLUG}/edit")
    submit_login(page, EMAIL, PASSWORD)
    expect(page.get_by_role("heading", name="Offene Daten")).to_be_visible()
    expect(page.get_by_label("Keine Lizenz: kein Download offener Daten")).to_be_checked()
    check(page)
    page.get_by_label(LICENCE).check()
    page.get_by_role("button", name="Verfahren speichern").click()
    expect(page.get_by_text("Gespeichert:")).to_be_visible()
    expect(page.get_by_label(LICENCE)).to_be_checked()
    check(page)

    public.reload()
    title = public.locator("#ideas li.idea h3 a").first.inner_text().strip()
    section = public.locator("#open-data")
    expect(section.get_by_role("heading", name="Offene Daten")).to_be_visible()
    expect(section.get_by_role("link", name=LICENCE)).to_have_attribute(
        "href", "https://www.govdata.de/dl-de/by-2-0"
    )
    link = section.get_by_role("link", name="Offene Daten herunterladen (ZIP)")
    check(public)
    with public.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert re.fullmatch(
        rf"{SLUG}-open-data-\d{{4}}-\d{{2}}-\d{{2}}\.zip", download.suggested_filename
    )
    path = download.path()
    assert path is not None
    with zipfile.ZipFile(path) as archive:
        assert {"README.md", "datapackage.json", "contributions.csv"} <= set(archive.namelist())
        assert LICENCE in archive.read("README.md").decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(archive.read("contributions.csv").decode())))
    assert title in [row["title"] for row in rows]

    public.reload()
    sized = public.locator("#open-data").get_by_role(
        "link", name=re.compile(r"ZIP, [\d,]+ (KB|MB)")
    )
    expect(sized).to_be_visible()
    check(public)
    public.close()
