"""Live sessions for any group: the audience and format chosen when opening, prompts shown one
at a time (ideas kept per prompt, the board grouped by them, the facilitator moving on or
adding one), organisations given when joining (firms also sector and size; pupils never),
the dots-on-own-ideas choice, and closing with the format's channel, the audience's segment,
the organisation, the prompt and the dots where a moderator sees them."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    Contribution,
    FocusGroupPrompt,
    FocusGroupSession,
    LiveAudience,
    LiveFormat,
    Process,
    Role,
    Segment,
)
from participation.services import focus_groups, live_prompts
from participation.services.errors import ValidationFailed
from participation.services.focus_groups import SessionForm
from participation.settings import Settings
from tests.focus_group_helpers import facilitator_client, rows
from tests.helpers import (
    HTMX,
    Client,
    add_actor,
    add_process,
    contributions,
    field_error,
    german,
    html,
    in_db,
    one,
    post_form,
    text_of,
)

PROMPTS = "Was hindert Ihren Betrieb an der Digitalisierung?\n\nWas würde Ihnen helfen?"


def open_session(
    client: Client, settings: Settings, process: Process, **overrides: str
) -> FocusGroupSession:
    """Open a firms workshop with two prompts through the form; the stored session."""
    form = {
        "process_id": str(process.id),
        "title": "Workshop Handwerk digital",
        "hours": "2",
        "audience": "firms",
        "format": "workshop",
        "prompts": PROMPTS,
    }
    form.update(overrides)
    response = post_form(client, "/focus-groups/", form)
    assert response.status_code == 303, response.text
    session_id = int(response.headers["location"].rsplit("/", 1)[1])
    return in_db(settings, lambda s: _get(s, session_id))


async def _get(db: AsyncSession, session_id: int) -> FocusGroupSession:
    found = await db.get(FocusGroupSession, session_id)
    assert found is not None
    return found


async def _prompts(db: AsyncSession) -> list[FocusGroupPrompt]:
    return list(await db.exec(select(FocusGroupPrompt).order_by(col(FocusGroupPrompt.id))))


def prompts(settings: Settings) -> list[FocusGroupPrompt]:
    return in_db(settings, _prompts)


def member_client(client: Client, code: str, data: dict[str, str]) -> None:
    """Sign the facilitator's client out (a fresh browser) and join as a member."""
    client.cookies.clear()
    response = post_form(client, f"/mitmachen/{code}", data)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/mitmachen/{code}/ideen"


