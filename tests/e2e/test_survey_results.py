"""Survey results in a real browser: a moderator finds the survey on the analysis page, reads
its charts and tables, and filters them in place (htmx, the address follows) and without
JavaScript (a plain GET form); a wrong filter value gets its message at the field. axe-core
and the phone width are checked in every state."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Process
from tests.e2e.conftest import (
    LiveServer,
    check,
    expect_console_errors,
    submit_login,
    wait_for_htmx,
)
from tests.survey_data import SECOND_TEXT, SURVEY_TITLE, SurveyData, add_survey_data

pytestmark = pytest.mark.e2e

DEMO_PROCESS = "digitalstrategie-auetal"


@pytest.fixture(scope="module")
def survey(live_server: LiveServer) -> SurveyData:
    """The fixed survey of tests/survey_data.py, written into the running app's database."""

    async def work(session: AsyncSession) -> SurveyData:
        query = select(Process).where(Process.slug == DEMO_PROCESS)
        process = (await session.exec(query)).one()
        return await add_survey_data(session, process)

    return live_server.in_db(work)


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_a_moderator_reads_and_filters_the_results(
    page: Page, live_server: LiveServer, survey: SurveyData
) -> None:
    page.goto(live_server.url + "/analysis")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    submit_login(page, *live_server.demo_login)
    expect(page.get_by_role("heading", name="Umfragen")).to_be_visible()
    check(page)

    page.get_by_role("link", name=SURVEY_TITLE).click()
    expect(page).to_have_url(re.compile(rf"/surveys/{survey.survey.id}/results$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(SURVEY_TITLE)
    expect(page.locator("#results-title")).to_have_text("3 Antworten gesendet")
    # Each chart is an image named by its title, with the numbers in a table beside it.
    expect(page.get_by_role("img", name="Diagramm zu Frage 1.1")).to_be_visible()
    table = page.get_by_role("table", name="Zahlen zu Frage 1.1")
    expect(table.locator("tbody tr").first).to_contain_text("Gut")
    expect(table.locator("tbody tr").first).to_contain_text("66,7 %")
    expect(page.get_by_text(SECOND_TEXT)).to_be_visible()
    check(page)

    # A filter updates the results in place; the address keeps it.
    page.get_by_label("Wer", exact=True).select_option("firm")
    expect(page).to_have_url(re.compile(r"segment=firm"))
    expect(page.locator("#results-title")).to_have_text("2 passende Antworten gesendet")
    wait_for_htmx(page)
    check(page)

    page.get_by_label("Größe (Beschäftigte)").select_option("10-49")
    expect(page.locator("#results-title")).to_have_text("1 passende Antwort gesendet")
    assert _query(page) == {"segment": ["firm"], "size": ["10-49"]}
    csv_link = page.get_by_role("link", name="CSV für Excel")
    expect(csv_link).to_have_attribute("href", re.compile(r"segment=firm&size=10-49$"))

    # Nothing matches: said in words, the questions stay with zero counts.
    page.get_by_label("Branche (WZ 2008)").select_option("A")
    expect(page.get_by_text("Keine gesendete Antwort passt zu diesen Filtern.")).to_be_visible()
    wait_for_htmx(page)
    check(page)

    # Reloading the address shows the same view: the filters live in the URL.
    page.reload()
    expect(page.get_by_label("Branche (WZ 2008)")).to_have_value("A")
    expect(page.locator("#results-title")).to_have_text("0 passende Antworten gesendet")


def test_the_results_work_without_javascript(
    browser: Browser, live_server: LiveServer, survey: SurveyData
) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    try:
        results = f"{live_server.url}/surveys/{survey.survey.id}/results"
        page.goto(results)
        submit_login(page, *live_server.demo_login)
        expect(page).to_have_url(results)
        page.get_by_label("Wer", exact=True).select_option("firm")
        page.get_by_label("Branche (WZ 2008)").select_option("C")
        page.get_by_role("button", name="Ergebnisse anzeigen").click()
        expect(page).to_have_url(re.compile(r"\?segment=firm&sector=C&size=$"))
        expect(page.locator("#results-title")).to_have_text("1 passende Antwort gesendet")
        expect(page.get_by_label("Branche (WZ 2008)")).to_have_value("C")
        check(page)
    finally:
        context.close()


@pytest.fixture
def lenient_page(page: Page) -> Page:
    """Like the `page` fixture, but a 400 answer is expected here: Chromium logs it as a
    console error, so only other errors fail the test."""
    expect_console_errors(page.context, 400)
    return page


def test_a_wrong_filter_and_all_free_text_answers(
    lenient_page: Page, live_server: LiveServer, survey: SurveyData
) -> None:
    page = lenient_page
    results = f"{live_server.url}/surveys/{survey.survey.id}/results"
    page.goto(results + "?segment=firm")
    submit_login(page, *live_server.demo_login)
    expect(page.locator("#results-title")).to_have_text("2 passende Antworten gesendet")
    check(page)

    # A hand-edited address with a wrong value: the message sits at the field.
    page.goto(results + "?sector=ZZ")
    expect(page.get_by_role("alert")).to_contain_text("'ZZ'")
    expect(page.get_by_label("Branche (WZ 2008)")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sector-error")).to_contain_text("'ZZ'")
    check(page)

    # All answers to a free-text question, one link away.
    question = survey.questions["2.2"]
    page.goto(f"{results}/questions/{question.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(question.text)
    expect(page.get_by_text(SECOND_TEXT)).to_be_visible()
    check(page)
