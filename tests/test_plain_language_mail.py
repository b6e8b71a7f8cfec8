"""The plain idea form where the site sends e-mail: the address is asked on a step of its own
with its own consent, and the idea's mail goes out as from the normal form."""

from __future__ import annotations

from typing import Final

from participation.models import Process
from participation.settings import Settings
from tests import mail_fixtures
from tests.helpers import SLUG, Client, contributions, de, field_error, html, in_db, one, post_form
from tests.smtp_inbox import Inbox, body_of

# The site sends e-mail, to a local SMTP server (the fixtures found by these names).
inbox = mail_fixtures.inbox
settings = mail_fixtures.settings

START: Final = f"/processes/{SLUG}/einfach"
ADDRESS: Final = "erika.beispiel@example.org"
ANSWERS: Final = {
    "title": "Ein Schild am Rad-Weg",
    "body": "Am Rad-Weg nach Kornbach fehlt ein Schild. Man verfährt sich leicht.",
    "segment": "resident",
}


def test_the_address_needs_its_consent_and_the_mail_goes_out(
    client: Client, process: Process, settings: Settings, inbox: Inbox
) -> None:
    response = post_form(client, START, {**ANSWERS, "step": "place", "go": "next"})
    contact = html(response.text)
    assert one(contact, "input[name=step]")["value"] == "contact"

    refused = post_form(
        client, START, {**ANSWERS, "step": "contact", "go": "next", "notify_email": ADDRESS}
    )
    assert refused.status_code == 422
    page = html(refused.text)
    assert field_error(page, "notify_consent") == de(
        "To receive e-mails, please tick this box; or leave the address out."
    )
    assert one(page, "#notify_email")["value"] == ADDRESS

    answers = {**ANSWERS, "notify_email": ADDRESS, "notify_consent": "on"}
    check = html(post_form(client, START, {**answers, "step": "contact", "go": "next"}).text)
    assert one(check, "input[name=step]")["value"] == "check"
    sent = post_form(client, f"{START}/senden", {**answers, "step": "check", "consent": "on"})
    assert sent.status_code == 303, sent.text

    [idea] = in_db(settings, contributions)
    assert idea.notify_email == ADDRESS
    assert idea.notify_consent_at is not None
    (message,) = inbox.wait_for(1)
    assert message["To"] == ADDRESS
    assert "Ein Schild am Rad-Weg" in body_of(message)
