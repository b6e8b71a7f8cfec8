"""Supports without accounts: one per browser via a signed cookie, withdrawn by the same
browser, the kept count right under concurrency, the count in place with htmx, only
published ideas, and the write rate limit."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace

from litestar.testing import TestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.app import create_app
from participation.db import create_engine, create_sessionmaker
from participation.models import Contribution, ContributionStatus, Process, Support
from participation.services import supports
from participation.settings import Settings
from tests.helpers import (
    HTMX,
    SLUG,
    Client,
    add_idea,
    add_process,
    attr,
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


async def test_withdrawing_a_support(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process)
    assert idea.id is not None
    for browser in ("a", "b"):
        assert await supports.add_support(session, idea.id, browser * 64)
    assert await supports.withdraw_support(session, idea.id, "a" * 64)
    assert not await supports.withdraw_support(session, idea.id, "a" * 64)  # gone already
    assert not await supports.withdraw_support(session, idea.id, "c" * 64)  # never there
    assert not await supports.has_supported(session, idea.id, "a" * 64)
    assert await supports.support_count(session, idea.id) == 1
    # Supporting again after withdrawing counts again.
    assert await supports.add_support(session, idea.id, "a" * 64)
    assert await supports.support_count(session, idea.id) == 2


async def _kept_and_counted(session: AsyncSession, idea_id: int) -> tuple[int, int]:
    kept = (
        await session.exec(select(Contribution.support_count).where(Contribution.id == idea_id))
    ).one()
    return kept, await count(session, Support)


def test_the_kept_count_stays_right_under_concurrency(settings: Settings, process: Process) -> None:
    """Many browsers at once, some clicking twice and some withdrawing at the same moment,
    each in a session of its own: the kept count ends equal to the Support rows."""
    idea = stored_idea(settings, process)
    assert idea.id is not None
    idea_id = idea.id

    async def run() -> tuple[int, int]:
        engine = create_engine(settings)
        sessions = create_sessionmaker(engine)

        async def click(browser: str, withdraw: bool = False) -> None:
            async with sessions() as db:
                if withdraw:
                    await supports.withdraw_support(db, idea_id, browser)
                else:
                    await supports.add_support(db, idea_id, browser)

        try:
            browsers = [f"{i:064d}" for i in range(12)]
            await asyncio.gather(*(click(b) for b in browsers), *(click(b) for b in browsers[:6]))
            # The first four withdraw twice at once, the next two support once more meanwhile.
            await asyncio.gather(
                *(click(b, withdraw=True) for b in browsers[:4] * 2),
                *(click(b) for b in browsers[4:6]),
            )
            async with sessions() as db:
                return await _kept_and_counted(db, idea_id)
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == (8, 8)


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
    assert [text_of(b) for b in widget.select("button")] == [german("Withdraw support")]
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


def test_the_same_browser_withdraws_with_htmx(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    url = f"/processes/{SLUG}/ideas/{idea.id}/support"
    post_form(client, url, headers=HTMX)
    response = post_form(client, url + "/withdraw", headers=HTMX)
    assert response.status_code == 200
    widget = one(html(response.text), "#support")
    assert "0" in text_of(one(widget, ".support__count"))
    assert german("You no longer support this idea.") in text_of(widget)
    assert [text_of(b) for b in widget.select("button")] == [german("Support")]
    assert in_db(settings, lambda s: count(s, Support)) == 0

    # Another browser cannot withdraw this browser's support.
    post_form(client, url, headers=HTMX)
    client.cookies.delete(supports.BROWSER_COOKIE)
    other = post_form(client, url + "/withdraw", headers=HTMX)
    assert "1" in text_of(one(html(other.text), ".support__count"))
    assert in_db(settings, lambda s: count(s, Support)) == 1


def test_withdraw_without_javascript_redirects_back(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    url = f"/processes/{SLUG}/ideas/{idea.id}/support"
    post_form(client, url)
    page = html(client.get(f"/processes/{SLUG}/ideas/{idea.id}").text)
    form = one(page, "#support form")
    assert attr(form, "action") == url + "/withdraw"
    response = post_form(client, url + "/withdraw")
    assert response.status_code == 303
    assert response.headers["location"] == f"/processes/{SLUG}/ideas/{idea.id}#support"
    assert in_db(settings, lambda s: count(s, Support)) == 0
    page = html(client.get(f"/processes/{SLUG}/ideas/{idea.id}").text)
    assert attr(one(page, "#support form"), "action") == url


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
        response = post_form(client, f"/processes/{SLUG}/ideas/{idea.id}/support/withdraw")
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
