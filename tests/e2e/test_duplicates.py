"""Duplicates in a real browser: a resident repeats a published demo idea; a moderator lets
the job look for duplicates, finds the pair on /moderation/duplicates and merges it (htmx
replaces the pair), the kept idea's page shows the merged text, and the author's follow page
says with which idea it was merged. axe-core checks each page."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, submit_login, wait_for_htmx

pytestmark = pytest.mark.e2e

SLUG = "digitalstrategie-auetal"
KEPT = "Freies WLAN am Marktplatz Auenbrück"
TITLE = "Öffentliches WLAN am Marktplatz Auenbrück"
BODY = (
    "Am Marktplatz und am Busbahnhof in Auenbrück gibt es kein öffentliches WLAN. Für alle, "
    "die auf den Bus warten, wäre freies WLAN eine große Hilfe."
)


def test_a_moderator_merges_a_repeated_idea(browser: Browser, live_server: LiveServer) -> None:
    response = httpx.post(
        f"{live_server.url}/api/v1/processes/{SLUG}/ideas",
        json={"title": TITLE, "body": BODY, "segment": "resident", "consent": True},
    )
    assert response.status_code == 201, response.text
    follow_url = response.json()["follow_url"]

    context = browser.new_context(locale="de-DE")
    page: Page = context.new_page()
    page.goto(live_server.url + "/login")
    submit_login(page, *live_server.demo_login)
    expect(page).to_have_url(re.compile(r"/moderation"))
    page.goto(f"{live_server.url}/moderation/duplicates?process={SLUG}")
    page.get_by_role("button", name="Erneut nach Duplikaten suchen").click()
    expect(
        page.get_by_text(re.compile(r"^(Die Suche nach Duplikaten läuft|Das läuft bereits)"))
    ).to_be_visible()
    pair = page.locator("article.pair").filter(has_text=TITLE).filter(has_text=KEPT)
    for _ in range(60):  # the job runs in the background: reload until the pair is there
        if pair.count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(pair).to_be_visible()
    check(page)
    expect(pair.locator(".pair__words mark").first).to_be_visible()  # the words both use

    kept = pair.locator(".pair__side", has_text=KEPT).locator("h3 a")
    kept_id = kept.inner_text().split()[0].lstrip("#")
    pair.get_by_role("button", name=re.compile(rf"^Zusammenführen: #{kept_id} behalten")).click()
    wait_for_htmx(page)
    expect(page.locator(".pair--done", has_text="Zusammengeführt")).to_be_visible()
    check(page)

    page.goto(f"{live_server.url}/processes/{SLUG}/ideas/{kept_id}")
    merged = page.locator("section.merged")
    expect(merged).to_contain_text("Zusammengeführt aus")
    expect(merged).to_contain_text("Für alle, die auf den Bus warten")
    check(page)

    author = browser.new_context(locale="de-DE").new_page()
    author.goto(follow_url)
    expect(author.get_by_text("Zusammengeführt mit:")).to_be_visible()
    expect(author.get_by_role("link", name=KEPT)).to_have_attribute(
        "href", f"/processes/{SLUG}/ideas/{kept_id}"
    )
    check(author)
