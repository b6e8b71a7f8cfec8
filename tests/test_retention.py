"""Retention (services/retention.py): personal data of a process goes `days` after its last
phase ends, sent e-mails `days` after sending; ideas, survey responses and answers stay.
Checked on the real database with a process that ended 200 days ago beside running ones."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.cli import main as cli
from participation.db import create_engine, create_sessionmaker
from participation.models import (
    Contribution,
    OutgoingMail,
    Phase,
    PhaseKind,
    Process,
    utcnow,
)
from participation.models.surveys import SurveyAnswer, SurveyInvitation, SurveyResponse
from participation.retention_task import RetentionPurge
from participation.services.retention import PurgeReport, purge
from participation.settings import Settings
from tests.helpers import Client, add_idea, html, in_db, one, text_of
from tests.survey_builders import add_survey

DAY = timedelta(days=1)
ADDRESS = "anna.beispiel@example.org"

# What a purge with days=180 finds in the data `_build` makes.
EXPECTED = PurgeReport(
    processes=1,  # "ended": its last phase ended 200 days ago
    addresses=1,  # the ended process's idea with an address
    mails=2,  # both mails about that idea, the sent one and the unsent one
    old_mails=3,  # of the running process: sent 200 days ago, given up; one without an idea
    invitations=2,  # the ended process's survey: the used and the unused invitation
    unlinked_responses=1,  # the response made with the used invitation
)


@dataclass(frozen=True)
class Built:
    """Ids of the rows `_build` made."""

    ended: int
    no_phases: int
    running_idea: int  # the running process's idea with an address


async def _process(session: AsyncSession, slug: str, phases: list[tuple[int, int]]) -> Process:
    """A process whose phases run from/to the given days relative to now (negative: past)."""
    process = Process(slug=slug, title=slug.capitalize())
    session.add(process)
    await session.flush()
    assert process.id is not None
    now = utcnow()
    for position, (starts, ends) in enumerate(phases):
        session.add(
            Phase(
                process_id=process.id,
                kind=PhaseKind.IDEA_CALL,
                title=f"Phase {position + 1}",
                starts_at=now + starts * DAY,
                ends_at=now + ends * DAY,
                position=position,
            )
        )
    await session.commit()
    return process


async def _idea_with_address(session: AsyncSession, process: Process, title: str) -> Contribution:
    idea = await add_idea(session, process, title=title)
    idea.notify_email = ADDRESS
    idea.notify_locale = "de"
    idea.notify_consent_at = idea.created_at
    session.add(idea)
    await session.commit()
    await add_idea(session, process, title=f"{title} (ohne Adresse)")
    return idea


def _mail(
    contribution: Contribution | None,
    *,
    created: datetime,
    sent: datetime | None = None,
    retry: datetime | None = None,
) -> OutgoingMail:
    return OutgoingMail(
        recipient=ADDRESS,
        subject="Ihre Idee",
        body="Hallo",
        contribution_id=contribution.id if contribution else None,
        created_at=created,
        sent_at=sent,
        next_attempt_at=retry,
    )


async def _survey_with_answers(session: AsyncSession, process: Process) -> None:
    """A survey with a used and an unused invitation, the response made with the used one
    and a response through the open link, each with an answer."""
    built = await add_survey(session, process, invitation_only=True)
    used = SurveyInvitation(
        survey_id=built.id, token=f"{process.slug}-used", used_at=utcnow() - 250 * DAY
    )
    unused = SurveyInvitation(survey_id=built.id, token=f"{process.slug}-unused")
    session.add_all([used, unused])
    await session.flush()
    question = next(iter(built.questions.values()))
    for invitation in (used, None):
        response = SurveyResponse(
            survey_id=built.id,
            invitation_id=invitation.id if invitation else None,
            resume_token_hash=f"{process.slug}-{invitation.token if invitation else 'open'}",
            submitted_at=utcnow() - 250 * DAY,
        )
        session.add(response)
        await session.flush()
        assert response.id is not None
        assert question.id is not None
        session.add(SurveyAnswer(response_id=response.id, question_id=question.id, number=3))
    await session.commit()


async def _build(session: AsyncSession) -> Built:
    now = utcnow()
    ended = await _process(session, "ended", [(-300, -250), (-250, -200)])
    # Its first phase ended long ago, but the last one runs: the process has not ended.
    running = await _process(session, "running", [(-400, -300), (-5, 30)])
    no_phases = await _process(session, "no-phases", [])
    ended_idea = await _idea_with_address(session, ended, "Radweg")
    running_idea = await _idea_with_address(session, running, "Buslinie")
    await _idea_with_address(session, no_phases, "Spielplatz")
    session.add_all(
        [
            _mail(ended_idea, created=now - 260 * DAY, sent=now - 260 * DAY),
            _mail(ended_idea, created=now - 5 * DAY, retry=now + DAY),
            _mail(running_idea, created=now - 200 * DAY, sent=now - 200 * DAY),  # old: goes
            _mail(running_idea, created=now - 200 * DAY),  # given up long ago: goes
            _mail(None, created=now - 190 * DAY, sent=now - 190 * DAY),  # its idea is gone
            _mail(running_idea, created=now - 10 * DAY, sent=now - 10 * DAY),  # recent: stays
            _mail(running_idea, created=now - 300 * DAY, retry=now + DAY),  # still due: stays
        ]
    )
    await session.commit()
    await _survey_with_answers(session, ended)
    await _survey_with_answers(session, running)
    assert ended.id is not None
    assert no_phases.id is not None
    assert running_idea.id is not None
    return Built(ended.id, no_phases.id, running_idea.id)


async def _snapshot(session: AsyncSession) -> dict[str, Any]:
    """Every row purge may touch, as plain values, to compare before and after."""
    ideas = [
        (i.process_id, i.title, i.notify_email, i.notify_locale, i.notify_consent_at)
        for i in await session.exec(
            select(Contribution)
            .order_by(col(Contribution.id))
            .execution_options(populate_existing=True)  # the values now, not the cached ones
        )
    ]
    mails = await session.exec(
        select(
            OutgoingMail.contribution_id, OutgoingMail.created_at, OutgoingMail.sent_at
        ).order_by(col(OutgoingMail.id))
    )
    invitations = await session.exec(
        select(SurveyInvitation.token).order_by(col(SurveyInvitation.id))
    )
    responses = await session.exec(
        select(SurveyResponse.resume_token_hash, SurveyResponse.invitation_id).order_by(
            col(SurveyResponse.id)
        )
    )
    answers = await session.exec(select(SurveyAnswer.response_id, SurveyAnswer.number))
    return {
        "ideas": ideas,
        "mails": [tuple(row) for row in mails],
        "invitations": list(invitations),
        "responses": [tuple(row) for row in responses],
        "answers": sorted(tuple(row) for row in answers),
    }


async def test_purge_deletes_exactly_the_ended_process_data_and_old_mails(
    session: AsyncSession,
) -> None:
    built = await _build(session)
    before = await _snapshot(session)

    report = await purge(session, utcnow(), 180)

    assert report == EXPECTED
    after = await _snapshot(session)
    ended_id = built.ended
    for row_before, row_after in zip(before["ideas"], after["ideas"], strict=True):
        if row_before[0] == ended_id and row_before[2] is not None:
            assert row_after == (*row_before[:2], None, None, None)
        else:
            assert row_after == row_before  # running and phase-less processes keep addresses
    kept_mails = [(cid, sent is not None) for cid, _created, sent in after["mails"]]
    running_idea = built.running_idea
    assert kept_mails == [(running_idea, True), (running_idea, False)]  # recent; still due
    assert after["invitations"] == ["running-used", "running-unused"]
    # Every response and answer stays; the ended survey's response lost its invitation.
    assert [token for token, _ in after["responses"]] == [t for t, _ in before["responses"]]
    links = dict(after["responses"])
    assert links["ended-ended-used"] is None
    assert links["running-running-used"] is not None
    assert links["running-open"] is None
    assert links["ended-open"] is None
    assert after["answers"] == before["answers"]


async def test_a_dry_run_counts_the_same_and_changes_nothing(session: AsyncSession) -> None:
    await _build(session)
    before = await _snapshot(session)

    report = await purge(session, utcnow(), 180, dry_run=True)

    assert report == EXPECTED
    assert await _snapshot(session) == before
    assert await purge(session, utcnow(), 180) == report  # the real run deletes what it said


async def test_running_it_again_changes_nothing_more(session: AsyncSession) -> None:
    await _build(session)
    await purge(session, utcnow(), 180)
    after_first = await _snapshot(session)

    again = await purge(session, utcnow(), 180)

    assert again == PurgeReport(processes=1)
    assert not again.changed
    assert await _snapshot(session) == after_first


async def test_a_longer_period_keeps_more(session: AsyncSession) -> None:
    await _build(session)
    # 220 days: the process that ended 200 days ago is still inside the period, so of its
    # data only the mail sent 260 days ago goes, as an old mail.
    report = await purge(session, utcnow(), 220, dry_run=True)
    assert report == PurgeReport(old_mails=1)


async def test_a_process_without_phases_is_untouched(session: AsyncSession) -> None:
    built = await _build(session)
    await purge(session, utcnow() + 1000 * DAY, 1)
    addresses = await session.exec(
        select(col(Contribution.notify_email)).where(
            col(Contribution.process_id) == built.no_phases
        )
    )
    assert sorted(addresses, key=str) == [None, ADDRESS]  # the idea without one, the one with


async def test_days_below_one_are_refused(session: AsyncSession) -> None:
    with pytest.raises(ValueError, match="days"):
        await purge(session, utcnow(), 0)


# --- running it -------------------------------------------------------------------------------


def test_the_cli_prints_the_counts(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_db(settings, _build)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RETENTION_DAYS", "180")
    counts = [
        "Processes past the retention period: 1",
        "Notification addresses: 1",
        "E-mails of those processes: 2",
        "Older sent e-mails: 3",
        "Survey invitations: 2",
        "Survey responses unlinked from their invitation (kept): 1",
        "Originals of redacted contributions: 0",
        "Firm panel addresses: 0",
    ]

    dry = CliRunner().invoke(cli, ["privacy", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines() == [
        "Would delete personal data past the retention period of 180 days.",
        *(f"  {line}" for line in counts),
    ]

    real = CliRunner().invoke(cli, ["privacy", "purge"])
    assert real.exit_code == 0, real.output
    assert (
        real.output.splitlines()[0]
        == "Deleted personal data past the retention period of 180 days."
    )
    assert real.output.splitlines()[1:] == dry.output.splitlines()[1:]

    again = CliRunner().invoke(cli, ["privacy", "purge"])
    assert "  Notification addresses: 0" in again.output.splitlines()


def test_the_app_purges_at_start(settings: Settings, app: Any) -> None:
    from litestar.testing import TestClient

    in_db(settings, _build)
    with TestClient(app) as client:
        deadline = time.monotonic() + 10
        while app.state.retention.runs < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.app.state.retention.last == EXPECTED

    async def addresses(session: AsyncSession) -> list[str | None]:
        rows = await session.exec(select(Contribution.notify_email))
        return [address for address in rows if address is not None]

    assert in_db(settings, addresses) == [ADDRESS, ADDRESS]  # running and phase-less


async def test_a_database_error_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # A database without the tables: every query fails.
    settings = Settings(
        var_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}",
        secret_key="x" * 32,
    )
    engine = create_engine(settings)
    task = RetentionPurge(create_sessionmaker(engine), days=180, interval=0.05)
    try:
        with caplog.at_level(logging.ERROR, logger="participation"):
            await task.start()
            for _ in range(200):
                if task.runs >= 2:
                    break
                await asyncio.sleep(0.02)
        assert task.runs >= 2  # it went on after the first failure
        assert task.last is None
        assert "retention period failed" in caplog.text
    finally:
        await task.stop()
        await engine.dispose()


def test_the_privacy_page_names_the_period(client: Client) -> None:
    page = html(client.get("/privacy", headers={"Accept-Language": "de"}).text)
    text = text_of(one(page, "main"))
    assert "spätestens 180 Tage nach dem Ende des Verfahrens" in text
