"""Focus groups for facilitators: creating sessions (join codes), who sees which session, the
board and its polled partial, ideas from paper cards, the QR code, and closing a session into
the moderation queue."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest.mock import patch

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    Contribution,
    ContributionStatus,
    FocusGroupDot,
    FocusGroupIdea,
    FocusGroupMember,
    FocusGroupSession,
    ModerationMode,
    Process,
    Role,
    Segment,
    utcnow,
)
from participation.qr import qr_svg
from participation.services import focus_groups
from participation.services.errors import ValidationFailed
from participation.services.focus_groups import CODE_ALPHABET, IdeaForm, SessionForm
from participation.settings import Settings
from tests.focus_group_helpers import (
    CODE,
    add_session,
    facilitator_client,
    rows,
    stored_session,
)
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


def new_session_form(process: Process, **overrides: str) -> dict[str, str]:
    form = {"process_id": str(process.id), "title": "BBS Auetal, Klasse 11b", "hours": "2"}
    form.update(overrides)
    return form


# --- creating sessions -----------------------------------------------------------------------


def test_join_codes_avoid_look_alikes() -> None:
    assert not set("0O1IL") & set(CODE_ALPHABET)
    codes = {focus_groups.new_join_code() for _ in range(200)}
    assert all(re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", code) for code in codes)
    assert len(codes) > 190  # random, not a counter


def test_facilitator_creates_a_session(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    response = post_form(client, "/focus-groups/", new_session_form(process, hours="3"))
    assert response.status_code == 303
    stored = rows(settings).sessions
    assert len(stored) == 1
    session = stored[0]
    assert isinstance(session, FocusGroupSession)
    assert response.headers["location"] == f"/focus-groups/{session.id}"
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{6}}", session.join_code)
    assert session.title == "BBS Auetal, Klasse 11b"
    lifetime = session.expires_at - session.created_at
    assert timedelta(hours=3) - timedelta(seconds=5) < lifetime <= timedelta(hours=3)
    assert session.dots_per_member == 3  # the default

    page = html(client.get("/focus-groups").text)
    card = one(page, ".focus-sessions .card")
    assert session.join_code in text_of(card)
    assert german("Open") in text_of(card)


def test_the_facilitator_sets_the_dots_per_pupil(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    page = html(client.get("/focus-groups").text)
    assert one(page, "#dots option[selected]")["value"] == "3"
    response = post_form(client, "/focus-groups/", new_session_form(process, dots="11"))
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "dots") == german(
        "Please choose between %(min)d and %(max)d dots."
    ) % {"min": 1, "max": 10}
    assert one(page, "#dots")["aria-invalid"] == "true"
    assert (
        post_form(client, "/focus-groups/", new_session_form(process, dots="5")).status_code == 303
    )
    (stored,) = rows(settings).sessions
    assert stored.dots_per_member == 5


def test_a_taken_code_is_drawn_again(client: Client, settings: Settings, process: Process) -> None:
    stored_session(settings, process, code="AAAAAA")
    facilitator_client(client, settings)
    draws = iter(["AAAAAA", "AAAAAA", "BBBBBB"])
    with patch.object(focus_groups, "new_join_code", lambda: next(draws)):
        response = post_form(client, "/focus-groups/", new_session_form(process))
    assert response.status_code == 303
    codes = sorted(s.join_code for s in rows(settings).sessions)
    assert codes == ["AAAAAA", "BBBBBB"]


def test_invalid_session_form_keeps_input(
    client: Client, settings: Settings, process: Process
) -> None:
    facilitator_client(client, settings)
    response = post_form(
        client, "/focus-groups/", {"process_id": "99999999999", "title": "Klasse 9a", "hours": "12"}
    )
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "process_id") == german("Please choose a process.")
    assert field_error(page, "hours") == german(
        "Please choose between %(min)d and %(max)d hours."
    ) % {
        "min": 1,
        "max": 8,
    }
    assert one(page, "#title")["value"] == "Klasse 9a"
    assert one(page, "#hours")["aria-invalid"] == "true"
    assert one(page, ".error-summary")
    assert rows(settings).sessions == []

    response = post_form(client, "/focus-groups/", new_session_form(process, title="  "))
    assert response.status_code == 422
    assert field_error(html(response.text), "title") == german(
        "Please give the session a title, e.g. the school and class."
    )


# --- roles and ownership ---------------------------------------------------------------------


def test_only_staff_who_run_focus_groups_get_in(
    client: Client, settings: Settings, process: Process
) -> None:
    session = stored_session(settings, process)
    response = client.get("/focus-groups", follow_redirects=False)
    assert response.status_code in {302, 303}
    assert "/login" in response.headers["location"]
    facilitator_client(client, settings, "bewertung@example.org", Role.EVALUATOR)
    assert client.get("/focus-groups").status_code == 403
    assert client.get(f"/focus-groups/{session.id}").status_code == 403
    response = post_form(client, "/focus-groups/", new_session_form(process))
    assert response.status_code == 403


def test_facilitators_see_only_their_own_sessions(
    client: Client, settings: Settings, process: Process
) -> None:
    other = in_db(settings, lambda s: add_actor(s, "andere@example.org", Role.FACILITATOR))
    theirs = stored_session(settings, process, other, code="THEIRS", title="Fremde Klasse")
    me = facilitator_client(client, settings)
    mine = stored_session(settings, process, me, code="MYCODE", title="Meine Klasse")

    page = html(client.get("/focus-groups").text)
    titles = [text_of(h3) for h3 in page.select(".focus-sessions h3")]
    assert titles == ["Meine Klasse"]
    assert client.get(f"/focus-groups/{mine.id}").status_code == 200
    for url in ("", "/board", "/qr.svg", "/close"):
        assert client.get(f"/focus-groups/{theirs.id}{url}").status_code == 404
    assert post_form(client, f"/focus-groups/{theirs.id}/close").status_code == 404
    assert (
        post_form(client, f"/focus-groups/{theirs.id}/ideas", {"title": "Idee"}).status_code == 404
    )
    assert client.get("/focus-groups/424242").status_code == 404
    assert client.get("/focus-groups/99999999999").status_code == 404


def test_moderators_see_all_sessions(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    other = in_db(settings, lambda s: add_actor(s, "andere@example.org", Role.FACILITATOR))
    session = stored_session(settings, process, other)
    page = html(staff_client.get("/focus-groups").text)
    assert [text_of(h3) for h3 in page.select(".focus-sessions h3")] == ["BBS Auetal, Klasse 11b"]
    assert staff_client.get(f"/focus-groups/{session.id}").status_code == 200
    nav = one(page, "nav.site-nav")
    assert one(nav, 'a[href="/focus-groups"]')["aria-current"] == "page"


# --- the board ----------------------------------------------------------------------------------


async def _session_with_ideas(session: AsyncSession, process: Process) -> FocusGroupSession:
    fg = await add_session(session, process)
    assert fg.id is not None
    member = FocusGroupMember(
        session_id=fg.id, pseudonym="Blauwal", pseudonym_key="blauwal", token_hash="a" * 64
    )
    session.add(member)
    await session.flush()
    now = utcnow()
    old = FocusGroupIdea(
        session_id=fg.id, member_id=member.id, title="Mehr Busse", created_at=now - timedelta(1)
    )
    new = FocusGroupIdea(
        session_id=fg.id, title="WLAN in der Schule", body="Überall", created_at=now
    )
    session.add_all([old, new])
    await session.flush()
    assert old.id is not None
    assert member.id is not None
    session.add(FocusGroupDot(idea_id=old.id, member_id=member.id, dots=2))
    await session.commit()
    return fg


def test_board_shows_code_qr_ideas_and_counts(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    fg = in_db(settings, lambda s: _session_with_ideas(s, process))
    page = html(staff_client.get(f"/focus-groups/{fg.id}").text)
    assert CODE in text_of(one(page, ".join-code"))
    assert "http://testserver.local/mitmachen" in text_of(one(page, ".join-url"))
    qr = one(page, "img.join-panel__qr")
    assert qr["src"] == f"/focus-groups/{fg.id}/qr.svg"
    assert "http://testserver.local/mitmachen/K7P2QX" in str(qr["alt"])
    board = one(page, "#board")
    assert board["aria-live"] == "off"
    assert board["hx-get"] == f"/focus-groups/{fg.id}/board"
    assert board["hx-trigger"] == "every 3s"
    # Most dots first: the older idea with 2 dots leads.
    assert [text_of(h) for h in board.select("h3")] == ["Mehr Busse", "WLAN in der Schule"]
    assert "1 Person" in text_of(one(board, ".fg-board__summary"))
    assert "Blauwal" in text_of(board)
    assert german("Typed in by the facilitator") in text_of(board)

    partial = staff_client.get(f"/focus-groups/{fg.id}/board", headers=HTMX)
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert [text_of(h) for h in html(partial.text).select("h3")] == [
        "Mehr Busse",
        "WLAN in der Schule",
    ]


def test_projector_view_shows_code_qr_counts_and_ideas_without_controls(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    fg = in_db(settings, lambda s: _session_with_ideas(s, process))
    board = html(staff_client.get(f"/focus-groups/{fg.id}").text)
    assert one(board, f'a[href="/focus-groups/{fg.id}/projector"]')

    page = html(staff_client.get(f"/focus-groups/{fg.id}/projector").text)
    assert page.select("form, button, input, nav, header") == []
    assert CODE in text_of(one(page, ".projector__code"))
    assert one(page, "img.projector__qr")["src"] == f"/focus-groups/{fg.id}/qr.svg"
    assert "http://testserver.local/mitmachen" in text_of(one(page, ".join-url"))
    counts = text_of(one(page, ".projector__counts"))
    assert "1 Person" in counts
    assert "2 Ideen" in counts
    assert "2 Punkte" in counts
    ideas = [text_of(i) for i in page.select(".projector__idea-title")]
    assert ideas == ["Mehr Busse", "WLAN in der Schule"]  # most dots first
    live = one(page, "#projector-board")
    assert live["hx-get"] == f"/focus-groups/{fg.id}/projector"
    assert live["hx-trigger"] == "every 5s"
    # Without JavaScript the page reloads itself.
    refresh = one(page, 'noscript meta[http-equiv="refresh"]')
    assert refresh["content"] == "10"
    assert one(page, 'link[href="/static/css/projector.css"]')

    partial = staff_client.get(f"/focus-groups/{fg.id}/projector", headers=HTMX)
    assert "<html" not in partial.text
    assert one(html(partial.text), "#projector-board")
    assert staff_client.get("/static/css/projector.css").status_code == 200


def test_projector_view_of_a_closed_session_stops_polling(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    fg = stored_session(settings, process, state="closed")
    page = html(staff_client.get(f"/focus-groups/{fg.id}/projector").text)
    assert not one(page, "#projector-board").has_attr("hx-trigger")
    assert page.select('meta[http-equiv="refresh"]') == []
    assert page.select(".projector__code") == []
    assert german("This session has been closed. Thank you for your ideas!") in text_of(page)


def test_projector_view_is_the_facilitators_own(
    client: Client, settings: Settings, process: Process
) -> None:
    other = in_db(settings, lambda s: add_actor(s, "andere@example.org", Role.FACILITATOR))
    fg = stored_session(settings, process, other)
    assert client.get(f"/focus-groups/{fg.id}/projector", follow_redirects=False).status_code == 303
    facilitator_client(client, settings)
    assert client.get(f"/focus-groups/{fg.id}/projector").status_code == 404


# --- removing a member ---------------------------------------------------------------------------


async def _crowded_session(session: AsyncSession, process: Process) -> dict[str, int]:
    """Blauwal and a fake member "Bot 1" who gave an idea; each gave dots, also to the
    other's idea. Returns the ids by name."""
    fg = await add_session(session, process)
    assert fg.id is not None
    real = FocusGroupMember(
        session_id=fg.id, pseudonym="Blauwal", pseudonym_key="blauwal", token_hash="a" * 64
    )
    bot = FocusGroupMember(
        session_id=fg.id, pseudonym="Bot 1", pseudonym_key="bot1", token_hash="b" * 64
    )
    session.add_all([real, bot])
    await session.flush()
    assert real.id is not None
    assert bot.id is not None
    paper = FocusGroupIdea(session_id=fg.id, title="Mehr Busse")
    spam = FocusGroupIdea(session_id=fg.id, member_id=bot.id, title="Kauft Bot-Coins")
    session.add_all([paper, spam])
    await session.flush()
    assert paper.id is not None
    assert spam.id is not None
    session.add_all(
        [
            FocusGroupDot(idea_id=paper.id, member_id=real.id, dots=1),
            FocusGroupDot(idea_id=spam.id, member_id=real.id, dots=1),
            FocusGroupDot(idea_id=paper.id, member_id=bot.id, dots=3),
        ]
    )
    real.dots_given, bot.dots_given = 2, 3
    session.add_all([real, bot])
    await session.commit()
    return {"session": fg.id, "real": real.id, "bot": bot.id, "paper": paper.id, "spam": spam.id}


