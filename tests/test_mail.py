"""E-mail to authors who gave an address and consented: queued in the outbox with the event,
delivered over real SMTP (aiosmtpd on a local port) by the app's sender or `send_pending`,
in the author's language, retried with back-off while the server is down, never twice."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from click.testing import CliRunner
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.cli import main as cli
from participation.db import SessionMaker, create_engine, create_sessionmaker
from participation.i18n import translations_for
from participation.mail_sender import (
    BACKOFF,
    MAX_ATTEMPTS,
    SendResult,
    build_message,
    next_attempt,
    send_pending,
)
from participation.models import Contribution, ContributionStatus, OutgoingMail, Process, utcnow
from participation.services import processes
from participation.services.contributions import IdeaForm, submit_idea
from participation.services.errors import ValidationFailed
from participation.services.follow import delete_contribution, unsubscribe
from participation.services.mail import (
    MailContext,
    MailEvent,
    enable,
    notify_author,
    unsubscribe_token,
    unsubscribe_url_in,
)
from participation.services.merging import merge_contributions
from participation.settings import PROJECT_ROOT, MailSettings, Settings
from tests.helpers import (
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_process,
    attr,
    de,
    field_error,
    follow_token_from,
    html,
    in_db,
    one,
    post_form,
    valid_idea,
)
from tests.moderation_helpers import decide
from tests.smtp_inbox import Inbox, body_of, free_port, smtp_inbox

BASE = "http://testserver.local"
SENDER = "Beteiligung Landkreis <beteiligung@example.org>"
ADDRESS = "anna.beispiel@example.org"
TOKEN = "follow-token-of-the-author-123"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as received:
        yield received


def _mail_settings(port: int) -> MailSettings:
    return MailSettings(host="127.0.0.1", port=port, security="none", sender=SENDER)


@pytest.fixture
def settings(settings: Settings, inbox: Inbox) -> Settings:
    """The test settings with sending on, to the local SMTP server."""
    return replace(settings, base_url=BASE, mail=_mail_settings(inbox.port))


@pytest.fixture
async def mail_sessions(settings: Settings) -> AsyncIterator[SessionMaker]:
    """Sessions that queue mails, as the app's do, but with no sender running."""
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    enable(sessionmaker, MailContext(settings))
    yield sessionmaker
    await engine.dispose()


def _outbox(settings: Settings) -> list[OutgoingMail]:
    async def rows(session: AsyncSession) -> list[OutgoingMail]:
        return list(await session.exec(select(OutgoingMail).order_by(col(OutgoingMail.id))))

    return in_db(settings, rows)


def _submit(client: Client, **fields: str) -> str:
    form = valid_idea(notify_email=ADDRESS, notify_consent="on", **fields)
    response = post_form(client, f"/processes/{SLUG}/ideas", form)
    assert response.status_code == 303, response.text
    return follow_token_from(response)


def _contribution(settings: Settings) -> Contribution:
    async def latest(session: AsyncSession) -> Contribution:
        query = select(Contribution).order_by(col(Contribution.id).desc())
        return (await session.exec(query)).first()  # type: ignore[return-value]

    return in_db(settings, latest)


def _assert_a_pass_sends_nothing(settings: Settings, inbox: Inbox, delivered: int) -> None:
    """Nothing waits to be sent: a pass over the outbox of our own, the one the app's sender
    makes when woken, finds nothing due, and the inbox still holds `delivered` mails. (The
    outbox rows are the record of what was queued; this checks it without waiting and
    hoping the app's sender has had its turn by then.)"""

    async def outbox_pass() -> SendResult:
        assert settings.mail is not None
        engine = create_engine(settings)
        try:
            return await send_pending(create_sessionmaker(engine), settings.mail)
        finally:
            await engine.dispose()

    assert asyncio.run(outbox_pass()) == SendResult()
    assert len(inbox.messages) == delivered


# --- submission --------------------------------------------------------------------------------


