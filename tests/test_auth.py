"""Staff sign-in and sign-out, session safety, and creating accounts on the command line."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from http.cookies import Morsel, SimpleCookie

import pytest
from click.testing import CliRunner
from httpx import Response
from litestar.testing import TestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.app import create_app
from participation.auth import AREAS
from participation.cli import main
from participation.dates import format_clock
from participation.db import create_engine, create_sessionmaker
from participation.models import Role, SignInThrottle, User, utcnow
from participation.services.errors import ValidationFailed
from participation.services.passwords import password_problem
from participation.services.users import (
    FAILURE_WINDOW,
    FAILURES_BEFORE_LOCK,
    LOCK_DURATION,
    PASSWORD_MIN,
    SignInLocked,
    _address_key,
    authenticate,
    create_user,
    get_by_email,
)
from participation.settings import Settings
from tests.helpers import (
    PASSWORD,
    Client,
    add_staff,
    count,
    csrf_token,
    de,
    first_match,
    german,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)


def session_cookie(response: Response) -> Morsel[str]:
    """The `session` cookie this response sets."""
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        if "session" in cookie:
            return cookie["session"]
    raise AssertionError(f"no session cookie set: {response.headers.get_list('set-cookie')}")


def use_session_id(client: Client, session_id: str) -> None:
    """Make the client send this session id instead of its own."""
    client.cookies.delete("session")
    client.cookies.set("session", session_id, domain="testserver.local")


def is_signed_in(client: Client) -> bool:
    response = client.get("/moderation", follow_redirects=False)
    assert response.status_code in {200, 303}
    return response.status_code == 200


# --- signing in ------------------------------------------------------------------------------


def test_login_page(client: Client) -> None:
    response = client.get("/login?next=/moderation/log")
    assert response.status_code == 200
    page = html(response.text)
    assert text_of(first_match(page, "h1")) == german("Staff sign-in")
    form = page.select_one('form[action="/login"]')
    assert form is not None
    assert form.select_one('input[name="_csrf_token"]') is not None
    assert first_match(form, 'input[name="next"]')["value"] == "/moderation/log"
    assert form.select_one('input[name="password"][type="password"]') is not None


def test_login_redirects_to_next_with_a_safe_cookie(
    client: Client, settings: Settings, moderator: User
) -> None:
    response = login(client, moderator.email, next_="/moderation/log")
    assert response.status_code == 303
    assert response.headers["location"] == "/moderation/log"
    cookie = session_cookie(response)
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert not cookie["secure"]  # plain http in tests; production sets SECURE_COOKIES
    assert cookie["path"] == "/"
    assert is_signed_in(client)
    # The sign-in is recorded, and a signed-in user going to /login goes on to the queue.
    stored = in_db(settings, lambda s: get_by_email(s, moderator.email))
    assert stored is not None
    assert stored.last_login_at is not None
    again = client.get("/login", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/moderation"


def test_login_without_next_goes_to_the_queue(client: Client, moderator: User) -> None:
    response = login(client, "  MOD@example.org ")  # e-mail is trimmed and case-insensitive
    assert response.status_code == 303
    assert response.headers["location"] == "/moderation"


def test_login_without_next_lands_where_the_role_may_go(client: Client, settings: Settings) -> None:
    in_db(settings, lambda s: add_staff(s, "eval@example.org", Role.EVALUATOR))
    response = login(client, "eval@example.org")
    assert response.status_code == 303
    assert response.headers["location"] == "/analysis"  # evaluators may not moderate
    assert client.get("/analysis").status_code == 200
    again = client.get("/login", follow_redirects=False)
    assert again.headers["location"] == "/analysis"


# --- the navigation shows each role only what it may open ------------------------------------

# Process administration (admins only), where the app has it.
ADMIN_PATHS = ["/admin/processes"] if "admin" in AREAS else []
# Project profiles: every staff member reads them.
PROFILES = "/admin/steckbriefe"
# Rating profiles: evaluators and admins.
RATING = "/bewertung"
# Every staff page the navigation can link to.
STAFF_PATHS = [
    *("/moderation", "/moderation/log", "/analysis", RATING, "/focus-groups", *ADMIN_PATHS)
]


def nav_links(client: Client) -> dict[str, str]:
    """The main navigation's links, href -> text (the sign-out button is a form)."""
    nav = one(html(client.get("/").text), ".site-nav")
    return {str(a["href"]): text_of(a) for a in nav.select("a")}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.EVALUATOR, ["/", "/analysis", PROFILES, RATING]),
        (Role.FACILITATOR, ["/", PROFILES, "/focus-groups"]),
        (Role.EDITOR, ["/", PROFILES]),
        (
            Role.MODERATOR,
            ["/", "/moderation", "/moderation/log", "/analysis", PROFILES, "/focus-groups"],
        ),
        (
            Role.ADMIN,
            [
                *("/", "/moderation", "/moderation/log", "/analysis", PROFILES, RATING),
                *("/focus-groups", *ADMIN_PATHS),
            ],
        ),
    ],
)
def test_nav_shows_only_links_the_role_may_open(
    client: Client, settings: Settings, role: Role, expected: list[str]
) -> None:
    in_db(settings, lambda s: add_staff(s, "staff@example.org", role))
    assert login(client, "staff@example.org").status_code == 303
    links = nav_links(client)
    assert list(links) == expected
    assert (de("Moderation") in links.values()) is (role in {Role.MODERATOR, Role.ADMIN})
    for href in links:  # every link shown leads somewhere for this role
        assert client.get(href, follow_redirects=False).status_code == 200, href
    for path in STAFF_PATHS:  # and every area not shown is closed to it
        if path not in links:
            assert client.get(path, follow_redirects=False).status_code == 403, path


