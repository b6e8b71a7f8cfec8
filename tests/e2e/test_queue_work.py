"""Working the moderation queue together, in real browsers: a resident submits an idea; a
moderator narrows the queue to it and gives it, with another one, to a colleague; the
colleague finds both under "Meine Einträge" (without JavaScript), writes an internal note,
and approves both at once; the idea is public. The keyboard shortcuts and the daily
digest's page on the way. axe-core and the phone width check every page state."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, create_staff, fill_idea_text, submit_login

pytestmark = pytest.mark.e2e

SLUG = "digitalstrategie-auetal"
TITLE = "Sitzbänke am Radweg nach Kornbach"
BODY = "Am Radweg nach Kornbach fehlt alle zwei Kilometer eine Bank zum Ausruhen."
OTHER = "Trinkbrunnen am Marktplatz in Auenbrück"
COLLEAGUE = ("kollegin-warteschlange@example.org", "Warteschlange-im-Auetal-2026")
NOTE = "Bauamt fragen, ob die Bänke schon im Haushalt stehen."


def _submit(browser: Browser, server: LiveServer) -> str:
    """The resident's idea through the form; its follow link."""
    page = browser.new_context(locale="de-DE").new_page()
    page.goto(f"{server.url}/processes/{SLUG}")
    fill_idea_text(page, TITLE, BODY)
    page.get_by_label("Einwohnerin oder Einwohner").check()
    page.locator("#consent").check()
    page.get_by_role("button", name="Idee absenden").click()
    expect(page).to_have_url(re.compile(r"/follow/[\w-]+\?submitted=1"))
    follow = page.url.split("?")[0]
    page.context.close()
    return follow


def _signed_in(
    browser: Browser, server: LiveServer, login: tuple[str, str], **options: bool
) -> Page:
    context = browser.new_context(locale="de-DE", java_script_enabled=options.get("js", True))
    page = context.new_page()
    page.goto(server.url + "/login")
    submit_login(page, *login)
    expect(page).to_have_url(re.compile(r"/moderation"))
    return page


def test_from_the_resident_through_two_colleagues_to_the_public(
    browser: Browser, live_server: LiveServer
) -> None:
    follow = _submit(browser, live_server)
    sent = httpx.post(
        f"{live_server.url}/api/v1/processes/{SLUG}/ideas",
        json={"title": OTHER, "body": f"{OTHER}: im Sommer fehlt Wasser.", "segment": "firm",
              "municipality": "Auenbrück", "organisation_name": "Café Mühle",
              "organisation_sector": "I", "organisation_size": "1-9", "consent": True},
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    create_staff(live_server, *COLLEAGUE, "moderator")

    moderator = _signed_in(browser, live_server, live_server.demo_login)
    # Narrowed to the residents' ideas of the process, each option with its count.
    moderator.get_by_label("Verfahren").select_option(SLUG)
    moderator.get_by_label("Gruppe", exact=True).select_option("resident")
    moderator.get_by_label("Art", exact=True).select_option("idea")
    moderator.get_by_role("button", name="Anzeigen", exact=True).click()
    expect(moderator).to_have_url(re.compile(r"segment=resident"))
    card = moderator.locator("article.queue-item", has_text=TITLE)
    expect(card).to_be_visible()
    expect(moderator.locator("article.queue-item", has_text=OTHER)).to_have_count(0)
    expect(moderator.locator("#queue-segment option[selected]")).to_contain_text(
        re.compile(r"\(\d+\)$")
    )
    check(moderator)
    # The keyboard: j marks the first item; the help is on the page.
    moderator.keyboard.press("j")
    expect(moderator.locator("article.queue-item--current")).to_have_count(1)
    moderator.get_by_text("Tastenkürzel").click()
    expect(moderator.locator("#keys-help")).to_contain_text("nächster Beitrag")

    # Both ideas to the colleague at once: this one, and the firm's from the whole queue.
    moderator.goto(live_server.url + "/moderation?kind=idea")
    moderator.get_by_text("Mehrere auf einmal bearbeiten").click()
    for title in (TITLE, OTHER):
        item = moderator.locator("article.queue-item", has_text=title)
        item.get_by_label(re.compile(r"^#\d+ auswählen$")).check()
    colleague_option = moderator.locator("#bulk-assignee option", has_text="kollegin")
    moderator.locator("#bulk-assignee").select_option(colleague_option.get_attribute("value"))
    moderator.get_by_role("button", name="Zuweisen", exact=True).click()
    expect(moderator.locator(".flash")).to_contain_text("2 zugewiesen.")
    expect(card.locator(".queue-item__work")).to_contain_text("Zugewiesen an")
    check(moderator)

    # The colleague, without JavaScript: "Meine Einträge", a note, both approved at once.
    colleague = _signed_in(browser, live_server, COLLEAGUE, js=False)
    colleague.get_by_role("link", name="Meine Einträge").click()
    expect(colleague).to_have_url(re.compile(r"assigned=me"))
    expect(colleague.locator("article.queue-item")).to_have_count(2)
    check(colleague)
    colleague.locator("article.queue-item", has_text=TITLE).get_by_role("link", name=TITLE).click()
    colleague.get_by_label("Neue Notiz").fill(NOTE)
    colleague.get_by_role("button", name="Notiz speichern").click()
    expect(colleague.locator("#notes")).to_contain_text(NOTE)
    check(colleague)
    colleague.goto(live_server.url + "/moderation?assigned=me")
    mine = colleague.locator("article.queue-item", has_text=TITLE)
    expect(mine.locator(".queue-item__work")).to_contain_text("1 interne Notiz")
    colleague.get_by_text("Mehrere auf einmal bearbeiten").click()
    colleague.get_by_label("Alle 2 auf dieser Seite").check()
    colleague.get_by_role("button", name="Freigeben", exact=True).click()
    expect(colleague.locator(".flash")).to_contain_text("2 freigegeben.")
    expect(colleague.locator("article.queue-item")).to_have_count(0)
    check(colleague)

    # The note is in the log; the idea is public, and its author sees it.
    moderator.goto(live_server.url + "/moderation/log")
    expect(moderator.locator("tbody")).to_contain_text(NOTE)
    resident = browser.new_context(locale="de-DE").new_page()
    resident.goto(f"{live_server.url}/processes/{SLUG}/ideen")
    expect(resident.get_by_role("link", name=TITLE)).to_be_visible()
    resident.goto(follow)
    expect(resident.locator(".badge").first).to_have_text("veröffentlicht")
    assert NOTE not in resident.content()
    for page in (moderator, colleague, resident):
        page.context.close()


def test_the_digest_page_turns_the_mail_on_and_off(
    browser: Browser, live_server: LiveServer
) -> None:
    moderator = _signed_in(browser, live_server, live_server.demo_login)
    moderator.get_by_role("link", name="Tägliche Zusammenfassung per E-Mail").click()
    expect(moderator.locator(".digest-state")).to_have_text(
        "Sie erhalten die tägliche Zusammenfassung nicht."
    )
    check(moderator)
    moderator.get_by_role("button", name="Tägliche Zusammenfassung bestellen").click()
    expect(moderator.locator(".digest-state")).to_have_text(
        "Sie erhalten die tägliche Zusammenfassung."
    )
    check(moderator)
    moderator.get_by_role("button", name="Tägliche Zusammenfassung abbestellen").click()
    expect(moderator.locator(".flash")).to_contain_text("nicht mehr")
    moderator.context.close()
