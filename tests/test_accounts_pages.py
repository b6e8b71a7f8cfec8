"""The account pages: /admin/users (who is refused, invitations without mail, deactivation
ending a live session), the two-step sign-in, REQUIRE_2FA_FOR, /konto and the forgotten
password (services: tests/test_accounts.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from litestar.testing import TestClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.app import create_app
from participation.labels import label
from participation.models import AccountLink, LinkPurpose, OutgoingMail, Role, User, utcnow
from participation.services.accounts import totp
from participation.services.users import get_by_email
from participation.settings import MailSettings, Settings
from tests.helpers import (
    PASSWORD,
    Client,
    add_staff,
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

ADMIN = "admin@example.org"
MODERATOR = "mod@example.org"
NEW_PASSWORD = "ein ganz anderes langes Passwort"


def _signed_in(client: Client) -> bool:
    response = client.get("/konto", follow_redirects=False)
    assert response.status_code in {200, 303}
    return response.status_code == 200


@pytest.fixture
def admin_client(client: Client, settings: Settings) -> Client:
    in_db(settings, lambda s: add_staff(s, ADMIN, Role.ADMIN))
    assert login(client, ADMIN).status_code == 303
    return client


@pytest.fixture
def other_client(settings: Settings) -> Iterator[Client]:
    """A second browser, served by a second app process on the same database and session
    store (one app in two test clients would share its connections across event loops)."""
    with TestClient(create_app(settings), base_url="http://testserver.local") as second:
        yield second


def _user(settings: Settings, email: str) -> User:
    async def find(session: AsyncSession) -> User:
        user = await get_by_email(session, email)
        assert user is not None
        return user

    return in_db(settings, find)


# --- who may open the user administration -----------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_admins_open_the_user_administration(
    client: Client, settings: Settings, role: Role
) -> None:
    anonymous = client.get("/admin/users", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=")
    in_db(settings, lambda s: add_staff(s, "staff@example.org", role))
    assert login(client, "staff@example.org").status_code == 303
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/1").status_code == 403
    assert client.get("/konto").status_code == 200  # their own account they may open
    footer = one(html(client.get("/").text), ".site-footer")
    assert footer.select('a[href="/konto"]')
    assert not footer.select('a[href="/admin/users"]')


def test_the_list_shows_role_status_sign_in_and_2fa(
    admin_client: Client, settings: Settings
) -> None:
    in_db(settings, lambda s: add_staff(s, "alt@example.org", Role.EVALUATOR, active=False))
    page = html(admin_client.get("/admin/users").text)
    assert one(page, '.site-footer a[href="/admin/users"]') is not None
    rows = {
        text_of(row.select("td")[1]): [text_of(td) for td in row.select("td")]
        for row in page.select("#users-caption ~ tbody tr")
    }
    assert rows[ADMIN][2:] == [label(Role.ADMIN), de("active"), rows[ADMIN][4], de("off")]
    assert rows["alt@example.org"][3] == de("deactivated")
    assert rows["alt@example.org"][4] == de("never")


# --- invitations ------------------------------------------------------------------------------


def test_without_mail_the_admin_gets_the_link_and_the_person_joins(
    admin_client: Client, other_client: Client, settings: Settings
) -> None:
    invited = post_form(
        admin_client, "/admin/users", {"email": "neu@example.org", "role": "moderator"}
    )
    assert invited.status_code == 201
    assert invited.headers["cache-control"] == "no-store"
    link = one(html(invited.text), "#invitation-link")["value"]
    assert isinstance(link, str)
    assert link.startswith("http://testserver.local/einladung/")
    path = link.removeprefix("http://testserver.local")
    # The person: a weak password is refused with the name kept, then they join.
    form = other_client.get(path)
    assert "neu@example.org" in form.text
    weak = post_form(
        other_client,
        path,
        {"display_name": "Nora Neu", "password": "kurz", "password_repeat": "kurz"},
    )
    assert weak.status_code == 422
    assert one(html(weak.text), "#display_name")["value"] == "Nora Neu"
    joined = post_form(
        other_client,
        path,
        {"display_name": "Nora Neu", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
    )
    assert joined.status_code == 303
    assert joined.headers["location"] == "/moderation"
    assert _signed_in(other_client)
    # Used once: the link now shows the "link invalid" page.
    again = other_client.get(path)
    assert again.status_code == 404
    assert german("This link does not work") in again.text
    # The admin sees the account log.
    user = _user(settings, "neu@example.org")
    log = text_of(
        one(html(admin_client.get(f"/admin/users/{user.id}").text), "#account-log-caption ~ tbody")
    )
    assert de("Invited") in log
    assert de("Joined (password set)") in log


def test_with_mail_the_invitation_goes_to_the_outbox(settings: Settings) -> None:
    mailing = replace(
        settings,
        base_url="https://beteiligung.example.org",
        mail=MailSettings(host="127.0.0.1", port=1, security="none", sender="b@example.org"),
    )
    in_db(mailing, lambda s: add_staff(s, ADMIN, Role.ADMIN))
    with TestClient(create_app(mailing), base_url="http://testserver.local") as client:
        assert login(client, ADMIN).status_code == 303
        sent = post_form(client, "/admin/users", {"email": "post@example.org", "role": "evaluator"})
        assert sent.status_code == 303
        assert "#invitation-link" not in client.get(sent.headers["location"]).text

    async def outbox(session: AsyncSession) -> list[OutgoingMail]:
        return list((await session.exec(select(OutgoingMail))).all())

    mails = in_db(mailing, outbox)
    assert [m.recipient for m in mails] == ["post@example.org"]
    assert "https://beteiligung.example.org/einladung/" in mails[0].body


# --- deactivation and the last admin ----------------------------------------------------------


def test_deactivation_ends_a_live_session(
    admin_client: Client, other_client: Client, settings: Settings, moderator: User
) -> None:
    assert login(other_client, moderator.email).status_code == 303
    assert other_client.get("/moderation").status_code == 200
    done = post_form(admin_client, f"/admin/users/{moderator.id}/deaktivieren")
    assert done.status_code == 303
    assert other_client.get("/moderation", follow_redirects=False).status_code == 303
    assert login(other_client, moderator.email).status_code == 400
    post_form(admin_client, f"/admin/users/{moderator.id}/reaktivieren")
    assert login(other_client, moderator.email).status_code == 303


def test_the_last_admin_cannot_demote_or_deactivate_themselves(
    admin_client: Client, settings: Settings
) -> None:
    me = _user(settings, ADMIN)
    refused = post_form(admin_client, f"/admin/users/{me.id}/rolle", {"role": "moderator"})
    assert refused.status_code == 409
    assert (
        german("This is the last active administrator. Make someone else an administrator first.")
        in refused.text
    )
    assert post_form(admin_client, f"/admin/users/{me.id}/deaktivieren").status_code == 409
    assert _user(settings, ADMIN).role is Role.ADMIN
    assert _signed_in(admin_client)


# --- two-step sign-in -------------------------------------------------------------------------


def _turn_on_2fa(client: Client) -> str:
    """Set up 2FA on the page shown (/konto/zwei-faktor or the sign-in's): the secret."""
    page = html(
        client.get("/konto/zwei-faktor" if _signed_in(client) else "/login/zwei-faktor").text
    )
    assert one(page, ".totp-qr svg") is not None  # the QR code, inline
    secret = text_of(one(page, "[data-secret]")).replace(" ", "")
    return secret


def test_sign_in_with_a_code_after_the_password(
    client: Client, settings: Settings, moderator: User
) -> None:
    assert login(client, moderator.email).status_code == 303
    secret = _turn_on_2fa(client)
    shown = post_form(client, "/konto/zwei-faktor", {"code": totp.code_at(secret, utcnow())})
    assert shown.status_code == 200
    codes = [text_of(li) for li in html(shown.text).select(".recovery-codes li")]
    assert len(codes) == 10
    post_form(client, "/logout")

    step = login(client, moderator.email)
    assert step.headers["location"] == "/login/code"
    assert not _signed_in(client)  # the password alone signs nobody in
    wrong = post_form(client, "/login/code", {"code": "000000"})
    assert wrong.status_code == 400
    assert not _signed_in(client)
    # The code used at setup is spent; a recovery code works once.
    assert post_form(client, "/login/code", {"code": codes[0]}).status_code == 303
    assert _signed_in(client)
    post_form(client, "/logout")
    login(client, moderator.email)
    assert post_form(client, "/login/code", {"code": codes[0]}).status_code == 400


def test_require_2fa_leads_to_setup_before_anything_else(settings: Settings) -> None:
    strict = replace(settings, require_2fa_for=frozenset({"admin"}))
    in_db(strict, lambda s: add_staff(s, ADMIN, Role.ADMIN))
    with TestClient(create_app(strict), base_url="http://testserver.local") as client:
        step = login(client, ADMIN)
        assert step.headers["location"] == "/login/zwei-faktor"
        assert client.get("/admin/users", follow_redirects=False).status_code == 303  # not yet
        secret = _turn_on_2fa(client)
        wrong = post_form(client, "/login/zwei-faktor", {"code": "123"})
        assert wrong.status_code == 422
        assert text_of(one(html(wrong.text), "[data-secret]")).replace(" ", "") == secret
        done = post_form(client, "/login/zwei-faktor", {"code": totp.code_at(secret, utcnow())})
        assert done.status_code == 200
        assert len(html(done.text).select(".recovery-codes li")) == 10
        assert client.get("/admin/users").status_code == 200
        # The role requires it: it cannot be turned off.
        off = post_form(client, "/konto/zwei-faktor/aus", {"totp_password": PASSWORD})
        assert off.status_code == 422
        assert _user(strict, ADMIN).totp_secret == secret


def test_ten_failures_lock_the_account_with_the_time_to_come_back(
    client: Client, moderator: User
) -> None:
    for n in range(9):
        assert login(client, moderator.email, f"falsch-{n}").status_code == 400
    locked = login(client, moderator.email, "noch einmal falsch")
    assert locked.status_code == 429
    message = text_of(first_match(html(locked.text), 'div[role="alert"]'))
    assert re.search(r"um \d{1,2}:\d{2} Uhr", message), message


# --- /konto -----------------------------------------------------------------------------------


def test_a_password_change_ends_the_other_sessions(
    staff_client: Client, other_client: Client, moderator: User
) -> None:
    assert login(other_client, moderator.email).status_code == 303
    wrong = post_form(
        staff_client,
        "/konto/passwort",
        {"current_password": "falsch", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    assert german("This is not your current password.") in wrong.text
    changed = post_form(
        staff_client,
        "/konto/passwort",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert _signed_in(staff_client)
    assert not _signed_in(other_client)
    assert login(other_client, moderator.email, NEW_PASSWORD).status_code == 303


def test_the_name_is_changed_and_checked(
    staff_client: Client, settings: Settings, moderator: User
) -> None:
    empty = post_form(staff_client, "/konto/name", {"display_name": "  "})
    assert empty.status_code == 422
    assert (
        post_form(staff_client, "/konto/name", {"display_name": "Mira Moderatorin"}).status_code
        == 303
    )
    assert _user(settings, moderator.email).display_name == "Mira Moderatorin"
    page = html(staff_client.get("/konto").text)
    assert one(page, 'main a[href="/konto/tokens"]') is not None
    assert staff_client.get("/konto/tokens").status_code == 200


# --- forgotten password -----------------------------------------------------------------------


def _without_csrf(page: str) -> str:
    return re.sub(r'name="_csrf_token" value="[^"]*"', "", page)


def _reset_links(settings: Settings) -> int:
    async def count(session: AsyncSession) -> int:
        rows = await session.exec(
            select(AccountLink).where(col(AccountLink.purpose) == LinkPurpose.PASSWORD_RESET)
        )
        return len(rows.all())

    return in_db(settings, count)


def test_the_answer_is_the_same_whether_or_not_the_address_exists(
    settings: Settings, moderator: User
) -> None:
    mailing = replace(
        settings,
        base_url="https://beteiligung.example.org",
        mail=MailSettings(host="127.0.0.1", port=1, security="none", sender="b@example.org"),
    )
    with TestClient(create_app(mailing), base_url="http://testserver.local") as client:
        unknown = post_form(client, "/passwort-vergessen", {"email": "niemand@example.org"})
        assert _reset_links(mailing) == 0
        known = post_form(client, "/passwort-vergessen", {"email": moderator.email.upper()})
        assert _reset_links(mailing) == 1
        assert unknown.status_code == known.status_code == 200
        assert _without_csrf(unknown.text) == _without_csrf(known.text)
        # At most a few requests per network address.
        for _ in range(3):
            post_form(client, "/passwort-vergessen", {"email": "niemand@example.org"})
        assert (
            post_form(client, "/passwort-vergessen", {"email": moderator.email}).status_code == 429
        )
    assert _reset_links(mailing) == 1


def test_the_login_page_offers_the_forgotten_password(client: Client) -> None:
    link = one(html(client.get("/login").text), 'a[href="/passwort-vergessen"]')
    assert text_of(link) == german("Forgotten your password?")
    form = html(client.get("/passwort-vergessen").text)
    assert one(form, "#email")["type"] == "email"
