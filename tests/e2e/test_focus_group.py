"""A focus group in real browsers: a facilitator (created with the `users` command) opens a
session, a pupil joins with the code in a second browser, picks a pseudonym, adds an idea and
gives dots; the board shows it by itself (polling); the facilitator types in a paper card and
closes the session; the ideas wait in the moderation queue. And the pupils' pages without
JavaScript. axe-core checks every page state on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, create_staff, submit_login, wait_for_htmx

pytestmark = pytest.mark.e2e

PASSWORD = "Moderation-im-Auetal-2026"
PUPIL_IDEA = "WLAN auf dem Schulhof"
PAPER_IDEA = "Mehr Busse am Nachmittag"


def add_facilitator(server: LiveServer, email: str) -> None:
    create_staff(server, email, PASSWORD, "facilitator")


def open_session(page: Page, server: LiveServer, email: str, title: str) -> str:
    """Sign in as a new facilitator and open a session; returns its join code."""
    add_facilitator(server, email)
    page.goto(server.url + "/login")
    submit_login(page, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/focus-groups$"))
    expect(page.get_by_role("link", name="Fokusgruppen")).to_have_attribute("aria-current", "page")
    check(page)

    # Without a process the form comes back with the message at the field, the title kept.
    page.get_by_label("Titel", exact=True).fill(title)
    page.get_by_role("button", name="Sitzung öffnen").click()
    expect(page.locator("#process_id-error")).to_have_text("Bitte wählen Sie ein Verfahren.")
    expect(page.get_by_label("Titel", exact=True)).to_have_value(title)
    check(page)

    page.get_by_label("Verfahren").select_option(index=1)
    page.get_by_role("button", name="Sitzung öffnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    code = page.locator(".join-code [aria-hidden]").inner_text().strip()
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", code), code
    expect(page.get_by_role("img", name=f"/mitmachen/{code}")).to_be_visible()
    check(page)
    return code


def test_focus_group_from_join_to_close(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = open_session(page, live_server, "leitung@example.org", "BBS Auetal, Klasse 11b")
    board = page.locator("#board")
    expect(board).to_contain_text("0 Personen")

    pupil_context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    pupil = pupil_context.new_page()
    pupil.goto(live_server.url + "/mitmachen")
    check(pupil)
    pupil.get_by_label("Code").fill("ZZZZZZ")
    pupil.get_by_role("button", name="Weiter").click()
    expect(pupil.locator("#code-error")).to_contain_text("Diesen Code kennen wir nicht")
    check(pupil)
    pupil.get_by_label("Code").fill(f" {code.lower()} ")
    pupil.get_by_role("button", name="Weiter").click()
    expect(pupil).to_have_url(re.compile(f"/mitmachen/{code}$"))
    expect(pupil.get_by_text("echten Namen")).to_be_visible()
    check(pupil)

    pupil.get_by_label("Dein Name in dieser Sitzung").fill("Schei55e")
    pupil.get_by_role("button", name="Mitmachen").click()
    expect(pupil.locator("#pseudonym-error")).to_have_text("Bitte wähle einen freundlichen Namen.")
    check(pupil)
    pupil.get_by_label("Dein Name in dieser Sitzung").fill("Blauwal")
    pupil.get_by_role("button", name="Mitmachen").click()
    expect(pupil).to_have_url(re.compile(f"/mitmachen/{code}/ideen$"))
    expect(pupil.get_by_text("Du machst als Blauwal mit.")).to_be_visible()
    check(pupil)

    pupil.get_by_label("Was ist deine Idee?").fill("WL")
    pupil.get_by_role("button", name="Idee abschicken").click()
    expect(pupil.locator("#title-error")).to_have_text("Der Titel braucht mindestens 3 Zeichen.")
    check(pupil)
    pupil.get_by_label("Was ist deine Idee?").fill(PUPIL_IDEA)
    pupil.get_by_label("Beschreibe sie in ein paar Sätzen").fill("Damit wir in der Pause lernen.")
    pupil.get_by_role("button", name="Idee abschicken").click()
    expect(pupil.get_by_text("Danke, deine Idee steht jetzt auf der Liste.")).to_be_visible()
    row = pupil.locator("li.fg-idea", has_text=PUPIL_IDEA)
    give = row.get_by_role("button", name=re.compile("^Punkt geben"))
    for given in (1, 2, 3):
        give.click()
        expect(row).to_contain_text(f"Du hast {given} von 3 Punkten bei dieser Idee vergeben.")
        wait_for_htmx(pupil)
    give.click()
    expect(row).to_contain_text("Du hast dieser Idee schon alle 3 Punkte gegeben.")
    wait_for_htmx(pupil)
    check(pupil)
    row.get_by_role("button", name=re.compile("^Punkt zurücknehmen")).click()
    expect(row).to_contain_text("Du hast 2 von 3 Punkten bei dieser Idee vergeben.")
    wait_for_htmx(pupil)
    check(pupil)

    # The board polls: the idea and its dots arrive without a reload.
    expect(board).to_contain_text(PUPIL_IDEA, timeout=10_000)
    expect(board).to_contain_text("2 Punkte", timeout=10_000)
    expect(board).to_contain_text("1 Person ·")
    check(page)

    page.get_by_label("Titel der Idee").fill(PAPER_IDEA)
    page.get_by_role("button", name="Idee eintragen").click()
    expect(page.get_by_text(f"Eingetragen: „{PAPER_IDEA}“.")).to_be_visible()
    expect(board).to_contain_text("Von einer Papierkarte")
    check(page)

    page.get_by_role("link", name="Sitzung schließen …").click()
    expect(page.get_by_text("2 Ideen gehen mit ihren Punkten")).to_be_visible()
    check(page)
    page.get_by_role("button", name="Sitzung jetzt schließen").click()
    expect(
        page.get_by_text("2 Ideen sind in die Moderationswarteschlange gegangen")
    ).to_be_visible()
    expect(page.locator(".join-code")).to_have_count(0)
    check(page)

    page.get_by_role("link", name="Alle Sitzungen").click()
    session_card = page.locator(".card", has_text="BBS Auetal, Klasse 11b")
    expect(session_card).to_contain_text("Geschlossen")
    expect(session_card).to_contain_text(code)
    check(page)

    pupil.reload()
    expect(pupil.get_by_text("Diese Sitzung wurde geschlossen.")).to_be_visible()
    expect(pupil.get_by_role("button")).to_have_count(0)
    check(pupil)
    pupil_context.close()

    moderator_context = browser.new_context(locale="de-DE")
    moderator = moderator_context.new_page()
    moderator.goto(live_server.url + "/login")
    submit_login(moderator, *live_server.demo_login)
    expect(moderator).to_have_url(re.compile(r"/moderation"))
    expect(moderator.get_by_role("main")).to_contain_text(PUPIL_IDEA)
    expect(moderator.get_by_role("main")).to_contain_text(PAPER_IDEA)
    check(moderator)
    moderator_context.close()


def test_pupils_pages_without_javascript(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = open_session(page, live_server, "leitung2@example.org", "Realschule, Klasse 9c")
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    pupil = context.new_page()
    pupil.goto(live_server.url + "/mitmachen")
    check(pupil)
    pupil.get_by_label("Code").fill(code)
    pupil.get_by_role("button", name="Weiter").click()
    check(pupil)
    pupil.get_by_label("Dein Name in dieser Sitzung").fill("Rotfuchs")
    pupil.get_by_role("button", name="Mitmachen").click()
    expect(pupil).to_have_url(re.compile(f"/mitmachen/{code}/ideen$"))
    pupil.get_by_label("Was ist deine Idee?").fill("Trinkbrunnen im Flur")
    pupil.get_by_role("button", name="Idee abschicken").click()
    row = pupil.locator("li.fg-idea", has_text="Trinkbrunnen im Flur")
    for given in (1, 2, 3):
        row.get_by_role("button", name=re.compile("^Punkt geben")).click()
        expect(row).to_contain_text(f"Du hast {given} von 3 Punkten bei dieser Idee vergeben.")
    row.get_by_role("button", name=re.compile("^Punkt geben")).click()
    expect(row).to_contain_text("Du hast dieser Idee schon alle 3 Punkte gegeben.")
    check(pupil)
    row.get_by_role("button", name=re.compile("^Punkt zurücknehmen")).click()
    expect(row).to_contain_text("Du hast 2 von 3 Punkten bei dieser Idee vergeben.")
    check(pupil)
    context.close()

    # The facilitator's board is a page to reload without JavaScript too.
    page.get_by_role("link", name="Jetzt aktualisieren").click()
    expect(page.locator("#board")).to_contain_text("Trinkbrunnen im Flur")
    expect(page.locator("#board")).to_contain_text("2 Punkte")
    check(page)
