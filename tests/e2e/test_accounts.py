"""Accounts in a real browser, from the admin who invites to the person who signs in: the
invitation by mail, joining, turning on two-factor sign-in with the key shown, signing in
with a code, and a forgotten password by mail link. Every page gets axe and the phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from participation.models import utcnow
from participation.services.accounts import totp
from tests.e2e.conftest import LiveServer, check, create_staff, submit_login
from tests.smtp_inbox import body_of

pytestmark = pytest.mark.e2e

ADMIN = "leitung@auetal.example"
ADMIN_PASSWORD = "Leitung des Verfahrens im Auetal"
MIRA = "mira@auetal.example"
MIRA_PASSWORD = "Mira moderiert gern am Abend"
MIRA_NEW_PASSWORD = "Ein neues Passwort für Mira 2027"


def _link(server: LiveServer, address: str, count: int, path: str) -> str:
    mail = server.inbox.to(address, count)[-1]
    found = re.search(rf"http://\S+{path}\S+", body_of(mail))
    assert found is not None, body_of(mail)
    return found.group(0)


def _next_code(secret: str) -> str:
    """The code of the next step: the window takes it, and it is later than any used."""
    return totp.code_for_step(secret, totp.step_at(utcnow()) + 1)


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Abmelden").first.click()
    expect(page.get_by_text("Sie wurden abgemeldet.")).to_be_visible()


def test_invitation_two_factor_and_forgotten_password(
    browser: Browser, page: Page, live_server: LiveServer
) -> None:
    create_staff(live_server, ADMIN, ADMIN_PASSWORD, "admin")
    page.goto(live_server.url + "/login")
    submit_login(page, ADMIN, ADMIN_PASSWORD)
    page.goto(live_server.url + "/admin/users")
    check(page)
    page.get_by_label("E-Mail-Adresse").fill(MIRA)
    page.get_by_label("Rolle").select_option("moderator")
    page.get_by_role("button", name="Einladung senden").click()
    expect(page.get_by_text(f"Die Einladung an {MIRA} ist unterwegs.")).to_be_visible()
    check(page)

    # Mira follows the mail's link on her phone and sets up her account.
    context = browser.new_context(locale="de-DE", viewport={"width": 375, "height": 800})
    mira = context.new_page()
    try:
        mira.goto(_link(live_server, MIRA, 1, "/einladung/"))
        expect(mira.get_by_role("heading", level=1)).to_have_text("Konto einrichten")
        check(mira)
        mira.get_by_label("Ihr Name").fill("Mira Moderatorin")
        mira.get_by_label("Neues Passwort", exact=True).fill(MIRA_PASSWORD)
        mira.get_by_label("Neues Passwort wiederholen").fill(MIRA_PASSWORD)
        mira.get_by_role("button", name="Speichern und anmelden").click()
        expect(mira).to_have_url(re.compile(r"/moderation$"))
        expect(mira.get_by_text("Willkommen! Ihr Konto ist eingerichtet.")).to_be_visible()

        # Two-factor sign-in, with the key shown as text.
        mira.get_by_role("link", name="Mein Konto").first.click()
        check(mira)
        mira.get_by_role("link", name="Zwei-Faktor-Anmeldung einrichten").click()
        check(mira)
        secret = mira.locator("[data-secret]").inner_text().replace(" ", "")
        mira.get_by_label("Code aus der App").fill(totp.code_at(secret, utcnow()))
        mira.get_by_role("button", name="Einschalten").click()
        expect(mira.get_by_role("heading", level=1)).to_have_text("Ihre Wiederherstellungscodes")
        check(mira)
        recovery = mira.locator(".recovery-codes li").all_inner_texts()
        assert len(recovery) == 10
        mira.get_by_role("link", name="Ich habe die Codes aufbewahrt – weiter").click()
        expect(mira.get_by_text("An: Nach Ihrem Passwort")).to_be_visible()

        # Signing in again takes the password and then a code.
        _sign_out(mira)
        mira.goto(live_server.url + "/login")
        submit_login(mira, MIRA, MIRA_PASSWORD)
        expect(mira).to_have_url(re.compile(r"/login/code$"))
        check(mira)
        mira.get_by_label("Code").fill(_next_code(secret))
        mira.get_by_role("button", name="Anmelden").click()
        expect(mira).to_have_url(re.compile(r"/moderation$"))

        # A forgotten password: the link from the mail, then a recovery code as second step.
        _sign_out(mira)
        mira.goto(live_server.url + "/login")
        mira.get_by_role("link", name="Passwort vergessen?").click()
        check(mira)
        mira.get_by_label("E-Mail-Adresse").fill(MIRA)
        mira.get_by_role("button", name="Link senden").click()
        expect(mira.get_by_text("Falls zu dieser E-Mail-Adresse ein Konto besteht")).to_be_visible()
        check(mira)
        mira.goto(_link(live_server, MIRA, 2, "/passwort-neu/"))
        check(mira)
        mira.get_by_label("Neues Passwort", exact=True).fill(MIRA_NEW_PASSWORD)
        mira.get_by_label("Neues Passwort wiederholen").fill(MIRA_NEW_PASSWORD)
        mira.get_by_role("button", name="Passwort speichern").click()
        expect(mira.get_by_text("Ihr neues Passwort ist gesetzt.")).to_be_visible()
        submit_login(mira, MIRA, MIRA_NEW_PASSWORD)
        mira.get_by_label("Code").fill(recovery[0])
        mira.get_by_role("button", name="Anmelden").click()
        expect(mira).to_have_url(re.compile(r"/moderation$"))
    finally:
        context.close()

    # The admin sees Mira's account with two-factor sign-in on, and its log.
    page.goto(live_server.url + "/admin/users")
    row = page.get_by_role("row").filter(has_text=MIRA)
    expect(row).to_contain_text("Mira Moderatorin")
    expect(row.get_by_role("cell").last).to_have_text("an")
    row.get_by_role("link", name="Mira Moderatorin").click()
    for entry in (
        "Eingeladen",
        "Beigetreten (Passwort gesetzt)",
        "Zwei-Faktor-Anmeldung eingeschaltet",
        "Passwort per E-Mail-Link neu gesetzt",
        "Mit einem Wiederherstellungscode angemeldet",
    ):
        expect(page.locator("#account-log-caption").locator("..")).to_contain_text(entry)
    check(page)
