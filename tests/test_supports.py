"""Supports without accounts: one per browser via a signed cookie, the count in place with
htmx, only published ideas, and the write rate limit."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from litestar.testing import TestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.app import create_app
from participation.models import ContributionStatus, Process, Support
from participation.services import supports
from participation.settings import Settings
from tests.helpers import (
    HTMX,
    SLUG,
    Client,
    add_idea,
    add_process,
    count,
    german,
    html,
    in_db,
    one,
    post_form,
    stored_idea,
    text_of,
)

SECRET = "s" * 40


async def all_supports(session: AsyncSession) -> list[Support]:
    return list(await session.exec(select(Support)))


# --- the browser id --------------------------------------------------------------------------


def test_signed_browser_id_round_trips() -> None:
    browser_id = supports.new_browser_id()
    cookie = supports.sign_browser_id(SECRET, browser_id)
    assert supports.read_browser_id(SECRET, cookie) == browser_id


def test_forged_or_broken_cookies_are_ignored() -> None:
    cookie = supports.sign_browser_id(SECRET, "abc")
    assert supports.read_browser_id("t" * 40, cookie) is None  # another secret
    assert supports.read_browser_id(SECRET, "xyz." + cookie.split(".")[1]) is None
    for broken in ("", "abc", ".", "abc.", "x" * 300):
        assert supports.read_browser_id(SECRET, broken) is None


def test_only_the_sha256_of_the_id_is_kept() -> None:
    assert supports.browser_hash("abc") == hashlib.sha256(b"abc").hexdigest()


# --- the service -----------------------------------------------------------------------------


async def test_one_support_per_browser(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process)
    assert idea.id is not None
    assert await supports.add_support(session, idea.id, "a" * 64)
    assert not await supports.add_support(session, idea.id, "a" * 64)
    assert await supports.add_support(session, idea.id, "b" * 64)
    assert await supports.support_count(session, idea.id) == 2
    assert await supports.has_supported(session, idea.id, "a" * 64)
    assert not await supports.has_supported(session, idea.id, None)


# --- the routes ------------------------------------------------------------------------------


def test_idea_page_explains_the_count(client: Client, settings: Settings, process: Process) -> None:
    idea = stored_idea(settings, process)
    page = html(client.get(f"/processes/{SLUG}/ideas/{idea.id}").text)
    widget = one(page, "#support")
    assert german("Support") in text_of(one(widget, "button"))
    assert "0" in text_of(one(widget, ".support__count"))
    assert german(
        "The number of browsers that support this idea, one per browser; it is not a vote. "
        "We remember your support with a cookie that holds only a random number."
    ) in text_of(widget)


def test_support_with_htmx_swaps_the_widget_and_counts_once(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    url = f"/processes/{SLUG}/ideas/{idea.id}/support"
    response = post_form(client, url, headers=HTMX)
    assert response.status_code == 200
    widget = one(html(response.text), "#support")
    assert "1" in text_of(one(widget, ".support__count"))
    assert german("You support this idea") in text_of(widget)
    assert widget.select("button") == []
    cookie = client.cookies[supports.BROWSER_COOKIE]
    assert supports.read_browser_id(settings.secret_key, cookie) is not None

    # The same browser again: not counted.
    again = post_form(client, url, headers=HTMX)
    assert "1" in text_of(one(html(again.text), ".support__count"))
    stored = in_db(settings, all_supports)
    assert len(stored) == 1
    browser_id = supports.read_browser_id(settings.secret_key, cookie)
    assert browser_id is not None
    assert stored[0].supporter_hash == hashlib.sha256(browser_id.encode()).hexdigest()
    assert browser_id not in stored[0].supporter_hash

    # The page says so too.
    page = html(client.get(f"/processes/{SLUG}/ideas/{idea.id}").text)
    assert german("You support this idea") in text_of(one(page, "#support"))


def test_support_without_javascript_redirects_back(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    response = post_form(client, f"/processes/{SLUG}/ideas/{idea.id}/support")
    assert response.status_code == 303
    assert response.headers["location"] == f"/processes/{SLUG}/ideas/{idea.id}#support"
    assert in_db(settings, lambda s: count(s, Support)) == 1


def test_another_browser_counts_again(client: Client, settings: Settings, process: Process) -> None:
    idea = stored_idea(settings, process)
    url = f"/processes/{SLUG}/ideas/{idea.id}/support"
    post_form(client, url, headers=HTMX)
    client.cookies.delete(supports.BROWSER_COOKIE)
    response = post_form(client, url, headers=HTMX)
    assert "2" in text_of(one(html(response.text), ".support__count"))


def test_a_forged_cookie_gets_a_new_id(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    client.cookies.set(supports.BROWSER_COOKIE, "chosen.0000", domain="testserver.local")
    response = post_form(client, f"/processes/{SLUG}/ideas/{idea.id}/support", headers=HTMX)
    assert response.status_code == 200
    new_cookie = response.cookies[supports.BROWSER_COOKIE]
    assert supports.read_browser_id(settings.secret_key, new_cookie) is not None
    assert in_db(settings, lambda s: count(s, Support)) == 1


def test_only_published_ideas_can_be_supported(
    client: Client, settings: Settings, process: Process
) -> None:
    for status in (ContributionStatus.PENDING, ContributionStatus.HIDDEN):
        idea = stored_idea(settings, process, status=status)
        response = post_form(client, f"/processes/{SLUG}/ideas/{idea.id}/support")
        assert response.status_code == 404
    assert in_db(settings, lambda s: count(s, Support)) == 0


def test_supports_fall_under_the_write_rate_limit(settings: Settings, process: Process) -> None:
    idea = stored_idea(settings, process)
    limited = create_app(replace(settings, write_rate_limit_per_minute=3))
    with TestClient(limited, base_url="http://testserver.local") as client:
        url = f"/processes/{SLUG}/ideas/{idea.id}/support"
        codes = [post_form(client, url, headers=HTMX).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[-1] == 429