def test_submission_mail_in_german_with_a_follow_link_that_works(
    client: Client, process: Process, inbox: Inbox, settings: Settings
) -> None:
    token = _submit(client, title="Sichere Radwege zur Schule")

    (message,) = inbox.wait_for(1)
    recipients = inbox.messages[0][0]
    assert recipients == [ADDRESS]
    assert message["To"] == ADDRESS
    assert message["From"] == SENDER
    assert message["Subject"] == "Vielen Dank für Ihre Idee: Sichere Radwege zur Schule"
    assert message["Date"]
    assert re.fullmatch(r"<outbox\.\d+\.[0-9a-f]{16}@example\.org>", message["Message-ID"])
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    body = body_of(message)
    assert body.startswith("Guten Tag,\n\nvielen Dank für Ihre Idee „Sichere Radwege zur Schule“")
    assert "Jede Idee wird vor der Veröffentlichung von der Moderation geprüft." in body
    assert "„E-Mail-Benachrichtigungen abbestellen“" in body  # how to stop
    links = re.findall(rf"{re.escape(BASE)}/follow/\S+", body)
    assert links == [f"{BASE}/follow/{token}", f"{BASE}/follow/{token}"]
    page = client.get(links[0].removeprefix(BASE))
    assert page.status_code == 200
    assert "Sichere Radwege zur Schule" in page.text

    (row,) = _outbox(settings)
    assert row.sent_at is not None
    assert row.attempts == 1
    assert row.next_attempt_at is None
    # Once sent, the stored copy no longer holds the token: the database keeps only its hash.
    assert token not in row.body
    assert f"{BASE}/follow/…" in row.body
    assert row.contribution_id == _contribution(settings).id
    assert _contribution(settings).notify_locale == "de"


def test_post_moderation_mail_says_the_idea_is_visible(
    client: Client, inbox: Inbox, settings: Settings
) -> None:
    from participation.models import ModerationMode

    in_db(settings, lambda s: add_process(s, mode=ModerationMode.AFTER_PUBLISHING))
    _submit(client)
    body = body_of(inbox.wait_for(1)[0])
    idea = _contribution(settings)
    assert "Sie ist schon auf der Seite des Verfahrens zu sehen" in body
    assert f"{BASE}/processes/{SLUG}/ideas/{idea.id}" in body


def test_no_address_or_no_consent_means_no_mail(
    client: Client, process: Process, inbox: Inbox, settings: Settings
) -> None:
    plain = post_form(client, f"/processes/{SLUG}/ideas", valid_idea())
    assert plain.status_code == 303
    unconsented = post_form(
        client,
        f"/processes/{SLUG}/ideas",
        valid_idea(title="Zweite Idee hier", notify_email=ADDRESS),
    )
    assert unconsented.status_code == 422  # the form asks for the consent
    assert _outbox(settings) == []
    _assert_a_pass_sends_nothing(settings, inbox, delivered=0)
    assert _contribution(settings).notify_email is None


def test_form_asks_for_the_address_with_a_consent_of_its_own(
    client: Client, process: Process, settings: Settings
) -> None:
    page = html(client.get(f"/processes/{SLUG}").text)
    one(page, "input#notify_email[type=email]")
    one(page, "input#notify_consent[type=checkbox]")
    assert not one(page, "#notify_consent").has_attr("required")
    # A wrong address and a missing consent are named at their fields; the typing stays.
    typed = valid_idea(notify_email="anna@beispiel")
    response = post_form(client, f"/processes/{SLUG}/ideas", typed)
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "notify_email") == de(
        "Please check the e-mail address, e.g. name@example.org."
    )
    assert field_error(page, "notify_consent") == de(
        "To receive e-mails, please tick this box; or leave the address out."
    )
    assert attr(one(page, "#notify_email"), "value") == "anna@beispiel"