def test_a_firms_workshop_with_prompts_is_opened_and_shown(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    page = html(client.get("/focus-groups").text)
    assert {o["value"] for o in page.select("#audience option")} == {a.value for a in LiveAudience}
    assert {o["value"] for o in page.select("#format option")} == {f.value for f in LiveFormat}
    assert not one(page, "#allow_own").has_attr("checked")  # no dots on one's own: the default

    session = open_session(client, settings, process)
    assert session.audience is LiveAudience.FIRMS
    assert session.format is LiveFormat.WORKSHOP
    assert session.exclude_own_ideas
    assert [(p.position, p.text) for p in prompts(settings)] == [
        (0, "Was hindert Ihren Betrieb an der Digitalisierung?"),
        (1, "Was würde Ihnen helfen?"),
    ]
    board = html(client.get(f"/focus-groups/{session.id}").text)
    kind = text_of(one(board, ".live-kind"))
    assert german("Live session") in kind
    assert "Workshop" in kind
    assert german("Firms") in kind
    assert "Was hindert Ihren Betrieb" in text_of(one(board, ".live-prompt"))
    # The card form files the next card under the prompt shown now.
    first = prompts(settings)[0]
    assert one(board, f'#prompt_id option[value="{first.id}"]').has_attr("selected")
    listing = html(client.get("/focus-groups").text)
    assert german("Firms") in text_of(one(listing, ".focus-sessions .card"))


def test_bad_audience_format_or_prompts_are_refused_with_input_kept(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    long_prompt = "x" * 301
    form = {
        "process_id": str(process.id),
        "title": "Workshop",
        "hours": "2",
        "audience": "aliens",
        "format": "party",
        "prompts": f"Gut so?\n{long_prompt}",
    }
    response = post_form(client, "/focus-groups/", form)
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "audience") == german("Please choose who takes part.")
    assert field_error(page, "format") == german("Please choose the format of the session.")
    assert german("A prompt may be at most %(max)d characters long.") % {"max": 300} in (
        field_error(page, "prompts")
    )
    assert long_prompt in text_of(one(page, "#prompts"))
    assert rows(settings).sessions == []


def test_members_answer_the_prompt_shown_and_the_facilitator_moves_on(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    session = open_session(client, settings, process)
    first, second = prompts(settings)
    code = session.join_code
    facilitator_cookies = dict(client.cookies)

    member_client(client, code, {"pseudonym": "Anna"})
    page = html(client.get(f"/mitmachen/{code}/ideen").text)
    assert first.text in text_of(one(page, ".live-prompt-now"))
    post_form(client, f"/mitmachen/{code}/ideen", {"title": "Kein schnelles Internet"})

    client.cookies.clear()
    client.cookies.update(facilitator_cookies)
    response = post_form(client, f"/focus-groups/{session.id}/prompt", {"position": "1"})
    assert response.status_code == 303
    board = html(client.get(f"/focus-groups/{session.id}").text)
    assert second.text in text_of(one(board, ".live-prompt"))
    # A card, filed under the first prompt by the facilitator's choice; one without a prompt.
    card = {"title": "Zu wenig Zeit", "body": "", "prompt_id": str(first.id)}
    response = post_form(client, f"/focus-groups/{session.id}/ideas", card)
    assert response.status_code == 303
    assert response.headers["location"] == f"/focus-groups/{session.id}?karte=1"
    # After a card the title field has the focus for the next one.
    typing = html(client.get(response.headers["location"]).text)
    assert one(typing, "#title").has_attr("autofocus")
    post_form(client, f"/focus-groups/{session.id}/ideas", {"title": "Allgemein", "prompt_id": ""})
    # Another session's prompt (or none that exists) is refused at the field.
    refused = post_form(
        client, f"/focus-groups/{session.id}/ideas", {"title": "Falsch", "prompt_id": "999"}
    )
    assert refused.status_code == 422
    assert field_error(html(refused.text), "prompt_id") == german(
        "Please choose one of the session's prompts."
    )
    assert one(html(refused.text), "#title")["value"] == "Falsch"
    # No such position: the prompt stays.
    post_form(client, f"/focus-groups/{session.id}/prompt", {"position": "7"})

    member_client(client, code, {"pseudonym": "Bernd"})
    post_form(client, f"/mitmachen/{code}/ideen", {"title": "Schulungen vor Ort"})

    by_title = {i.title: i.prompt_id for i in rows(settings).ideas}
    assert by_title == {
        "Kein schnelles Internet": first.id,
        "Zu wenig Zeit": first.id,
        "Allgemein": None,
        "Schulungen vor Ort": second.id,
    }
    # The board groups the ideas by prompt, in the prompts' order, the rest last.
    client.cookies.clear()
    client.cookies.update(facilitator_cookies)
    partial = html(client.get(f"/focus-groups/{session.id}/board", headers=HTMX).text)
    groups = partial.select(".fg-group")
    assert [text_of(one(g, ".fg-group__prompt")) for g in groups] == [
        first.text,
        f"{second.text} {german('shown now')}",
        german("Without a prompt"),
    ]
    assert [[text_of(t) for t in g.select(".fg-idea__title")] for g in groups] == [
        ["Zu wenig Zeit", "Kein schnelles Internet"],
        ["Schulungen vor Ort"],
        ["Allgemein"],
    ]


def test_projector_shows_the_prompt_and_the_live_count(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    session = open_session(client, settings, process)
    first, _second = prompts(settings)
    card = {"title": "Zu wenig Zeit", "prompt_id": str(first.id)}
    post_form(client, f"/focus-groups/{session.id}/ideas", card)
    post_form(client, f"/focus-groups/{session.id}/ideas", {"title": "Ohne Frage"})
    page = html(client.get(f"/focus-groups/{session.id}/projector").text)
    prompt = text_of(one(page, ".projector__prompt"))
    assert first.text in prompt
    assert german("Question %(n)d of %(total)d") % {"n": 1, "total": 2} in prompt
    counts = text_of(one(page, ".projector__counts"))
    assert "0 Personen" in counts
    assert "2 Ideen" in counts
    assert [text_of(t) for t in page.select(".projector__idea-title")] == ["Zu wenig Zeit"]
    partial = html(client.get(f"/focus-groups/{session.id}/projector", headers=HTMX).text)
    assert first.text in text_of(one(partial, ".projector__prompt"))


def test_facilitator_adds_a_prompt(client: Client, settings: Settings, process: Process) -> None:
    facilitator_client(client, settings)
    session = open_session(client, settings, process, prompts="")
    board = html(client.get(f"/focus-groups/{session.id}").text)
    assert german("This session has no prompts: ideas are collected on one list.") in text_of(board)
    refused = post_form(client, f"/focus-groups/{session.id}/prompts", {"prompt": "ab"})
    assert refused.status_code == 422
    assert field_error(html(refused.text), "new-prompt") == german(
        "A prompt needs at least %(min)d characters."
    ) % {"min": 3}
    response = post_form(
        client, f"/focus-groups/{session.id}/prompts", {"prompt": "Was fehlt in der Region?"}
    )
    assert response.status_code == 303
    post_form(client, f"/focus-groups/{session.id}/prompts", {"prompt": "Und was noch?"})
    assert [(p.position, p.text) for p in prompts(settings)] == [
        (0, "Was fehlt in der Region?"),
        (1, "Und was noch?"),
    ]
    board = html(client.get(f"/focus-groups/{session.id}").text)
    assert "Was fehlt in der Region?" in text_of(one(board, ".live-prompt"))


def test_firms_give_organisation_sector_and_size_once(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    session = open_session(client, settings, process)
    code = session.join_code
    client.cookies.clear()
    page = html(client.get(f"/mitmachen/{code}").text)
    assert one(page, "#organisation_name")
    assert len(page.select("#organisation_sector option")) == 22  # "not given" and A-U
    assert len(page.select('input[name="organisation_size"]')) == 4

    bad = {"pseudonym": "Anna", "organisation_name": "Tischlerei Kunz"}
    response = post_form(client, f"/mitmachen/{code}", {**bad, "organisation_sector": "Z"})
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "organisation_sector") == german(
        "Please choose a sector from the list."
    )
    assert one(page, "#organisation_name")["value"] == "Tischlerei Kunz"

    member_client(
        client,
        code,
        {**bad, "organisation_sector": "C", "organisation_size": "10-49"},
    )
    (member,) = rows(settings).members
    assert (member.organisation_name, member.organisation_sector, member.organisation_size) == (
        "Tischlerei Kunz",
        "C",
        "10-49",
    )


def test_experts_may_give_an_organisation_but_no_firm_details(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    session = open_session(client, settings, process, audience="experts", format="expert_talk")
    client.cookies.clear()
    page = html(client.get(f"/mitmachen/{session.join_code}").text)
    assert one(page, "#organisation_name")
    assert not page.select("#organisation_sector")
    member_client(
        client,
        session.join_code,
        {"pseudonym": "Dr. Weber", "organisation_name": "HAWK", "organisation_sector": "C"},
    )
    (member,) = rows(settings).members
    assert (member.organisation_name, member.organisation_sector) == ("HAWK", None)


def test_pupils_give_no_organisation_even_if_sent(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    session = open_session(client, settings, process, audience="pupils", format="focus_group")
    member_client(
        client,
        session.join_code,
        {"pseudonym": "Blauwal", "organisation_name": "BBS", "organisation_sector": "P"},
    )
    (member,) = rows(settings).members
    assert (member.organisation_name, member.organisation_sector) == (None, None)


def test_dots_on_ones_own_ideas_when_the_facilitator_allows_them(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    session = open_session(client, settings, process, allow_own="on", prompts="")
    assert not session.exclude_own_ideas
    code = session.join_code
    member_client(client, code, {"pseudonym": "Anna"})
    idea = post_form(client, f"/mitmachen/{code}/ideen", {"title": "Eigene Idee"})
    idea_id = int(idea.headers["location"].rsplit("#idea-", 1)[1])
    page = html(client.get(f"/mitmachen/{code}/ideen").text)
    assert not one(page, f"#give-{idea_id}").has_attr("disabled")
    response = post_form(client, f"/mitmachen/{code}/ideen/{idea_id}/punkte", {"action": "give"})
    assert response.status_code == 303
    assert [d.dots for d in rows(settings).dots] == [1]


def test_closing_sends_channel_segment_organisation_prompt_and_dots_to_moderation(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    session = open_session(client, settings, process)
    first, _second = prompts(settings)
    code = session.join_code
    facilitator_cookies = dict(client.cookies)
    member_client(
        client,
        code,
        {
            "pseudonym": "Anna",
            "organisation_name": "Tischlerei Kunz",
            "organisation_sector": "C",
            "organisation_size": "10-49",
        },
    )
    idea = post_form(client, f"/mitmachen/{code}/ideen", {"title": "Kein schnelles Internet"})
    idea_id = int(idea.headers["location"].rsplit("#idea-", 1)[1])
    member_client(client, code, {"pseudonym": "Bernd"})
    for _ in range(2):
        post_form(client, f"/mitmachen/{code}/ideen/{idea_id}/punkte", {"action": "give"})

    client.cookies.clear()
    client.cookies.update(facilitator_cookies)
    post_form(client, f"/focus-groups/{session.id}/ideas", {"title": "Zu wenig Zeit"})
    confirm = text_of(html(client.get(f"/focus-groups/{session.id}/close").text))
    assert "Workshop" in confirm
    assert post_form(client, f"/focus-groups/{session.id}/close").status_code == 303

    stored = {c.title: c for c in in_db(settings, contributions)}
    internet = stored["Kein schnelles Internet"]
    assert internet.channel is Channel.WORKSHOP
    assert internet.segment is Segment.FIRM
    assert internet.source_ref == f"Workshop Workshop Handwerk digital ({code})"
    assert internet.imported_ratings == {"dots": 2}
    assert (
        internet.organisation_name,
        internet.organisation_sector,
        internet.organisation_size,
    ) == ("Tischlerei Kunz", "C", "10-49")
    card = stored["Zu wenig Zeit"]
    assert card.organisation_name is None  # typed in by the facilitator: nobody's firm
    assert card.segment is Segment.FIRM

    # A moderator sees where it came from, with the prompt and the dots.
    client.cookies.clear()
    facilitator_client(client, settings, "mod2@example.org", role=Role.MODERATOR)
    queue = html(client.get("/moderation").text)
    item = one(queue, f"#item-{internet.id}")
    source = text_of(one(item, ".queue-item__source"))
    assert german("Live session “%(session)s”") % {"session": "Workshop Handwerk digital"} in source
    assert first.text in source
    assert "2 Punkte" in source
    meta = text_of(item)
    assert "Workshop" in meta
    assert german("Firm or organisation") in meta
    assert "Tischlerei Kunz" in meta
    detail = html(client.get(f"/moderation/contributions/{internet.id}").text)
    assert first.text in text_of(one(detail, ".queue-item__source"))


async def test_format_and_audience_decide_channel_and_segment(session: AsyncSession) -> None:
    process = await add_process(session)
    actor = await add_actor(session, "f@example.org")
    expected = {
        ("experts", "expert_talk"): (Channel.WORKSHOP, Segment.EXPERT),
        ("mixed", "focus_group"): (Channel.FOCUS_GROUP, Segment.OTHER),
        ("residents", "conference_table"): (Channel.WORKSHOP, Segment.RESIDENT),
    }
    for (audience, format_), (channel, segment) in expected.items():
        form = SessionForm(
            process_id=str(process.id), title="T", hours="2", audience=audience, format=format_
        )
        live = await focus_groups.create_session(session, form, actor)
        await focus_groups.add_idea(session, live, focus_groups.IdeaForm(title="Idee"), None)
        (contribution_id,) = await focus_groups.close_session(session, live)
        contribution = await session.get(Contribution, contribution_id)
        assert contribution is not None
        assert (contribution.channel, contribution.segment) == (channel, segment)


async def test_prompts_of_a_closed_session_stay(session: AsyncSession) -> None:
    process = await add_process(session)
    actor = await add_actor(session, "f@example.org")
    form = SessionForm(process_id=str(process.id), title="T", hours="2", prompts="Eins?\nZwei?")
    live = await focus_groups.create_session(session, form, actor)
    await focus_groups.close_session(session, live)
    with pytest.raises(ValidationFailed):
        await live_prompts.show_prompt(session, live, 1)
    with pytest.raises(ValidationFailed):
        await live_prompts.add_prompt(session, live, "Drei?")
    assert live.prompt_position == 0


def test_adults_are_addressed_with_sie_pupils_with_du(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    firms = open_session(client, settings, process, prompts="")
    member_client(client, firms.join_code, {"pseudonym": "Anna"})
    added = post_form(client, f"/mitmachen/{firms.join_code}/ideen", {"title": "Eigene Idee"})
    idea_id = int(added.headers["location"].rsplit("#idea-", 1)[1])
    page = text_of(html(client.get(added.headers["location"]).text))
    assert german("You are taking part as %(name)s.") % {"name": "Anna"} in page
    assert german("Thank you, the idea is on the list.") in page
    assert german("Your own idea: the others give it their dots.") in page
    refused = post_form(
        client,
        f"/mitmachen/{firms.join_code}/ideen/{idea_id}/punkte",
        {"action": "give"},
        headers=HTMX,
    )
    assert refused.status_code == 422
    assert german("Dots go to the others' ideas, not to your own.") in text_of(html(refused.text))

    client.cookies.clear()
    facilitator_client(client, settings, "leitung2@example.org")
    pupils = open_session(client, settings, process, audience="pupils", prompts="")
    member_client(client, pupils.join_code, {"pseudonym": "Blauwal"})
    page = text_of(html(client.get(f"/mitmachen/{pupils.join_code}/ideen").text))
    assert german("You take part as %(name)s.") % {"name": "Blauwal"} in page
