"""Publishing with "[entfernt]": every public reader gets the redacted text, the author's
follow page and data download the original, the log the kinds removed; the original goes
with the retention period; stale and pointless requests are refused."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionStatus,
    ModerationAction,
    ModerationEvent,
    Phase,
    Process,
    RedactedOriginal,
    Segment,
    utcnow,
)
from participation.services.errors import ValidationFailed
from participation.services.moderation import Stale
from participation.services.retention import purge
from participation.services.triage.redaction import publish_redacted
from participation.services.triage.scoring import triage_new
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_actor,
    add_process,
    by_follow_token,
    de,
    follow_token_from,
    html,
    in_db,
    post_form,
    text_of,
    valid_idea,
)
from tests.moderation_helpers import stored

PHONE = "0171 2345678"
ADDRESS = "Lindenstraße 12"
BODY = f"Rufen Sie mich an: {PHONE}. Ich wohne in der {ADDRESS} und zeige Ihnen die Stelle."
REDACTED = "Rufen Sie mich an: [entfernt]. Ich wohne in der [entfernt] und zeige Ihnen die Stelle."


async def _pending(session: AsyncSession, process: Process, body: str = BODY) -> Contribution:
    assert process.id is not None
    item = Contribution(
        process_id=process.id, title="Radweg an der Linde", body=body, segment=Segment.RESIDENT
    )
    await triage_new(session, [item])
    session.add(item)
    await session.commit()
    return item


async def test_the_published_text_has_entfernt_and_the_original_is_kept(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    moderator = await add_actor(session, "mod@example.org")
    item = await _pending(session, process)
    assert item.id is not None
    published = await publish_redacted(session, item.id, moderator, version=item.version)
    assert published.body == REDACTED
    assert published.status is ContributionStatus.PUBLISHED
    assert published.published_at is not None
    assert not published.has_personal_data
    original = await session.get(RedactedOriginal, item.id)
    assert original is not None
    assert original.body == BODY
    assert original.redacted_by_id == moderator.id
    event = (
        await session.exec(
            select(ModerationEvent).where(
                ModerationEvent.action == ModerationAction.PUBLISH_REDACTED
            )
        )
    ).one()
    assert PHONE not in event.reason  # the log names kinds, never the removed text
    assert event.to_status is ContributionStatus.PUBLISHED


async def test_refused_when_stale_or_without_personal_data(session: AsyncSession) -> None:
    process = await add_process(session)
    moderator = await add_actor(session, "mod@example.org")
    item = await _pending(session, process)
    assert item.id is not None
    with pytest.raises(Stale):
        await publish_redacted(session, item.id, moderator, version=item.version + 1)
    clean = await _pending(session, process, "Ein sicherer Radweg nach Kornbach, bitte.")
    assert clean.id is not None
    with pytest.raises(ValidationFailed):
        await publish_redacted(session, clean.id, moderator)
    assert (await session.get(Contribution, item.id)).body == BODY  # type: ignore[union-attr]


async def test_retention_deletes_the_original_and_keeps_the_redacted_text(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    assert process.id is not None
    moderator = await add_actor(session, "mod@example.org")
    item = await _pending(session, process)
    item_id = item.id
    assert item_id is not None
    await publish_redacted(session, item_id, moderator)
    # Still running: nothing goes.
    assert (await purge(session, utcnow(), 30)).originals == 0
    for phase in await session.exec(select(Phase).where(Phase.process_id == process.id)):
        phase.starts_at = utcnow() - timedelta(days=90)
        phase.ends_at = utcnow() - timedelta(days=60)
        session.add(phase)
    await session.commit()
    assert (await purge(session, utcnow(), 30, dry_run=True)).originals == 1
    report = await purge(session, utcnow(), 30)
    assert report.originals == 1
    originals = await session.exec(
        select(RedactedOriginal.body).where(RedactedOriginal.contribution_id == item_id)
    )
    assert originals.all() == []
    body = await session.exec(select(Contribution.body).where(Contribution.id == item_id))
    assert body.one() == REDACTED


def test_every_reader_gets_the_redacted_text_and_the_author_the_original(
    client: Client, staff_client: Client, settings: Settings, process: Process
) -> None:
    staff_client.post("/logout")
    response = post_form(client, f"/processes/{SLUG}/ideas", valid_idea(body=BODY))
    token = follow_token_from(response)
    idea = in_db(settings, lambda s: by_follow_token(s, token))
    assert idea.has_personal_data

    from tests.helpers import login

    assert login(client, "mod@example.org").status_code == 303
    page = html(client.get(f"/moderation/contributions/{idea.id}").text)
    marks = [text_of(mark) for mark in page.select("mark.pii")]
    assert marks[0].startswith(PHONE)
    assert de("phone number") in marks[0]
    published = post_form(
        client,
        f"/moderation/triage/contributions/{idea.id}/publish-redacted",
        {"version": str(idea.version), "next": "/moderation"},
    )
    assert published.status_code == 303, published.text
    client.post("/logout")

    public = client.get(f"/processes/{SLUG}/ideas/{idea.id}").text
    assert "[entfernt]" in public
    assert PHONE not in public
    api = client.get(f"/api/v1/processes/{SLUG}/contributions").text
    assert "[entfernt]" in api
    assert PHONE not in api
    follow = client.get(f"/follow/{token}").text
    assert PHONE in follow
    assert de("Your original text") in follow
    download = json.loads(client.get(f"/follow/{token}/export.json").content)
    (entry,) = download["contributions"]
    assert entry["text"] == REDACTED
    assert entry["original"]["text"] == BODY
    assert stored(settings, idea.id).status is ContributionStatus.PUBLISHED


def test_a_stale_form_changes_nothing(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    item = in_db(settings, lambda s: _pending(s, process))
    response = post_form(
        staff_client,
        f"/moderation/triage/contributions/{item.id}/publish-redacted",
        {"version": str(item.version + 5)},
    )
    assert response.status_code == 303
    assert stored(settings, item.id).body == BODY
    missing = post_form(staff_client, "/moderation/triage/contributions/999999/publish-redacted")
    assert missing.status_code == 404


def test_residents_cannot_redact(client: Client, settings: Settings, process: Process) -> None:
    item = in_db(settings, lambda s: _pending(s, process))
    response = post_form(client, f"/moderation/triage/contributions/{item.id}/publish-redacted")
    assert response.status_code in {302, 303, 401, 403}
    assert stored(settings, item.id).body == BODY
    assert stored(settings, item.id).status is ContributionStatus.PENDING
