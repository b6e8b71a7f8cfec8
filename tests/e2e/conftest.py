"""Browser tests: the real app in a subprocess (`participation serve`) on SQLite and, with
TEST_DATABASE_URL, on a PostgreSQL database of its own, driven by Playwright through Debian's
Chromium.

Every page state a test checks gets axe-core and the phone width (`check`), with JavaScript or
without; every browser context any test opens is watched for console errors (`_watch`).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Route,
    WebError,
    expect,
    sync_playwright,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.middleware import CONTENT_SECURITY_POLICY
from participation.settings import Settings
from tests.databases import BACKENDS, postgres_database, postgres_name
from tests.helpers import in_db
from tests.smtp_inbox import Inbox, smtp_inbox

T = TypeVar("T")

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
    database_url: str
    inbox: Inbox  # the SMTP server the app sends its e-mail to

    @property
    def demo_login(self) -> tuple[str, str]:
        email, password = (self.var_dir / "demo-login.txt").read_text().split("\n")[:2]
        return email, password

    @property
    def env(self) -> dict[str, str]:
        """The environment of the app's process, for commands run beside it."""
        return {**os.environ, "VAR_DIR": str(self.var_dir), "DATABASE_URL": self.database_url}

    def in_db(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` on the running app's database. In a thread of its own: Playwright's
        sync API keeps an event loop running in the test's thread."""
        settings = replace(
            Settings.from_env(), var_dir=self.var_dir, database_url=self.database_url
        )
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(in_db, settings, work).result()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _database(backend: str, var_dir: Path, module: str) -> Iterator[str]:
    """An empty database for one test module's server: a SQLite file, or a PostgreSQL
    database of its own per test worker and module (created, and dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{var_dir / 'e2e.sqlite3'}"
        return
    with postgres_database(postgres_name("e2e", module.rsplit(".", 1)[-1])) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The app as a user runs it: migrations, demo seed and uvicorn, on a free port, sending
    e-mail to a local SMTP server; once per database backend. A test module may set
    `SERVER_ENV` for settings of its own (e.g. DEMO_PLAN=0 to begin before the evaluation)."""
    var_dir = tmp_path_factory.mktemp("var")
    extra = dict(getattr(request.module, "SERVER_ENV", {}))
    with smtp_inbox() as inbox, _database(request.param, var_dir, request.module.__name__) as url:
        yield from _serve(var_dir, url, inbox, extra)


def _serve(
    var_dir: Path, database_url: str, inbox: Inbox, extra: dict[str, str]
) -> Iterator[LiveServer]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "WRITE_RATE_LIMIT_PER_MINUTE": "1000",
        "BASE_URL": url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(inbox.port),
        "SMTP_SECURITY": "none",
        "MAIL_FROM": "Beteiligung Auetal <beteiligung@auetal.example>",
        **extra,
    }
    log = (var_dir / "server.log").open("w")
    cli = Path(sys.executable).with_name("participation")
    process = subprocess.Popen(
        [str(cli), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 120  # starting takes seconds, more on a busy machine
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
    yield LiveServer(url=url, var_dir=var_dir, database_url=database_url, inbox=inbox)
    process.terminate()
    process.wait(timeout=10)
    log.close()


# Validation answers (422) and conflicts (409) are expected; Chromium logs them as errors.
EXPECTED_STATUSES = frozenset({409, 422})
_FAILED_LOAD = re.compile(r"^Failed to load resource: .* status of (\d{3})\b")


@dataclass
class _ContextWatch:
    """The console errors of one browser context (all its pages) during one test."""

    label: str
    expected_statuses: frozenset[int] = EXPECTED_STATUSES
    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        failed = _FAILED_LOAD.match(message.text)
        if failed and int(failed.group(1)) in self.expected_statuses:
            return
        where = message.location.get("url") or (message.page.url if message.page else "")
        self.errors.append(f"{self.label}: {message.text} ({where})")

    def on_web_error(self, error: WebError) -> None:
        where = error.page.url if error.page else ""
        self.errors.append(f"{self.label}: uncaught {error.error} ({where})")


# The watches of the contexts opened during the running test (one test at a time per worker).
_watches: dict[int, _ContextWatch] = {}
_opened: list[BrowserContext] = []


def _watch(context: BrowserContext) -> None:
    """Called for every context the browser opens, however a test opens it (the `page`
    fixture, `browser.new_context()`, the checker of a page without JavaScript)."""
    watch = _ContextWatch(f"browser context {len(_opened) + 1}")
    context.on("console", watch.on_console)
    context.on("weberror", watch.on_web_error)
    _watches[id(context)] = watch
    _opened.append(context)


def console_errors(context: BrowserContext) -> list[str]:
    """The console errors recorded so far for a context of the running test."""
    return _watches[id(context)].errors


def expect_console_errors(context: BrowserContext, *statuses: int) -> None:
    """Answers with these statuses are expected in this context: Chromium's console line for
    them ("Failed to load resource: ... status of 400") does not fail the test."""
    watch = _watches[id(context)]
    watch.expected_statuses = watch.expected_statuses | set(statuses)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make chromium`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        launched.on("context", _watch)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def no_console_errors() -> Iterator[None]:
    """Fails the test on any console error or uncaught exception in any browser context it
    opened (a CSP block, a missing static file, a script error), the pupils' and the
    moderators' second browsers included. Contexts still open are closed first."""
    yield
    contexts, watches = list(_opened), [_watches.pop(id(c)) for c in _opened]
    _opened.clear()
    for context in contexts:
        with suppress(Error):
            context.close()
    errors = [error for watch in watches for error in watch.errors]
    assert errors == [], "console errors:\n" + "\n".join(errors)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser profile per test (watched like every context, see `_watch`)."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


_axe = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core on the page as it is now; every violation fails the test, with its details.
    axe is injected through the DevTools protocol, which the content-security policy does
    not govern, and it logs no console error on our pages: the app's own errors meanwhile
    (an htmx swap finishing, a poll) stay in the test's console record."""
    results = _axe.run(page)
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


def _scripting(page: Page) -> bool:
    # Playwright's own evaluate works where page scripts are off; the media query tells.
    return bool(page.evaluate("matchMedia('(scripting: enabled)').matches"))


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
_NOSCRIPT_TAG = re.compile(r"</?noscript\b[^>]*>", re.IGNORECASE)


def as_seen_without_javascript(html: str) -> str:
    """The document a page without JavaScript shows, made to look the same where scripts
    run: no scripts, and the content of <noscript> shown (a page with scripts hides it)."""
    return _NOSCRIPT_TAG.sub("", _SCRIPT.sub("", html))


def check_without_javascript(page: Page) -> None:
    """axe and the phone width for a page shown without JavaScript.

    axe is a script: it cannot run where scripts are off (its promise never settles). So
    the document this page shows now (its DOM, which without scripts is exactly the HTML
    the server sent, after a GET or a form POST alike) is opened in a second, JavaScript-
    enabled context at the same address: a route answers that one request with this HTML
    (scripts taken out, `<noscript>` content shown, see `as_seen_without_javascript`) and the
    app's content-security policy, while styles and images load from the live server as
    usual. Re-requesting the address instead would not do: a POST's answer (a form with its
    messages) cannot be fetched again, and a GET may change state (a flash message shown
    once). The checker context is watched for console errors like every other."""
    assert page.context.browser is not None
    html = as_seen_without_javascript(page.content())
    address = page.url.split("#", 1)[0]
    checker = page.context.browser.new_context(
        locale="de-DE", viewport=page.viewport_size or {"width": 1280, "height": 900}
    )
    try:
        twin = checker.new_page()

        def answer(route: Route) -> None:
            headers = {"content-security-policy": CONTENT_SECURITY_POLICY}
            route.fulfill(
                status=200, content_type="text/html; charset=utf-8", headers=headers, body=html
            )

        twin.route(lambda url: url.split("#", 1)[0] == address, answer, times=1)
        twin.goto(page.url)
        assert_accessible(twin)
        assert_fits_phone(twin)
    finally:
        checker.close()


def check(page: Page) -> None:
    """The checks every page state gets: axe-core, and no sideways scrolling on a phone;
    for a page without JavaScript through `check_without_javascript`."""
    if not _scripting(page):
        check_without_javascript(page)
        return
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
    cli = Path(sys.executable).with_name("participation")
    subprocess.run(
        [str(cli), "users", "create", "--email", email, "--role", role],
        env={**server.env, "PARTICIPATION_PASSWORD": password},
        check=True,
        capture_output=True,
    )


def join_as(browser: Browser, server: LiveServer, code: str, name: str) -> Page:
    """A pupil's phone that has joined the session as `name`."""
    context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    pupil = context.new_page()
    pupil.goto(f"{server.url}/mitmachen/{code}")
    pupil.get_by_label("Dein Name in dieser Sitzung").fill(name)
    pupil.get_by_role("button", name="Mitmachen").click()
    expect(pupil).to_have_url(re.compile(f"/mitmachen/{code}/ideen$"))
    return pupil


def add_pupil_idea(pupil: Page, title: str) -> None:
    pupil.get_by_label("Was ist deine Idee?").fill(title)
    pupil.get_by_role("button", name="Idee abschicken").click()
    expect(pupil.get_by_text("Danke, deine Idee steht jetzt auf der Liste.")).to_be_visible()
