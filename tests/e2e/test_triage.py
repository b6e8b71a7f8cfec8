"""Triage in real browsers: a resident sends an idea with a phone number and an address; the
moderator finds it under "contains personal data" with the spans marked and named, publishes
it with "[entfernt]"; the public page shows "[entfernt]", the author's follow page the
original. In a process that publishes at once, an idea full of links is held back for review
and flagged with its reason. axe-core and the phone width on every page state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import ModerationMode, Process
from tests.e2e.conftest import LiveServer, check, fill_idea_text, submit_login

pytestmark = pytest.mark.e2e

SLUG = "digitalstrategie-auetal"
PROCESS = f"/processes/{SLUG}"
PHONE = "0171 2345678"
ADDRESS = "Lindenstraße 12"
BODY = (
    f"Am Dorfplatz fehlt ein freies WLAN. Rufen Sie mich gern an unter {PHONE}, ich wohne "
    f"in der {ADDRESS} und zeige Ihnen die Stelle."
)
SPAM = (
    "Jetzt günstig bestellen: https://a.example https://b.example https://c.example "
    "https://d.example"
)


def _send_idea(page: Page, server: LiveServer, title: str, body: str) -> str:
    page.goto(server.url + PROCESS)
    fill_idea_text(page, title, body)
    page.get_by_label("Einwohnerin oder Einwohner").check()
    page.locator("#consent").check()
    page.get_by_role("button", name="Idee absenden").click()
    expect(page).to_have_url(re.compile(r"/follow/[\w-]+\?submitted=1"))
    return page.url.split("?")[0]


def _moderator(browser: Browser, server: LiveServer) -> Page:
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(server.url + "/login")
    submit_login(page, *server.demo_login)
    expect(page).to_have_url(re.compile(r"/moderation"))
    return page


def test_personal_data_from_the_resident_to_the_public_page(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    title = "Freies WLAN am Dorfplatz"
    follow_url = _send_idea(page, live_server, title, BODY)
    check(page)

    moderator = _moderator(browser, live_server)
    moderator.goto(live_server.url + "/moderation")
    moderator.get_by_label("Persönliche Daten", exact=True).select_option("1")
    moderator.get_by_role("button", name="Anzeigen", exact=True).click()
    expect(moderator).to_have_url(re.compile(r"personal=1"))
    card = moderator.locator("article.queue-item", has_text=title)
    expect(card.locator(".triage-flag--personal")).to_contain_text("Telefonnummer")
    expect(card.locator(".triage-flag--personal")).to_contain_text("Anschrift")
    marks = card.locator("mark.pii")
    expect(marks.first).to_contain_text(PHONE)
    expect(marks.first).to_contain_text("(Telefonnummer)")
    check(moderator)

    card.get_by_role("link", name=title).click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text(title)
    idea_id = moderator.url.rsplit("/", 1)[1]
    expect(moderator.locator("mark.pii", has_text=ADDRESS)).to_contain_text("(Anschrift)")
    check(moderator)
    moderator.get_by_role("button", name="Mit [entfernt] veröffentlichen").click()
    expect(moderator.locator(".flash, [role=status]").first).to_contain_text(
        "Ohne persönliche Daten veröffentlicht"
    )
    check(moderator)

    moderator.goto(live_server.url + "/moderation/log")
    expect(moderator.locator("main")).to_contain_text("ohne persönliche Daten veröffentlicht")

    page.goto(live_server.url + f"{PROCESS}/ideas/{idea_id}")
    expect(page.locator("main")).to_contain_text("[entfernt]")
    expect(page.locator("main")).not_to_contain_text(PHONE)
    check(page)

    page.goto(follow_url)
    original = page.locator(".original")
    expect(original).to_contain_text(PHONE)
    expect(original).to_contain_text(ADDRESS)
    expect(page.locator(".followed .text").first).to_contain_text("[entfernt]")
    check(page)


def test_spam_is_held_back_when_ideas_publish_at_once(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    async def publish_at_once(session: AsyncSession) -> None:
        await session.exec(
            update(Process)
            .where(Process.slug == SLUG)  # type: ignore[arg-type]
            .values(moderation_mode=ModerationMode.AFTER_PUBLISHING)
        )
        await session.commit()

    live_server.in_db(publish_at_once)
    try:
        title = "Günstige Angebote für alle"
        _send_idea(page, live_server, title, SPAM)
        expect(page.locator(".notice--success")).to_contain_text("Die Moderation liest sie bald")
        expect(page.locator(".badge").first).to_have_text("wartet auf Prüfung")
        check(page)

        plain = "Mehr Sitzbänke am Radweg"
        _send_idea(page, live_server, plain, "Am Radweg nach Kornbach fehlen Bänke zum Ausruhen.")
        expect(page.locator(".notice--success")).to_contain_text(
            "steht jetzt auf der Seite des Verfahrens"
        )

        moderator = _moderator(browser, live_server)
        moderator.goto(live_server.url + "/moderation?spam=1")
        card = moderator.locator("article.queue-item", has_text=title)
        expect(card.locator(".triage-flag--spam")).to_contain_text("Möglicher Spam: 4 Links")
        expect(moderator.locator("article.queue-item", has_text=plain)).to_have_count(0)
        check(moderator)
        card.get_by_label(re.compile("^Grund der Ablehnung")).fill("Werbung")
        card.get_by_label("Art der Ablehnung").select_option("spam")
        card.get_by_role("button", name="Ablehnen").click()
        expect(moderator.locator(".queue-item--done")).to_be_visible()
        check(moderator)
    finally:

        async def back(session: AsyncSession) -> None:
            await session.exec(
                update(Process)
                .where(Process.slug == SLUG)  # type: ignore[arg-type]
                .values(moderation_mode=ModerationMode.BEFORE_PUBLISHING)
            )
            await session.commit()

        live_server.in_db(back)


def test_the_insult_list_page(browser: Browser, live_server: LiveServer) -> None:
    moderator = _moderator(browser, live_server)
    moderator.goto(live_server.url + "/moderation")
    moderator.get_by_role("link", name="Liste beleidigender Wörter").click()
    check(moderator)
    moderator.get_by_role("button", name="Hinzufügen").click()
    expect(moderator.locator("#word-error")).not_to_be_empty()
    check(moderator)
    moderator.get_by_label("Wort", exact=True).fill("Lump")
    moderator.get_by_role("button", name="Hinzufügen").click()
    expect(moderator.locator(".insult-words")).to_contain_text("lump")
    check(moderator)
    moderator.locator(".insult-words li", has_text="lump").get_by_role("button").click()
    expect(moderator.locator(".insult-words")).to_have_count(0)