def test_nav_shows_no_staff_links_to_residents(client: Client) -> None:
    assert list(nav_links(client)) == ["/"]


def test_secure_cookies_in_production(settings: Settings, moderator: User) -> None:
    app = create_app(replace(settings, secure_cookies=True))
    with TestClient(app, base_url="https://testserver.local") as client:
        response = login(client, moderator.email)
        assert response.status_code == 303
        cookie = session_cookie(response)
        assert cookie["secure"] is True
        assert cookie["httponly"] is True


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("mod@example.org", "wrong password, sorry"),
        ("nobody@example.org", PASSWORD),
        ("mod@example.org", ""),
    ],
)
def test_wrong_credentials_are_refused(
    client: Client, moderator: User, email: str, password: str
) -> None:
    response = login(client, email, password, next_="/moderation/log")
    assert response.status_code == 400
    page = html(response.text)
    alert = page.select_one('div[role="alert"]')
    assert alert is not None
    assert text_of(alert) == german("E-mail address or password is not correct.")
    # What was typed is kept, except the password; `next` survives the retry.
    assert one(page, "#email")["value"] == email
    assert one(page, "#password")["value"] == ""
    assert first_match(page, 'input[name="next"]')["value"] == "/moderation/log"
    assert not is_signed_in(client)


def test_inactive_user_is_refused(client: Client, settings: Settings) -> None:
    in_db(settings, lambda s: add_staff(s, "former@example.org", active=False))
    response = login(client, "former@example.org")
    assert response.status_code == 400
    assert text_of(first_match(html(response.text), 'div[role="alert"]')) == german(
        "E-mail address or password is not correct."
    )
    assert not is_signed_in(client)


def test_deactivated_user_loses_the_session(
    client: Client, settings: Settings, moderator: User
) -> None:
    assert login(client, moderator.email).status_code == 303
    assert is_signed_in(client)

    async def deactivate(session: AsyncSession) -> None:
        user = await get_by_email(session, moderator.email)
        assert user is not None
        user.is_active = False
        session.add(user)
        await session.commit()

    in_db(settings, deactivate)
    assert not is_signed_in(client)


def test_next_to_another_site_is_ignored(client: Client, moderator: User) -> None:
    """No open redirect: after sign-in only paths on this site are followed."""
    for target in [
        "https://evil.example/moderation",
        "//evil.example/moderation",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
    ]:
        form = client.get("/login", params={"next": target})
        assert first_match(html(form.text), 'input[name="next"]')["value"] == ""
        response = login(client, moderator.email, next_=target)
        assert response.status_code == 303, target
        assert response.headers["location"] == "/moderation", target
        assert post_form(client, "/logout").status_code == 303


