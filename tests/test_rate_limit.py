"""The write limit: field checks and survey pages apart from the writes, budgets that let a
class or an office work from one address, anchored exclusions, refused requests not counted,
and the JSON submission endpoint refusing anything but JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from participation.app import create_app
from participation.models import Contribution, Process, Support
from participation.settings import Settings
from tests.helpers import (
    HTMX,
    SLUG,
    Client,
    add_process,
    count,
    in_db,
    post_form,
    stored_idea,
    valid_idea,
)
from tests.survey_builders import answer, page_one, start, stored_survey


def _client(settings: Settings) -> Iterator[Client]:
    app: Litestar = create_app(settings)
    with TestClient(app, base_url="http://testserver.local") as client:
        yield client


@pytest.fixture
def limited(settings: Settings) -> Iterator[Client]:
    """Three writes per address and minute."""
    yield from _client(replace(settings, write_rate_limit_per_minute=3))


def submit(client: Client, slug: str = SLUG, **overrides: str) -> int:
    return post_form(client, f"/processes/{slug}/ideas", valid_idea(**overrides)).status_code


def check_field(client: Client, field: str = "title", value: str = "Radweg") -> int:
    url = f"/processes/{SLUG}/ideas/check/{field}"
    return post_form(client, url, {field: value}, headers=HTMX).status_code


# --- what counts -------------------------------------------------------------------------------


def test_field_checks_do_not_use_up_the_write_budget(
    limited: Client, settings: Settings, process: Process
) -> None:
    # One person filling in the form: a check per field they leave, some twice, and the
    # similar ideas looked up as they type.
    for field in ["title", "body", "segment", "municipality", "consent"] * 3:
        assert check_field(limited, field) == 200
        similar = limited.get(f"/processes/{SLUG}/ideas/similar", params={"title": "Radweg"})
        assert similar.status_code == 200
    assert [submit(limited) for _ in range(3)] == [303, 303, 303]
    assert submit(limited) == 429
    assert in_db(settings, lambda s: count(s, Contribution)) == 3


def test_field_checks_have_a_budget_of_their_own(settings: Settings, process: Process) -> None:
    limits = replace(settings, write_rate_limit_per_minute=2, check_rate_limit_per_minute=4)
    for client in _client(limits):
        assert [check_field(client) for _ in range(5)] == [200, 200, 200, 200, 429]
        # A script hammering the checks still may send its idea.
        assert submit(client) == 303


def test_survey_pages_count_per_response_not_per_address(
    settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    limits = replace(settings, write_rate_limit_per_minute=2, survey_rate_limit_per_minute=5)
    for client in _client(limits):
        # A class answers from one address: each start is one write, its pages are the
        # response's own.
        first, second = start(client, process, built), start(client, process, built)
        statuses = [answer(client, first, page_one(built), "back").status_code for _ in range(5)]
        assert statuses == [303] * 5
        assert answer(client, first, page_one(built)).status_code == 429
        assert answer(client, second, page_one(built)).status_code == 303
        # The address's two writes are used up by the two starts.
        assert submit(client) == 429


def test_a_class_behind_one_address_gets_through_with_the_defaults(
    settings: Settings, process: Process
) -> None:
    """30 pupils send an idea each (after the field checks of filling it in) and support
    two ideas each within a minute; a script that keeps going is stopped."""
    idea = stored_idea(settings, process)
    defaults = replace(
        settings,
        write_rate_limit_per_minute=Settings.write_rate_limit_per_minute,
        write_rate_limit_per_hour=Settings.write_rate_limit_per_hour,
    )
    for client in _client(defaults):
        support = f"/processes/{SLUG}/ideas/{idea.id}/support"
        for pupil in range(30):
            for field in ("title", "body", "segment", "municipality", "consent"):
                assert check_field(client, field) == 200
            assert submit(client, title=f"Idee Nummer {pupil}") == 303
            client.cookies.delete("browser_id")  # another pupil's browser
            assert post_form(client, support, headers=HTMX).status_code == 200
            assert post_form(client, support, headers=HTMX).status_code == 200
        statuses = [submit(client) for _ in range(100)]
    assert 429 in statuses
    stored = in_db(settings, lambda s: count(s, Contribution))
    assert 30 + 1 < stored < 30 + 1 + 100
    assert in_db(settings, lambda s: count(s, Support)) == 30


def test_an_hour_budget_stops_a_steady_script(settings: Settings, process: Process) -> None:
    limits = replace(settings, write_rate_limit_per_minute=100, write_rate_limit_per_hour=4)
    for client in _client(limits):
        assert [submit(client) for _ in range(5)] == [303, 303, 303, 303, 429]
        response = post_form(client, f"/processes/{SLUG}/ideas", valid_idea())
        assert int(response.headers["retry-after"]) > 60
        assert response.headers["ratelimit-limit"] == "4"  # the hour's, which is full


# --- exclusions are anchored -------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["mitmachen-2026", "static-daten", "healthz-check"])
def test_a_slug_that_begins_like_an_excluded_path_is_limited(
    limited: Client, settings: Settings, slug: str
) -> None:
    in_db(settings, lambda s: add_process(s, slug=slug))
    assert [submit(limited, slug) for _ in range(4)] == [303, 303, 303, 429]
    api = [
        limited.post(f"/api/v1/processes/{slug}/ideas", json=_api_idea()).status_code
        for _ in range(2)
    ]
    assert api == [429, 429]
    assert in_db(settings, lambda s: count(s, Contribution)) == 3


def test_excluded_paths_stay_free(limited: Client, process: Process) -> None:
    for _ in range(5):
        assert limited.get("/healthz").status_code == 200
        assert limited.get("/static/css/app.css").status_code == 200
        assert post_form(limited, "/mitmachen/", {"code": "ZZZZZZ"}).status_code == 422
    assert submit(limited) == 303


# --- refused requests are not counted ----------------------------------------------------------


def test_forms_the_csrf_check_refuses_do_not_count(
    limited: Client, settings: Settings, process: Process
) -> None:
    """A page on another site makes a visitor's browser send our forms without the token."""
    limited.get("/")  # the visitor has our CSRF cookie
    for _ in range(10):
        forged = limited.post(f"/processes/{SLUG}/ideas", data=valid_idea(), follow_redirects=False)
        assert forged.status_code == 403
    assert [submit(limited) for _ in range(3)] == [303, 303, 303]
    assert submit(limited) == 429


