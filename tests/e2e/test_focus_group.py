"""A focus group in real browsers: a facilitator (created with the `users` command) opens a
session, a pupil joins with the code in a second browser, picks a pseudonym and adds an idea
(thanked once); the facilitator types in a paper card; the pupil gives it dots until their
three are spent ("Punkt geben" disabled) and takes one back; the board shows it all by
itself (polling); closing sends the ideas to the moderation queue. Also: the pupils' pages
without JavaScript, the projector view (with and without JavaScript) and removing a member.
axe-core checks every page state on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    LiveServer,
    add_pupil_idea,
    check,
    create_staff,
    join_as,
    submit_login,
    wait_for_htmx,
)

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
    sessions_link = page.get_by_role("link", name="Live-Sitzungen")
    expect(sessions_link).to_have_attribute("aria-current", "page")
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
    thanks = pupil.get_by_text("Danke, deine Idee steht jetzt auf der Liste.")
    expect(thanks).to_be_visible()
    check(pupil)
    # Said once: a reload does not thank again.
    pupil.reload()
    expect(pupil.get_by_text(PUPIL_IDEA, exact=True)).to_be_visible()
    expect(thanks).to_have_count(0)
    own = pupil.locator("li.fg-idea", has_text=PUPIL_IDEA)
    expect(own).to_contain_text("Deine Idee: Die anderen geben ihr ihre Punkte.")
    expect(own.get_by_role("button")).to_have_count(0)

    # The facilitator types in a paper card; the pupil gives it dots.
    page.get_by_label("Titel der Idee").fill(PAPER_IDEA)
    page.get_by_role("button", name="Idee eintragen").click()
    expect(page.get_by_text(f"Eingetragen: „{PAPER_IDEA}“.")).to_be_visible()
    expect(board).to_contain_text("Von der Moderation eingetippt")
    check(page)

    pupil.get_by_role("link", name="Neue Ideen anzeigen").click()
    row = pupil.locator("li.fg-idea", has_text=PAPER_IDEA)
    give = row.get_by_role("button", name=re.compile("^Punkt geben"))
    status = pupil.locator("#dots-status")
    expect(status).to_have_text("Du hast noch 3 von 3 Punkten.")
    for given in (1, 2, 3):
        give.click()
        expect(row).to_contain_text(f"Du hast {given} von 3 Punkten bei dieser Idee vergeben.")
        wait_for_htmx(pupil)
    # All three dots given: "Punkt geben" is disabled, the page says why, and the focus is on
    # the button that is left.
    expect(status).to_have_text(
        "Du hast alle deine 3 Punkte vergeben. Nimm einen zurück, um ihn einer anderen Idee "
        "zu geben."
    )
    expect(give).to_be_disabled()
    take = row.get_by_role("button", name=re.compile("^Punkt zurücknehmen"))
    expect(take).to_be_focused()
    check(pupil)
    take.click()
    expect(row).to_contain_text("Du hast 2 von 3 Punkten bei dieser Idee vergeben.")
    expect(status).to_have_text("Du hast noch 1 von 3 Punkten.")
    expect(give).to_be_enabled()
    wait_for_htmx(pupil)
    check(pupil)

    # The board polls: the ideas and the dots arrive without a reload.
    expect(board).to_contain_text(PUPIL_IDEA, timeout=10_000)
    expect(board).to_contain_text("2 Punkte", timeout=10_000)
    expect(board).to_contain_text("1 Person ·")
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

    page.get_by_role("link", name="Alle Live-Sitzungen").click()
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
    expect(pupil.get_by_text("Danke, deine Idee steht jetzt auf der Liste.")).to_be_visible()
    pupil.reload()
    expect(pupil.get_by_text("Danke, deine Idee steht jetzt auf der Liste.")).to_have_count(0)

    page.get_by_label("Titel der Idee").fill("Sofas im Foyer")
    page.get_by_role("button", name="Idee eintragen").click()
    pupil.get_by_role("link", name="Neue Ideen anzeigen").click()
    row = pupil.locator("li.fg-idea", has_text="Sofas im Foyer")
    for given in (1, 2, 3):
        row.get_by_role("button", name=re.compile("^Punkt geben")).click()
        expect(row).to_contain_text(f"Du hast {given} von 3 Punkten bei dieser Idee vergeben.")
    expect(row.get_by_role("button", name=re.compile("^Punkt geben"))).to_be_disabled()
    expect(pupil.locator("#dots-status")).to_contain_text("Du hast alle deine 3 Punkte vergeben.")
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


def test_projector_view(page: Page, browser: Browser, live_server: LiveServer) -> None:
    """Large type, the code and QR code, live counts and ideas, no controls; it follows the
    session by itself, with JavaScript (htmx) and without (it reloads itself)."""
    code = open_session(page, live_server, "leitung3@example.org", "Gymnasium, Kurs Q1")
    page.get_by_role("link", name="Beamer-Ansicht").click()
    expect(page).to_have_url(re.compile(r"/focus-groups/\d+/projector$"))
    expect(page.locator(".projector__code [aria-hidden]")).to_have_text(code)
    expect(page.get_by_role("img", name=f"/mitmachen/{code}")).to_be_visible()
    counts = page.locator(".projector__counts")
    expect(counts).to_contain_text("0 Personen")
    expect(page.get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("link")).to_have_count(0)
    expect(page.get_by_role("navigation")).to_have_count(0)
    check(page)
    projector_url = page.url

    pupil = join_as(browser, live_server, code, "Eisvogel")
    add_pupil_idea(pupil, "Lernräume am Nachmittag")
    expect(counts).to_contain_text("1 Person", timeout=10_000)
    expect(counts).to_contain_text("1 Idee")
    expect(page.locator(".projector__ideas")).to_contain_text("Lernräume am Nachmittag")
    check(page)

    # Without JavaScript the projector view reloads itself.
    still = browser.new_context(java_script_enabled=False, locale="de-DE")
    screen = still.new_page()
    screen.goto(live_server.url + "/login?next=" + projector_url.removeprefix(live_server.url))
    submit_login(screen, "leitung3@example.org", PASSWORD)
    expect(screen).to_have_url(projector_url)
    expect(screen.locator(".projector__counts")).to_contain_text("1 Idee")
    add_pupil_idea(pupil, "Mehr Steckdosen")
    expect(screen.locator(".projector__counts")).to_contain_text("2 Ideen", timeout=20_000)
    expect(screen.locator(".projector__ideas")).to_contain_text("Mehr Steckdosen")
    still.close()
    pupil.context.close()


def test_facilitator_removes_a_member(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    code = open_session(page, live_server, "leitung4@example.org", "Berufsschule, Klasse E2")
    page.get_by_label("Titel der Idee").fill("Werkstatt länger offen")
    page.get_by_role("button", name="Idee eintragen").click()
    bot = join_as(browser, live_server, code, "Bot eins")
    add_pupil_idea(bot, "Kauft Bot-Coins")
    row = bot.locator("li.fg-idea", has_text="Werkstatt länger offen")
    for given in (1, 2, 3):
        row.get_by_role("button", name=re.compile("^Punkt geben")).click()
        expect(row).to_contain_text(f"Du hast {given} von 3 Punkten bei dieser Idee vergeben.")
        wait_for_htmx(bot)
    board = page.locator("#board")
    expect(board).to_contain_text("3 Punkte", timeout=10_000)

    page.reload()
    members = page.locator("#members")
    expect(members).to_contain_text("Bot eins")
    expect(members).to_contain_text("1 Idee · 3 Punkte vergeben")
    check(page)
    members.get_by_role("link", name="Entfernen … Bot eins").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("„Bot eins“ entfernen")
    expect(page.get_by_role("main")).to_contain_text("Kauft Bot-Coins")
    check(page)
    page.get_by_role("button", name="Jetzt entfernen").click()
    expect(page.get_by_text("„Bot eins“ wurde entfernt")).to_be_visible()
    expect(board).not_to_contain_text("Kauft Bot-Coins")
    expect(board).to_contain_text("0 Personen · 1 Idee · 0 Punkte")
    expect(page.locator("#members")).to_contain_text("Noch niemand ist beigetreten.")
    check(page)

    # The removed browser is sent back to the name step.
    bot.reload()
    expect(bot).to_have_url(re.compile(f"/mitmachen/{code}(#.*)?$"))
    expect(bot.get_by_label("Dein Name in dieser Sitzung")).to_be_visible()
    bot.context.close()
