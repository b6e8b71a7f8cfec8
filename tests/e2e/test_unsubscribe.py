"""The stop link in every e-mail, in a real browser: its page (axe, 360 px), the button, and
the result; the 404 page of a spent link is checked in tests/test_mail.py. The idea is sent
without JavaScript (quicker, no htmx to wait for); the stop page is checked with it, since
axe runs as a script."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer, check
from tests.smtp_inbox import body_of

pytestmark = pytest.mark.e2e

PROCESS = "/processes/digitalstrategie-auetal"
ADDRESS = "stopp@auetal.example"
TITLE = "Mitfahrbank am Dorfplatz in Kornbach"


def test_stop_link_from_the_mail(browser: Browser, page: Page, live_server: LiveServer) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    try:
        form = context.new_page()
        form.goto(live_server.url + PROCESS)
        form.get_by_label("Titel Ihrer Idee").fill(TITLE)
        form.get_by_label("Ihre Idee", exact=True).fill(
            "Eine Bank, auf der man zeigt, dass man mitgenommen werden möchte, hilft allen "
            "ohne Auto."
        )
        form.get_by_label("Einwohnerin oder Einwohner").check()
        form.get_by_label("E-Mail für Benachrichtigungen").fill(ADDRESS)
        form.get_by_label(re.compile("meine E-Mail-Adresse darf gespeichert")).check()
        form.locator("#consent").check()
        form.get_by_role("button", name="Idee absenden").click()
        expect(form).to_have_url(re.compile(r"/follow/[\w-]+\?submitted=1"))
        check(form)
    finally:
        context.close()

    (mail,) = live_server.inbox.to(ADDRESS)
    found = re.search(r"http://\S+/abbestellen/\S+", body_of(mail))
    assert found is not None
    link = found.group(0)
    assert str(mail["List-Unsubscribe"]).strip() == f"<{link}>"

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("E-Mails zu Ihrer Idee abbestellen?")
    expect(page.get_by_text("s***@auetal.example")).to_be_visible()
    check(page)
    page.get_by_role("button", name="E-Mail-Benachrichtigungen abbestellen").click()
    expect(page.get_by_text("Sie erhalten keine E-Mails mehr zu dieser Idee.")).to_be_visible()
    check(page)
