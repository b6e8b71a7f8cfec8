"""The first slice in a real browser: a resident submits an idea, a moderator signs in and
approves it, and it appears on the process page. axe-core checks every page on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, fill_idea_text, submit_login

pytestmark = pytest.mark.e2e

PROCESS = "/processes/digitalstrategie-auetal"
TITLE = "Digitale Sprechstunde im Bürgerbüro Kornbach"
BODY = (
    "Einmal pro Woche sollte jemand aus der Verwaltung per Video erreichbar sein, "
    "damit man für einfache Fragen nicht nach Auenbrück fahren muss."
)


def test_idea_from_submission_to_publication(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    check(page)

    page.get_by_role("link", name="Digitalstrategie Landkreis Auetal 2030").click()
    expect(page).to_have_url(re.compile(PROCESS))
    check(page)

    # htmx checks a field as soon as it is left: too short a title gets its message inline.
    page.get_by_label("Titel Ihrer Idee").fill("WLAN")
    page.get_by_label("Ihre Idee", exact=True).focus()
    expect(page.locator("#title-error")).not_to_be_empty()
    check(page)

    # Sending the incomplete form re-renders it with every message and the input kept.
    page.get_by_role("button", name="Idee absenden").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_label("Titel Ihrer Idee")).to_have_value("WLAN")
    check(page)

    # The similar-ideas panel and the field checks move the fields below: wait for them.
    fill_idea_text(page, TITLE, BODY)
    expect(page.locator("#body-error")).to_be_empty()
    page.get_by_label("Einwohnerin oder Einwohner").check()
    page.get_by_label("Ihre Gemeinde").fill("Kornbach")
    page.get_by_label(re.compile("Ich bin einverstanden")).check()
    page.get_by_role("button", name="Idee absenden").click()

    expect(page).to_have_url(re.compile(r"/follow/[\w-]+\?submitted=1"))
    expect(page.get_by_role("heading", name="Vielen Dank für Ihre Idee!")).to_be_visible()
    expect(page.locator(".badge")).to_have_text("wartet auf Prüfung")
    follow_url = page.url.split("?")[0]
    check(page)

    # Staff pages send anonymous visitors to the login page.
    page.goto(live_server.url + "/moderation")
    expect(page).to_have_url(re.compile(r"/login\?next=/moderation"))
    check(page)
    submit_login(page, *live_server.demo_login)

    expect(page).to_have_url(re.compile(r"/moderation$"))
    check(page)
    item = page.locator("article.queue-item", has_text=TITLE)
    expect(item).to_be_visible()

    # Rejecting without a reason is refused next to the reason field (htmx swaps the item).
    other = page.locator("article.queue-item").first
    other.get_by_role("button", name="Ablehnen").click()
    expect(other.locator(".field-error")).not_to_be_empty()
    check(page)

    item.get_by_role("button", name="Freigeben und veröffentlichen").click()
    expect(page.locator(f"article.queue-item--done:has-text('{TITLE}')")).to_be_visible()

    page.goto(live_server.url + "/moderation/log")
    expect(page.get_by_role("cell", name=TITLE)).to_be_visible()
    check(page)

    page.goto(live_server.url + PROCESS)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()

    page.goto(follow_url)
    expect(page.locator(".badge")).to_have_text("veröffentlicht")
    check(page)


def test_idea_form_works_without_javascript(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(live_server.url + PROCESS)
    page.get_by_label("Titel Ihrer Idee").fill("Ohne Skript eingereicht")
    page.get_by_label("Ihre Gemeinde").fill("Ulmenau")
    page.get_by_role("button", name="Idee absenden").click()

    # The server's messages, with what was typed still there.
    expect(page.locator("#body-error")).not_to_be_empty()
    expect(page.locator("#consent-error")).not_to_be_empty()
    expect(page.get_by_label("Titel Ihrer Idee")).to_have_value("Ohne Skript eingereicht")
    expect(page.get_by_label("Ihre Gemeinde")).to_have_value("Ulmenau")
    check(page)

    page.get_by_label("Ihre Idee", exact=True).fill(BODY)
    page.get_by_label("Schülerin, Schüler oder Auszubildende").check()
    page.get_by_label(re.compile("Ich bin einverstanden")).check()
    page.get_by_role("button", name="Idee absenden").click()
    expect(page.get_by_role("heading", name="Vielen Dank für Ihre Idee!")).to_be_visible()
    check(page)
    context.close()


def test_pages_in_english(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + PROCESS)
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Send idea")).to_be_visible()
    check(page)


def test_paging_through_ideas_with_htmx(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + PROCESS)
    first = page.locator("#ideas h3").first.inner_text()
    page.locator("#ideas .pagination").get_by_role("link", name="Seite 2").click()
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    expect(page.locator("#ideas .pagination [aria-current=page]")).to_have_text("2")
    assert page.locator("#ideas h3").first.inner_text() != first
    # Only the list was swapped: the form below still holds what was typed before.
    check(page)


def test_privacy_page_from_the_footer(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="Datenschutz").click()
    expect(page.get_by_role("heading", name="Was wir nicht speichern")).to_be_visible()
    check(page)
