"""The moderation pipeline in real browsers: a firm's free-text survey answer reaches the
queue, is approved and counts in the analysis; a pupil's focus-group idea reaches the queue
with its session and dots; two moderators on one idea (the stale click gets what changed,
with and without JavaScript); the queue's filters, pages and the list of items waiting for
their authors without JavaScript. axe-core checks every page state on the way."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    LiveServer,
    add_pupil_idea,
    check,
    create_staff,
    join_as,
    submit_login,
)

pytestmark = pytest.mark.e2e

SLUG = "digitalstrategie-auetal"
PROCESS = f"/processes/{SLUG}"
QUESTION = "Was würde Ihrem Betrieb bei der Digitalisierung am meisten helfen?"
ANSWER = "Eine Sprechstunde im Rathaus zu Förderprogrammen für kleine Betriebe."
PASSWORD = "Moderation-im-Auetal-2026"


def _moderator(browser: Browser, server: LiveServer, *, javascript: bool = True) -> Page:
    """A new browser signed in as the demo moderator, on the queue."""
    context = browser.new_context(locale="de-DE", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(server.url + "/login")
    submit_login(page, *server.demo_login)
    expect(page).to_have_url(re.compile(r"/moderation"))
    return page


def _send_ideas(server: LiveServer, titles: list[str]) -> list[str]:
    """Ideas sent through the JSON API, as an app would; their follow links."""
    links = []
    for title in titles:
        response = httpx.post(
            f"{server.url}/api/v1/processes/{SLUG}/ideas",
            json={
                "title": title,
                "body": f"{title}: das fehlt im Auetal, bitte kümmern Sie sich darum.",
                "segment": "resident",
                "consent": True,
            },
        )
        assert response.status_code == 201, response.text
        links.append(response.json()["follow_url"])
    return links


def _group(page: Page, server: LiveServer) -> int:
    """Recompute the process's groups on the analysis page; how many contributions from the
    survey channel they hold."""
    page.goto(server.url + f"/analysis/{SLUG}")
    page.get_by_role("button", name="Cluster neu berechnen").click()
    # The click only starts the form's navigation: wait for the page it lands on, or the
    # checks below could read the page from before the job was queued.
    landed = page.get_by_text(re.compile(r"^(Gestartet\.|Das läuft bereits)"))
    expect(landed).to_be_visible()
    # The page polls while the job waits and runs, and reloads once it is done.
    busy = page.locator(".job-status__item--queued, .job-status__item--running")
    expect(busy).to_have_count(0, timeout=60_000)
    page.reload()
    survey = page.locator(".run-channels li", has_text="Umfrage")
    return int(survey.inner_text().rsplit(":", 1)[1]) if survey.count() else 0


def test_a_survey_answer_from_the_respondent_to_the_analysis(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    page.goto(live_server.url + PROCESS + "/umfragen/betriebe-digital")
    page.get_by_role("button", name="Umfrage starten").click()
    page.locator("#municipality").fill("Auenbrück")
    page.locator("#organisation_name").fill("Bäckerei Sonnenschein")
    page.locator("#organisation_sector").select_option("C")
    page.locator("#organisation_size-10-49").check()
    page.get_by_role("button", name="Speichern und weiter").click()
    page.get_by_label("50 bis 250 Mbit/s").check()
    page.get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Speichern und weiter").click()
    for label, place in (
        ("Glasfaser in Gewerbegebieten", "1"),
        ("Digitale Verwaltung", "2"),
        ("Weiterbildung", "3"),
    ):
        page.get_by_label(label).select_option(place)
    page.get_by_label(re.compile("Was würde Ihrem Betrieb")).fill(ANSWER)
    page.get_by_role("button", name="Speichern und weiter").click()
    page.get_by_role("button", name="Absenden").click()
    expect(page.locator("#survey-sent")).to_contain_text("Vielen Dank")

    moderator = _moderator(browser, live_server)
    # The groups as they are before: how many survey contributions they hold.
    surveyed = _group(moderator, live_server)
    moderator.goto(live_server.url + "/moderation")
    moderator.get_by_label("Art", exact=True).select_option("survey_answer")
    moderator.get_by_role("button", name="Anzeigen", exact=True).click()
    expect(moderator).to_have_url(re.compile(r"kind=survey_answer"))
    card = moderator.locator("article.queue-item", has_text=ANSWER)
    expect(card.locator(".queue-item__kind")).to_have_text("Umfrageantwort")
    expect(card.locator(".queue-item__source")).to_contain_text(QUESTION)
    expect(card.locator(".queue-item__source")).to_contain_text("Befragung der Betriebe")
    expect(card.locator(".queue-item__process")).to_have_text(re.compile("Digital"))
    expect(card.get_by_role("button", name="Änderungen erbitten")).to_have_count(0)
    check(moderator)
    card.get_by_role("button", name="Freigeben", exact=True).click()
    expect(moderator.locator(".queue-item--done")).to_contain_text("zählt jetzt in der Auswertung")
    check(moderator)

    moderator.goto(live_server.url + f"/analysis/{SLUG}")
    expect(moderator.locator(".run-outdated")).to_be_visible()  # one more to group
    assert _group(moderator, live_server) == surveyed + 1
    expect(moderator.locator(".run-outdated")).to_have_count(0)
    check(moderator)
    moderator.context.close()


def test_a_focus_group_idea_reaches_the_queue_with_its_session_and_dots(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    create_staff(live_server, "leitung-moderation@example.org", PASSWORD, "facilitator")
    page.goto(live_server.url + "/login")
    submit_login(page, "leitung-moderation@example.org", PASSWORD)
    page.get_by_label("Titel", exact=True).fill("Realschule Auetal, Klasse 10a")
    page.get_by_label("Verfahren").select_option(index=1)
    page.get_by_role("button", name="Sitzung öffnen").click()
    code = page.locator(".join-code [aria-hidden]").inner_text().strip()

    author = join_as(browser, live_server, code, "Grünspecht")
    add_pupil_idea(author, "Tablets für jede Klasse")
    author.context.close()
    # Pupils give their dots to the others' ideas, so a classmate gives these two.
    classmate = join_as(browser, live_server, code, "Buntspecht")
    row = classmate.locator("li.fg-idea", has_text="Tablets für jede Klasse")
    for given in (1, 2):
        row.get_by_role("button", name=re.compile("^Punkt geben")).click()
        expect(row).to_contain_text(f"Du hast {given} von 3 Punkten bei dieser Idee vergeben.")
    classmate.context.close()

    page.get_by_role("link", name="Sitzung schließen …").click()
    page.get_by_role("button", name="Sitzung jetzt schließen").click()
    expect(page.get_by_text("in die Moderationswarteschlange gegangen")).to_be_visible()

    moderator = _moderator(browser, live_server)
    card = moderator.locator("article.queue-item", has_text="Tablets für jede Klasse")
    source = card.locator(".queue-item__source")
    expect(source).to_contain_text("Live-Sitzung „Realschule Auetal, Klasse 10a“ (Fokusgruppe")
    expect(source).to_contain_text("2 Punkte")
    check(moderator)
    card.get_by_role("link", name="Tablets für jede Klasse").click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Tablets für jede Klasse")
    expect(moderator.locator(".queue-item__source")).to_contain_text("2 Punkte")
    check(moderator)
    moderator.context.close()


def test_a_stale_click_shows_what_changed_instead_of_overturning(
    browser: Browser, live_server: LiveServer
) -> None:
    create_staff(live_server, "mod-zwei@example.org", PASSWORD, "moderator")
    title, other = "Werbung für einen Laden in Kornbach", "Werbung für den Hofladen"
    _send_ideas(live_server, [title, other])
    first = _moderator(browser, live_server)
    second_context = browser.new_context(locale="de-DE")
    second = second_context.new_page()
    second.goto(live_server.url + "/login")
    submit_login(second, "mod-zwei@example.org", PASSWORD)
    expect(second.locator("article.queue-item", has_text=title)).to_be_visible()

    # The first moderator rejects while the second still has the queue open.
    card = first.locator("article.queue-item", has_text=title)
    card.get_by_label(re.compile("^Grund der Ablehnung")).fill("Das ist Werbung.")
    card.get_by_role("button", name="Ablehnen").click()
    expect(first.locator(".queue-item--done")).to_contain_text("Abgelehnt")

    stale = second.locator("article.queue-item", has_text=title)
    stale.get_by_role("button", name="Freigeben und veröffentlichen").click()
    conflict = second.locator(".conflict")
    expect(conflict).to_contain_text("nicht veröffentlicht")
    expect(conflict).to_contain_text("Das ist Werbung.")
    expect(conflict).to_contain_text(live_server.demo_login[0])
    check(second)

    # The same without JavaScript: the item's page with what changed, answered 409.
    plain = _moderator(browser, live_server, javascript=False)
    plain_card = plain.locator("article.queue-item", has_text=other)
    expect(plain_card).to_be_visible()
    card = first.locator("article.queue-item", has_text=other)
    card.get_by_role("button", name="Freigeben und veröffentlichen").click()
    expect(first.locator(".queue-item--done")).to_have_count(2)
    with plain.expect_response(re.compile(r"/reject$")) as answer:
        plain_card.get_by_label(re.compile("^Grund der Ablehnung")).fill("Bitte nur eine Idee.")
        plain_card.get_by_role("button", name="Ablehnen").click()
    assert answer.value.status == 409
    expect(plain.locator(".conflict")).to_contain_text("veröffentlicht")
    expect(plain.locator("textarea[name='reason']").first).to_have_value("Bitte nur eine Idee.")
    first.context.close()
    second_context.close()
    plain.context.close()


def test_the_queue_without_javascript_filters_pages_and_waits_for_authors(
    browser: Browser, live_server: LiveServer
) -> None:
    links = _send_ideas(live_server, [f"Bank am Wanderweg Nummer {n}" for n in range(30)])
    moderator = _moderator(browser, live_server, javascript=False)
    expect(moderator.locator(".queue-paging [aria-current]")).to_have_text(
        re.compile(r"^Seite 1 von \d+$")
    )
    moderator.get_by_label("Art", exact=True).select_option("idea")
    moderator.get_by_role("button", name="Anzeigen", exact=True).click()
    expect(moderator).to_have_url(re.compile(r"kind=idea"))
    moderator.get_by_role("link", name="Nächste Seite").click()
    expect(moderator).to_have_url(re.compile(r"kind=idea&page=2"))
    expect(moderator.locator(".queue-paging [aria-current]")).to_have_text(re.compile("^Seite 2"))
    expect(moderator.locator("ol.queue")).to_contain_text("Bank am Wanderweg Nummer 29")

    # Asking for changes moves the idea to the list of items waiting for their authors.
    card = moderator.locator("article.queue-item", has_text="Bank am Wanderweg Nummer 29")
    card.get_by_label(re.compile("^Grund der Ablehnung")).fill("Bitte nennen Sie den Wanderweg.")
    card.get_by_role("button", name="Änderungen erbitten").click()
    expect(moderator.locator(".flash")).to_contain_text("Änderungen erbeten")
    expect(moderator).to_have_url(re.compile(r"kind=idea&page=2"))  # back where it was
    expect(moderator.locator("ol.queue")).not_to_contain_text("Bank am Wanderweg Nummer 29")
    moderator.get_by_role("link", name=re.compile(r"^Wartet auf die Person \(1\)")).click()
    waiting = moderator.locator("article.queue-item", has_text="Bank am Wanderweg Nummer 29")
    expect(waiting.locator(".queue-item__request")).to_contain_text("Bitte nennen Sie den")

    author = browser.new_context(locale="de-DE").new_page()
    author.goto(links[29])
    expect(author.locator(".badge").first).to_have_text("wartet auf Ihre Änderung")
    expect(author.get_by_text("Die Moderation wartet auf Ihre Änderungen.")).to_be_visible()
    check(author)
    author.get_by_role("link", name=re.compile("^Ändern")).click()
    author.get_by_label("Titel Ihrer Idee").fill("Bank am Wanderweg zum Kornberg")
    author.get_by_role("button", name="Änderungen speichern").click()
    expect(author.locator(".badge").first).to_have_text("wartet auf Prüfung")
    author.context.close()

    moderator.reload()
    expect(moderator.locator("ol.queue")).to_have_count(0)
    expect(moderator.get_by_text("Kein Beitrag passt zu diesen Filtern.")).to_be_visible()
    moderator.get_by_role("link", name=re.compile(r"^Zu prüfen")).click()
    moderator.get_by_role("link", name="Letzte Seite").click()
    expect(moderator.locator("ol.queue")).to_contain_text("Bank am Wanderweg zum Kornberg")
    moderator.goto(live_server.url + "/moderation/log")
    expect(moderator.locator("tbody")).to_contain_text("von der Person geändert")
    moderator.context.close()


def test_the_queue_pages_pass_axe(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/login")
    submit_login(page, *live_server.demo_login)
    for path in (
        "/moderation",
        "/moderation?state=awaiting_changes",
        "/moderation?kind=comment&order=informative",
        "/moderation/log",
    ):
        page.goto(live_server.url + path)
        check(page)
    page.goto(live_server.url + "/lang/en?next=/moderation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    expect(page.locator(".queue-states")).to_contain_text("To review")
    check(page)