async def test_address_is_stored_only_with_consent(mail_sessions: SessionMaker) -> None:
    async with mail_sessions() as session:
        process = await add_process(session)
        overview = await processes.get_process(session, process.slug)
        assert overview is not None
        unconsented = IdeaForm.from_form(valid_idea(notify_email=ADDRESS))
        with pytest.raises(ValidationFailed):
            await submit_idea(session, overview, unconsented)
        plain = await submit_idea(session, overview, IdeaForm.from_form(valid_idea()))
        assert plain.contribution.notify_email is None
        assert plain.contribution.notify_consent_at is None
        consented = valid_idea(notify_email=f" {ADDRESS} ", notify_consent="on")
        wanted = await submit_idea(session, overview, IdeaForm.from_form(consented))
        assert wanted.contribution.notify_email == ADDRESS
        assert wanted.contribution.notify_consent_at is not None
        assert len(list(await session.exec(select(OutgoingMail)))) == 1


def test_english_when_submitted_in_english(
    client: Client, process: Process, inbox: Inbox, settings: Settings
) -> None:
    form = valid_idea(title="Safe cycle lanes", notify_email=ADDRESS, notify_consent="on")
    response = post_form(
        client, f"/processes/{SLUG}/ideas", form, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 303
    (message,) = inbox.wait_for(1)
    assert message["Subject"] == "Thank you for your idea: Safe cycle lanes"
    body = body_of(message)
    assert body.startswith("Hello,\n\nthank you for your idea “Safe cycle lanes”")
    assert "“Unsubscribe from e-mail notifications”" in body
    assert _contribution(settings).notify_locale == "en"
    export = client.get(f"/follow/{follow_token_from(response)}/export.json").json()
    assert export["contributions"][0]["notify_locale"] == "en"
    assert export["contributions"][0]["notify_email"] == ADDRESS


# --- moderators' decisions ---------------------------------------------------------------------


def test_each_decision_and_answer_sends_one_mail(
    staff_client: Client, process: Process, inbox: Inbox, settings: Settings
) -> None:
    _submit(staff_client, title="Radweg nach Kornbach")
    inbox.wait_for(1)
    idea = _contribution(settings)
    idea_url = f"{BASE}/processes/{SLUG}/ideas/{idea.id}"

    asked = decide(
        staff_client, settings, idea.id, "request-changes", {"reason": "Bitte Ort nennen."}
    )
    assert asked.status_code == 303
    message = inbox.wait_for(2)[1]
    assert message["Subject"] == "Bitte überarbeiten Sie Ihre Idee: Radweg nach Kornbach"
    body = body_of(message)
    assert "Bitte Ort nennen." in body
    assert "nutzen Sie Ihren privaten Link aus der ersten E-Mail" in body
    assert "/follow/" not in body  # the plain token is not stored anywhere
    assert "„E-Mail-Benachrichtigungen abbestellen“" in body

    assert decide(staff_client, settings, idea.id, "approve").status_code == 303
    message = inbox.wait_for(3)[2]
    assert message["Subject"] == "Ihre Idee ist veröffentlicht: Radweg nach Kornbach"
    assert idea_url in body_of(message)

    answered = decide(staff_client, settings, idea.id, "answer", {"answer": "Wir prüfen das 2027."})
    assert answered.status_code == 303
    message = inbox.wait_for(4)[3]
    assert message["Subject"] == "Die Moderation hat Ihre Idee beantwortet: Radweg nach Kornbach"
    assert "Wir prüfen das 2027." in body_of(message)
    assert idea_url in body_of(message)

    rejected = decide(staff_client, settings, idea.id, "reject", {"reason": "Doppelt eingereicht."})
    assert rejected.status_code == 303
    message = inbox.wait_for(5)[4]
    assert message["Subject"] == "Ihre Idee wurde nicht veröffentlicht: Radweg nach Kornbach"
    assert "Die Begründung:\nDoppelt eingereicht." in body_of(message)

    # The same answer again changes nothing and sends nothing.
    decide(staff_client, settings, idea.id, "answer", {"answer": "Wir prüfen das 2027."})
    assert [row.sent_at is not None for row in _outbox(settings)] == [True] * 5
    _assert_a_pass_sends_nothing(settings, inbox, delivered=5)


def test_hiding_sends_a_mail_with_the_reason(
    staff_client: Client, process: Process, inbox: Inbox, settings: Settings
) -> None:
    _submit(staff_client)
    inbox.wait_for(1)
    idea = _contribution(settings)
    hidden = post_form(
        staff_client,
        f"/moderation/contributions/{idea.id}/hide",
        {"reason": "Werbung.", "version": "0"},
    )
    assert hidden.status_code == 303
    message = inbox.wait_for(2)[1]
    assert message["Subject"].startswith("Ihre Idee wurde von den öffentlichen Seiten genommen")
    assert "Werbung." in body_of(message)


async def test_merge_mail_names_and_links_the_other_idea(
    session: AsyncSession, mail_sessions: SessionMaker
) -> None:
    process = await add_process(session)
    mine = await add_idea(session, process, title="Radweg Kornbach", follow_token=TOKEN)
    other = await add_idea(session, process, title="Radwege im ganzen Auetal")
    mine.notify_email = ADDRESS
    session.add(mine)
    await session.commit()
    async with mail_sessions() as db:
        row = await notify_author(db, mine, MailEvent.MERGED, merged_into=other)
        await db.commit()
    assert row is not None
    assert row.subject == "Ihre Idee wurde mit einer ähnlichen zusammengeführt: Radweg Kornbach"
    assert f"Radwege im ganzen Auetal\n{BASE}/processes/{SLUG}/ideas/{other.id}" in row.body


async def test_merging_tells_the_author_of_the_merged_idea(
    session: AsyncSession, mail_sessions: SessionMaker
) -> None:
    process = await add_process(session)
    mine = await add_idea(session, process, title="Radweg Kornbach", follow_token=TOKEN)
    other = await add_idea(session, process, title="Radwege im ganzen Auetal")
    mine.notify_email = ADDRESS
    session.add(mine)
    await session.commit()
    actor = await add_actor(session, "mod@example.org")
    assert mine.id is not None
    assert other.id is not None
    async with mail_sessions() as db:
        await merge_contributions(db, keep_id=other.id, merged_id=mine.id, actor=actor)
    rows = await _rows(mail_sessions)
    assert [row.subject for row in rows] == [
        "Ihre Idee wurde mit einer ähnlichen zusammengeführt: Radweg Kornbach"
    ]
    assert rows[0].contribution_id == mine.id
    assert f"{BASE}/processes/{SLUG}/ideas/{other.id}" in rows[0].body


# --- delivery: failures, back-off, concurrency -------------------------------------------------


async def _queue(mail_sessions: SessionMaker, n: int) -> None:
    async with mail_sessions() as db:
        process = await add_process(db)
        for i in range(n):
            idea = await add_idea(db, process, title=f"Idee Nummer {i}")
            idea.notify_email = f"person{i}@example.org"
            await notify_author(db, idea, MailEvent.PUBLISHED)
        await db.commit()


async def _rows(mail_sessions: SessionMaker) -> list[OutgoingMail]:
    async with mail_sessions() as db:
        return list(await db.exec(select(OutgoingMail).order_by(col(OutgoingMail.id))))


async def test_server_down_keeps_the_mail_and_a_later_run_delivers_it_once(
    mail_sessions: SessionMaker, settings: Settings, inbox: Inbox
) -> None:
    await _queue(mail_sessions, 1)
    assert settings.mail is not None
    down = replace(settings.mail, port=free_port())  # nothing listens there

    failed = await send_pending(mail_sessions, down)
    assert (failed.sent, failed.failed) == (0, 1)
    (row,) = await _rows(mail_sessions)
    assert row.attempts == 1
    assert row.sent_at is None
    assert row.last_error
    assert row.next_attempt_at is not None
    assert row.next_attempt_at - row.created_at >= BACKOFF[0] - timedelta(seconds=5)

    early = await send_pending(mail_sessions, settings.mail)  # not due yet
    assert (early.sent, early.failed) == (0, 0)
    later = utcnow() + timedelta(minutes=2)
    delivered = await send_pending(mail_sessions, settings.mail, now=later)
    assert (delivered.sent, delivered.failed) == (1, 0)
    again = await send_pending(mail_sessions, settings.mail, now=later + timedelta(days=1))
    assert (again.sent, again.failed) == (0, 0)
    await asyncio.to_thread(inbox.wait_for, 1)
    assert len(inbox.messages) == 1
    (row,) = await _rows(mail_sessions)
    assert (row.attempts, row.last_error, row.next_attempt_at) == (2, "", None)
    assert row.sent_at is not None


def test_back_off_then_give_up_after_eight_attempts() -> None:
    now = utcnow()
    waits = [next_attempt(n, now) for n in range(1, MAX_ATTEMPTS + 1)]
    assert [w - now for w in waits[:-1] if w is not None] == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=12),
        timedelta(hours=12),
        timedelta(hours=12),
    ]
    assert waits[-1] is None