def test_refusals_for_unknown_targets_do_not_count(limited: Client, process: Process) -> None:
    for _ in range(5):
        assert post_form(limited, f"/processes/{SLUG}/ideas/987654/support").status_code == 404
        assert post_form(limited, "/processes/keins/ideas", valid_idea()).status_code == 404
    assert [submit(limited) for _ in range(3)] == [303, 303, 303]


def test_refused_and_counted_answers_carry_the_limit_headers(
    limited: Client, process: Process
) -> None:
    response = post_form(limited, f"/processes/{SLUG}/ideas", valid_idea())
    assert response.headers["ratelimit-limit"] == "3"
    assert response.headers["ratelimit-remaining"] == "2"
    submit(limited)
    submit(limited)
    refused = post_form(limited, f"/processes/{SLUG}/ideas", valid_idea())
    assert refused.status_code == 429
    assert refused.headers["ratelimit-remaining"] == "0"
    assert 0 < int(refused.headers["retry-after"]) <= 60


# --- the JSON endpoint takes JSON only ---------------------------------------------------------


def _api_idea() -> dict[str, Any]:
    return {
        "title": "Sichere Radwege zur Schule",
        "body": "Viele Kinder fahren mit dem Rad zur Schule, aber es gibt kaum sichere Wege.",
        "segment": "resident",
        "consent": True,
    }


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", None],
)
@pytest.mark.parametrize(
    "path", [f"/api/v1/processes/{SLUG}/ideas", f"/api/processes/{SLUG}/ideas"]
)
def test_the_submission_api_refuses_anything_but_json(
    client: Client, settings: Settings, process: Process, content_type: str | None, path: str
) -> None:
    """A form on any site can send text/plain without asking (no CORS preflight)."""
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(path, content=json.dumps(_api_idea()), headers=headers)
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("application/json")
    assert "application/json" in response.json()["detail"]
    assert in_db(settings, lambda s: count(s, Contribution)) == 0


def test_the_submission_api_takes_json_with_a_charset(
    client: Client, settings: Settings, process: Process
) -> None:
    response = client.post(
        f"/api/v1/processes/{SLUG}/ideas",
        content=json.dumps(_api_idea()),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text
    assert in_db(settings, lambda s: count(s, Contribution)) == 1
