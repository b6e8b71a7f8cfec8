"""Process administration in a real browser: an admin creates a process with phases and an
action field (rows added without JavaScript help), fixes a mistake, and the public page shows
the timeline and, once the call has ended, the notice instead of the form. axe checks each
state."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, check, create_staff, submit_login

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "admin-e2e@example.org", "ein langes Passwort für Admins"


def create_admin(live_server: LiveServer) -> None:
    create_staff(live_server, EMAIL, PASSWORD, "admin")


def sign_in(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/admin/processes")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    submit_login(page, EMAIL, PASSWORD)
    expect(page.get_by_role("heading", name="Verfahren verwalten", exact=True)).to_be_visible()


def test_an_admin_creates_a_process_and_the_public_sees_its_timeline(
    page: Page, live_server: LiveServer
) -> None:
    create_admin(live_server)
    sign_in(page, live_server)
    expect(page.get_by_role("link", name="Verwaltung")).to_have_attribute("aria-current", "page")
    check(page)

    page.get_by_role("link", name="Neues Verfahren").click()
    expect(page.get_by_role("heading", name="Neues Verfahren", exact=True)).to_be_visible()
    check(page)

    today = date.today()
    page.locator("#title").fill("Grüne Dörfer im Auetal")
    page.locator("#description").fill("Wir sammeln **Ideen**.\n\n<script>x</script>")
    page.locator("#phases-0-title").fill("Ideen sammeln")
    page.locator("#phases-0-starts_on").fill((today - timedelta(days=30)).isoformat())
    page.locator("#phases-0-ends_on").fill((today - timedelta(days=2)).isoformat())
    # A second phase: the form comes back with everything typed so far.
    page.get_by_role("button", name="Phase hinzufügen").click()
    expect(page.locator("#phases-0-title")).to_have_value("Ideen sammeln")
    expect(page.locator("#title")).to_have_value("Grüne Dörfer im Auetal")
    page.locator("#phases-1-kind").select_option("screening")
    page.locator("#phases-1-title").fill("Auswertung")
    page.locator("#phases-1-starts_on").fill((today - timedelta(days=1)).isoformat())
    page.locator("#phases-1-ends_on").fill((today + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Handlungsfeld hinzufügen").click()
    page.locator("#themes-0-name").fill("Dorfgrün")
    page.locator("#themes-0-keywords").fill("Baum, Wiese")
    # A mistake first: the end before the start gets its message at the field.
    page.locator("#phases-1-ends_on").fill((today - timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Verfahren speichern").click()
    expect(page.locator("#phases-1-ends_on-error")).to_contain_text("ersten Tag")
    expect(page.locator("#themes-0-name")).to_have_value("Dorfgrün")
    check(page)

    page.locator("#phases-1-ends_on").fill((today + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Verfahren speichern").click()
    expect(page.get_by_text("Gespeichert: „Grüne Dörfer im Auetal“.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/processes/gruene-doerfer-im-auetal/edit$"))
    check(page)

    page.get_by_role("link", name="Öffentliche Seite").click()
    expect(page.get_by_role("heading", name="Grüne Dörfer im Auetal")).to_be_visible()
    current = page.locator('ol.phases li[aria-current="step"]')
    expect(current).to_contain_text("Auswertung")
    expect(current).to_contain_text("jetzt")
    expect(page.locator("ol.phases li").first).to_contain_text("abgeschlossen")
    notice = page.locator("#idea-call-closed")
    expect(notice).to_contain_text("keine neuen Ideen eingereicht werden")
    expect(notice).to_contain_text("Auswertung")
    expect(page.locator(".prose strong")).to_have_text("Ideen")
    expect(page.locator(".prose")).to_contain_text("<script>x</script>")
    check(page)

    page.goto(live_server.url + "/admin/processes")
    expect(page.get_by_role("link", name="Grüne Dörfer im Auetal")).to_be_visible()
    check(page)
