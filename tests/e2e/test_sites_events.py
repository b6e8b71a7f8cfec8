"""Sites and events in a real browser: an admin adds a site (a duplicate name is refused at
the field) and an event with its agenda; a resident picks the site in the idea form; a
moderator narrows the queue to that site and finds the idea; the public event page shows
the agenda and the process page lists the event. axe checks each state."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    ContributionStatus,
    Event,
    FocusGroupIdea,
    Process,
    Site,
    utcnow,
)
from tests.e2e.conftest import LiveServer, check, create_staff, fill_idea_text, submit_login
from tests.focus_group_helpers import add_session
from tests.helpers import add_idea

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


PAST_EVENT = "Transferkonferenz Meißen"
TABLE = "Tisch Handwerk digital"
TABLE_SITE = "BBS Meißen"


async def _past_event_with_a_closed_table(session: AsyncSession) -> int:
    """A past event of the demo process and a closed live session whose two ideas were
    published (one) and left waiting (one); returns the session's id."""
    process = (await session.exec(select(Process).where(Process.slug == SLUG))).one()
    event = Event(
        process_id=process.id or 0,
        title=PAST_EVENT,
        starts_at=utcnow() - timedelta(days=10),
        place="Meißen",
        agenda="- Begrüßung\n- Thementische",
    )
    session.add(event)
    session.add(Site(process_id=process.id or 0, name=TABLE_SITE))
    await session.flush()
    live = await add_session(session, process, code="MEISS3", title=TABLE, state="closed")
    for title, status in (
        ("Gemeinsame Plattform für Handwerksaufträge", ContributionStatus.PUBLISHED),
        ("Noch in Prüfung", ContributionStatus.PENDING),
    ):
        idea = await add_idea(
            session, process, title=title, status=status, channel=Channel.WORKSHOP
        )
        session.add(FocusGroupIdea(session_id=live.id or 0, title=title, contribution_id=idea.id))
    await session.commit()
    return live.id or 0


def test_a_table_gets_its_place_and_the_past_event_shows_its_results(
    page: Page, live_server: LiveServer
) -> None:
    session_id = live_server.in_db(_past_event_with_a_closed_table)
    page.goto(live_server.url + f"/focus-groups/{session_id}/ort")
    submit_login(page, *live_server.demo_login)
    expect(page.get_by_role("heading", level=1)).to_have_text("Wo die Sitzung stattfindet")
    check(page)
    page.get_by_label("Standort", exact=True).select_option(label=TABLE_SITE)
    page.get_by_label("Veranstaltung", exact=True).select_option(label=PAST_EVENT)
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_label("Veranstaltung", exact=True)).to_have_value(re.compile(r"\d+"))
    check(page)

    # The closed session passed its site on: the dashboard counts the ideas at the site.
    page.goto(live_server.url + f"/admin/processes/{SLUG}/beteiligung")
    figure = page.locator("#figure-standorte-title").locator("..")
    row = figure.locator("tbody tr", has_text=TABLE_SITE)
    expect(row.locator("td").last).to_have_text("2")
    check(page)

    page.goto(live_server.url + PROCESS)
    page.get_by_role("link", name=PAST_EVENT).click()
    collected = page.locator("#collected")
    expect(collected).to_contain_text("1 veröffentlichter Beitrag")
    expect(collected).to_contain_text("Gemeinsame Plattform für Handwerksaufträge")
    expect(collected).not_to_contain_text("Noch in Prüfung")
    expect(page.locator("main")).to_contain_text(TABLE)
    check(page)