async def test_the_eighth_failure_gives_up_and_keeps_the_row(
    mail_sessions: SessionMaker, settings: Settings
) -> None:
    await _queue(mail_sessions, 1)
    async with mail_sessions() as db:
        (row,) = list(await db.exec(select(OutgoingMail)))
        row.attempts = MAX_ATTEMPTS - 1
        db.add(row)
        await db.commit()
    assert settings.mail is not None
    down = replace(settings.mail, port=free_port())
    assert (await send_pending(mail_sessions, down)).failed == 1
    (row,) = await _rows(mail_sessions)
    assert (row.attempts, row.sent_at, row.next_attempt_at) == (MAX_ATTEMPTS, None, None)
    assert row.last_error
    far = utcnow() + timedelta(days=30)
    assert (await send_pending(mail_sessions, settings.mail, now=far)).sent == 0


async def test_two_senders_deliver_each_mail_once(
    mail_sessions: SessionMaker, settings: Settings, inbox: Inbox
) -> None:
    await _queue(mail_sessions, 12)
    assert settings.mail is not None
    other_engine = create_engine(settings)  # a second app process: its own connections
    try:
        first, second = await asyncio.gather(
            send_pending(mail_sessions, settings.mail),
            send_pending(create_sessionmaker(other_engine), settings.mail),
        )
    finally:
        await other_engine.dispose()
    assert first.sent + second.sent == 12
    assert first.failed + second.failed == 0
    await asyncio.to_thread(inbox.wait_for, 12)
    recipients = sorted(rcpt for rcpts, _message in inbox.messages for rcpt in rcpts)
    assert recipients == sorted(f"person{i}@example.org" for i in range(12))
    assert all(row.attempts == 1 and row.sent_at is not None for row in await _rows(mail_sessions))


