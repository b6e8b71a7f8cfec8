"""Public pages kept for a moment (participation/page_cache.py): served from memory to the
next anonymous visitor, each with a CSRF token of their own that the forms accept; never to
signed-in staff or a browser that supported ideas; cleared by a write in the process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from litestar.testing import TestClient

from participation.app import create_app
from participation.models import ContributionStatus, Process, User
from participation.page_cache import KeptPage, PageCache
from participation.services import supports
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_idea,
    german,
    html,
    idea_titles,
    in_db,
    login,
    post_form,
    valid_idea,
)
from tests.moderation_helpers import decide
from tests.sql_statements import recorded

IDEAS = f"/processes/{SLUG}/ideen"
PROCESS = f"/processes/{SLUG}"


@pytest.fixture
def kept_settings(settings: Settings) -> Settings:
    """Pages kept for a minute: long enough that only the rules under test decide."""
    return replace(settings, page_cache_seconds=60)


@pytest.fixture
def kept_client(kept_settings: Settings, process: Process) -> Iterator[Client]:
    with TestClient(create_app(kept_settings), base_url="http://testserver.local") as client:
        # The retention purge runs once at start, on the app's loop: its statements must not
        # fall into a test's count of a request's statements.
        retention = client.app.state.retention
        deadline = time.monotonic() + 60
        while retention.runs < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert retention.runs >= 1
        yield client


def form_token(page_text: str) -> str:
    field = html(page_text).select_one('form[method="post"] input[name="_csrf_token"]')
    assert field is not None, "the page has a form with a CSRF field"
    return str(field["value"])


def test_the_next_visitor_gets_the_page_without_a_query(kept_client: Client) -> None:
    first = kept_client.get(IDEAS)
    assert first.status_code == 200
    kept_client.cookies.clear()  # another visitor
    with recorded() as statements:
        second = kept_client.get(IDEAS)
    assert second.status_code == 200
    assert statements.runs == []
    # The same page but for each visitor's CSRF token (a new one in each cookie).
    first_token, second_token = first.cookies["csrftoken"], second.cookies["csrftoken"]
    assert first_token != second_token
    assert second.text.replace(second_token, "") == first.text.replace(first_token, "")
    assert second.headers["content-language"] == "de"
    assert second.headers["x-frame-options"] == "DENY"  # the security headers as on every page


def test_each_visitor_gets_a_csrf_token_of_their_own_that_the_form_accepts(
    kept_client: Client, kept_settings: Settings
) -> None:
    first = kept_client.get(PROCESS)
    first_token = form_token(first.text)
    assert first.cookies["csrftoken"] == first_token
    kept_client.cookies.clear()

    second = kept_client.get(PROCESS)  # served from memory
    second_token = form_token(second.text)
    assert second_token != first_token
    assert second.cookies["csrftoken"] == second_token
    assert int(second.headers["content-length"]) == len(second.content)
    # The kept page's form, with this visitor's token, is accepted.
    sent = kept_client.post(
        f"/processes/{SLUG}/ideas",
        data={**valid_idea(), "_csrf_token": second_token},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    # A visitor who has a token keeps it, and gets no new cookie.
    again = kept_client.get(PROCESS)
    assert form_token(again.text) == second_token
    assert "csrftoken" not in again.cookies


def test_signed_in_staff_never_get_a_kept_page(
    kept_client: Client, kept_settings: Settings, process: Process, moderator: User
) -> None:
    in_db(kept_settings, lambda s: add_idea(s, process, status=ContributionStatus.PUBLISHED))
    kept_client.get(IDEAS)  # kept for visitors
    assert login(kept_client, moderator.email).status_code == 303
    with recorded() as statements:
        page = kept_client.get(IDEAS)
    assert statements.runs, "the staff page is built for the moderator"
    assert page.headers["cache-control"] == "no-store"


def test_a_browser_that_supported_ideas_gets_its_own_page(
    kept_client: Client, kept_settings: Settings, process: Process
) -> None:
    kept_client.get(IDEAS)
    kept_client.cookies.clear()
    kept_client.cookies[supports.BROWSER_COOKIE] = "b" * 64
    with recorded() as statements:
        kept_client.get(IDEAS)
    assert statements.runs


def test_a_decision_in_the_process_shows_to_visitors_at_once(
    kept_client: Client, kept_settings: Settings, process: Process, moderator: User
) -> None:
    pending = in_db(
        kept_settings,
        lambda s: add_idea(
            s, process, title="Radweg nach Kornbach", status=ContributionStatus.PENDING
        ),
    )
    assert idea_titles(html(kept_client.get(PROCESS).text)) == []  # kept for visitors
    assert login(kept_client, moderator.email).status_code == 303
    assert decide(kept_client, kept_settings, pending.id, "approve").status_code in {200, 303}
    kept_client.cookies.clear()  # a visitor again
    assert idea_titles(html(kept_client.get(PROCESS).text)) == ["Radweg nach Kornbach"]


def test_the_htmx_part_and_the_whole_page_are_kept_apart(kept_client: Client) -> None:
    whole = kept_client.get(IDEAS)
    part = kept_client.get(IDEAS, headers={"HX-Request": "true", "HX-Target": "idea-results"})
    again = kept_client.get(IDEAS)
    assert "<html" in whole.text
    assert "<html" in again.text
    assert "<html" not in part.text


def test_error_answers_are_not_kept(kept_client: Client) -> None:
    assert kept_client.get("/processes/unbekannt/ideen").status_code == 404
    with recorded() as statements:
        assert kept_client.get("/processes/unbekannt/ideen").status_code == 404
    assert statements.runs


def test_kept_pages_expire_and_stay_within_their_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr("participation.page_cache.time.monotonic", lambda: now[0])
    cache = PageCache(ttl=1.0, max_bytes=25)

    def page(size: int) -> KeptPage:
        return KeptPage(200, [], b"x" * size, now[0] + cache.ttl)

    key = ("/", b"", "de", ())
    assert cache.get(key) is None  # this request builds it
    cache.put(key, page(10))
    cache.built(key)
    assert cache.get(key) is not None
    now[0] += 1.5
    assert cache.get(key) is None  # past its second: this request builds it anew,
    assert cache.get(key) is not None  # the others get it as it was meanwhile
    cache.built(key)
    assert cache.get(key) is None  # not built after all: the next one tries
    cache.put(key, page(10))
    other = ("/a", b"", "de", ())
    cache.put(other, page(10))
    cache.get(key)  # used: the other one is the least recent now
    cache.put(("/b", b"", "de", ()), page(10))
    assert cache.get(other) is None
    assert cache.get(key) is not None


def test_writes_clear_only_when_they_succeed(kept_client: Client) -> None:
    kept_client.get(IDEAS)
    cache = kept_client.app.state.page_cache
    refused = kept_client.post(f"/processes/{SLUG}/ideas", data=valid_idea())  # no CSRF token
    assert refused.status_code == 403
    with recorded() as statements:
        kept_client.get(IDEAS)
    assert statements.runs == []
    assert post_form(kept_client, f"/processes/{SLUG}/ideas", valid_idea()).status_code == 303
    with recorded() as statements:
        kept_client.get(IDEAS)
    assert statements.runs
    assert cache.hits >= 1


def test_the_idea_page_is_kept_until_this_browser_supports_the_idea(
    kept_client: Client, kept_settings: Settings, process: Process
) -> None:
    idea = in_db(kept_settings, lambda s: add_idea(s, process, status=ContributionStatus.PUBLISHED))
    page = f"/processes/{SLUG}/ideas/{idea.id}"
    first = kept_client.get(page)
    assert "0 Unterstützungen" in first.text
    kept_client.cookies.clear()
    with recorded() as statements:
        kept_client.get(page)
    assert statements.runs == []

    supported = post_form(kept_client, f"{page}/support")
    assert supported.status_code == 303
    after = kept_client.get(page)
    assert german("You support this idea") in after.text
    # Everyone else sees the new count at once: the support cleared the kept pages.
    kept_client.cookies.clear()
    assert german("You support this idea") not in kept_client.get(page).text
    assert "1 Unterstützung<" in kept_client.get(page).text
