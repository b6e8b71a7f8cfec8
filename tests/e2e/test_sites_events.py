"""Sites and events in a real browser: an admin adds a site (a duplicate name is refused at
the field) and an event with its agenda; a resident picks the site in the idea form; a
moderator narrows the queue to that site and finds the idea; the public event page shows
the agenda and the process page lists the event. axe checks each state."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, create_staff, fill_idea_text, submit_login

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "standorte-e2e@example.org", "ein langes Passwort für Standorte"
SLUG = "digitalstrategie-auetal"
PROCESS = f"/processes/{SLUG}"
SITE = "BBS Auetal-Nord"
TITLE = "Werkstatt mit 3D-Druckern für alle Azubis"
BODY = (
    "Die Auszubildenden der Berufsschule sollten einen offenen Raum mit 3D-Druckern und "
    "Lasercuttern nutzen können, auch am Nachmittag."
)
EVENT = "Innovationskonferenz Riesa"


def test_sites_and_events_from_admin_to_resident_and_moderator(
    browser: Browser, page: Page, live_server: LiveServer
) -> None:
    create_staff(live_server, EMAIL, PASSWORD, "admin")
    page.goto(live_server.url + f"/admin/processes/{SLUG}/edit")
    submit_login(page, EMAIL, PASSWORD)
    page.get_by_role("link", name="Standorte", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Standorte")
    check(page)

    page.get_by_label("Name des Standorts").fill(SITE)
    page.locator("#place").fill("Auenbrück")
    page.get_by_role("button", name="Standort hinzufügen").click()
    expect(page.locator(".site-list")).to_contain_text(SITE)
    check(page)
    page.get_by_label("Name des Standorts").fill(SITE.lower())
    page.get_by_role("button", name="Standort hinzufügen").click()
    expect(page.locator("#name-error")).to_contain_text("schon einen Standort")
    expect(page.get_by_label("Name des Standorts")).to_have_value(SITE.lower())
    check(page)

    # An event with its agenda, a week from now.
    page.get_by_role("link", name="Veranstaltungen", exact=True).first.click()
    page.get_by_role("link", name="Neue Veranstaltung").click()
    check(page)
    page.get_by_label("Titel", exact=True).fill(EVENT)
    page.get_by_label("Tag", exact=True).fill((date.today() + timedelta(days=7)).isoformat())
    page.get_by_label("Beginn").fill("10:00")
    page.locator("#place").fill("Stadthalle Riesa")
    page.get_by_label("Programm").fill("- 10:00 Begrüßung\n- 10:30 Thementische zur Ausbildung")
    page.get_by_label("Link zur Anmeldung").fill("https://anmeldung.example.org/riesa")
    page.get_by_role("button", name="Veranstaltung speichern").click()
    expect(page.get_by_role("link", name=EVENT, exact=True)).to_be_visible()
    check(page)

    # A resident names the site with the idea.
    resident = browser.new_context(locale="de-DE")
    public = resident.new_page()
    public.goto(live_server.url + PROCESS)
    expect(public.get_by_role("link", name=EVENT)).to_be_visible()
    fill_idea_text(public, TITLE, BODY)
    public.get_by_label("Einwohnerin oder Einwohner").check()
    public.get_by_label(re.compile("^Standort")).select_option(label=f"{SITE} (Auenbrück)")
    public.get_by_label(re.compile("Ich bin einverstanden")).check()
    check(public)
    public.get_by_role("button", name="Idee absenden").click()
    expect(public).to_have_url(re.compile(r"/follow/[\w-]+\?submitted=1"))

    # The public event page shows the agenda and how to register.
    public.goto(live_server.url + PROCESS)
    public.get_by_role("link", name=EVENT).click()
    expect(public.get_by_role("heading", level=1)).to_have_text(EVENT)
    expect(public.locator(".prose")).to_contain_text("Thementische zur Ausbildung")
    expect(public.get_by_role("link", name="Zu dieser Veranstaltung anmelden")).to_be_visible()
    check(public)
    resident.close()

    # A moderator narrows the queue to the site and finds the idea there, alone.
    staff = browser.new_context(locale="de-DE")
    moderator = staff.new_page()
    moderator.goto(live_server.url + "/moderation")
    submit_login(moderator, *live_server.demo_login)
    expect(moderator).to_have_url(re.compile(r"/moderation$"))
    option = moderator.locator("#queue-site option", has_text=SITE)
    expect(option).to_have_text(re.compile(r"\(1\)$"))  # counted before it is chosen
    moderator.get_by_label("Standort", exact=True).select_option(
        value=option.get_attribute("value")
    )
    moderator.get_by_role("button", name="Anzeigen").click()
    expect(moderator).to_have_url(re.compile(r"site=\d+"))
    expect(moderator.locator("article.queue-item")).to_have_count(1)
    expect(moderator.locator("article.queue-item")).to_contain_text(TITLE)
    check(moderator)
    staff.close()
