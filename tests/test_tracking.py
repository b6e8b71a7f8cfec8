"""Tracking a published profile through the service API: progress, status (a revision like
any status change), milestones, indicator values in German notation, notes; who may record
them; and the news for the sources' authors, collected into at most one mail per address and
day and delivered over real SMTP (aiosmtpd on a local port)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import TypeVar

import pytest
from litestar.testing import TestClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.app import create_app
from participation.db import SessionMaker, create_engine, create_sessionmaker
from participation.mail_sender import send_pending
from participation.models import (
    IndicatorValue,
    OutgoingMail,
    Profile,
    ProfileRevision,
    ProfileStatus,
    ProfileUpdate,
    TrackingNotice,
    UpdateKind,
    utcnow,
)
from participation.services import tracking
from participation.services.errors import NotFound, ValidationFailed
from participation.services.follow import delete_contribution, unsubscribe
from participation.services.mail import MailContext, enable
from participation.services.tracking import inputs, timeline
from participation.settings import Settings
from tests import mail_fixtures
from tests.helpers import add_idea, in_locale
from tests.mail_fixtures import BASE
from tests.profile_rows import add_profile
from tests.smtp_inbox import Inbox, body_of
from tests.tracking_rows import AUTHOR, FOLLOW_TOKEN, TrackingWorld, tracking_world

# A local SMTP server, settings that send to it, sessions that queue mails.
inbox = mail_fixtures.inbox
settings = mail_fixtures.settings
sessions = mail_fixtures.sessions

T = TypeVar("T")


@pytest.fixture
async def world(sessions: SessionMaker) -> TrackingWorld:
    async with sessions() as db:
        return await tracking_world(db)


async def _all(sessions: SessionMaker, model: type[T]) -> list[T]:
    async with sessions() as db:
        return list(await db.exec(select(model).order_by(col(model.id))))  # type: ignore[attr-defined]


async def _deliver(sessions: SessionMaker, settings: Settings) -> int:
    assert settings.mail is not None
    return (await send_pending(sessions, settings.mail)).sent


# --- the service API ---------------------------------------------------------------------------


async def test_an_editor_records_progress_milestones_values_and_a_note(
    sessions: SessionMaker, world: TrackingWorld
) -> None:
    profile_id, editor = world.profile.id or 0, world.editor
    async with sessions() as db:
        assert await tracking.record_progress(db, profile_id, editor, "40") is not None
        assert await tracking.record_progress(db, profile_id, editor, "40 %") is None  # same
        await tracking.record_progress(db, profile_id, editor, 55)
        added = await tracking.add_milestone(
            db, profile_id, editor, "Ausschreibung", planned_on="31.03.2027"
        )
        milestone_id = added.details["milestone_id"]
        await tracking.reach_milestone(db, profile_id, milestone_id, editor, "2027-04-02")
        await tracking.record_value(
            db, profile_id, world.indicator.id, editor, "12,5", "30.06.2027", "erste Zählung"
        )
        await tracking.add_note(db, profile_id, editor, "Die **Bauarbeiten** laufen.")
    async with sessions() as db:
        profile = await db.get(Profile, profile_id)
        assert profile is not None
        assert profile.progress == 55
        tracked = await timeline.tracking_of(db, profile_id)
    kinds = [u.kind for u in tracked.updates]
    assert kinds == [
        UpdateKind.NOTE,
        UpdateKind.INDICATOR,
        UpdateKind.MILESTONE,
        UpdateKind.MILESTONE,
        UpdateKind.PROGRESS,
        UpdateKind.PROGRESS,
    ]
    (milestone,) = tracked.milestones
    assert (milestone.planned_on, milestone.reached_on) == (date(2027, 3, 31), date(2027, 4, 2))
    (measured,) = tracked.indicators
    assert measured.latest is not None
    assert (measured.latest.value, measured.latest.measured_on) == (12.5, date(2027, 6, 30))
    assert measured.latest.note == "erste Zählung"
    with in_locale("de"):
        sentences = [timeline.describe(u) for u in tracked.updates]
    assert sentences[1] == (
        "„Schulen mit Glasfaser“ gemessen am 30. Juni 2027: 12,5 (Ausgangswert 12, Ziel 40)"
    )
    assert sentences[2] == "Meilenstein erreicht am 2. April 2027: „Ausschreibung“"
    assert sentences[3] == "Meilenstein geplant für den 31. März 2027: „Ausschreibung“"
    assert sentences[4] == "Fortschritt: 55 % (vorher: 40 %)"
    with in_locale("en"):
        assert timeline.describe(tracked.updates[1]).startswith(
            "“Schulen mit Glasfaser” measured on June 30, 2027: 12.5"
        )


async def test_status_changes_go_through_the_profiles_revisions(
    sessions: SessionMaker, world: TrackingWorld
) -> None:
    profile = world.profile
    async with sessions() as db:
        update = await tracking.change_status(
            db, profile.id or 0, world.editor, "in_implementation", profile.version
        )
        assert update is not None
        assert update.details == {"old": "published", "new": "in_implementation"}
        with pytest.raises(ValidationFailed) as failed:
            await tracking.change_status(db, profile.id or 0, world.editor, "draft", 2)
        assert "status" in failed.value.errors
    async with sessions() as db:
        stored = await db.get(Profile, profile.id)
        assert stored is not None
        assert stored.status is ProfileStatus.IN_IMPLEMENTATION
        (revision,) = await db.exec(
            select(ProfileRevision).where(ProfileRevision.profile_id == profile.id)
        )
        assert revision.changed_fields == ["status"]
        assert revision.author_id == world.editor.id


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda db, w: tracking.record_progress(db, w.profile.id, w.editor, "101"), "progress"),
        (lambda db, w: tracking.record_progress(db, w.profile.id, w.editor, "viel"), "progress"),
        (lambda db, w: tracking.add_milestone(db, w.profile.id, w.editor, "  "), "title"),
        (
            lambda db, w: tracking.add_milestone(db, w.profile.id, w.editor, "X", "31.02.2027"),
            "planned_on",
        ),
        (
            lambda db, w: tracking.record_value(
                db, w.profile.id, w.indicator.id, w.editor, "zwölf", "2027-01-01"
            ),
            "value",
        ),
        (
            lambda db, w: tracking.record_value(
                db, w.profile.id, w.indicator.id, w.editor, "12", ""
            ),
            "measured_on",
        ),
        (
            lambda db, w: tracking.record_value(
                db, w.other.id, w.indicator.id, w.admin, "1", "2027-01-01"
            ),
            "indicator",
        ),
        (lambda db, w: tracking.add_note(db, w.profile.id, w.editor, ""), "text"),
        (lambda db, w: tracking.add_note(db, w.profile.id, w.editor, "x" * 5001), "text"),
    ],
)
async def test_bad_input_is_refused_with_the_field_named(
    sessions: SessionMaker,
    world: TrackingWorld,
    call: Callable[[AsyncSession, TrackingWorld], Awaitable[object]],
    field: str,
) -> None:
    async with sessions() as db:
        with pytest.raises(ValidationFailed) as failed:
            await call(db, world)
        assert list(failed.value.errors) == [field]
    assert await _all(sessions, ProfileUpdate) == []


def test_numbers_and_days_as_people_type_them() -> None:
    assert inputs.decimal("12,5") == 12.5
    assert inputs.decimal("1.234,5") == 1234.5
    assert inputs.decimal("1.234") == 1234.0  # German grouping
    assert inputs.decimal("12.5") == 12.5
    assert inputs.decimal("-3") == -3.0
    for bad in ("", "1,2,3", "nan", "inf", "1e400", "12 Schulen"):
        with pytest.raises(ValidationFailed):
            inputs.decimal(bad)
    assert inputs.day("5.6.2027", "d", required=True) == date(2027, 6, 5)
    assert inputs.day("", "d", required=False) is None
    assert inputs.percent("0") == 0
    assert inputs.percent("100%") == 100


async def test_who_may_record_updates(sessions: SessionMaker, world: TrackingWorld) -> None:
    profile_id = world.profile.id or 0
    async with sessions() as db:
        assert await tracking.may_track(db, world.admin, profile_id)
        assert await tracking.may_track(db, world.editor, profile_id)
        # The editor of another profile, a moderator and an evaluator may not.
        for user in (world.stranger, world.moderator, world.evaluator):
            assert not await tracking.may_track(db, user, profile_id)
            with pytest.raises(tracking.NotAllowed):
                await tracking.record_progress(db, profile_id, user, 10)
            with pytest.raises(tracking.NotAllowed):
                await tracking.add_note(db, profile_id, user, "Hallo")
        # A moderator in the working group is still no implementer.
        assert not await tracking.may_track(db, world.moderator, world.other.id or 0)
        # The admin records on any profile.
        assert await tracking.add_note(db, world.other.id or 0, world.admin, "Start")
    assert len(await _all(sessions, ProfileUpdate)) == 1


async def test_a_profile_that_is_not_public_has_no_timeline(
    sessions: SessionMaker, world: TrackingWorld
) -> None:
    async with sessions() as db:
        profile = await db.get(Profile, world.profile.id)
        assert profile is not None
        profile.status = ProfileStatus.READY
        db.add(profile)
        await db.commit()
        with pytest.raises(ValidationFailed) as failed:
            await tracking.record_progress(db, world.profile.id or 0, world.editor, 10)
        assert "profile" in failed.value.errors


async def test_milestones_are_changed_and_removed_with_an_entry_each(
    sessions: SessionMaker, world: TrackingWorld
) -> None:
    profile_id, editor = world.profile.id or 0, world.editor
    async with sessions() as db:
        added = await tracking.add_milestone(db, profile_id, editor, "Ausschreibung", "2027-03-31")
        milestone_id = added.details["milestone_id"]
        moved = await tracking.change_milestone(
            db, profile_id, milestone_id, editor, "Ausschreibung", "2027-05-31", ""
        )
        assert moved is not None
        assert moved.details["action"] == "rescheduled"
        same = await tracking.change_milestone(
            db, profile_id, milestone_id, editor, "Ausschreibung", "31.05.2027", None
        )
        assert same is None
        removed = await tracking.remove_milestone(db, profile_id, milestone_id, editor)
        assert removed.details["action"] == "removed"
        with pytest.raises(NotFound):
            await tracking.remove_milestone(db, profile_id, milestone_id, editor)
        assert await timeline.milestones_of(db, profile_id) == []


# --- news for the authors -------------------------------------------------------------------


async def test_two_updates_on_one_day_make_one_mail(
    sessions: SessionMaker, world: TrackingWorld, settings: Settings, inbox: Inbox
) -> None:
    profile_id = world.profile.id or 0
    async with sessions() as db:
        await tracking.record_progress(db, profile_id, world.editor, 30)
        await tracking.record_value(
            db, profile_id, world.indicator.id, world.editor, "23", "2027-06-30"
        )
    notices = await _all(sessions, TrackingNotice)
    assert [(n.recipient, n.contribution_id, n.mail_id) for n in notices] == [
        (AUTHOR, world.idea.id, None),
        (AUTHOR, world.idea.id, None),
    ]
    # The first run as if yesterday, so that today's runs may send again.
    yesterday = utcnow() - timedelta(hours=25)
    async with sessions() as db:
        assert await tracking.collect_daily(db, yesterday) == 1
        assert await tracking.collect_daily(db, yesterday) == 0  # nothing waits any more
    assert await _deliver(sessions, settings) == 1
    (message,) = inbox.to(AUTHOR)
    assert message["Subject"] == ("Neues vom Steckbrief mit Ihrer Idee: Glasfaser für alle Schulen")
    body = body_of(message)
    assert "Fortschritt: 30 %" in body
    assert "„Schulen mit Glasfaser“ gemessen am 30. Juni 2027: 23" in body
    assert f"{BASE}/processes/radwege-auetal/steckbriefe/{profile_id}\n" in body
    assert f"{BASE}/abbestellen/{world.idea.id}." in body
    assert str(message["List-Unsubscribe"]).strip().startswith(f"<{BASE}/abbestellen/")

    # A third update the same day waits; the next day's run sends it, alone.
    async with sessions() as db:
        await tracking.add_note(db, profile_id, world.editor, "Die Bagger rollen.")
        assert await tracking.collect_daily(db, yesterday + timedelta(hours=23)) == 0
        assert await tracking.collect_daily(db, utcnow()) == 1
    assert await _deliver(sessions, settings) == 1
    second = inbox.to(AUTHOR, 2)[1]
    assert "Die Bagger rollen." in body_of(second)
    assert "Fortschritt" not in body_of(second)


async def test_one_mail_per_address_over_several_ideas_and_profiles(
    sessions: SessionMaker, world: TrackingWorld, settings: Settings, inbox: Inbox
) -> None:
    async with sessions() as db:
        second = await add_idea(db, world.process, title="Noch eine Idee")
        second.notify_email, second.notify_consent_at = AUTHOR.upper(), utcnow()
        db.add(second)
        await db.commit()
        third = await add_profile(db, world.process, title="WLAN im Bus", sources=[second])
        await tracking.add_note(db, world.profile.id or 0, world.admin, "Eins")
        await tracking.add_note(db, third.id or 0, world.admin, "Zwei")
        assert await tracking.collect_daily(db, utcnow()) == 1
    assert await _deliver(sessions, settings) == 1
    body = body_of(inbox.to(AUTHOR)[0])
    assert body.index("Glasfaser für alle Schulen") < body.index("Eins")
    assert body.index("WLAN im Bus") < body.index("Zwei")


async def test_no_news_without_consent_or_when_sending_is_off(
    settings: Settings, sessions: SessionMaker
) -> None:
    async with sessions() as db:
        world = await tracking_world(db, author=None)
        await tracking.add_note(db, world.profile.id or 0, world.admin, "Hallo")
    assert await _all(sessions, TrackingNotice) == []
    # Sessions that queue no mails (SMTP off) keep no addresses either.
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as db:
            idea = world.idea
            idea.notify_email, idea.notify_consent_at = AUTHOR, utcnow()
            db.add(idea)
            await db.commit()
            await tracking.add_note(db, world.profile.id or 0, world.admin, "Nochmal")
            assert await tracking.collect_daily(db, utcnow()) == 0
    finally:
        await engine.dispose()
    assert await _all(sessions, TrackingNotice) == []


async def test_deleting_the_idea_through_the_follow_link_drops_its_waiting_notices(
    sessions: SessionMaker, world: TrackingWorld, settings: Settings
) -> None:
    async with sessions() as db:
        await tracking.add_note(db, world.profile.id or 0, world.editor, "Hallo")
        assert len(await _all(sessions, TrackingNotice)) == 1
        await delete_contribution(db, FOLLOW_TOKEN, world.idea.id or 0)
    assert await _all(sessions, TrackingNotice) == []
    assert len(await _all(sessions, ProfileUpdate)) == 1  # the public timeline stays
    async with sessions() as db:
        assert await tracking.collect_daily(db, utcnow()) == 0
    assert await _all(sessions, OutgoingMail) == []


async def test_unsubscribed_authors_get_no_waiting_news(
    sessions: SessionMaker, world: TrackingWorld
) -> None:
    async with sessions() as db:
        await tracking.add_note(db, world.profile.id or 0, world.editor, "Hallo")
        assert await unsubscribe(db, FOLLOW_TOKEN)
        assert await tracking.collect_daily(db, utcnow()) == 0
    assert await _all(sessions, TrackingNotice) == []
    assert await _all(sessions, OutgoingMail) == []


async def test_values_keep_their_author_and_the_indicator_its_history(
    sessions: SessionMaker, world: TrackingWorld
) -> None:
    async with sessions() as db:
        for day, value in (("2027-01-31", "14"), ("2027-06-30", "23")):
            await tracking.record_value(
                db, world.profile.id or 0, str(world.indicator.id), world.editor, value, day
            )
        tracked = await timeline.tracking_of(db, world.profile.id or 0)
    (measured,) = tracked.indicators
    assert [v.value for v in measured.values] == [23.0, 14.0]
    assert {v.recorded_by_id for v in await _all(sessions, IndicatorValue)} == {world.editor.id}


def test_the_app_collects_the_news_and_sends_it(
    settings: Settings, inbox: Inbox, world: TrackingWorld
) -> None:
    """`make run` needs nothing more: the app's hourly task collects at start, and its
    mail sender delivers over SMTP."""

    async def update() -> None:
        engine = create_engine(settings)
        sessionmaker = create_sessionmaker(engine)
        enable(sessionmaker, MailContext(settings))
        try:
            async with sessionmaker() as db:
                await tracking.add_note(db, world.profile.id or 0, world.editor, "Es geht los.")
        finally:
            await engine.dispose()

    asyncio.run(update())
    with TestClient(create_app(settings), base_url=BASE):
        (message,) = inbox.to(AUTHOR)
    assert "Es geht los." in body_of(message)
