"""Survey logic in the browser: an admin gives the demo survey's free-text question a
condition on the scale before it, and a firm that finds fast internet unimportant is not
asked it. axe checks each state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, check, create_staff, submit_login
from tests.e2e.test_survey import DEMO, _firm_page

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "logik-e2e@example.org", "ein langes Passwort für die Umfragelogik"
FREE_TEXT = "Was würde Ihrem Betrieb bei der Digitalisierung am meisten helfen?"


def test_a_condition_set_in_the_builder_hides_a_question_from_a_respondent(
    page: Page, live_server: LiveServer
) -> None:
    create_staff(live_server, EMAIL, PASSWORD, "admin")
    page.goto(live_server.url + f"/admin/processes{DEMO.removeprefix('/processes')}/surveys")
    submit_login(page, EMAIL, PASSWORD)
    page.get_by_role("link", name=re.compile("Befragung der Betriebe")).first.click()
    page.get_by_role("link", name="Fragen", exact=True).click()
    page.get_by_role("link", name="Bedingung für Frage 2").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(FREE_TEXT)
    expect(page.locator("main")).to_contain_text("Wird zurzeit allen gezeigt.")
    check(page)

    page.get_by_label("Nur zeigen, wenn diese frühere Frage").select_option(
        label="Wie wichtig ist schnelles Internet für Ihr Geschäft?"
    )
    page.get_by_role("button", name="Antworten dieser Frage zeigen").click()
    page.locator("#low").select_option("5")
    page.locator("#high").select_option("2")
    page.get_by_role("button", name="Bedingung speichern").click()
    expect(page.locator("#range-error")).to_contain_text("kleineren Wert zuerst")
    check(page)
    page.locator("#low").select_option("4")
    page.locator("#high").select_option("5")
    page.get_by_role("button", name="Bedingung speichern").click()
    note = page.locator(".builder-condition")
    expect(note).to_have_text(re.compile("zwischen 4 und 5"))
    check(page)

    # A firm for which fast internet matters little is not asked the free text.
    page.goto(live_server.url + DEMO)
    page.get_by_role("link", name=re.compile("Befragung der Betriebe")).click()
    page.get_by_role("button", name="Umfrage starten").click()
    _firm_page(page)
    page.get_by_role("button", name="Speichern und weiter").click()
    page.get_by_label("50 bis 250 Mbit/s").check()
    page.get_by_label("2", exact=True).check()
    page.get_by_role("button", name="Speichern und weiter").click()
    expect(page.get_by_role("heading", name="Was der Landkreis tun sollte")).to_be_visible()
    expect(page.get_by_text(FREE_TEXT)).to_have_count(0)
    check(page)
