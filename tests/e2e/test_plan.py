"""The published plan in a real browser: an admin publishes it from the groups page, then
anyone opens the public plan, switches between its views by priority group and by action
field (links, no JavaScript needed); axe-core checks every page (`check`), and at a phone's
390px nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check, submit_login
from tests.plan_rows import PublishedPlan, published_plan

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def placed(live_server: LiveServer) -> PublishedPlan:
    """A second process beside the demo: four rated profiles placed, not yet published."""
    return live_server.in_db(lambda s: published_plan(s, publish=False))


def _fits_390(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 390px width"


def test_an_admin_publishes_the_plan_and_the_public_reads_it(
    page: Page, browser: Browser, live_server: LiveServer, placed: PublishedPlan
) -> None:
    slug = placed.process.slug
    groups = f"/admin/processes/{slug}/bewertung/gruppen"
    lines = (live_server.var_dir / "demo-login.txt").read_text().splitlines()
    page.goto(live_server.url + groups)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    submit_login(page, lines[2], lines[3])
    section = page.locator("section.plan-admin")
    expect(section.get_by_role("heading", name="Plan veröffentlichen")).to_be_visible()
    expect(section.locator(".plan-admin__profiles a")).to_have_text(["A", "B", "C", "D"])
    check(page)

    section.get_by_role("button", name="Plan veröffentlichen").click()
    expect(page.get_by_text("Der Plan ist mit 4 Steckbriefen veröffentlicht.")).to_be_visible()
    check(page)

    # Anyone, without JavaScript: the plan, its two views, its method.
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    public = context.new_page()
    public.goto(f"{live_server.url}/processes/{slug}")
    public.get_by_role("link", name="Zum Plan").click()
    expect(public.get_by_role("heading", level=1)).to_have_text(f"Der Plan: {placed.process.title}")
    expect(public.locator(".plan-group h2")).to_have_text(
        ["Premium+ (1)", "Premium (1)", "Weitere Projektideen (2)"]
    )
    expect(public.locator(".plan-profile").first).to_contain_text("4,0 von 4")
    expect(public.get_by_role("heading", name="So wurde bewertet")).to_be_visible()
    check(public)
    _fits_390(public)

    public.get_by_role("link", name="Nach Handlungsfeldern").click()
    expect(public).to_have_url(re.compile(r"ansicht=handlungsfelder$"))
    expect(public.locator(".plan-field h2").first).to_have_text("Radwege (2)")
    expect(public.locator(".plan-field").first).to_contain_text("Landkreis Auetal")
    check(public)
    _fits_390(public)

    public.get_by_role("link", name="Nach Prioritätsgruppen").click()
    expect(public.locator(".plan-group h2").first).to_have_text("Premium+ (1)")
    context.close()