# --- the session -----------------------------------------------------------------------------


def test_residents_get_no_session_cookie(client: Client, settings: Settings) -> None:
    """Reading and taking part need no session: nothing is stored about anonymous visitors."""
    for path in ["/", "/login", "/gibt-es-nicht"]:
        response = client.get(path)
        assert all(
            not header.startswith("session=") for header in response.headers.get_list("set-cookie")
        ), path
    assert "session" not in client.cookies


def test_session_id_changes_at_login(client: Client, moderator: User) -> None:
    """An id planted before sign-in (session fixation) never becomes a signed-in session."""
    planted = "attacker-chosen-session-id-0123456789"
    csrf_token(client)
    use_session_id(client, planted)  # e.g. set through a sibling domain

    response = login(client, moderator.email)
    assert response.status_code == 303
    new_id = session_cookie(response).value
    assert new_id
    assert new_id != planted
    assert is_signed_in(client)

    use_session_id(client, planted)  # the attacker's browser
    assert not is_signed_in(client)
    use_session_id(client, new_id)
    assert is_signed_in(client)


def test_logout_clears_the_session(client: Client, moderator: User) -> None:
    assert login(client, moderator.email).status_code == 303
    signed_in_id = str(client.cookies["session"])
    assert is_signed_in(client)

    response = post_form(client, "/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert session_cookie(response).value != signed_in_id
    home = html(client.get("/").text)
    flashes = [text_of(p) for p in home.select("p.flash")]
    assert flashes == [de("You have been signed out.")]
    assert not is_signed_in(client)
    # The old id is dead on the server too, not only forgotten by this browser.
    use_session_id(client, signed_in_id)
    assert not is_signed_in(client)


def test_logout_needs_the_csrf_token(client: Client, moderator: User) -> None:
    assert login(client, moderator.email).status_code == 303
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 403
    assert is_signed_in(client)


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner whose commands work on the test database."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    monkeypatch.delenv("PARTICIPATION_PASSWORD", raising=False)
    return CliRunner()


def create_args(email: str, password: str, role: str = "moderator") -> list[str]:
    return ["users", "create", "--email", email, "--role", role, "--password", password]


def test_cli_creates_a_user_with_an_argon2_hash(cli: CliRunner, settings: Settings) -> None:
    result = cli.invoke(main, [*create_args("Neu@Example.org", PASSWORD), "--name", "Neu"])
    assert result.exit_code == 0, result.output
    assert "neu@example.org" in result.output.lower()

    user = in_db(settings, lambda s: get_by_email(s, "neu@example.org"))
    assert user is not None
    assert user.email == "neu@example.org"
    assert user.role is Role.MODERATOR
    assert user.display_name == "Neu"
    assert user.is_active
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert in_db(settings, lambda s: authenticate(s, "neu@example.org", PASSWORD)) is not None
    assert in_db(settings, lambda s: authenticate(s, "neu@example.org", "wrong" * 4)) is None


def test_cli_user_can_sign_in(cli: CliRunner, client: Client) -> None:
    result = cli.invoke(main, create_args("eval@example.org", PASSWORD, role="evaluator"))
    assert result.exit_code == 0, result.output
    assert login(client, "eval@example.org").status_code == 303
    assert client.get("/moderation", follow_redirects=False).status_code == 403  # not a moderator


def test_cli_takes_the_password_from_the_environment(
    cli: CliRunner, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTICIPATION_PASSWORD", PASSWORD)
    result = cli.invoke(main, ["users", "create", "--email", "env@example.org", "--role", "admin"])
    assert result.exit_code == 0, result.output
    user = in_db(settings, lambda s: authenticate(s, "env@example.org", PASSWORD))
    assert user is not None
    assert user.role is Role.ADMIN


def test_cli_rejects_a_short_password(cli: CliRunner, settings: Settings) -> None:
    result = cli.invoke(main, create_args("kurz@example.org", "x" * (PASSWORD_MIN - 1)))
    assert result.exit_code == 1
    # The command line speaks English, the service's messages included.
    expected = f"The password needs at least {PASSWORD_MIN} characters."
    assert f"password: {expected}" in result.stderr
    assert in_db(settings, lambda s: count(s, User)) == 0


def test_cli_rejects_a_duplicate_email(cli: CliRunner, settings: Settings) -> None:
    assert cli.invoke(main, create_args("doppelt@example.org", PASSWORD)).exit_code == 0
    result = cli.invoke(main, create_args("DOPPELT@example.org", PASSWORD + "!"))
    assert result.exit_code == 1
    assert "email: An account with this e-mail address already exists." in result.stderr
    assert in_db(settings, lambda s: count(s, User)) == 1


def test_cli_rejects_an_invalid_email_and_role(cli: CliRunner, settings: Settings) -> None:
    bad_email = cli.invoke(main, create_args("not-an-address", PASSWORD))
    assert bad_email.exit_code == 1
    assert "email: " in bad_email.stderr
    bad_role = cli.invoke(main, create_args("ok@example.org", PASSWORD, role="resident"))
    assert bad_role.exit_code == 2  # click's usage error
    assert in_db(settings, lambda s: count(s, User)) == 0


# --- the pause after repeated failures ----------------------------------------------------------


def _paused_message() -> list[str]:
    """The pause's message as it can be shown now: its end is 15 minutes after the tenth
    failure, a moment ago (in this minute or the one before)."""
    message = german(
        "Too many failed attempts. For your security, sign-in is paused. "
        "Please try again at %(time)s."
    )
    ends = utcnow() + LOCK_DURATION
    return [
        message % {"time": format_clock(ends - timedelta(minutes=back), "Europe/Berlin")}
        for back in (0, 1)
    ]


def _fail(client: Client, email: str, times: int) -> list[int]:
    return [login(client, email, f"falsch-{n}-{email}").status_code for n in range(times)]


def test_ten_failures_pause_sign_in_even_with_the_right_password(
    client: Client, moderator: User, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="participation"):
        assert _fail(client, moderator.email, FAILURES_BEFORE_LOCK - 1) == [400] * 9
        tenth = login(client, moderator.email, "noch einmal falsch")
    assert tenth.status_code == 429
    assert text_of(first_match(html(tenth.text), 'div[role="alert"]')) in _paused_message()
    assert any(
        "Sign-in paused" in record.getMessage() and moderator.email in record.getMessage()
        for record in caplog.records
    )

    right = login(client, moderator.email)
    assert right.status_code == 429
    assert text_of(first_match(html(right.text), 'div[role="alert"]')) in _paused_message()
    assert one(html(right.text), "#email")["value"] == moderator.email
    assert not is_signed_in(client)


def test_an_address_without_an_account_is_paused_alike(client: Client, moderator: User) -> None:
    """The pause must not tell which addresses have an account."""
    assert _fail(client, "niemand@example.org", FAILURES_BEFORE_LOCK) == [400] * 9 + [429]
    response = login(client, "niemand@example.org", PASSWORD)
    assert text_of(first_match(html(response.text), 'div[role="alert"]')) in _paused_message()
    # Other addresses are not affected.
    assert login(client, moderator.email).status_code == 303


async def _shift(session: AsyncSession, email: str, by: timedelta) -> None:
    """Move the address's failure window and pause into the past."""
    throttle = await session.get(SignInThrottle, _address_key(email))
    assert throttle is not None
    throttle.window_started_at -= by
    if throttle.locked_until is not None:
        throttle.locked_until -= by
    session.add(throttle)
    # The account's own count and lock, if the address has an account.
    if (user := await get_by_email(session, email)) is not None:
        if user.failures_started_at is not None:
            user.failures_started_at -= by
        if user.locked_until is not None:
            user.locked_until -= by
        session.add(user)
    await session.commit()


def test_the_pause_ends_and_the_right_password_works_again(
    client: Client, settings: Settings, moderator: User
) -> None:
    _fail(client, moderator.email, FAILURES_BEFORE_LOCK)
    in_db(settings, lambda s: _shift(s, moderator.email, LOCK_DURATION + timedelta(seconds=1)))
    assert login(client, moderator.email).status_code == 303
    assert in_db(settings, lambda s: count(s, SignInThrottle)) == 0


def test_failures_count_within_their_window_only(
    client: Client, settings: Settings, moderator: User
) -> None:
    _fail(client, moderator.email, FAILURES_BEFORE_LOCK - 1)
    in_db(settings, lambda s: _shift(s, moderator.email, FAILURE_WINDOW + timedelta(seconds=1)))
    # The old failures have run out: the count starts again.
    assert _fail(client, moderator.email, FAILURES_BEFORE_LOCK - 1) == [400] * 9
    assert login(client, moderator.email).status_code == 303


def test_signing_in_clears_the_failures(client: Client, moderator: User) -> None:
    _fail(client, moderator.email, FAILURES_BEFORE_LOCK - 1)
    assert login(client, moderator.email).status_code == 303
    client.post("/logout", data={"_csrf_token": csrf_token(client)})
    assert _fail(client, moderator.email, FAILURES_BEFORE_LOCK - 1) == [400] * 9
    assert login(client, moderator.email).status_code == 303


def test_the_address_is_counted_in_any_spelling(client: Client, moderator: User) -> None:
    spellings = [moderator.email.upper(), f" {moderator.email} ", moderator.email]
    for n in range(FAILURES_BEFORE_LOCK):
        login(client, spellings[n % 3], f"falsch {n}")
    assert login(client, moderator.email.title()).status_code == 429


async def test_simultaneous_failures_pause_once(session: AsyncSession, settings: Settings) -> None:
    """Failures counted at the same moment from many connections add up exactly."""
    await add_staff(session, "gleichzeitig@example.org")
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)

    async def attempt(n: int) -> str:
        async with sessions() as own:
            try:
                user = await authenticate(own, "gleichzeitig@example.org", f"falsch {n}")
            except SignInLocked:
                return "paused"
            return "refused" if user is None else "signed in"

    try:
        results = await asyncio.gather(*(attempt(n) for n in range(FAILURES_BEFORE_LOCK - 1)))
        assert set(results) == {"refused"}
        stored = await session.get(SignInThrottle, _address_key("gleichzeitig@example.org"))
        assert stored is not None
        await session.refresh(stored)
        assert stored.failures == FAILURES_BEFORE_LOCK - 1
        assert stored.locked_until is None
        with pytest.raises(SignInLocked):
            await authenticate(session, "gleichzeitig@example.org", "falsch")
        with pytest.raises(SignInLocked):
            await authenticate(session, "gleichzeitig@example.org", PASSWORD)
    finally:
        await engine.dispose()


# --- password rules ------------------------------------------------------------------------------

TOO_EASY = (
    "This password is too easy to guess. Please choose another, for example a "
    "sentence of four or five words of your own."
)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (" " * 12, "The password must not consist of spaces only."),
        ("\t \n" * 5, "The password must not consist of spaces only."),
        ("aaaaaaaaaaaa", TOO_EASY),
        ("abababababab", TOO_EASY),
        ("123456789012", TOO_EASY),
        ("Passwort2024!", TOO_EASY),
        ("passwortpasswort", TOO_EASY),
        ("Sommer Sommer 99", TOO_EASY),
        ("qwertzuiop12", TOO_EASY),
        ("abcdefghijkl", TOO_EASY),
        ("iloveyou1234", TOO_EASY),
        ("schwach@example.org", "The password must not be the e-mail address."),
    ],
)
def test_cli_rejects_blank_and_weak_passwords(
    cli: CliRunner, settings: Settings, password: str, message: str
) -> None:
    result = cli.invoke(main, create_args("schwach@example.org", password))
    assert result.exit_code == 1, result.output
    assert f"password: {message}" in result.stderr  # the command line speaks English
    assert german(message)  # the forms say it in German
    assert in_db(settings, lambda s: count(s, User)) == 0


@pytest.mark.parametrize(
    "password",
    [PASSWORD, "Moderation-im-Auetal-2026", "Kaffee ohne Zucker am Morgen", "x7#Lq9!vR2pZ"],
)
def test_good_passwords_pass(password: str) -> None:
    assert password_problem(password, "anna@example.org") is None


async def test_every_account_creation_checks_the_password(session: AsyncSession) -> None:
    with pytest.raises(ValidationFailed) as failed:
        await create_user(session, email="leer@example.org", password=" " * 20, role=Role.ADMIN)
    assert set(failed.value.errors) == {"password"}
    assert await count(session, User) == 0
