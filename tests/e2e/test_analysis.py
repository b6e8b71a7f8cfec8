"""The analysis page in a real browser: a moderator starts clustering, htmx follows the job,
and the clusters with their map appear. axe-core checks every page on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, submit_login

pytestmark = pytest.mark.e2e

ANALYSIS = "/analysis/digitalstrategie-auetal"
# Clustering the demo takes about a second; the first run also builds the German pipeline.
JOB_TIMEOUT = 60_000


def sign_in(page: Page, live_server: LiveServer, target: str) -> None:
    page.goto(live_server.url + target)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    submit_login(page, *live_server.demo_login)


def test_a_moderator_computes_and_reads_the_clusters(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "/analysis")
    expect(page.get_by_role("heading", name="Analyse", exact=True)).to_be_visible()
    check(page)

    page.get_by_role("link", name="Digitalstrategie Landkreis Auetal 2030").click()
    expect(page).to_have_url(re.compile(ANALYSIS + "$"))
    expect(page.locator("#job-status")).to_contain_text("noch nie gelaufen")
    expect(page.get_by_text("Noch keine Cluster")).to_be_visible()
    check(page)

    page.get_by_role("button", name="Cluster neu berechnen").click()
    expect(page.get_by_text("Gestartet.")).to_be_visible()
    # htmx polls the status line and reloads the page once the job is done.
    expect(page.get_by_role("heading", name=re.compile(r"^Cluster 1:"))).to_be_visible(
        timeout=JOB_TIMEOUT
    )
    expect(page.locator("#job-status")).to_contain_text("fertig am")
    # The map is a group of links, one per idea, each named by the idea's title.
    points = page.get_by_role("group", name="Karte der Ideen").get_by_role("link")
    assert points.count() > 10
    check(page)

    # Keyboard users can skip the map's links.
    skip = page.get_by_role("link", name="Karte überspringen")
    skip.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#groups-list")).to_be_focused()

    # A point leads to its idea on its group's page (the last point is drawn on top).
    point = points.last
    name = point.get_attribute("aria-label")
    assert name
    point.focus()
    expect(point).to_be_focused()
    point.click()
    expect(page).to_have_url(re.compile(ANALYSIS + r"/groups/\d+\?show=(\d+)#member-\1$"))
    member_id = page.url.rsplit("#member-", 1)[1]
    expect(page.locator(f"#member-{member_id}")).to_be_in_viewport()
    # Its title, or for a survey answer its first words.
    member = page.locator(f"article[aria-labelledby='member-{member_id}']")
    expect(member).to_contain_text(name.removesuffix("…"))
    check(page)
    page.go_back()

    typical = page.locator(".cluster-card .typical a").first
    title = typical.inner_text()
    typical.click()
    expect(page).to_have_url(re.compile(ANALYSIS + r"/groups/1#idea-\d+$"))
    expect(page.get_by_role("heading", name=title).first).to_be_visible()
    check(page)


def test_the_analysis_page_works_without_javascript(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    sign_in(page, live_server, ANALYSIS)
    page.get_by_role("button", name="Cluster neu berechnen").click()
    expect(page.get_by_text("Gestartet.")).to_be_visible()
    check(page)
    # Without htmx nobody polls: reloading shows the result once it is there.
    clustering = page.locator(".job-status__item").first
    for _ in range(JOB_TIMEOUT // 500):
        if "fertig am" in clustering.inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(clustering).to_contain_text("fertig am")
    expect(page.get_by_role("heading", name=re.compile(r"^Cluster 1:"))).to_be_visible()
    check(page)
    context.close()
