"""The page frame in a real browser: the staff header on one line at 1280px and compact on a
phone (a menu that opens without JavaScript), and German text hyphenated in the page's
language. axe-core checks each state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.e2e.conftest import LiveServer, assert_accessible, check, submit_login

pytestmark = pytest.mark.e2e

PROCESS = "/processes/digitalstrategie-auetal"
PHONE: ViewportSize = {"width": 360, "height": 800}
WIDE: ViewportSize = {"width": 1280, "height": 900}
# Where the header's visible links and buttons start, row by row.
HEADER_ROWS = """() => {
  const header = document.querySelector(".site-header");
  const shown = [...header.querySelectorAll("a, button, summary, span[aria-current]")]
    .filter((e) => e.checkVisibility());
  return [...new Set(shown.map((e) => Math.round(e.getBoundingClientRect().top)))];
}"""


@pytest.fixture(scope="module")
def admin(live_server: LiveServer) -> tuple[str, str]:
    """The demo's admin, as the operator finds it: lines 3 and 4 of var/demo-login.txt."""
    lines = (live_server.var_dir / "demo-login.txt").read_text().splitlines()
    return lines[2], lines[3]


def sign_in(page: Page, server: LiveServer, login: tuple[str, str]) -> None:
    page.goto(server.url + "/login")
    submit_login(page, *login)
    page.goto(server.url + PROCESS)


def header_height(page: Page) -> float:
    box = page.locator(".site-header").bounding_box()
    assert box is not None
    return box["height"]


def test_staff_header_fits_one_line_and_folds_on_a_phone(
    page: Page, live_server: LiveServer, admin: tuple[str, str]
) -> None:
    sign_in(page, live_server, admin)
    administration = page.get_by_role("link", name="Verwaltung", exact=True)

    # 1280px, signed in as admin: name, every link, sign-out and languages in one row.
    expect(administration).to_be_visible()
    expect(page.get_by_role("link", name="English")).to_be_visible()
    expect(page.get_by_text("Menü")).to_be_hidden()
    assert len(page.evaluate(HEADER_ROWS)) == 1, page.evaluate(HEADER_ROWS)
    assert header_height(page) < 90
    check(page)

    # A phone: the site's name and a closed menu, one line.
    page.set_viewport_size(PHONE)
    expect(administration).to_be_hidden()
    assert len(page.evaluate(HEADER_ROWS)) == 1
    assert header_height(page) < 90
    page.get_by_text("Menü").click()
    expect(administration).to_be_visible()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page.get_by_role("link", name="English")).to_be_visible()
    assert_accessible(page)
    administration.click()
    expect(page).to_have_url(re.compile(r"/admin/processes$"))
    assert header_height(page) < 90  # a new page: the menu is closed again
    page.set_viewport_size(WIDE)


def test_staff_menu_works_without_javascript(
    browser: Browser, live_server: LiveServer, admin: tuple[str, str]
) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_server, admin)
        moderation = page.get_by_role("link", name="Moderation", exact=True)
        expect(moderation).to_be_hidden()
        page.get_by_text("Menü").click()
        moderation.click()
        expect(page).to_have_url(re.compile(r"/moderation$"))
    finally:
        context.close()


def test_text_is_hyphenated_in_the_pages_language(page: Page, live_server: LiveServer) -> None:
    """Long German words break with a hyphen where the browser has the language's rules
    (Debian's Chromium ships none, so this checks that the rule applies to all text and that
    the page says its language); overflow-wrap keeps them from scrolling sideways anyway."""
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + PROCESS)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    styles = page.evaluate(
        """() => Object.fromEntries(
            [...document.querySelectorAll(
                "h1, h2, h3, p, li, dt, dd, label, legend, a, button, th, td, summary")]
            .map((e) => [e.tagName, getComputedStyle(e).hyphens]))"""
    )
    assert set(styles.values()) == {"auto"}, styles
    assert page.evaluate("getComputedStyle(document.querySelector('#title')).hyphens") == "manual"
    check(page)

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.evaluate("getComputedStyle(document.querySelector('main p')).hyphens") == "auto"
    page.set_viewport_size(WIDE)
