"""Project profiles in a real browser: the process page -> the list of profiles (filtered by
action field, in place with htmx) -> one profile -> its breakdown table; on a phone and
without JavaScript too. axe-core checks every state (`check`)."""

from __future__ import annotations

import re
from typing import Final

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    Process,
    ProfileStatus,
    Theme,
)
from tests.e2e.conftest import LiveServer, check
from tests.profile_rows import add_profile

pytestmark = pytest.mark.e2e

PROCESS: Final = "/processes/digitalstrategie-auetal"
PHONE: Final[ViewportSize] = {"width": 360, "height": 800}


@pytest.fixture(scope="module")
def profile_id(live_server: LiveServer) -> tuple[int, str]:
    """Two published profiles of the demo process in two action fields (one built from its
    first 30 published ideas and 5 waiting ones) and a draft; the first one's id and action
    field. (The demo may have profiles of its own.)"""

    async def make(session: AsyncSession) -> tuple[int, str]:
        process = (await session.exec(select(Process).where(Process.slug.endswith("auetal")))).one()
        ideas = list(
            await session.exec(
                select(Contribution)
                .where(
                    Contribution.process_id == process.id,
                    Contribution.kind == ContributionKind.IDEA,
                )
                .order_by(col(Contribution.status), col(Contribution.id))
            )
        )
        published = [c for c in ideas if c.status is ContributionStatus.PUBLISHED][:30]
        waiting = [c for c in ideas if c.status is not ContributionStatus.PUBLISHED][:5]
        themes = list(
            await session.exec(
                select(Theme).where(Theme.process_id == process.id).order_by(col(Theme.position))
            )
        )
        profile = await add_profile(
            session,
            process,
            title="Digitale Lernorte an allen Schulen",
            summary="Ein **Netz** digitaler Lernorte.",
            sources=published + waiting,
            themes=themes[:1],
            indicators=[("Schulen mit Lernort", "3", "40")],
        )
        await add_profile(session, process, title="Breitband im Gewerbegebiet", themes=themes[1:2])
        await add_profile(session, process, title="Geheimer Entwurf", status=ProfileStatus.DRAFT)
        assert profile.id is not None
        return profile.id, themes[0].slug

    return live_server.in_db(make)


def test_from_the_process_page_to_a_profile_and_its_breakdown(
    page: Page, live_server: LiveServer, profile_id: tuple[int, str]
) -> None:
    made, theme = profile_id
    page.goto(live_server.url + PROCESS)
    expect(page.get_by_role("heading", name=re.compile(r"^Steckbriefe"))).to_be_visible()
    expect(page.get_by_text("Geheimer Entwurf")).to_have_count(0)
    page.get_by_role("link", name="Alle Steckbriefe").click()
    expect(page.get_by_role("heading", name="Steckbriefe", level=1)).to_be_visible()
    cards = page.locator(".profile-card")
    other = cards.filter(has_text="Breitband im Gewerbegebiet")
    expect(other).to_have_count(1)
    expect(cards.filter(has_text="Geheimer Entwurf")).to_have_count(0)
    check(page)

    # An action field narrows the list in place; the address keeps the filter.
    page.get_by_label("Handlungsfeld", exact=True).select_option(theme)
    expect(page).to_have_url(re.compile(rf"theme={theme}"))
    expect(other).to_have_count(0)
    check(page)

    page.get_by_role("link", name="Digitale Lernorte an allen Schulen").click()
    expect(page).to_have_url(re.compile(rf"/steckbriefe/{made}$"))
    expect(page.get_by_role("heading", name="Auf Grundlage von 35 Beiträgen")).to_be_visible()
    table = page.get_by_role("table", name="Beiträge nach Gruppe der Verfassenden und Kanal")
    expect(table.locator("tfoot td").last).to_have_text("35")
    expect(page.locator("#profile-sources .profile-links li")).to_have_count(20)
    check(page)

    # The sources' next page swaps in place (htmx) and the address follows.
    page.locator("#profile-sources .pagination").get_by_role("link", name="Nächste Seite").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#profile-sources .profile-links li")).to_have_count(10)
    check(page)


def test_profile_on_a_phone_and_without_javascript(
    browser: Browser, live_server: LiveServer, profile_id: tuple[int, str]
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="de-DE", viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + PROCESS + "/steckbriefe")
    check(page)
    page.get_by_label("Zeithorizont").select_option("short")
    page.get_by_role("button", name="Steckbriefe anzeigen").click()
    expect(page).to_have_url(re.compile(r"horizon=short"))
    page.get_by_role("link", name="Digitale Lernorte an allen Schulen").click()
    expect(page.get_by_role("heading", name="Auf Grundlage von 35 Beiträgen")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Nächste Seite").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    check(page)
    context.close()
