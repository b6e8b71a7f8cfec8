"""Browser tests: the real app in a subprocess (`participation serve`, SQLite under a temp dir)
driven by Playwright through Debian's Chromium, with axe-core checking every page."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.smtp_inbox import Inbox, smtp_inbox

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    var_dir: Path
    inbox: Inbox  # the SMTP server the app sends its e-mail to

    @property
    def demo_login(self) -> tuple[str, str]:
        email, password = (self.var_dir / "demo-login.txt").read_text().split("\n")[:2]
        return email, password


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app as a user runs it: migrations, demo seed and uvicorn, on a free port, sending
    e-mail to a local SMTP server."""
    with smtp_inbox() as inbox:
        yield from _serve(tmp_path_factory.mktemp("var"), inbox)


def _serve(var_dir: Path, inbox: Inbox) -> Iterator[LiveServer]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite+aiosqlite:///{var_dir / 'e2e.sqlite3'}",
        "WRITE_RATE_LIMIT_PER_MINUTE": "1000",
        "BASE_URL": url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(inbox.port),
        "SMTP_SECURITY": "none",
        "MAIL_FROM": "Beteiligung Auetal <beteiligung@auetal.example>",
    }
    log = (var_dir / "server.log").open("w")
    cli = Path(sys.executable).with_name("participation")
    process = subprocess.Popen(
        [str(cli), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError((var_dir / "server.log").read_text())
        time.sleep(0.2)
    yield LiveServer(url=url, var_dir=var_dir, inbox=inbox)
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make chromium`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# Console errors per page; axe's own injected code trips the CSP, so its runs are left out.
_console_errors: dict[int, list[str]] = {}
# Validation answers (422) and conflicts (409) are expected; Chromium logs them as errors.
_EXPECTED = re.compile(r"^Failed to load resource: .* status of (422|409)\b")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser profile per test; fails the test on any console error (e.g. a CSP block
    or a missing static file)."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    new_page = context.new_page()
    errors = _console_errors.setdefault(id(new_page), [])

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not _EXPECTED.match(message.text):
            errors.append(message.text)

    new_page.on("console", on_console)
    yield new_page
    context.close()
    _console_errors.pop(id(new_page), None)
    assert errors == [], f"console errors: {errors}"


_axe = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core on the page as it is now; every violation fails the test, with its details."""
    errors = _console_errors.get(id(page), [])
    before = len(errors)
    results = _axe.run(page)
    del errors[before:]
    violations = results.response["violations"]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(node["target"][0] for node in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"axe found violations on {page.url}:\n{details}"


def assert_fits_phone(page: Page) -> None:
    """No horizontal scrolling at phone width."""
    page.set_viewport_size({"width": 360, "height": 800})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 360px width"


def check(page: Page) -> None:
    """The checks every page state gets: axe-core, and no sideways scrolling on a phone."""
    assert_accessible(page)
    assert_fits_phone(page)


def submit_login(page: Page, email: str, password: str) -> None:
    """Fill in the login form the page shows and send it."""
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()


def wait_for_htmx(page: Page) -> None:
    """Until htmx has no request in flight and nothing left to swap or settle: a field check
    on blur can remove an error message and move the fields below it, so a click right after
    it may land on the wrong spot."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def fill_idea_text(page: Page, title: str, body: str) -> None:
    """Type an idea's title and text the way a resident does, and wait until the similar-ideas
    panel and the field checks above the next fields have finished moving them."""
    page.get_by_label("Titel Ihrer Idee").fill(title)
    with page.expect_response(lambda response: "/ideas/similar" in response.url):
        page.get_by_label("Ihre Idee", exact=True).fill(body)
    page.get_by_label("Ihre Idee", exact=True).blur()
    wait_for_htmx(page)


def create_staff(server: LiveServer, email: str, password: str, role: str) -> None:
    """A staff account in the live server's database, made the way an operator makes one:
    with the `participation users create` command."""
    env = {
        **os.environ,
        "VAR_DIR": str(server.var_dir),
        "DATABASE_URL": f"sqlite+aiosqlite:///{server.var_dir / 'e2e.sqlite3'}",
        "PARTICIPATION_PASSWORD": password,
    }
    cli = Path(sys.executable).with_name("participation")
    subprocess.run(
        [str(cli), "users", "create", "--email", email, "--role", role],
        env=env,
        check=True,
        capture_output=True,
    )
