"""Plain language in a real browser: an admin writes the process in Leichte Sprache; a resident
on a phone finds it by its pictogram, reads it and sends an idea with the plain form, one
question per step (a mistake on the way); the idea waits in the moderators' queue. The same
steps work without JavaScript. axe checks the page and every step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.e2e.conftest import LiveServer, check, create_staff, submit_login

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "leichte-sprache-e2e@example.org", "ein langes Passwort für Leichte Sprache"
PROCESS = "/processes/digitalstrategie-auetal"
PLAIN_TEXT = (
    "Der Land-Kreis Auetal will digitaler werden.\n"
    "Das heißt: Mehr Dinge gehen im Internet.\n\n"
    "Wir fragen Sie: Was soll besser werden?"
)
TITLE = "Hilfe beim Ausfüllen von Formularen im Internet"
BODY = "Viele Menschen verstehen die Formulare im Internet nicht.\nEine Person soll dabei helfen."
PHONE: ViewportSize = {"width": 390, "height": 844}


def next_step(page: Page) -> None:
    page.get_by_role("button", name="Weiter").click()


def test_plain_page_and_plain_idea_form_to_the_queue(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    # The admin writes the Leichte-Sprache version, with the rules beside the field.
    create_staff(live_server, EMAIL, PASSWORD, "admin")
    page.goto(live_server.url + f"/admin/processes{PROCESS.removeprefix('/processes')}/edit")
    submit_login(page, EMAIL, PASSWORD)
    expect(page.get_by_role("heading", name="So schreiben Sie in Leichter Sprache")).to_be_visible()
    page.get_by_label("Beschreibung in Leichter Sprache").fill(PLAIN_TEXT)
    page.get_by_label("Schritt „Ihre Idee in einem Satz“").fill(
        "Schreiben Sie in einem Satz: Was soll besser werden?"
    )
    page.get_by_role("button", name="Verfahren speichern").click()
    expect(page.locator(".flash--success")).to_be_visible()
    check(page)

    # A resident on a phone: the pictogram and the words lead to the plain page.
    resident = browser.new_context(locale="de-DE", viewport=PHONE).new_page()
    resident.goto(live_server.url + PROCESS)
    link = resident.locator(".process__header").get_by_role("link", name="Leichte Sprache")
    expect(link.locator("img")).to_have_attribute("src", "/static/img/leichte-sprache.svg")
    link.click()
    expect(resident).to_have_url(re.compile(r"/leichte-sprache$"))
    expect(resident.get_by_text("Das heißt: Mehr Dinge gehen im Internet.")).to_be_visible()
    check(resident)

    resident.get_by_role("link", name="Eine Idee schicken").click()
    expect(resident.locator("#plain-progress-text")).to_have_text("Schritt 1 von 6")
    expect(resident.get_by_role("heading", level=1)).to_have_text("Was ist Ihre Idee?")
    expect(resident.locator("#title-hint")).to_have_text(
        "Schreiben Sie in einem Satz: Was soll besser werden?"
    )
    check(resident)

    # Too short: the same step again, with the message and the text kept.
    resident.get_by_label("Meine Idee in einem Satz").fill("WLAN")
    next_step(resident)
    expect(resident.locator("#title-error")).to_contain_text("mindestens")
    expect(resident.get_by_label("Meine Idee in einem Satz")).to_have_value("WLAN")
    check(resident)
    resident.get_by_label("Meine Idee in einem Satz").fill(TITLE)
    next_step(resident)

    expect(resident.locator("#plain-progress-text")).to_have_text("Schritt 2 von 6")
    check(resident)
    resident.get_by_label("Mehr über meine Idee").fill(BODY)
    next_step(resident)

    expect(resident.locator("#plain-progress-text")).to_have_text("Schritt 3 von 6")
    check(resident)
    # Back and forward again: nothing typed is lost.
    resident.get_by_role("button", name="Zurück").click()
    expect(resident.get_by_label("Mehr über meine Idee")).to_have_value(BODY)
    next_step(resident)
    resident.get_by_label("Ich wohne hier.").check()
    next_step(resident)

    expect(resident.locator("#plain-progress-text")).to_have_text("Schritt 4 von 6")
    check(resident)
    resident.get_by_label("Mein Ort").fill("Kornbach")
    next_step(resident)

    # The site sends e-mail: the address is asked, with its own consent.
    expect(resident.locator("#plain-progress-text")).to_have_text("Schritt 5 von 6")
    expect(resident.get_by_role("heading", level=1)).to_have_text(
        "Möchten Sie Nachrichten per E-Mail?"
    )
    check(resident)
    next_step(resident)

    expect(resident.locator("#plain-progress-text")).to_have_text("Schritt 6 von 6")
    expect(resident.locator(".plain-answers")).to_contain_text(TITLE)
    expect(resident.locator(".plain-answers")).to_contain_text("Kornbach")
    check(resident)
    resident.get_by_role("button", name="Idee absenden").click()
    expect(resident.locator("#consent-error")).not_to_be_empty()
    check(resident)
    resident.get_by_label(re.compile("Ja, ich bin einverstanden")).check()
    resident.get_by_role("button", name="Idee absenden").click()
    expect(resident).to_have_url(re.compile(r"/follow/[\w-]+\?submitted=1"))
    expect(resident.get_by_role("heading", name="Vielen Dank für Ihre Idee!")).to_be_visible()
    expect(resident.locator(".badge")).to_have_text("wartet auf Prüfung")
    check(resident)

    # The idea waits for the moderators like any other.
    page.goto(live_server.url + "/moderation")
    item = page.locator("article.queue-item", has_text=TITLE)
    expect(item).to_be_visible()
    check(page)
    item.get_by_role("button", name="Freigeben und veröffentlichen").click()
    expect(page.locator("article.queue-item--done", has_text=TITLE)).to_be_visible()


def test_plain_idea_form_without_javascript(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False, locale="de-DE", viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + PROCESS)
    page.get_by_role("link", name="Einfache Sprache: Ihre Idee Schritt für Schritt").click()
    page.get_by_label("Meine Idee in einem Satz").fill("Kurse für den Umgang mit dem Handy")
    next_step(page)
    page.get_by_label("Mehr über meine Idee").fill("Zu kurz")
    next_step(page)
    expect(page.locator("#body-error")).not_to_be_empty()
    expect(page.get_by_label("Mehr über meine Idee")).to_have_value("Zu kurz")
    check(page)
    page.get_by_label("Mehr über meine Idee").fill(
        "In der Bücherei soll es Kurse geben. Dort lernt man das Handy kennen."
    )
    next_step(page)
    page.get_by_label("Etwas anderes.").check()
    next_step(page)
    next_step(page)  # no place
    next_step(page)  # no e-mail
    expect(page.locator(".plain-answers")).to_contain_text("Kurse für den Umgang mit dem Handy")
    page.get_by_label(re.compile("Ja, ich bin einverstanden")).check()
    page.get_by_role("button", name="Idee absenden").click()
    expect(page.get_by_role("heading", name="Vielen Dank für Ihre Idee!")).to_be_visible()
    context.close()
