"""The moderators' daily digest: turned on and off on its page; new items, new reports and
overdue items of the processes a moderator moderates; at most one mail a day per person,
also with two app processes sending at once; nothing on a day without news; delivered
over real SMTP by the app's hourly task."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import col, select

from participation.app import create_app
from participation.db import SessionMaker
from participation.models import (
    ContributionStatus,
    DigestSubscription,
    OutgoingMail,
    Report,
    ReportReason,
    Role,
    User,
    utcnow,
)
from participation.services import queue_digest
from participation.settings import Settings
from tests import mail_fixtures
from tests.helpers import Client, add_actor, add_process, html, in_db, one, post_form, text_of
from tests.mail_fixtures import BASE
from tests.moderation_helpers import add_item
from tests.smtp_inbox import Inbox, body_of

# A local SMTP server, settings that send to it, sessions that queue mails.
inbox = mail_fixtures.inbox
settings = mail_fixtures.settings
sessions = mail_fixtures.sessions


async def _subscribed(sessions: SessionMaker, email: str = "mod@example.org") -> User:
    async with sessions() as db:
        user = await add_actor(db, email)
        await queue_digest.subscribe(db, user, True)
        return user


async def _mails(sessions: SessionMaker) -> list[OutgoingMail]:
    async with sessions() as db:
        return list(await db.exec(select(OutgoingMail).order_by(col(OutgoingMail.id))))


async def test_one_digest_a_day_with_new_reported_and_overdue_items(
    sessions: SessionMaker,
) -> None:
    user = await _subscribed(sessions)
    async with sessions() as db:
        process = await add_process(db)
        await add_item(db, process, title="Neu")
        await add_item(db, process, title="Alt", created_at=utcnow() - timedelta(days=9))
        published = await add_item(
            db, process, title="Öffentlich", status=ContributionStatus.PUBLISHED
        )
        db.add(Report(contribution_id=published.id or 0, reason=ReportReason.SPAM))
        await db.commit()
        now = utcnow()  # the digest's run, after all of it came in
        assert await queue_digest.send_digests(db, now) == 1
        # An hour later, and a day less ten minutes later: nothing again.
        assert await queue_digest.send_digests(db, now + timedelta(hours=1)) == 0
        assert await queue_digest.send_digests(db, now + timedelta(hours=23)) == 0
    (mail,) = await _mails(sessions)
    assert mail.recipient == user.email
    assert "Radwege im Auetal" in mail.body
    assert "1 neuer Beitrag seit der letzten Zusammenfassung" in mail.body
    assert "1 neue Meldung" in mail.body
    assert "1 Beitrag wartet länger als 7 Tage" in mail.body
    assert f"{BASE}/moderation?process={process.slug}&age=7" in mail.body
    assert f"{BASE}/moderation/zusammenfassung" in mail.body

    # The next day: only what is new since then (the overdue one is still overdue).
    async with sessions() as db:
        assert await queue_digest.send_digests(db, now + timedelta(hours=24)) == 1
    second = (await _mails(sessions))[-1]
    assert "neuer Beitrag" not in second.body
    assert "1 Beitrag wartet länger als 7 Tage" in second.body


async def test_nothing_without_news_nor_for_those_who_no_longer_moderate(
    sessions: SessionMaker,
) -> None:
    user = await _subscribed(sessions)
    now = utcnow()
    async with sessions() as db:
        assert await queue_digest.send_digests(db, now) == 0  # no process, no news
        process = await add_process(db)
        await add_item(db, process)
        stored = await db.get(User, user.id)
        assert stored is not None
        stored.role = Role.EVALUATOR
        await db.commit()
        assert await queue_digest.send_digests(db, now) == 0
        subscription = await db.get(DigestSubscription, user.id)
        assert subscription is not None
        assert subscription.last_sent_at is None  # nothing claimed
    assert await _mails(sessions) == []


async def test_two_app_processes_send_one_digest(
    sessions: SessionMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second process finds the digest claimed between reading and claiming it."""
    await _subscribed(sessions)
    now = utcnow()
    async with sessions() as db:
        process = await add_process(db)
        await add_item(db, process)
    real = queue_digest.news_for
    raced: list[int] = []

    async def other_process_first(*args: Any) -> Any:
        if not raced:
            raced.append(-1)  # once: the other process's own run comes through here too
            async with sessions() as other:
                raced[0] = await queue_digest.send_digests(other, now)
        return await real(*args)

    monkeypatch.setattr(queue_digest, "news_for", other_process_first)
    async with sessions() as db:
        assert await queue_digest.send_digests(db, now) == 0
    assert raced == [1]
    assert len(await _mails(sessions)) == 1


def test_the_digest_is_turned_on_and_off_on_its_page(
    staff_client: Client, settings: Settings, moderator: User
) -> None:
    page = html(staff_client.get("/moderation/zusammenfassung").text)
    assert text_of(one(page, ".digest-state")) == "Sie erhalten die tägliche Zusammenfassung nicht."
    assert (
        post_form(staff_client, "/moderation/zusammenfassung", {"digest": "on"}).status_code == 303
    )

    async def subscribed(session: Any) -> bool:
        return await queue_digest.is_subscribed(session, moderator.id or 0)

    assert in_db(settings, subscribed)
    queue = html(staff_client.get("/moderation").text)
    assert one(queue, "a[href='/moderation/zusammenfassung']")
    post_form(staff_client, "/moderation/zusammenfassung", {"digest": "off"})
    assert not in_db(settings, subscribed)


def test_the_app_sends_the_digest_over_smtp(
    settings: Settings, inbox: Inbox, moderator: User
) -> None:
    async def prepare(session: Any) -> datetime:
        process = await add_process(session)
        await add_item(session, process, title="Radweg")
        await queue_digest.subscribe(session, moderator, True)
        return utcnow()

    in_db(settings, prepare)
    with TestClient(create_app(settings), base_url=BASE):
        (message,) = inbox.to(moderator.email)
    assert "Moderation" in str(message["Subject"])
    assert "1 neuer Beitrag" in body_of(message)


async def test_deleting_a_subscriber_deletes_the_subscription(sessions: SessionMaker) -> None:
    user = await _subscribed(sessions)
    async with sessions() as db:
        stored = await db.get(User, user.id)
        await db.delete(stored)
        await db.commit()
        assert await db.get(DigestSubscription, user.id) is None
