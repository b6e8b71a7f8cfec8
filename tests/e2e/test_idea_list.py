"""The ideas list in a real browser: filters and search update the list in place (htmx) and
the address keeps them; "Mehr laden" appends; an empty result offers to clear the filters;
without JavaScript the same form works as a plain GET. axe-core checks every state."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, fill_idea_text, wait_for_htmx
from tests.smtp_inbox import body_of

pytestmark = pytest.mark.e2e

PROCESS = "/processes/digitalstrategie-auetal"
LIST = PROCESS + "/ideen"


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_filter_search_and_load_more(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + PROCESS)
    page.get_by_role("link", name="Alle Ideen durchsuchen, filtern und sortieren").click()
    expect(page).to_have_url(re.compile(LIST + "$"))
    expect(page.get_by_role("heading", name="Alle Ideen", level=1)).to_be_visible()
    check(page)

    # "Mehr laden" appends the next page to the list without leaving it.
    items = page.locator("#idea-items > li")
    first_count = items.count()
    assert first_count > 0
    total = int(re.findall(r"\d+", page.locator("#results-title").inner_text())[0])
    page.get_by_role("link", name="Mehr laden").click()
    expect(items).to_have_count(first_count * 2)
    # The link that had the focus is gone; the focus moves to the first new idea.
    expect(items.nth(first_count).get_by_role("link").first).to_be_focused()
    # The address names the page loaded last, so a reload does not lose the place: it shows
    # that page, says which ideas these are and leads back to the start.
    expect(page).to_have_url(re.compile(LIST + r"\?page=2$"))
    check(page)
    first_new = items.nth(first_count).locator("h3").inner_text()
    page.reload()
    expect(items.first.locator("h3")).to_have_text(first_new)
    expect(page.locator("#idea-range")).to_have_text(
        f"Ideen {first_count + 1} bis {2 * first_count} von {total}. Zur ersten Seite"
    )
    check(page)
    page.go_back()
    expect(page).to_have_url(re.compile(LIST + "$"))
    expect(items).to_have_count(first_count)

    # A filter changes the list in place, and the address follows (hx-push-url).
    page.get_by_label("Wer").select_option("pupil")
    expect(page).to_have_url(re.compile(r"segment=pupil"))
    expect(page.locator("#results-title")).to_contain_text("passende")
    pupil_count = page.locator("#idea-items > li").count()
    assert 0 < pupil_count < first_count * 2
    check(page)

    # Search with the words as typed: German prefixes, ranked by relevance.
    page.get_by_role("searchbox", name="Suche").fill("WLAN")
    expect(page).to_have_url(re.compile(r"q=WLAN"))
    expect(page.locator("#idea-items h3").first).to_contain_text("WLAN")
    assert _query(page)["segment"] == ["pupil"]
    check(page)

    # Reloading the address shows the same list: the filters live in the URL.
    titles = page.locator("#idea-items h3").all_inner_texts()
    page.reload()
    expect(page.locator("#idea-items h3")).to_have_text(titles)
    expect(page.get_by_label("Wer")).to_have_value("pupil")

    # Nothing found: say so and offer to clear.
    page.get_by_role("searchbox", name="Suche").fill("Raumschiffhafen")
    expect(page.get_by_text("Keine Idee passt zu Ihrer Suche und Ihren Filtern.")).to_be_visible()
    check(page)
    page.locator("#idea-results").get_by_role("link", name="Alle Filter zurücksetzen").click()
    expect(page).to_have_url(re.compile(LIST + "$"))
    expect(page.locator("#idea-items > li")).to_have_count(first_count)


def test_process_page_ideas_are_links_with_their_counts(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + PROCESS)
    first = page.locator("#ideas li.idea").first
    expect(first.locator(".idea__counts")).to_have_text(
        re.compile(r"^\d+ Unterstützung(en)? · \d+ Kommentare?$")
    )
    title = first.get_by_role("heading", level=3).inner_text()
    first.get_by_role("link", name=title).click()
    expect(page).to_have_url(re.compile(PROCESS + r"/ideas/\d+$"))
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def test_the_demo_has_ideas_to_sort_by_supports_and_comments(
    page: Page, live_server: LiveServer
) -> None:
    for sort, counted in (
        ("supported", r"^[1-9]\d* Unterstützung"),
        ("discussed", r"[1-9]\d* Komment"),
    ):
        page.goto(f"{live_server.url}{LIST}?sort={sort}")
        counts = page.locator("#idea-items .idea__counts").first
        expect(counts).to_have_text(re.compile(counted))


def test_list_works_without_javascript(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + LIST)
        page.get_by_label("Sortieren nach").select_option("supported")
        page.get_by_role("searchbox", name="Suche").fill("Bus")
        page.get_by_role("button", name="Ideen anzeigen").click()
        expect(page).to_have_url(re.compile(r"q=Bus"))
        assert _query(page)["sort"] == ["supported"]
        expect(page.locator("#idea-items > li").first).to_be_visible()
        check(page)
        # Without JavaScript "Mehr laden" is a link to the next page, filters kept.
        more = page.get_by_role("link", name="Mehr laden")
        if more.count():
            more.click()
            assert _query(page)["page"] == ["2"]
            assert _query(page)["q"] == ["Bus"]
            expect(page.locator("#idea-range")).to_contain_text("Ideen 11 bis")
    finally:
        context.close()


def test_firm_fields_in_the_idea_form(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + PROCESS)
    firm = page.get_by_role("group", name="Nur für Unternehmen")
    # The firm questions wait until someone says they are a firm.
    expect(firm).to_be_hidden()
    # The municipality says what the rule is: optional, except for firms.
    expect(page.locator("label[for=municipality]")).to_have_text(
        "Ihre Gemeinde (freiwillig; für Unternehmen Pflicht)"
    )
    expect(page.locator("#municipality-hint")).to_have_text(
        "Für Unternehmen: die Gemeinde, in der das Unternehmen seinen Sitz hat."
    )
    expect(page.get_by_label("E-Mail für Benachrichtigungen")).to_be_visible()
    check(page)
    page.get_by_label("Unternehmen oder Organisation", exact=True).check()
    expect(firm).to_be_visible()
    expect(firm.get_by_label("Branche")).to_contain_text("J – Information und Kommunikation")
    check(page)
    # Who is not a firm is not asked the firm questions.
    page.get_by_label("Einwohnerin oder Einwohner").check()
    expect(firm).to_be_hidden()
    page.get_by_label("Schülerin, Schüler oder Auszubildende").check()
    expect(firm).to_be_hidden()


def test_firm_fields_without_javascript(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + PROCESS)
        firm = page.get_by_role("group", name="Nur für Unternehmen")
        expect(firm).to_be_visible()
        expect(firm.get_by_label("Branche")).to_be_visible()
    finally:
        context.close()


def test_error_summary_follows_the_inline_checks(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + PROCESS)
    page.get_by_role("button", name="Idee absenden").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    title_line = summary.get_by_role("link", name="Bitte geben Sie Ihrer Idee einen Titel.")
    expect(title_line).to_be_visible()
    before = summary.get_by_role("listitem").count()
    check(page)

    # Correcting a field inline takes its line off the summary...
    page.get_by_label("Titel Ihrer Idee").fill("Mehr Bänke am Auenweg")
    page.get_by_label("Titel Ihrer Idee").blur()
    wait_for_htmx(page)
    expect(page.locator("#title-error")).to_be_empty()
    expect(summary.get_by_role("listitem")).to_have_count(before - 1)
    expect(summary).not_to_contain_text("Titel")
    check(page)

    # ...and once every line is settled, the summary goes.
    fill_idea_text(
        page, "Mehr Bänke am Auenweg", "Am Auenweg fehlen Bänke zum Ausruhen für ältere Menschen."
    )
    page.get_by_label("Einwohnerin oder Einwohner").check()
    wait_for_htmx(page)
    page.get_by_label(re.compile("Ich bin einverstanden, dass meine Idee")).check()
    wait_for_htmx(page)
    expect(summary).to_have_count(0)
    check(page)


def test_firm_submits_an_idea_with_an_email(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + PROCESS)
    fill_idea_text(
        page,
        "Schnelles Internet im Gewerbegebiet",
        "Unsere Tischlerei braucht Glasfaser, um Pläne mit Kunden auszutauschen.",
    )
    page.get_by_label("Unternehmen oder Organisation", exact=True).check()
    page.get_by_label("Name des Unternehmens oder der Organisation").fill("Tischlerei Brandt")
    page.get_by_label("Branche").select_option("C")
    page.get_by_label("10-49").check()
    page.get_by_label("Ihre Gemeinde").fill("Kornbach")
    page.get_by_label("E-Mail für Benachrichtigungen").fill("info@tischlerei-brandt.example")
    page.get_by_label(re.compile("Ich bin einverstanden, dass meine Idee")).check()
    page.get_by_role("button", name="Idee absenden").click()

    # The e-mail without its own consent is refused at the box; everything typed stays.
    expect(page.locator("#notify_consent-error")).not_to_be_empty()
    expect(page.get_by_label("Branche")).to_have_value("C")
    expect(page.get_by_label("E-Mail für Benachrichtigungen")).to_have_value(
        "info@tischlerei-brandt.example"
    )
    check(page)

    page.get_by_label(re.compile("meine E-Mail-Adresse darf gespeichert")).check()
    page.get_by_role("button", name="Idee absenden").click()
    expect(page).to_have_url(re.compile(r"/follow/[\w-]+\?submitted=1"))
    follow_url = page.url.split("?")[0]

    # The app sent a mail over SMTP; its private link is the one on the page, and it opens.
    address = "info@tischlerei-brandt.example"
    (mail,) = live_server.inbox.to(address)
    assert mail["Subject"] == "Vielen Dank für Ihre Idee: Schnelles Internet im Gewerbegebiet"
    assert follow_url in body_of(mail)
    page.goto(follow_url)
    expect(page.get_by_text("i***@tischlerei-brandt.example")).to_be_visible()
    check(page)
