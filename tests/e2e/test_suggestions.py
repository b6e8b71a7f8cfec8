"""Suggestions in a real browser: similar published ideas appear while a resident types, and a
moderator confirms a suggested action field in the queue. axe-core checks every state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, fill_idea_text, submit_login

pytestmark = pytest.mark.e2e

PROCESS = "/processes/digitalstrategie-auetal"
TITLE = "Glasfaser und schnelles Internet für Ulmenau"
BODY = (
    "In Ulmenau ist das Internet so langsam, dass Homeoffice kaum geht. Wir brauchen "
    "Glasfaser und einen schnelleren Breitbandausbau in allen Ortsteilen."
)


def test_similar_ideas_while_typing_and_suggested_themes(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + PROCESS)
    panel = page.locator("#similar-ideas")
    expect(panel).to_have_attribute("aria-live", "polite")
    expect(panel).to_be_empty()

    page.get_by_label("Titel Ihrer Idee").fill("WLAN am Marktplatz")
    expect(panel.get_by_role("heading", name="Gibt es schon ähnliche Ideen?")).to_be_visible(
        timeout=15_000  # the first query builds the German pipeline and the index
    )
    link = panel.get_by_role("link", name=re.compile("Freies WLAN am Marktplatz"))
    expect(link).to_have_attribute("target", "_blank")
    check(page)

    # Clearing the draft empties the panel again.
    page.get_by_label("Titel Ihrer Idee").fill("")
    expect(panel).to_be_empty()

    fill_idea_text(page, TITLE, BODY)
    page.get_by_label("Einwohnerin oder Einwohner").check()
    page.get_by_label(re.compile("Ich bin einverstanden")).check()
    page.get_by_role("button", name="Idee absenden").click()
    expect(page.get_by_role("heading", name="Vielen Dank für Ihre Idee!")).to_be_visible()

    page.goto(live_server.url + "/login?next=/moderation")
    submit_login(page, *live_server.demo_login)
    expect(page).to_have_url(re.compile(r"/moderation$"))

    item = page.locator("article.queue-item", has_text=TITLE)
    suggestion = item.locator(".theme-chip--suggested", has_text="Breitband & Infrastruktur")
    expect(suggestion).to_be_visible()
    expect(suggestion.locator(".theme-chip__score")).to_have_text(re.compile(r"^\d+ % "))
    expect(suggestion.locator(".theme-chip__why")).to_contain_text("Warum:")
    check(page)

    suggestion.get_by_role("button", name=re.compile("^Bestätigen")).click()
    themes = item.locator(".item-themes")
    expect(themes.get_by_role("status")).to_have_text(
        "Handlungsfeld bestätigt: Breitband & Infrastruktur."
    )
    expect(themes.locator(".theme-chip--confirmed")).to_contain_text("Breitband & Infrastruktur")
    expect(themes.locator(".theme-chip--suggested", has_text="Breitband")).to_have_count(0)
    check(page)

    page.goto(live_server.url + "/moderation?order=informative")
    expect(page.locator(".queue-order [aria-current]")).to_have_text("Aufschlussreichste zuerst")
    check(page)


def test_themes_can_be_confirmed_without_javascript(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(live_server.url + "/login?next=/moderation")
    submit_login(page, *live_server.demo_login)

    item = page.locator("article.queue-item").first
    item_id = item.get_attribute("id")
    item.get_by_label("Handlungsfeld hinzufügen").select_option(label="Mobilität")
    item.get_by_role("button", name="Hinzufügen").click()
    expect(page).to_have_url(re.compile(rf"/moderation#{item_id}$"))
    expect(page.locator(".flash--success")).to_have_text("Handlungsfeld bestätigt: Mobilität.")
    expect(page.locator(f"#{item_id} .theme-chip--confirmed", has_text="Mobilität")).to_be_visible()
    check(page)
    context.close()