def test_facilitator_removes_a_member_and_their_dots_go_back(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    ids = in_db(settings, lambda s: _crowded_session(s, process))
    base = f"/focus-groups/{ids['session']}"
    board = html(staff_client.get(base).text)
    members = one(board, "#members")
    assert [text_of(n) for n in members.select(".fg-members__name")] == ["Blauwal", "Bot 1"]
    remove = f"{base}/members/{ids['bot']}/remove"
    assert one(members, f'a[href="{remove}"]')

    confirm = html(staff_client.get(remove).text)
    assert "Kauft Bot-Coins" in text_of(one(confirm, "main ul"))
    assert one(confirm, f'form[action="{remove}"]')
    assert len(rows(settings).members) == 2  # asking changes nothing

    response = post_form(staff_client, remove)
    assert response.status_code == 303
    assert response.headers["location"] == f"{base}#members"
    found = rows(settings)
    assert [m.pseudonym for m in found.members] == ["Blauwal"]
    assert [i.title for i in found.ideas] == ["Mehr Busse"]
    # The bot's 3 dots are gone, and so is Blauwal's dot on the bot's idea, given back.
    assert [(d.member_id, d.idea_id, d.dots) for d in found.dots] == [
        (ids["real"], ids["paper"], 1)
    ]
    assert found.members[0].dots_given == 1
    page = html(staff_client.get(base).text)
    assert german("Removed “%(name)s”: their ideas and dots are off the board.") % {
        "name": "Bot 1"
    } in text_of(page)
    assert "1 Punkt" in text_of(one(page, "#board .fg-board__summary"))

    assert staff_client.get(remove).status_code == 404
    assert post_form(staff_client, remove).status_code == 404


def test_members_of_closed_sessions_or_other_sessions_stay(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    ids = in_db(settings, lambda s: _crowded_session(s, process))
    other = stored_session(settings, process, code="OTHER2")
    wrong = f"/focus-groups/{other.id}/members/{ids['bot']}/remove"
    assert staff_client.get(wrong).status_code == 404
    assert post_form(staff_client, wrong).status_code == 404
    huge = f"/focus-groups/{other.id}/members/99999999999/remove"
    assert post_form(staff_client, huge).status_code == 404

    assert post_form(staff_client, f"/focus-groups/{ids['session']}/close").status_code == 303
    response = post_form(
        staff_client, f"/focus-groups/{ids['session']}/members/{ids['bot']}/remove"
    )
    assert response.status_code == 303
    assert len(rows(settings).members) == 2
    page = html(staff_client.get(f"/focus-groups/{ids['session']}").text)
    assert german("The session is closed: its pupils and their ideas stay as they are.") in text_of(
        one(page, ".flash--error")
    )


def test_qr_code_is_an_svg_of_the_join_link(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    fg = stored_session(settings, process)
    response = staff_client.get(f"/focus-groups/{fg.id}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.startswith("<svg")
    assert "viewBox" in response.text
    # The same link encoded by segno gives the same drawing.
    assert response.content == qr_svg("http://testserver.local/mitmachen/K7P2QX")


def test_paper_ideas(staff_client: Client, settings: Settings, process: Process) -> None:
    fg = stored_session(settings, process)
    response = post_form(
        staff_client, f"/focus-groups/{fg.id}/ideas", {"title": "Ab", "body": "Kurz"}
    )
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "title") == german("The title needs at least %(min)d characters.") % {
        "min": 3
    }
    assert one(page, "#body").text == "Kurz"

    response = post_form(
        staff_client,
        f"/focus-groups/{fg.id}/ideas",
        {"title": "  Mehr   Sitzbänke ", "body": "Am Bahnhof"},
    )
    assert response.status_code == 303
    ideas = rows(settings).ideas
    assert len(ideas) == 1
    idea = ideas[0]
    assert isinstance(idea, FocusGroupIdea)
    assert (idea.title, idea.body, idea.member_id) == ("Mehr Sitzbänke", "Am Bahnhof", None)
    board = staff_client.get(f"/focus-groups/{fg.id}/board", headers=HTMX)
    assert "Mehr Sitzbänke" in board.text


def test_expired_session_stops_polling_but_takes_paper_cards(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    fg = stored_session(settings, process, state="expired")
    page = html(staff_client.get(f"/focus-groups/{fg.id}").text)
    assert not one(page, "#board").has_attr("hx-trigger")
    assert german("Expired at") in text_of(page)
    response = post_form(staff_client, f"/focus-groups/{fg.id}/ideas", {"title": "Späte Karte"})
    assert response.status_code == 303
    assert len(rows(settings).ideas) == 1


# --- closing ------------------------------------------------------------------------------------


def test_close_asks_first_then_sends_ideas_to_moderation(
    staff_client: Client, settings: Settings
) -> None:
    # Post-moderation process: focus-group ideas still wait for a moderator.
    process = in_db(settings, lambda s: add_process(s, mode=ModerationMode.AFTER_PUBLISHING))
    fg = in_db(settings, lambda s: _session_with_ideas(s, process))

    confirm = html(staff_client.get(f"/focus-groups/{fg.id}/close").text)
    assert one(confirm, f'form[action="/focus-groups/{fg.id}/close"]')
    assert rows(settings).sessions[0].closed_at is None

    response = post_form(staff_client, f"/focus-groups/{fg.id}/close")
    assert response.status_code == 303
    assert response.headers["location"] == f"/focus-groups/{fg.id}"

    stored = in_db(settings, contributions)
    assert [c.title for c in stored] == ["Mehr Busse", "WLAN in der Schule"]
    for item in stored:
        assert item.channel is Channel.FOCUS_GROUP
        assert item.segment is Segment.PUPIL
        assert item.status is ContributionStatus.PENDING
        assert item.source_ref == f"Fokusgruppe BBS Auetal, Klasse 11b ({CODE})"
        assert item.process_id == process.id
    assert [c.imported_ratings for c in stored] == [{"dots": 2}, {"dots": 0}]
    assert stored[0].body == "Mehr Busse"  # no text: the title stands in
    assert stored[1].body == "Überall"
    found = rows(settings)
    assert found.sessions[0].closed_at is not None
    assert [i.contribution_id for i in found.ideas] == [c.id for c in stored]

    page = html(staff_client.get(f"/focus-groups/{fg.id}").text)
    assert german("This session is closed. Its ideas are in the moderation queue.") in text_of(page)
    assert not page.select("form[action$='/ideas']")
    assert not one(page, "#board").has_attr("hx-trigger")
    queue = staff_client.get("/moderation").text
    assert "Mehr Busse" in queue
    assert "WLAN in der Schule" in queue

    # Closing again changes nothing.
    assert post_form(staff_client, f"/focus-groups/{fg.id}/close").status_code == 303
    assert len(in_db(settings, contributions)) == 2
    assert (
        post_form(staff_client, f"/focus-groups/{fg.id}/ideas", {"title": "Zu spät"}).status_code
        == 422
    )


async def test_close_twice_in_the_service(session: AsyncSession) -> None:
    process = await add_process(session)
    fg = await _session_with_ideas(session, process)
    first = await focus_groups.close_session(session, fg)
    assert len(first) == 2
    assert await focus_groups.close_session(session, fg) == []
    assert len(list(await session.exec(select(Contribution)))) == 2
    assert focus_groups.session_state(fg) is focus_groups.SessionState.CLOSED


async def test_create_session_service_validates(session: AsyncSession) -> None:
    process = await add_process(session)
    actor = await add_actor(session, "f@example.org", Role.FACILITATOR)
    form = SessionForm(process_id=str(process.id), title="x" * 201, hours="0")
    with pytest.raises(ValidationFailed):
        await focus_groups.create_session(session, form, actor)
    assert set(form.errors) == {"title", "hours"}
    created = await focus_groups.create_session(
        session, SessionForm(process_id=str(process.id), title="Klasse 8", hours="8"), actor
    )
    assert created.facilitator_id == actor.id
    assert created.expires_at - created.created_at == timedelta(hours=8)
    idea = await focus_groups.add_idea(session, created, IdeaForm(title="Kantine", body=""), None)
    assert idea.member_id is None
