"""The deadline, everywhere: the idea call's state and message, the public page's notice
instead of the form, the refused submit, the JSON API's answers, and the timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import current_locale
from participation.models import Channel, Phase, PhaseKind, Process, utcnow
from participation.services import processes
from participation.services.contributions import IdeaForm, submit_idea
from participation.services.processes import (
    IdeaCallClosure,
    IdeasNotAccepted,
    closed_message,
    idea_call_state,
)
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_process,
    attr,
    contributions,
    de,
    html,
    in_db,
    one,
    post_form,
    text_of,
    valid_idea,
)

DAY = timedelta(days=1)
API = f"/api/v1/processes/{SLUG}/ideas"


def phase(kind: PhaseKind, title: str, starts: datetime, ends: datetime, pid: int = 0) -> Phase:
    return Phase(id=pid, process_id=1, kind=kind, title=title, starts_at=starts, ends_at=ends)


NOW = datetime(2026, 6, 20, 10, 0, tzinfo=UTC)
CALL = phase(
    PhaseKind.IDEA_CALL,
    "Ideen sammeln",
    NOW - 40 * DAY,
    datetime(2026, 6, 15, 21, 59, 59, tzinfo=UTC),
    1,
)
SCREENING = phase(
    PhaseKind.SCREENING, "Auswertung", datetime(2026, 6, 15, 22, tzinfo=UTC), NOW + 40 * DAY, 2
)
RESULTS = phase(PhaseKind.RESULTS, "Ergebnisse", NOW + 41 * DAY, NOW + 60 * DAY, 3)


def a_process(*channels: Channel) -> Process:
    return Process(
        slug="p", title="P", open_channels=[c.value for c in channels or [Channel.IDEA_CALL]]
    )


# --- the rule ----------------------------------------------------------------------------------


def test_open_while_an_idea_call_runs() -> None:
    state = idea_call_state(a_process(), [CALL, SCREENING], CALL.starts_at + DAY)
    assert state.accepting
    assert state.closure is None


def test_after_the_deadline_says_since_when_and_what_next() -> None:
    state = idea_call_state(a_process(), [CALL, SCREENING, RESULTS], NOW)
    assert state.closure is IdeaCallClosure.ENDED
    assert state.since == CALL.ends_at
    assert state.next_phase is SCREENING
    assert state.next_is_current
    token = current_locale.set("de")
    try:
        message = closed_message(state)
    finally:
        current_locale.reset(token)
    assert de("This process is not taking new ideas at the moment.") in message
    assert "15. Juni 2026" in message  # the last day, in Berlin time and German
    assert "Auswertung" in message


def test_before_the_call_says_when_it_opens() -> None:
    state = idea_call_state(a_process(), [CALL], CALL.starts_at - DAY)
    assert state.closure is IdeaCallClosure.NOT_YET
    assert state.opens_at == CALL.starts_at


def test_a_closed_channel_closes_a_running_call() -> None:
    state = idea_call_state(a_process(Channel.WORKSHOP), [CALL], CALL.starts_at + DAY)
    assert state.closure is IdeaCallClosure.CHANNEL_CLOSED
    assert not state.accepting


def test_without_an_idea_call_no_ideas() -> None:
    state = idea_call_state(a_process(), [SCREENING], NOW)
    assert state.closure is IdeaCallClosure.NO_CALL


def test_next_phase_is_the_one_to_come_when_none_runs() -> None:
    state = idea_call_state(a_process(), [CALL, RESULTS], NOW)
    assert state.next_phase is RESULTS
    assert not state.next_is_current


@pytest.mark.parametrize("call", ["closed", "future"])
async def test_submit_service_refuses_with_the_reason(session: AsyncSession, call: str) -> None:
    await add_process(session, call=call)
    overview = await processes.get_process(session, SLUG)
    assert overview is not None
    assert not overview.accepts_ideas
    form = IdeaForm.from_form(valid_idea())
    with pytest.raises(IdeasNotAccepted) as refused:
        await submit_idea(session, overview, form)
    assert refused.value.state.closure is (
        IdeaCallClosure.ENDED if call == "closed" else IdeaCallClosure.NOT_YET
    )
    assert refused.value.errors == {
        "form": de("This process is not taking new ideas at the moment.")
    }
    assert await contributions(session) == []


async def test_submit_service_refuses_when_the_channel_is_closed(session: AsyncSession) -> None:
    process = await add_process(session)
    process.open_channels = [Channel.WORKSHOP.value]
    session.add(process)
    await session.commit()
    overview = await processes.get_process(session, SLUG)
    assert overview is not None
    assert overview.accepts_ideas is False
    with pytest.raises(IdeasNotAccepted):
        await submit_idea(session, overview, IdeaForm.from_form(valid_idea()))


# --- the page ---------------------------------------------------------------------------------


async def _ended_call_with_next_phase(session: AsyncSession) -> Process:
    process = await add_process(session, call="closed")
    assert process.id is not None
    now = utcnow()
    session.add(
        Phase(
            process_id=process.id,
            kind=PhaseKind.SCREENING,
            title="Auswertung",
            starts_at=now - DAY,
            ends_at=now + 20 * DAY,
            position=1,
        )
    )
    session.add(
        Phase(
            process_id=process.id,
            kind=PhaseKind.RESULTS,
            title="Ergebnisse",
            starts_at=now + 21 * DAY,
            ends_at=now + 40 * DAY,
            position=2,
        )
    )
    await session.commit()
    return process


def test_after_the_deadline_the_form_is_replaced_by_a_notice(
    client: Client, settings: Settings
) -> None:
    in_db(settings, _ended_call_with_next_phase)
    page = html(client.get(f"/processes/{SLUG}").text)
    section = one(page, "#idea-form")
    assert section.select_one("form") is None
    notice = text_of(one(section, "#idea-call-closed"))
    assert de("This process is not taking new ideas at the moment.") in notice
    assert "Auswertung" in notice  # what happens now
    assert str(utcnow().year) in notice  # since when

    refused = post_form(client, f"/processes/{SLUG}/ideas", valid_idea())
    assert refused.status_code == 422
    assert "Auswertung" in text_of(one(html(refused.text), "#idea-call-closed"))
    assert in_db(settings, contributions) == []


def test_the_timeline_is_an_accessible_ordered_list(client: Client, settings: Settings) -> None:
    in_db(settings, _ended_call_with_next_phase)
    page = html(client.get(f"/processes/{SLUG}").text)
    steps = one(page, "ol.phases").select("li")
    assert len(steps) == 3
    current = one(page, 'ol.phases li[aria-current="step"]')
    assert "Auswertung" in text_of(current)
    assert de("now") in text_of(current)
    assert de("finished") in text_of(steps[0])  # past: in words, not only colour
    assert de("upcoming") in text_of(steps[2])
    months = (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    )
    dates = steps[1].select("time")
    assert len(dates) == 2
    assert any(m in text_of(dates[0]) for m in months)
    assert attr(dates[0], "datetime")


# --- the API ----------------------------------------------------------------------------------


def _json_idea(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {**valid_idea(), "consent": True}
    body.update(overrides)
    return body


def test_api_submit_creates_an_idea(client: Client, settings: Settings) -> None:
    in_db(settings, add_process)
    response = client.post(API, json=_json_idea())
    assert response.status_code == 201, response.text
    body = response.json()
    stored = in_db(settings, contributions)
    assert body["id"] == stored[0].id
    assert body["status"] == "pending"
    assert body["follow_url"].startswith("http://testserver.local/follow/")
    assert client.get(body["follow_url"].removeprefix("http://testserver.local")).status_code == 200
    # The same path without the version prefix, as the issue names it.
    again = client.post(f"/api/processes/{SLUG}/ideas", json=_json_idea(title="Noch eine Idee"))
    assert again.status_code == 201


def test_api_submit_answers_422_with_field_errors(client: Client, settings: Settings) -> None:
    in_db(settings, add_process)
    response = client.post(API, json=_json_idea(title="", consent=False))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"title", "consent"}
    assert errors["title"] == de("Please give your idea a title.")
    assert in_db(settings, contributions) == []


def test_api_submit_answers_409_after_the_deadline(client: Client, settings: Settings) -> None:
    in_db(settings, _ended_call_with_next_phase)
    response = client.post(API, json=_json_idea())
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "ended"
    assert de("This process is not taking new ideas at the moment.") in body["message"]
    assert "Auswertung" in body["message"]
    assert in_db(settings, contributions) == []


def test_api_submit_answers_409_when_the_channel_is_closed(
    client: Client, settings: Settings
) -> None:
    async def closed_channel(session: AsyncSession) -> None:
        process = await add_process(session)
        process.open_channels = []
        session.add(process)
        await session.commit()

    in_db(settings, closed_channel)
    response = client.post(API, json=_json_idea(), headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert response.json()["error"] == "channel_closed"
    assert "online" in response.json()["message"]


def test_api_submit_unknown_process_is_404(client: Client) -> None:
    assert (
        client.post("/api/v1/processes/gibt-es-nicht/ideas", json=_json_idea()).status_code == 404
    )


def test_process_api_reports_a_closed_channel(client: Client, settings: Settings) -> None:
    async def closed_channel(session: AsyncSession) -> None:
        process = await add_process(session)
        process.open_channels = [Channel.SURVEY.value]
        session.add(process)
        await session.commit()

    in_db(settings, closed_channel)
    assert client.get(f"/api/v1/processes/{SLUG}").json()["accepts_ideas"] is False
