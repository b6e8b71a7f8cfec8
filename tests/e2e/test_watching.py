"""The browser tests' own checks catch what they are there for: a console error (a blocked
inline style, an uncaught exception) in any browser context a test opens, and an axe
violation on a page shown without JavaScript (synthetic pages, answered by a route); and an
htmx swap in the app logs none."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from participation.middleware import CONTENT_SECURITY_POLICY
from tests.e2e.conftest import LiveServer, check, console_errors, fill_idea_text

pytestmark = pytest.mark.e2e

ADDRESS = "http://watching.test/seite"
PROCESS = "/processes/digitalstrategie-auetal"
# A 1x1 transparent GIF: the content-security policy allows data: images.
PIXEL = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="


def serve(context: BrowserContext, body: str, head: str = "") -> None:
    page = (
        '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Probe</title>'
        '<link rel="icon" href="data:,">'
        f"{head}</head><body><main><h1>Probe</h1>{body}</main></body></html>"
    )

    def answer(route: Route) -> None:
        route.fulfill(
            content_type="text/html; charset=utf-8",
            headers={"content-security-policy": CONTENT_SECURITY_POLICY},
            body=page,
        )

    context.route(ADDRESS, answer)


def test_errors_in_a_second_context_are_caught(browser: Browser) -> None:
    """Like a pupil's browser beside the facilitator's: an inline style the content-security
    policy blocks, and an uncaught exception in a script."""
    pupil = browser.new_context()
    serve(pupil, "<p>Text</p>", head="<style>p { color: red }</style>")
    page = pupil.new_page()
    page.goto(ADDRESS)
    with pupil.expect_event("weberror"):
        page.evaluate("setTimeout(() => { throw new Error('kaputt') })")

    errors = console_errors(pupil)
    assert any("Content Security Policy" in e and "style" in e for e in errors), errors
    assert any("kaputt" in e for e in errors), errors
    errors.clear()  # seen: this test itself passes


def test_pages_without_javascript_get_axe_too(browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    serve(context, f'<p>Text</p><img src="{PIXEL}">')  # an image without a text alternative
    page = context.new_page()
    page.goto(ADDRESS)
    assert page.evaluate("matchMedia('(scripting: none)').matches")

    with pytest.raises(AssertionError, match="image-alt"):
        check(page)


def test_an_htmx_swap_needs_nothing_inline(page: Page, live_server: LiveServer) -> None:
    """htmx would inject its indicator styles inline, which the content-security policy
    blocks with a console error; the page tells it not to (base.html) and app.css has the
    rules. The similar-ideas panel is an htmx swap: after it no <style> element exists, and
    the watch of this test's console (the autouse fixture) finds no error."""
    page.goto(live_server.url + PROCESS)
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    fill_idea_text(page, "Glasfaser für Kornbach", "Wir brauchen schnelles Internet im Dorf.")
    expect(page.locator("#similar-ideas li").first).to_be_visible()
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    indicator = page.evaluate(
        "(() => { const e = document.createElement('span'); e.className = 'htmx-indicator';"
        " document.body.append(e); return getComputedStyle(e).opacity })()"
    )
    assert indicator == "0"  # the rule comes from app.css
