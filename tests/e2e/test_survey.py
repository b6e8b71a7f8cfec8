"""Surveys in a real browser: an admin builds a small survey (with a mistake on the way),
previews it and makes invitation links; a firm answers the demo survey across pages, leaves,
comes back with its link and sends; and the same without JavaScript. axe checks each state."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, create_staff, submit_login

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "umfragen-e2e@example.org", "ein langes Passwort für Umfragen"
DEMO = "/processes/digitalstrategie-auetal"
DEMO_SURVEY = DEMO + "/umfragen/betriebe-digital"


def create_admin(live_server: LiveServer) -> None:
    create_staff(live_server, EMAIL, PASSWORD, "admin")


def test_an_admin_builds_a_survey(page: Page, live_server: LiveServer) -> None:
    create_admin(live_server)
    page.goto(live_server.url + "/admin/processes")
    submit_login(page, EMAIL, PASSWORD)
    page.locator('a[href="/admin/processes/digitalstrategie-auetal/surveys"]').click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Umfragen von")
    expect(page.locator("#surveys-caption")).to_be_visible()  # the demo survey is listed
    check(page)

    page.get_by_role("button", name="Umfrage anlegen").click()
    expect(page.locator("#title-error")).to_contain_text("Titel")
    check(page)
    page.get_by_label("Titel").fill("Schulwege im Winter")
    page.get_by_role("button", name="Umfrage anlegen").click()
    expect(page.get_by_role("heading", name="Einstellungen der Umfrage")).to_be_visible()
    expect(page.locator(".badge")).to_have_text("Entwurf")
    check(page)

    today = date.today()
    page.locator("#opens_on").fill((today + timedelta(days=3)).isoformat())
    page.locator("#closes_on").fill(today.isoformat())
    page.locator("#segment-resident").check()
    page.get_by_role("button", name="Einstellungen speichern").click()
    expect(page.locator("#closes_on-error")).to_contain_text("ersten Tag")
    expect(page.locator("#segment-resident")).to_be_checked()
    check(page)
    page.locator("#opens_on").fill((today - timedelta(days=1)).isoformat())
    page.locator("#closes_on").fill((today + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Einstellungen speichern").click()
    expect(page.locator(".badge")).to_have_text("Offen")

    page.get_by_role("link", name="Fragen", exact=True).click()
    page.locator("#new-section-title").fill("Dein Schulweg")
    page.get_by_role("button", name="Abschnitt anlegen").click()
    expect(page.get_by_role("heading", name="Abschnitt 1: Dein Schulweg")).to_be_visible()
    check(page)

    page.get_by_role("link", name="Frage zu Abschnitt 1 hinzufügen").click()
    page.get_by_label("Frage", exact=True).fill("Wie kommen Sie zur Schule?")
    page.get_by_label("Optionen").fill("Zu Fuß")
    page.get_by_role("button", name="Frage hinzufügen").click()
    expect(page.locator("#options-error")).to_contain_text("mindestens zwei")
    expect(page.get_by_label("Frage", exact=True)).to_have_value("Wie kommen Sie zur Schule?")
    check(page)
    page.get_by_label("Optionen").fill("Zu Fuß\nMit dem Rad\nMit dem Bus")
    page.get_by_role("button", name="Frage hinzufügen").click()
    page.get_by_role("link", name="Frage zu Abschnitt 1 hinzufügen").click()
    page.get_by_label("Skala von 1 bis 5").check()
    page.get_by_label("Frage", exact=True).fill("Wie sicher fühlen Sie sich?")
    page.get_by_label("1 bedeutet").fill("unsicher")
    page.get_by_label("5 bedeutet").fill("sehr sicher")
    page.get_by_role("button", name="Frage hinzufügen").click()
    expect(page.locator(".builder-question")).to_have_count(2)
    page.get_by_role("button", name="Frage 2 nach oben").click()
    expect(page.locator(".builder-question").first).to_contain_text("Wie sicher")
    check(page)

    page.get_by_role("button", name="Frage 1 löschen").click()
    expect(page.get_by_role("heading", name="Diese Frage löschen?")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Nein, behalten").click()
    expect(page.locator(".builder-question")).to_have_count(2)

    page.get_by_role("link", name="Vorschau").click()
    expect(page.locator(".survey-preview-note")).to_contain_text("Nichts")
    expect(page.locator("legend").filter(has_text="Wie kommen Sie zur Schule?")).to_be_visible()
    check(page)

    page.get_by_role("link", name="Einladungslinks").click()
    page.get_by_label("Wie viele?").fill("3")
    page.get_by_role("button", name="Links erstellen").click()
    expect(page.locator("dl.facts")).to_contain_text("3")
    check(page)

    page.goto(live_server.url + DEMO)
    expect(page.get_by_role("link", name="Schulwege im Winter")).to_be_visible()


def _firm_page(page: Page) -> None:
    page.locator("#municipality").fill("Auenbrück")
    page.locator("#organisation_name").fill("Tischlerei Lange")
    page.locator("#organisation_sector").select_option("C")
    page.locator("#organisation_size-10-49").check()


def test_a_firm_answers_leaves_comes_back_and_sends(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + DEMO)
    page.get_by_role("link", name=re.compile("Befragung der Betriebe")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Befragung der Betriebe")
    check(page)
    page.get_by_role("button", name="Umfrage starten").click()
    expect(page.locator(".survey-progress")).to_have_text("Seite 1 von 4")
    link = page.url
    check(page)

    page.get_by_role("button", name="Speichern und weiter").click()
    expect(page.locator("#organisation_name-error")).not_to_be_empty()
    expect(page.locator(".error-summary")).to_be_visible()
    check(page)
    _firm_page(page)
    page.get_by_role("button", name="Speichern und weiter").click()
    expect(page.locator(".survey-progress")).to_have_text("Seite 2 von 4")
    check(page)

    page.get_by_label("50 bis 250 Mbit/s").check()
    page.get_by_label("Cloud-Speicher").check()
    page.get_by_role("button", name="Speichern und weiter").click()
    expect(page.locator("fieldset.field--invalid")).to_have_count(1)  # the scale is required
    check(page)
    page.get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Speichern und weiter").click()
    expect(page.locator(".survey-progress")).to_have_text("Seite 3 von 4")

    # Leave, and come back later with the link.
    page.goto(live_server.url + "/")
    page.goto(link)
    expect(page.locator(".survey-progress")).to_have_text("Seite 3 von 4")
    page.get_by_role("button", name="Zurück").click()
    expect(page.get_by_label("50 bis 250 Mbit/s")).to_be_checked()
    page.get_by_role("button", name="Speichern und weiter").click()

    page.get_by_label("Glasfaser in Gewerbegebieten").select_option("1")
    page.get_by_label("Digitale Verwaltung").select_option("1")
    page.get_by_label("Weiterbildung").select_option("3")
    page.get_by_role("button", name="Speichern und weiter").click()
    expect(page.locator(".field-error").filter(has_text="anderen Platz")).to_be_visible()
    check(page)
    page.get_by_label("Digitale Verwaltung").select_option("2")
    page.get_by_label(re.compile("Was würde Ihrem Betrieb")).fill(
        "Eine Beratung vor Ort zu Förderprogrammen."
    )
    page.get_by_role("button", name="Speichern und weiter").click()
    expect(page.locator(".survey-progress")).to_have_text("Seite 4 von 4")
    expect(page.locator(".survey-summary").last).to_contain_text("1. Glasfaser in Gewerbegebieten")
    check(page)

    page.get_by_role("button", name="Absenden").click()
    expect(page.locator("#survey-sent")).to_contain_text("Vielen Dank")
    check(page)
    page.goto(link)
    expect(page.locator("#survey-sent")).to_have_text("Sie haben bereits geantwortet. Vielen Dank!")
    check(page)


def test_answering_without_javascript(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + DEMO_SURVEY)
        page.get_by_role("button", name="Umfrage starten").click()
        _firm_page(page)
        page.get_by_role("button", name="Speichern und weiter").click()
        page.get_by_label("über 250 Mbit/s").check()
        page.get_by_label(re.compile(r"^5 ")).check()
        page.get_by_role("button", name="Speichern und weiter").click()
        for label, place in (
            ("Glasfaser in Gewerbegebieten", "2"),
            ("Digitale Verwaltung", "1"),
            ("Weiterbildung", "3"),
        ):
            page.get_by_label(label).select_option(place)
        page.get_by_role("button", name="Speichern und weiter").click()
        expect(page.locator(".survey-summary").last).to_contain_text("1. Digitale Verwaltung")
        check(page)
        page.get_by_role("button", name="Absenden").click()
        expect(page.locator("#survey-sent")).to_contain_text("Vielen Dank")
        check(page)
    finally:
        context.close()
