"""The admin's side of evaluation in a real browser, on the demo: the admin takes over the
digitalisation plan's criteria, weights one of them double (a page without JavaScript, the
rows being plain form fields), opens a round over two chosen profiles with two evaluators,
one of them for an action field only (a first try without evaluators is told so, with
everything typed kept), sees each evaluator's progress on the round's page, closes the round
and reads the log; once a rating is saved, a change of the weights is saved only after the
tick "Ich habe verstanden …". axe checks every page state on the way."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Process, utcnow
from participation.services.evaluation import criteria
from tests.e2e.conftest import LiveServer, check, create_staff, submit_login

pytestmark = pytest.mark.e2e
# The demo without its evaluation: these tests hold a round from the start.
SERVER_ENV = {"DEMO_PLAN": "0"}

SLUG = "digitalstrategie-auetal"
BASE = f"/admin/processes/{SLUG}/bewertung"
JURY = ("jury-e2e@example.org", "Jury-Auetal-2026-lang")
SCHOOLS = ("schule-e2e@example.org", "Schule-Auetal-2026-lang")


def _admin(browser: Browser, server: LiveServer, *, javascript: bool = True) -> Page:
    lines = (server.var_dir / "demo-login.txt").read_text().split("\n")
    context = browser.new_context(locale="de-DE", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(server.url + "/login")
    submit_login(page, lines[2], lines[3])
    return page


def test_an_admin_sets_criteria_opens_a_round_and_closes_it(
    browser: Browser, live_server: LiveServer
) -> None:
    create_staff(live_server, *JURY, "evaluator")
    create_staff(live_server, *SCHOOLS, "evaluator")
    admin = _admin(browser, live_server)
    admin.goto(live_server.url + f"/admin/processes/{SLUG}/edit")
    admin.locator("#main").get_by_role("link", name="Bewertung", exact=True).click()
    expect(admin).to_have_url(re.compile(f"{BASE}$"))
    check(admin)
    admin.get_by_role("button", name="Kriterien des Digitalisierungsplans übernehmen").click()
    criteria = admin.get_by_role("table", name="Kriterien und ihre Gewichte")
    expect(criteria.locator("tbody tr")).to_have_count(4)
    expect(criteria).to_contain_text("Zeitnahe Umsetzbarkeit")
    check(admin)

    # The weights, without JavaScript: plain fields and a submit button.
    plain = _admin(browser, live_server, javascript=False)
    plain.goto(live_server.url + BASE)
    plain.get_by_role("link", name="Kriterien und Skala bearbeiten").click()
    check(plain)
    plain.locator("#crit-0-weight").fill("2")
    plain.get_by_role("button", name="Kriterium hinzufügen").click()
    expect(plain.locator("#crit-4-name")).to_have_value("")
    expect(plain.locator("#crit-0-weight")).to_have_value("2")
    check(plain)
    plain.get_by_role("button", name="Kriterien und Skala speichern").click()
    expect(plain.get_by_text("Kriterien und Skala gespeichert.")).to_be_visible()
    row = plain.get_by_role("row", name=re.compile("^Zeitnahe Umsetzbarkeit"))
    expect(row).to_contain_text("40 %")
    plain.context.close()

    # A round over two chosen profiles; first without evaluators.
    admin.goto(live_server.url + BASE)
    admin.get_by_role("link", name="Neue Bewertungsrunde").click()
    check(admin)
    admin.get_by_label("Titel der Runde").fill("Bewertung der Steckbriefe 2027")
    admin.get_by_label("die hier ausgewählten").check()
    admin.get_by_label("WLAN und Geräte für alle Schulen").check()
    admin.get_by_label("Funklöcher und Glasfaserlücken schließen").check()
    due = (date.today() + timedelta(days=21)).isoformat()
    admin.get_by_label("Fällig bis").fill(due)
    admin.get_by_role("button", name="Runde eröffnen").click()
    expect(admin.locator("#evaluators-error")).to_contain_text("mindestens eine")
    expect(admin.get_by_label("Titel der Runde")).to_have_value("Bewertung der Steckbriefe 2027")
    expect(admin.get_by_label("WLAN und Geräte für alle Schulen")).to_be_checked()
    check(admin)
    admin.get_by_role("checkbox", name=re.compile("^jury-e2e")).check()
    admin.get_by_role("checkbox", name=re.compile("^schule-e2e")).check()
    admin.get_by_label("Steckbriefe für schule-e2e").select_option(label="Bildung & Schule")
    admin.get_by_role("button", name="Runde eröffnen").click()

    # The round's page: each evaluator's share, the profiles.
    expect(admin.get_by_role("heading", level=1)).to_have_text("Bewertung der Steckbriefe 2027")
    progress = admin.locator(".evaluator-progress")
    expect(progress).to_contain_text("jury-e2e (alle Steckbriefe): 0 von 2 bewertet")
    expect(progress).to_contain_text("schule-e2e (Bildung & Schule): 0 von 1 bewertet")
    expect(
        admin.get_by_role("table", name="Steckbriefe dieser Runde").locator("tbody tr")
    ).to_have_count(2)
    check(admin)
    admin.get_by_role("button", name="Runde jetzt schließen").click()
    expect(
        admin.get_by_text("Runde geschlossen: Es werden keine Bewertungen mehr angenommen.")
    ).to_be_visible()
    expect(admin.get_by_role("button", name="Runde jetzt schließen")).to_have_count(0)
    check(admin)

    admin.get_by_role("link", name="Zurück zur Bewertung").click()
    expect(admin.locator(".round-card")).to_contain_text("geschlossen")
    admin.get_by_role("link", name="Bewertungsprotokoll").click()
    log = admin.get_by_role("table", name=re.compile("Einträge, neueste zuerst"))
    expect(log.locator("tbody tr").first).to_contain_text("Runde geschlossen")
    expect(log).to_contain_text("Gewicht von „Zeitnahe Umsetzbarkeit“: 1 → 2")
    check(admin)

    # Once a rating is saved, a change of the weights waits for the tick.
    live_server.in_db(_first_rating)
    admin.goto(live_server.url + BASE + "/kriterien")
    admin.locator("#crit-1-weight").fill("3")
    admin.get_by_role("button", name="Kriterien und Skala speichern").click()
    confirm = admin.get_by_label("Ich habe verstanden, dass sich alle Punktzahlen ändern")
    expect(confirm).not_to_be_checked()
    expect(admin.locator("#crit-1-weight")).to_have_value("3")
    check(admin)
    confirm.check()
    admin.get_by_role("button", name="Kriterien und Skala speichern").click()
    expect(admin.get_by_text("Kriterien und Skala gespeichert.")).to_be_visible()
    row = admin.get_by_role("row", name=re.compile("^Hohe Nutzer"))
    expect(row).to_contain_text("43 %")  # 3 of 2 + 3 + 1 + 1


async def _first_rating(session: AsyncSession) -> None:
    """What saving the first rating does to the process's setup."""
    process = (await session.exec(select(Process).where(Process.slug == SLUG))).one()
    setup = await criteria.setup_of(session, process.id or 0)
    setup.first_rating_at = utcnow()
    session.add(setup)
    await session.commit()
