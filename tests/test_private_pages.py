"""Private tokens stay out of logs, and staff and private pages out of browser caches."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from participation.private_paths import RedactTokens, is_private, redact
from participation.settings import PROJECT_ROOT, Settings
from tests.helpers import SLUG, Client, login
from tests.site_rows import ADMIN, FOLLOW_TOKEN, Site, build_site, routes

SECRET = "geheimes-token-0123456789"


@pytest.fixture
def site(client: Client, settings: Settings) -> Site:
    return build_site(client, settings)


# --- logs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("logged", "shown"),
    [
        (f"/follow/{SECRET}", "/follow/***"),
        (f"/follow/{SECRET}/12/edit", "/follow/***/12/edit"),
        (f"/umfrage/{SECRET}?gesendet=1", "/umfrage/***?gesendet=1"),
        (f"/abbestellen/12.{SECRET}", "/abbestellen/***"),
        (f"/abmelden/{SECRET}", "/abmelden/***"),
        ("/mitmachen/K7P2QX/ideen", "/mitmachen/***/ideen"),
        (f"/login?next=%2Ffollow%2F{SECRET}", "/login?next=%2Ffollow%2F***"),
        (f"/processes/{SLUG}/ideas/3", f"/processes/{SLUG}/ideas/3"),
        ("/mitmachen", "/mitmachen"),
    ],
)
def test_redact(logged: str, shown: str) -> None:
    assert redact(logged) == shown


def test_every_route_with_a_token_or_code_is_redacted(app: Litestar) -> None:
    """A route added later with a {token} or {code} must be added to private_paths.py."""
    templates = [
        t
        for method in ("GET", "POST")
        for t in routes(app, method)
        if re.search(r"\{(\w*token\w*|\w*code\w*):str\}", t) and not t.startswith("/lang/")
    ]
    assert len(templates) >= 6
    for template in templates:
        path = re.sub(r"\{\w+:str\}", SECRET, re.sub(r"\{\w+:int\}", "7", template))
        assert SECRET not in redact(path), template
        assert is_private(path), template


def test_the_error_log_has_no_tokens(
    client: Client, site: Site, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("participation.routes.follow.follow_page", broken)
    with caplog.at_level(logging.ERROR, logger="participation"):
        assert client.get(f"/follow/{FOLLOW_TOKEN}").status_code == 500
    assert "Unhandled error on GET /follow/***" in caplog.text
    assert FOLLOW_TOKEN not in caplog.text


def test_the_log_filter_redacts_arguments() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/umfrage/{SECRET}", "1.1", 200),
        None,
    )
    assert RedactTokens().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /umfrage/*** HTTP/1.1" 200'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`participation serve` with the access log on, on a fresh SQLite database."""
    port = _free_port()
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}",
        "SEED_DEMO": "false",
        "PRELOAD_NLP": "false",
        "ACCESS_LOG": "true",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "participation"), "serve", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(server: subprocess.Popen[str], base: str) -> None:
    """Polls /healthz while the server migrates and starts (up to a minute)."""
    deadline = time.monotonic() + 60
    with httpx.Client(timeout=2) as http:
        while time.monotonic() < deadline and server.poll() is None:
            try:
                http.get(f"{base}/healthz")
                return
            except httpx.TransportError:
                time.sleep(0.2)
    server.terminate()
    pytest.fail(f"participation serve did not start:\n{server.communicate(timeout=30)[0]}")


def test_the_access_log_of_participation_serve_has_no_tokens(
    served: tuple[subprocess.Popen[str], str],
) -> None:
    server, base = served
    _wait_until_up(server, base)
    assert httpx.get(f"{base}/follow/{SECRET}").status_code == 404
    assert httpx.get(f"{base}/umfrage/{SECRET}?gesendet=1").status_code == 404
    server.terminate()
    output, _ = server.communicate(timeout=30)
    assert '"GET /follow/*** HTTP/1.1" 404' in output
    assert '"GET /umfrage/***?gesendet=1 HTTP/1.1" 404' in output
    assert SECRET not in output


# --- caches -----------------------------------------------------------------------------------


def test_staff_pages_are_not_stored(client: Client, app: Litestar, site: Site) -> None:
    """Every page behind the sign-in, exports included: "Back" after signing out on a shared
    computer must not show them."""
    assert login(client, ADMIN).status_code == 303
    guarded = [
        template
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if "GET" in handler.http_methods and handler.resolve_guards() and (template := route.path)
    ]
    assert len(guarded) >= 20
    for template in guarded:
        response = client.get(site.fill(template), follow_redirects=False)
        assert response.status_code < 500, template
        assert response.headers["cache-control"] == "no-store", template
    # Pages for everybody are not stored either while a staff member is signed in.
    assert client.get(f"/processes/{SLUG}").headers["cache-control"] == "no-store"


def test_private_pages_are_not_stored(client: Client, app: Litestar, site: Site) -> None:
    for template in routes(app, "GET"):
        path = site.fill(template)
        if is_private(path):
            response = client.get(path, follow_redirects=False)
            assert response.headers.get("cache-control") == "no-store", template
    export = client.get(f"/follow/{FOLLOW_TOKEN}/export.json")
    assert export.status_code == 200
    assert export.headers["cache-control"] == "no-store"


def test_public_pages_may_be_cached(client: Client, site: Site) -> None:
    for path in ("/", f"/processes/{SLUG}", f"/processes/{SLUG}/ideas/{site.idea_id}"):
        assert client.get(path).headers.get("cache-control") != "no-store", path
