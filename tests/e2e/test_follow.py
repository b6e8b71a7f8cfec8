"""The private follow link in a real browser: a resident sends an idea, changes it, downloads
their data and deletes it after the confirmation step; axe-core checks every page on the way.
Also without JavaScript."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, fill_idea_text

pytestmark = pytest.mark.e2e

PROCESS = "/processes/digitalstrategie-auetal"
NEW_TITLE = "E-Books und Hörbücher in der Gemeindebücherei"
BODY = (
    "Die Gemeindebücherei sollte E-Books verleihen, damit man auch ohne Fahrt nach "
    "Auenbrück an neue Bücher kommt."
)


def _send_idea(page: Page, live_server: LiveServer, title: str, javascript: bool = True) -> str:
    page.goto(live_server.url + PROCESS)
    if javascript:
        fill_idea_text(page, title, BODY)
    else:
        page.get_by_label("Titel Ihrer Idee").fill(title)
        page.get_by_label("Ihre Idee", exact=True).fill(BODY)
    page.get_by_label("Einwohnerin oder Einwohner").check()
    page.locator("#consent").check()  # the consent to store the idea, not the e-mail one
    page.get_by_role("button", name="Idee absenden").click()
    expect(page).to_have_url(re.compile(r"/follow/[\w-]+\?submitted=1"))
    return page.url.split("?")[0]


def test_edit_download_and_delete(page: Page, live_server: LiveServer) -> None:
    follow_url = _send_idea(page, live_server, "E-Books in der Gemeindebücherei")
    expect(page.locator(".badge").first).to_have_text("wartet auf Prüfung")
    check(page)

    page.get_by_role("link", name=re.compile("^Ändern")).click()
    expect(page.get_by_role("heading", name="Beitrag ändern")).to_be_visible()
    check(page)
    # Too short: the message at the field, and what was typed stays.
    page.get_by_label("Titel Ihrer Idee").fill("Buch")
    page.get_by_role("button", name="Änderungen speichern").click()
    expect(page.locator("#title-error")).not_to_be_empty()
    expect(page.get_by_label("Titel Ihrer Idee")).to_have_value("Buch")
    check(page)
    page.get_by_label("Titel Ihrer Idee").fill(NEW_TITLE)
    page.get_by_role("button", name="Änderungen speichern").click()
    expect(page).to_have_url(follow_url + "?saved=1")
    expect(page.locator("#idea-title")).to_have_text(NEW_TITLE)
    check(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Als JSON herunterladen").click()
    download = download_info.value
    data = json.loads(download.path().read_text(encoding="utf-8"))
    assert [c["title"] for c in data["contributions"]] == [NEW_TITLE]

    page.get_by_role("link", name=re.compile("^Löschen")).click()
    expect(page.get_by_role("heading", name="Beitrag löschen?")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Nein, behalten").click()
    expect(page).to_have_url(follow_url)
    page.get_by_role("link", name=re.compile("^Löschen")).click()
    page.get_by_role("button", name="Ja, endgültig löschen").click()
    expect(page.get_by_role("heading", name="Ihr Beitrag ist gelöscht")).to_be_visible()
    check(page)
    assert page.request.get(follow_url).status == 404


def test_delete_without_javascript(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    follow_url = _send_idea(page, live_server, "Ohne Skript gelöscht", javascript=False)
    page.goto(follow_url)
    page.get_by_role("link", name=re.compile("^Löschen")).click()
    check(page)
    page.get_by_role("button", name="Ja, endgültig löschen").click()
    expect(page.get_by_role("heading", name="Ihr Beitrag ist gelöscht")).to_be_visible()
    check(page)
    context.close()