def test_cli_sends_what_is_due(
    settings: Settings, inbox: Inbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async def queue() -> None:
        engine = create_engine(settings)
        sessionmaker = create_sessionmaker(engine)
        enable(sessionmaker, MailContext(settings))
        await _queue(sessionmaker, 2)
        await engine.dispose()

    asyncio.run(queue())
    assert settings.mail is not None
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BASE_URL", BASE)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(settings.mail.port))
    monkeypatch.setenv("SMTP_SECURITY", "none")
    monkeypatch.setenv("MAIL_FROM", SENDER)
    result = CliRunner().invoke(cli, ["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Sent: 2, failed: 0"
    assert len(inbox.wait_for(2)) == 2


# --- stopping --------------------------------------------------------------------------------


async def test_unsubscribe_forgets_the_address_and_drops_unsent_mails(
    mail_sessions: SessionMaker,
) -> None:
    async with mail_sessions() as db:
        process = await add_process(db)
        idea = await add_idea(db, process, follow_token=TOKEN)
        idea.notify_email, idea.notify_locale = ADDRESS, "de"
        await notify_author(db, idea, MailEvent.PUBLISHED)
        await db.commit()
        assert await unsubscribe(db, TOKEN)
        assert not await unsubscribe(db, "no-such-token")
    async with mail_sessions() as db:
        stored = await db.get(Contribution, idea.id)
        assert stored is not None
        assert (stored.notify_email, stored.notify_consent_at, stored.notify_locale) == (
            None,
            None,
            None,
        )
        # Nothing more is queued for it either.
        assert await notify_author(db, stored, MailEvent.ANSWERED) is None
    assert await _rows(mail_sessions) == []


async def test_deleting_through_the_follow_link_deletes_its_mails(
    mail_sessions: SessionMaker,
) -> None:
    async with mail_sessions() as db:
        process = await add_process(db)
        idea = await add_idea(db, process, follow_token=TOKEN, status=ContributionStatus.PENDING)
        other = await add_idea(db, process, title="Eine andere Idee")
        idea.notify_email = other.notify_email = ADDRESS
        sent = await notify_author(db, idea, MailEvent.SUBMITTED, follow_token=TOKEN)
        await notify_author(db, idea, MailEvent.CHANGES_REQUESTED, reason="Mehr Details.")
        await notify_author(db, other, MailEvent.PUBLISHED)
        assert sent is not None
        sent.sent_at, sent.next_attempt_at = utcnow(), None
        await db.commit()
        assert idea.id is not None
        await delete_contribution(db, TOKEN, idea.id)
    # The unsent one must not go out; the sent one held the address. Others' mails stay.
    (kept,) = await _rows(mail_sessions)
    assert kept.contribution_id == other.id


async def test_other_deletions_keep_the_log_of_sent_mails(mail_sessions: SessionMaker) -> None:
    """A process deleted with its contributions: the mail rows stay, unlinked."""
    async with mail_sessions() as db:
        process = await add_process(db)
        idea = await add_idea(db, process)
        idea.notify_email = ADDRESS
        await notify_author(db, idea, MailEvent.PUBLISHED)
        await db.commit()
        await db.delete(process)
        await db.commit()
    (kept,) = await _rows(mail_sessions)
    assert kept.contribution_id is None  # ON DELETE SET NULL


def test_follow_page_shows_the_masked_address_and_unsubscribes(
    client: Client, process: Process, inbox: Inbox, settings: Settings
) -> None:
    token = _submit(client)
    inbox.wait_for(1)
    page = client.get(f"/follow/{token}")
    assert "Ihre E-Mail-Adresse für Neuigkeiten zu Ihrem Beitrag: a***@example.org." in page.text
    assert ADDRESS not in page.text

    without_csrf = client.post(f"/follow/{token}/unsubscribe", follow_redirects=False)
    assert without_csrf.status_code == 403
    response = post_form(client, f"/follow/{token}/unsubscribe")
    assert response.status_code == 303
    assert response.headers["location"] == f"/follow/{token}?unsubscribed=1"
    after = client.get(response.headers["location"])
    assert "Sie erhalten keine E-Mails mehr zu Ihrem Beitrag." in after.text
    assert "Wir haben keine E-Mail-Adresse zu Ihrem Beitrag" in after.text
    assert "E-Mail-Benachrichtigungen abbestellen" not in after.text
    assert _contribution(settings).notify_email is None
    assert post_form(client, "/follow/unknown-token/unsubscribe").status_code == 404


# --- texts -----------------------------------------------------------------------------------


def test_every_mail_text_has_a_german_translation() -> None:
    # babel.cfg extracts templates/**.html only; the mail templates are checked here.
    found = extract_from_dir(
        PROJECT_ROOT / "templates" / "mail",
        [("**.txt", "jinja2")],
        {"**.txt": {"extensions": "jinja2.ext.i18n"}},
    )
    ids = {message if isinstance(message, str) else message[0] for *_, message, _c, _x in found}
    assert len(ids) > 10
    german = translations_for("de")
    assert sorted(i for i in ids if german.ugettext(i) == i) == []


# --- the direct stop link in every mail --------------------------------------------------------

STOP_LINK = re.compile(rf"{re.escape(BASE)}/abbestellen/(\d+\.[A-Za-z0-9_-]+)")


def _stop_link(message: EmailMessage) -> str:
    """The stop link in a mail's text, checked against its List-Unsubscribe header."""
    (token,) = STOP_LINK.findall(body_of(message))
    url = f"{BASE}/abbestellen/{token}"
    # strip(): a long header is folded before the "<", and the parser keeps that space.
    assert str(message["List-Unsubscribe"]).strip() == f"<{url}>"
    return url.removeprefix(BASE)


def _queue_unsent(settings: Settings, contribution_id: int) -> None:
    """A mail about the idea that waits for a retry tomorrow."""

    async def add(session: AsyncSession) -> None:
        now = utcnow()
        session.add(
            OutgoingMail(
                recipient=ADDRESS,
                subject="Wartet",
                body="Wartet noch.",
                contribution_id=contribution_id,
                created_at=now,
                next_attempt_at=now + timedelta(days=1),
            )
        )
        await session.commit()

    in_db(settings, add)


def test_every_mail_has_its_own_stop_link_and_header(
    staff_client: Client, process: Process, inbox: Inbox, settings: Settings
) -> None:
    _submit(staff_client, title="Radweg nach Kornbach")
    idea = _contribution(settings)
    assert idea.id is not None
    expected = f"/abbestellen/{unsubscribe_token(settings, idea.id, ADDRESS)}"
    first = inbox.wait_for(1)[0]
    assert _stop_link(first) == expected
    assert "Oder nutzen Sie diesen Link, der nur die E-Mails abbestellt:" in body_of(first)

    approved = decide(staff_client, settings, idea.id, "approve")
    assert approved.status_code == 303
    decision = inbox.wait_for(2)[1]
    assert _stop_link(decision) == expected
    body = body_of(decision)
    assert "/follow/" not in body
    assert "öffnen Sie diesen Link und wählen Sie „E-Mail-Benachrichtigungen abbestellen“:" in body


def test_stop_link_page_changes_nothing_until_the_button_is_pressed(
    client: Client, process: Process, inbox: Inbox, settings: Settings
) -> None:
    _submit(client, title="Sichere Radwege zur Schule")
    link = _stop_link(inbox.wait_for(1)[0])
    idea = _contribution(settings)
    assert idea.id is not None
    _queue_unsent(settings, idea.id)

    page = client.get(link)  # what a mail scanner's prefetch does
    assert page.status_code == 200
    assert page.headers["content-language"] == "de"
    doc = html(page.text)
    assert one(doc, "h1").get_text(strip=True) == "E-Mails zu Ihrer Idee abbestellen?"
    assert "„Sichere Radwege zur Schule“ an a***@example.org" in page.text
    assert ADDRESS not in page.text
    form = one(doc, "form[method=post]")
    assert attr(form, "action") == link
    assert one(form, "button").get_text(strip=True) == "E-Mail-Benachrichtigungen abbestellen"
    assert _contribution(settings).notify_email == ADDRESS
    assert len(_outbox(settings)) == 2

    assert client.post(link, follow_redirects=False).status_code == 403  # no CSRF token
    assert _contribution(settings).notify_email == ADDRESS

    done = post_form(client, link)
    assert done.status_code == 200
    assert "Sie erhalten keine E-Mails mehr zu dieser Idee." in done.text
    stored = _contribution(settings)
    assert (stored.notify_email, stored.notify_consent_at, stored.notify_locale) == (
        None,
        None,
        None,
    )
    assert _outbox(settings) == []  # the unsent one does not go out; the sent one held the address

    for again in (post_form(client, link), client.get(link)):
        assert again.status_code == 404
        assert one(html(again.text), "h1").get_text(strip=True) == (
            "Dieser Link ist nicht mehr gültig"
        )
        assert "bereits abbestellt" in again.text


def _set_address(settings: Settings, contribution_id: int | None, address: str) -> None:
    async def change(session: AsyncSession) -> None:
        stored = await session.get(Contribution, contribution_id)
        assert stored is not None
        stored.notify_email = address
        await session.commit()

    in_db(settings, change)


def _address_of(settings: Settings, contribution_id: int | None) -> str | None:
    async def read(session: AsyncSession) -> str | None:
        stored = await session.get(Contribution, contribution_id)
        assert stored is not None
        return stored.notify_email

    return in_db(settings, read)


def test_forged_or_stale_stop_links_are_404(
    client: Client, process: Process, inbox: Inbox, settings: Settings
) -> None:
    _submit(client)
    link = _stop_link(inbox.wait_for(1)[0])
    idea = _contribution(settings)
    number, signature = link.removeprefix("/abbestellen/").split(".")
    other = in_db(settings, lambda s: add_idea(s, process, title="Eine andere Idee"))
    _set_address(settings, other.id, ADDRESS)
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    forged = [
        f"/abbestellen/{other.id}.{signature}",  # someone else's idea, same signature
        f"/abbestellen/{number}.{flipped}",
        f"/abbestellen/{number}.{signature[:-1]}",
        f"/abbestellen/{number}",
        f"/abbestellen/x.{signature}",
        f"/abbestellen/{'9' * 40}.{signature}",
        f"/abbestellen/{'9' * 10}.{signature}",  # beyond a 32-bit id
        f"/abbestellen/²{number}.{signature}",
        f"/abbestellen/{number}.{signature * 10}",
    ]
    for url in forged:
        assert client.get(url).status_code == 404, url
        response = post_form(client, url)
        assert response.status_code == 404, url
        assert "Dieser Link ist nicht mehr gültig" in response.text
    assert _address_of(settings, idea.id) == ADDRESS
    assert _address_of(settings, other.id) == ADDRESS

    # Bound to the address: once it changes, the old link is void.
    _set_address(settings, idea.id, "neu@example.org")
    assert client.get(link).status_code == 404
    assert post_form(client, link).status_code == 404
    assert _address_of(settings, idea.id) == "neu@example.org"


def test_stop_link_page_in_english(
    client: Client, process: Process, inbox: Inbox, settings: Settings
) -> None:
    _submit(client, title="Safe cycle lanes")
    link = _stop_link(inbox.wait_for(1)[0])
    english = {"Accept-Language": "en"}
    page = client.get(link, headers=english)
    assert page.status_code == 200
    assert one(html(page.text), "h1").get_text(strip=True) == "Stop e-mails about your idea?"
    assert "We send news about your idea “Safe cycle lanes” to a***@example.org." in page.text
    done = post_form(client, link, headers=english)
    assert "You will get no more e-mails about this idea." in done.text
    gone = client.get(link, headers=english)
    assert gone.status_code == 404
    assert one(html(gone.text), "h1").get_text(strip=True) == "This link is no longer valid"


def test_english_mail_has_the_stop_link_in_english(
    client: Client, process: Process, inbox: Inbox
) -> None:
    form = valid_idea(title="Safe cycle lanes", notify_email=ADDRESS, notify_consent="on")
    post_form(client, f"/processes/{SLUG}/ideas", form, headers={"Accept-Language": "en"})
    message = inbox.wait_for(1)[0]
    _stop_link(message)
    assert "Or use this link, which only stops the e-mails:" in body_of(message)


def test_no_list_unsubscribe_header_without_a_stop_link() -> None:
    """Mails queued before every mail had the link go out as before."""
    now = utcnow()
    mail = OutgoingMail(id=7, recipient=ADDRESS, subject="Alt", body="Ohne Link.", created_at=now)
    assert "List-Unsubscribe" not in build_message(mail, SENDER, now)
    assert unsubscribe_url_in("Ohne Link.") is None
