"""The participation dashboard in a real browser: firms have answered the survey (seeded);
the admin opens the dashboard from the process list and enters the known population (a
wrong number first, answered at its field); a moderator comes to it from the moderation
queue's process choice, sees the under-represented WZ section marked and downloads its
table as CSV. axe-core and the phone width are checked in every state, also without
JavaScript."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Process, Segment, utcnow
from tests.e2e.conftest import LiveServer, check, create_staff, submit_login
from tests.survey_data import add_response, add_survey

pytestmark = pytest.mark.e2e

DEMO_PROCESS = "digitalstrategie-auetal"
DASHBOARD = f"/admin/processes/{DEMO_PROCESS}/beteiligung"
ADMIN, PASSWORD = "admin-dashboard@example.org", "ein langes Passwort für Admins"


@pytest.fixture(scope="module")
def firms_answered(live_server: LiveServer) -> None:
    """Four firms sent the firm survey: three manufacturers (C), one builder (F)."""

    async def work(session: AsyncSession) -> None:
        query = select(Process).where(Process.slug == DEMO_PROCESS)
        process = (await session.exec(query)).one()
        survey = await add_survey(session, process, slug="dashboard-firmen")
        for n, sector in enumerate("CCCF"):
            await add_response(
                session,
                survey,
                sent_at=utcnow(),
                segment=Segment.FIRM,
                sector=sector,
                size="10-49",
                name=f"Betrieb {n}",
                token=f"dashboard-{n}",
            )
        await session.commit()

    live_server.in_db(work)
    create_staff(live_server, ADMIN, PASSWORD, "admin")


def test_the_admin_enters_the_population_and_a_moderator_reads_it(
    browser: Browser, page: Page, live_server: LiveServer, firms_answered: None
) -> None:
    page.goto(live_server.url + "/admin/processes")
    submit_login(page, ADMIN, PASSWORD)
    page.locator(f'a[href="{DASHBOARD}"]').click()
    expect(page).to_have_url(re.compile(rf"{DASHBOARD}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Beteiligungsübersicht")
    expect(
        page.get_by_role("img", name=re.compile("Beiträge nach Gruppe und Kanal"))
    ).to_be_visible()
    expect(page.get_by_role("table", name="Zahlen: Rücklauf der Umfragen")).to_be_visible()
    expect(page.locator("#under-represented")).to_have_count(0)
    check(page)

    page.get_by_role("link", name="Grundgesamtheit eintragen").click()
    page.get_by_label("F – Baugewerbe").fill("sehr viele")
    page.get_by_label("C – Verarbeitendes Gewerbe").fill("200")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#pop-sector-F-error")).to_contain_text("ganze Zahl")
    # What was typed stays.
    expect(page.get_by_label("C – Verarbeitendes Gewerbe")).to_have_value("200")
    check(page)

    page.get_by_label("F – Baugewerbe").fill("3.744")
    page.get_by_role("button", name="Speichern").click()
    expect(page).to_have_url(re.compile(rf"{DASHBOARD}#firms-title$"))
    expect(page.locator("#under-represented")).to_contain_text("F – Baugewerbe")
    check(page)

    # A moderator finds it from the queue's process choice.
    context = browser.new_context(locale="de-DE")
    moderator = context.new_page()
    moderator.goto(live_server.url + "/moderation")
    submit_login(moderator, *live_server.demo_login)
    moderator.get_by_label("Verfahren").select_option(DEMO_PROCESS)
    moderator.get_by_role("button", name="Anzeigen").click()
    moderator.get_by_role("link", name="Beteiligungsübersicht dieses Verfahrens").click()
    expect(moderator).to_have_url(re.compile(rf"{DASHBOARD}$"))
    expect(moderator.locator("#under-represented")).to_contain_text("F – Baugewerbe")
    row = moderator.get_by_role("table", name=re.compile("WZ-Abschnitt")).locator(
        "tr.representation--under"
    )
    expect(row).to_contain_text("3744")
    expect(row).to_contain_text("unterrepräsentiert")
    # Moderators read it; the population is the admins' to enter.
    expect(moderator.get_by_role("link", name="Grundgesamtheit eintragen")).to_have_count(0)
    check(moderator)

    sectors = moderator.locator("#figure-branchen-title").locator("..")
    with moderator.expect_download() as download_info:
        sectors.get_by_role("link", name=re.compile("CSV für Excel")).click()
    path = download_info.value.path()
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    builders = next(r for r in table if r[0].startswith("F –"))
    assert builders[2] == "3744"  # the demo's firms count among the participants too
    assert builders[-1] == "unterrepräsentiert"
    context.close()


def test_the_dashboard_without_javascript(
    browser: Browser, live_server: LiveServer, firms_answered: None
) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + DASHBOARD)
    submit_login(page, ADMIN, PASSWORD)
    expect(page).to_have_url(re.compile(rf"{DASHBOARD}$"))
    expect(
        page.get_by_role("heading", name="Unternehmen im Vergleich zur Grundgesamtheit")
    ).to_be_visible()
    check(page)
    page.get_by_role("link", name="Grundgesamtheit eintragen").click()
    expect(page.get_by_label("A – Land- und Forstwirtschaft, Fischerei")).to_be_visible()
    check(page)
    context.close()
