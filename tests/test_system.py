"""Health check, security headers, the language switch and the rate limit on writes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from httpx import Response
from litestar.testing import TestClient

from participation.app import create_app
from participation.models import Contribution, Process
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_process,
    attr,
    count,
    first_match,
    german,
    html,
    in_db,
    post_form,
    text_of,
    valid_idea,
)


def heading(response: Response) -> str:
    h1 = html(response.text).select_one("h1")
    assert h1 is not None
    return text_of(h1)


def test_healthz(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


# --- security headers ------------------------------------------------------------------------


def assert_security_headers(response: Response) -> None:
    csp = {
        directive.strip().split(" ", 1)[0]: directive.strip()
        for directive in response.headers["content-security-policy"].split(";")
    }
    assert csp["script-src"] == "script-src 'self'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["default-src"] == "default-src 'self'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in {"same-origin", "no-referrer"}
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ["/", f"/processes/{SLUG}", "/login", "/healthz"])
def test_security_headers_on_pages(client: Client, process: Process, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.parametrize("path", ["/gibt-es-nicht", "/api/v1/processes/gibt-es-nicht"])
def test_security_headers_on_errors(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert_security_headers(response)


@pytest.mark.parametrize("path", ["/", f"/processes/{SLUG}", "/login"])
def test_pages_keep_to_the_content_security_policy(
    client: Client, process: Process, path: str
) -> None:
    """No inline scripts, event handlers or style attributes: the CSP would block them."""
    page = html(client.get(path).text)
    scripts = page.select("script")
    assert scripts
    assert page.select('script:not([src^="/static/"])') == []
    assert all(not text_of(script) for script in scripts)
    for element in page.select("*"):
        assert not element.has_attr("style"), element.name
        assert not any(name.startswith("on") for name in element.attrs), element.name
    for link in page.select('link[rel="stylesheet"]'):
        assert attr(link, "href").startswith("/static/")


def test_not_found_page(client: Client) -> None:
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert heading(response) == german("Page not found")


# --- language --------------------------------------------------------------------------------


def test_german_is_the_default(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert first_match(html(response.text), "html")["lang"] == "de"
    assert response.headers["content-language"] == "de"
    assert heading(response) == german("Have your say")


def test_language_switch(client: Client) -> None:
    response = client.get("/lang/en?next=/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert client.cookies["lang"] == "en"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("lang="))
    assert "samesite=lax" in cookie.lower()
    assert "max-age=" in cookie.lower()

    home = client.get("/")
    assert first_match(html(home.text), "html")["lang"] == "en"
    assert home.headers["content-language"] == "en"
    assert heading(home) == "Have your say"
    # The switch offers the way back, keeping the page.
    back = html(home.text).select_one('a[hreflang="de"]')
    assert back is not None
    assert back["href"] == "/lang/de?next=/"

    assert client.get("/lang/de?next=/", follow_redirects=False).status_code == 303
    assert heading(client.get("/")) == german("Have your say")


def test_language_switch_returns_to_the_page(client: Client, process: Process) -> None:
    response = client.get(f"/lang/en?next=/processes/{SLUG}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/processes/{SLUG}"
    assert client.get("/lang/en", follow_redirects=False).headers["location"] == "/"


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5", "en"),
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("fr", "de"),
        ("", "de"),
    ],
)
def test_accept_language(client: Client, accept_language: str, expected: str) -> None:
    response = client.get("/", headers={"accept-language": accept_language})
    assert response.headers["content-language"] == expected
    assert first_match(html(response.text), "html")["lang"] == expected
    english = heading(response) == "Have your say"
    assert english is (expected == "en")


def test_chosen_language_beats_the_browser(client: Client) -> None:
    client.get("/lang/de?next=/")
    response = client.get("/", headers={"accept-language": "en"})
    assert response.headers["content-language"] == "de"
    assert heading(response) == german("Have your say")


def test_errors_in_english(client: Client) -> None:
    client.get("/lang/en?next=/")
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert heading(response) == "Page not found"
    assert response.headers["content-language"] == "en"
    assert first_match(html(response.text), "html")["lang"] == "en"


def test_errors_follow_the_browser_language(client: Client) -> None:
    response = client.get("/gibt-es-nicht", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert heading(response) == "Page not found"
    assert response.headers["content-language"] == "en"


def test_unknown_language_is_404(client: Client) -> None:
    response = client.get("/lang/xx?next=/", follow_redirects=False)
    assert response.status_code == 404
    assert "lang" not in client.cookies


@pytest.mark.parametrize(
    "target", ["https://evil.example", "//evil.example/", "/\\evil.example", "evil.example"]
)
def test_language_switch_stays_on_this_site(client: Client, target: str) -> None:
    response = client.get("/lang/en", params={"next": target}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


# --- rate limit ------------------------------------------------------------------------------


def test_writes_are_rate_limited(settings: Settings) -> None:
    in_db(settings, add_process)
    app = create_app(replace(settings, write_rate_limit_per_minute=3))
    with TestClient(app, base_url="http://testserver.local") as client:
        for _ in range(3):
            response = post_form(client, f"/processes/{SLUG}/ideas", valid_idea())
            assert response.status_code == 303
        limited = post_form(client, f"/processes/{SLUG}/ideas", valid_idea())
        assert limited.status_code == 429
        assert heading(limited) == german("Too many requests")
        assert limited.headers["ratelimit-remaining"] == "0"
        assert in_db(settings, lambda s: count(s, Contribution)) == 3

        # Field checks have a budget of their own (tests/test_rate_limit.py); reading goes on.
        check = post_form(client, f"/processes/{SLUG}/ideas/check/title", {"title": "Radweg"})
        assert check.status_code == 200
        for path in ["/", f"/processes/{SLUG}", "/healthz", "/api/v1/processes"]:
            assert client.get(path).status_code == 200
