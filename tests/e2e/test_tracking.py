"""Reporting a profile's implementation, in real browsers: an editor of the working group of
the demo's published profile records its progress, a milestone and a measured value (typed
the German way, "12,5") on the tracking page; the public profile page then shows the progress
bar, the milestone, the value beside baseline and target, and the timeline, newest first.
axe checks both pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Profile, ProfileMember, User
from tests.e2e.conftest import LiveServer, check, create_staff, submit_login

pytestmark = pytest.mark.e2e
# The demo before its evaluation: the plan is published (test_outcomes) and the progress
# reported (test_tracking) by the test itself.
SERVER_ENV = {"DEMO_PLAN": "0"}

SLUG = "digitalstrategie-auetal"
TITLE = "WLAN und Geräte für alle Schulen"
EDITOR = ("schulverwaltung@example.org", "Schulverwaltung-Auetal-2026")


def _join_working_group(server: LiveServer) -> int:
    """The editor into the working group of the demo's published profile; its id."""

    async def join(session: AsyncSession) -> int:
        profile = (await session.exec(select(Profile).where(Profile.title == TITLE))).one()
        user = (await session.exec(select(User).where(User.email == EDITOR[0]))).one()
        session.add(ProfileMember(profile_id=profile.id or 0, user_id=user.id or 0))
        await session.commit()
        return profile.id or 0

    return server.in_db(join)


def test_an_editor_reports_progress_and_the_public_sees_the_timeline(
    browser: Browser, live_server: LiveServer
) -> None:
    create_staff(live_server, *EDITOR, "editor")
    profile_id = _join_working_group(live_server)
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(live_server.url + "/login?next=/admin/steckbriefe")
    submit_login(page, *EDITOR)
    page.get_by_role("link", name="Umsetzung melden").first.click()
    expect(page).to_have_url(re.compile(rf"/admin/steckbriefe/{profile_id}/umsetzung$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Umsetzung: {TITLE}")
    check(page)

    page.get_by_label("Fortschritt in Prozent (0 bis 100)").fill("35")
    page.get_by_label(re.compile(r"^Was getan wurde")).fill("Die WLAN-Ausleuchtung ist fertig.")
    page.get_by_role("button", name="Fortschritt speichern").click()
    expect(page.get_by_text("Fortschritt gespeichert.")).to_be_visible()

    new = page.locator("fieldset", has=page.get_by_text("Neuer Meilenstein"))
    new.get_by_label("Titel").fill("Ausschreibung der Access Points")
    new.get_by_label(re.compile(r"^Geplant für")).fill("2027-03-31")
    new.get_by_role("button", name="Meilenstein hinzufügen").click()
    expect(page.get_by_text("Meilenstein hinzugefügt.")).to_be_visible()

    # A mistake first: the message at the field, the typed value kept.
    page.get_by_label("Wert", exact=True).fill("zwölf")
    page.get_by_label("Gemessen am").fill("2027-06-30")
    page.get_by_role("button", name="Wert eintragen").click()
    expect(page.locator("#value-value-error")).to_have_text(
        "Bitte geben Sie eine Zahl an, z. B. 12 oder 12,5."
    )
    expect(page.get_by_label("Wert", exact=True)).to_have_value("zwölf")
    check(page)
    page.get_by_label("Wert", exact=True).fill("12,5")
    page.get_by_role("button", name="Wert eintragen").click()
    expect(page.get_by_text("Wert eingetragen.")).to_be_visible()
    check(page)

    page.get_by_role("link", name="Öffentliche Seite").click()
    expect(page).to_have_url(re.compile(rf"/processes/{SLUG}/steckbriefe/{profile_id}#umsetzung$"))
    section = page.locator("#umsetzung")
    expect(section.get_by_role("progressbar", name="Fortschritt")).to_have_attribute("value", "35")
    expect(section.locator(".milestones")).to_contain_text(
        "Ausschreibung der Access Points geplant für 31. März 2027"
    )
    expect(section.locator("table")).to_contain_text("12,5")
    entries = section.locator(".tracking-timeline > li")
    expect(entries).to_have_count(3)
    expect(entries.first).to_contain_text(
        "„Schulen mit WLAN in allen Räumen“ gemessen am 30. Juni 2027: 12,5 Anzahl"
    )
    expect(entries.last).to_contain_text("Fortschritt: 35 %")
    expect(entries.last).to_contain_text("Die WLAN-Ausleuchtung ist fertig.")
    check(page)
    context.close()
