"""A live session for firms in real browsers: a facilitator opens a firms workshop with a
prompt; a firm's participant joins on a phone with a name, the organisation and its WZ
section and size class, sees the prompt and adds an idea; another participant gives it dots;
the board and the projector show it by themselves under the prompt; the facilitator closes
the session; and a moderator finds the idea in the queue with its channel (workshop), segment
(firm), prompt, organisation and dots. axe-core checks every page state on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, create_staff, submit_login, wait_for_htmx

pytestmark = pytest.mark.e2e

PASSWORD = "Werkstatt-Digital-2026"
TITLE = "Workshop Handwerk digital"
PROMPT = "Was hindert Ihren Betrieb an der Digitalisierung?"
IDEA = "Schnelles Internet im Gewerbegebiet"
FIRM = "Tischlerei Kunz"


def _phone(browser: Browser) -> Page:
    context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    return context.new_page()


def test_a_firms_idea_from_the_workshop_to_the_moderator(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    create_staff(live_server, "workshop@example.org", PASSWORD, "facilitator")
    page.goto(live_server.url + "/login")
    submit_login(page, "workshop@example.org", PASSWORD)
    expect(page).to_have_url(re.compile(r"/focus-groups$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Live-Sitzungen")
    check(page)

    page.get_by_label("Verfahren").select_option(index=1)
    page.get_by_label("Titel", exact=True).fill(TITLE)
    page.get_by_label("Wer nimmt teil").select_option("firms")
    page.get_by_label("Format").select_option("workshop")
    page.get_by_label("Leitfragen").fill(PROMPT)
    page.get_by_role("button", name="Sitzung öffnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".live-kind")).to_have_text("Live-Sitzung · Workshop · Betriebe")
    expect(page.locator(".live-prompt")).to_contain_text(PROMPT)
    code = page.locator(".join-code [aria-hidden]").inner_text().strip()
    check(page)

    # A firm's participant joins with the organisation, its sector and size.
    firm = _phone(browser)
    firm.goto(f"{live_server.url}/mitmachen/{code}")
    expect(firm.get_by_label("Name des Unternehmens oder der Organisation")).to_be_visible()
    check(firm)
    firm.get_by_label("Name in dieser Sitzung").fill("Anna")
    firm.get_by_label("Name des Unternehmens oder der Organisation").fill(FIRM)
    firm.get_by_label("Branche").select_option("C")
    firm.get_by_label("10-49").check()
    firm.get_by_role("button", name="Mitmachen").click()
    expect(firm).to_have_url(re.compile(f"/mitmachen/{code}/ideen$"))
    expect(firm.locator(".live-prompt-now")).to_contain_text(PROMPT)
    check(firm)
    expect(firm.get_by_text("Sie nehmen als Anna teil.")).to_be_visible()
    firm.get_by_label("Ihre Idee in wenigen Worten (Titel)").fill(IDEA)
    firm.get_by_role("button", name="Idee abschicken").click()
    expect(firm.get_by_text("Danke, Ihre Idee steht jetzt auf der Liste.")).to_be_visible()
    own = firm.locator("li.fg-idea", has_text=IDEA)
    expect(own).to_contain_text(PROMPT)
    expect(own).to_contain_text("Ihre Idee: Die anderen geben ihr ihre Punkte.")
    check(firm)

    # Another participant gives it two dots.
    other = _phone(browser)
    other.goto(f"{live_server.url}/mitmachen/{code}")
    other.get_by_label("Name in dieser Sitzung").fill("Bernd")
    other.get_by_role("button", name="Mitmachen").click()
    row = other.locator("li.fg-idea", has_text=IDEA)
    expect(other.locator("#dots-status")).to_have_text("Sie haben noch 3 von 3 Punkten.")
    for given in (1, 2):
        row.get_by_role("button", name=re.compile("^Punkt geben")).click()
        expect(row).to_contain_text(f"Sie haben {given} von 3 Punkten bei dieser Idee vergeben.")
        wait_for_htmx(other)
    check(other)

    # The board shows it under the prompt by itself; the facilitator types in a card.
    group = page.locator(".fg-group", has_text=PROMPT)
    expect(group).to_contain_text(IDEA, timeout=10_000)
    expect(group).to_contain_text("2 Punkte", timeout=10_000)
    expect(page.locator(".fg-board__summary")).to_contain_text("2 Personen")
    page.get_by_label("Titel der Idee").fill("Fachkräfte fehlen")
    page.get_by_role("button", name="Idee eintragen").click()
    expect(page.get_by_label("Titel der Idee")).to_be_focused()
    expect(group).to_contain_text("Fachkräfte fehlen")
    check(page)

    page.get_by_role("link", name="Beamer-Ansicht").click()
    expect(page.locator(".projector__prompt")).to_contain_text(PROMPT)
    expect(page.locator(".projector__counts")).to_contain_text("2 Ideen")
    check(page)
    page.go_back()

    page.get_by_role("link", name="Sitzung schließen …").click()
    check(page)
    page.get_by_role("button", name="Sitzung jetzt schließen").click()
    expect(page.get_by_text("in die Moderationswarteschlange gegangen")).to_be_visible()
    firm.context.close()
    other.context.close()

    # The moderator sees where the idea came from.
    context = browser.new_context(locale="de-DE")
    moderator = context.new_page()
    moderator.goto(live_server.url + "/login")
    submit_login(moderator, *live_server.demo_login)
    expect(moderator).to_have_url(re.compile(r"/moderation"))
    card = moderator.locator("article.queue-item", has_text=IDEA)
    source = card.locator(".queue-item__source")
    expect(source).to_contain_text(f"Live-Sitzung „{TITLE}“ (Workshop, Betriebe)")
    expect(source).to_contain_text("Leitfrage:")
    expect(source.locator("q")).to_have_text(PROMPT)
    expect(source).to_contain_text("2 Punkte")
    meta = card.locator("p.meta").first
    expect(meta).to_contain_text("Unternehmen oder Organisation · Workshop")
    expect(meta).to_contain_text(FIRM)
    check(moderator)
    context.close()
