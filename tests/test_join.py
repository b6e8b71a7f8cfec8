"""Pupils in a focus group (/mitmachen): the code in any spelling, wrong and ended sessions,
pseudonyms (rude words, names taken, a free suggestion), the member cookie, joins per network,
ideas (thanked once), dots (a budget in all, up to three per idea, none on one's own, and
back), and that nothing personal is stored."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from bs4 import Tag
from httpx import Response
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine, create_sessionmaker
from participation.i18n import translations_for
from participation.models import (
    FocusGroupIdea,
    FocusGroupMember,
    FocusGroupSession,
    LiveAudience,
    Process,
)
from participation.services import focus_group_dots, focus_groups
from participation.services.errors import ValidationFailed
from participation.services.pseudonyms import free_alternative, is_rude, pseudonym_key
from participation.settings import Settings
from tests.focus_group_helpers import CODE, add_session, all_rows, join, rows, stored_session
from tests.helpers import (
    HTMX,
    Client,
    add_process,
    field_error,
    german,
    html,
    in_db,
    one,
    post_form,
    text_of,
)

IDEAS = f"/mitmachen/{CODE}/ideen"


def de_plural(singular: str, plural: str, n: int) -> str:
    text = translations_for("de").ungettext(singular, plural, n)
    assert text not in {singular, plural}, f"no German translation for {singular!r}"
    return text


def joined(client: Client, settings: Settings, process: Process, name: str = "Blauwal") -> None:
    """A session with this client in it as `name`."""
    if not rows(settings).sessions:
        stored_session(settings, process)
    response = join(client, name)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == IDEAS


def add_my_idea(client: Client, title: str = "Mehr Fahrradständer") -> int:
    response = post_form(client, IDEAS, {"title": title, "body": ""})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("#idea-", 1)[1])


def dot(client: Client, idea_id: int, action: str = "give", *, htmx: bool = False) -> Response:
    return post_form(
        client,
        f"{IDEAS}/{idea_id}/punkte",
        {"action": action},
        headers=HTMX if htmx else None,
    )


# --- the code ----------------------------------------------------------------------------------


def test_code_in_any_case_and_with_spaces(
    client: Client, settings: Settings, process: Process
) -> None:
    stored_session(settings, process)
    page = html(client.get("/mitmachen").text)
    assert one(page, "#code")["aria-describedby"] == "code-error code-hint"
    for typed in ("K7P2QX", " k7p 2qx ", "k7p-2qx"):
        response = post_form(client, "/mitmachen/", {"code": typed})
        assert response.status_code == 303
        assert response.headers["location"] == f"/mitmachen/{CODE}"
    response = client.get("/mitmachen/k7p2qx", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/mitmachen/{CODE}"


@pytest.mark.parametrize(
    ("state", "typed", "message"),
    [
        ("open", "ZZZZZZ", "We don't know this code. Please check it and try again."),
        ("open", "K7P", "We don't know this code. Please check it and try again."),
        ("open", "  ", "Please enter the code your group leader shows you."),
        ("expired", CODE, "This session has ended. Thank you for your ideas!"),
        ("closed", CODE, "This session has been closed. Thank you for your ideas!"),
    ],
)
def test_wrong_or_ended_codes(
    client: Client, settings: Settings, process: Process, state: str, typed: str, message: str
) -> None:
    stored_session(settings, process, state=state)
    response = post_form(client, "/mitmachen/", {"code": typed})
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "code") == german(message)
    assert one(page, "#code")["value"] == typed
    assert one(page, "#code")["aria-invalid"] == "true"
    assert one(page, ".error-summary")


def test_home_page_leads_pupils_to_the_code_form(client: Client, settings: Settings) -> None:
    page = html(client.get("/").text)
    link = one(page, 'main a[href="/mitmachen"]')
    assert text_of(link) == german("Join with a code")


def test_unknown_code_in_the_address(client: Client, settings: Settings) -> None:
    response = client.get("/mitmachen/ZZZZZZ")
    assert response.status_code == 404
    assert field_error(html(response.text), "code") == german(
        "We don't know this code. Please check it and try again."
    )
    assert post_form(client, "/mitmachen/ZZZZZZ", {"pseudonym": "Wal"}).status_code == 404


# --- pseudonyms --------------------------------------------------------------------------------


def test_pseudonym_key_folds_case_accents_and_spaces() -> None:
    assert pseudonym_key("Blau Wal") == pseudonym_key("blauwal") == pseudonym_key("BLÄU-WAL")
    assert pseudonym_key("Straße") == "strasse"
    assert pseudonym_key("Wal 2") != pseudonym_key("Wal")


@pytest.mark.parametrize(
    "name",
    [
        "Arschloch",
        "4rsch",
        "Scheiße",
        "SCHEISSE",
        "Schei55e",
        "F1ck3r",
        "h u r e",
        "Fiiiick",
        "N@zi",
    ],
)
def test_rude_names_are_caught(name: str) -> None:
    assert is_rude(name)


@pytest.mark.parametrize("name", ["Blauwal", "Barsch", "Marschall", "Sternschnuppe", "Spaßvogel"])
def test_harmless_names_pass(name: str) -> None:
    assert not is_rude(name)


def test_free_alternative_counts_up() -> None:
    assert free_alternative("Blauwal", {"blauwal"}) == "Blauwal 2"
    assert free_alternative("Blauwal", {"blauwal", "blauwal2"}) == "Blauwal 3"
    assert len(free_alternative("x" * 30, {"x" * 30})) == 30


def test_join_form_reminds_not_to_use_real_names(
    client: Client, settings: Settings, process: Process
) -> None:
    stored_session(settings, process)
    page = html(client.get(f"/mitmachen/{CODE}").text)
    hint = text_of(one(page, "#pseudonym-hint"))
    assert "echten Namen" in hint
    assert one(page, "#pseudonym")["aria-describedby"] == "pseudonym-error pseudonym-hint"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Scheiße", "Please choose a friendly name."),
        ("A", "Your name must be between %(min)d and %(max)d characters long."),
        ("x" * 31, "Your name must be between %(min)d and %(max)d characters long."),
        ("- -", "Please use at least two letters or digits."),
        ("   ", "Please choose a name."),
    ],
)
def test_refused_pseudonyms_keep_input(
    client: Client, settings: Settings, process: Process, name: str, message: str
) -> None:
    stored_session(settings, process)
    response = join(client, name)
    assert response.status_code == 422
    page = html(response.text)
    expected = german(message)
    if "%(min)d" in message:
        expected = expected % {"min": 2, "max": 30}
    assert field_error(page, "pseudonym") == expected
    assert one(page, "#pseudonym")["value"] == name.strip()
    assert rows(settings).members == []


def test_taken_pseudonym_gets_a_suggestion(
    client: Client, settings: Settings, process: Process
) -> None:
    joined(client, settings, process, "Blauwal")
    client.cookies.clear()
    response = join(client, "blau WAL")
    assert response.status_code == 422
    page = html(response.text)
    message = german("Somebody in your group has this name already. How about “%(name)s”?")
    assert field_error(page, "pseudonym") == message % {"name": "blau WAL 2"}
    take = page.select("form")[-1]
    assert one(take, 'input[name="pseudonym"]')["value"] == "blau WAL 2"
    response = join(client, "blau WAL 2")
    assert response.status_code == 303
    assert sorted(m.pseudonym for m in rows(settings).members) == ["Blauwal", "blau WAL 2"]


def test_adults_are_told_what_is_wrong_with_their_name_with_sie(
    client: Client, settings: Settings, process: Process
) -> None:
    """Firms and experts are addressed formally; pupils keep "du" (the tests above)."""
    stored_session(settings, process, audience=LiveAudience.EXPERTS)
    refused = html(join(client, "Schei55e").text)
    assert field_error(refused, "pseudonym") == "Bitte wählen Sie einen höflichen Namen."
    assert field_error(html(join(client, "").text), "pseudonym") == (
        "Bitte geben Sie einen Namen ein."
    )
    assert join(client, "Dr. Weber").status_code == 303
    client.cookies.clear()
    taken = html(join(client, "dr weber").text)
    assert field_error(taken, "pseudonym") == (
        "Diesen Namen hat in dieser Sitzung schon jemand. Wie wäre es mit „dr weber 2“?"
    )


def test_member_cookie_is_random_hashed_and_scoped(
    client: Client, settings: Settings, process: Process
) -> None:
    stored_session(settings, process)
    response = join(client, "Sternschnuppe")
    cookie = response.headers["set-cookie"]
    assert "fg_member=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert f"Path=/mitmachen/{CODE}" in cookie
    token = client.cookies["fg_member"]
    (member,) = rows(settings).members
    assert isinstance(member, FocusGroupMember)
    assert member.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in member.token_hash

    # With the cookie the pupil skips the name step; without it, the ideas send them there.
    response = client.get(f"/mitmachen/{CODE}", follow_redirects=False)
    assert response.headers["location"] == IDEAS
    page = html(client.get(IDEAS).text)
    assert "Sternschnuppe" in text_of(one(page, ".meta"))
    client.cookies.clear()
    assert client.get(IDEAS, follow_redirects=False).headers["location"] == f"/mitmachen/{CODE}"
    response = post_form(client, IDEAS, {"title": "Ohne Cookie"})
    assert response.status_code == 303
    assert rows(settings).ideas == []


def test_nothing_personal_is_stored(client: Client, settings: Settings, process: Process) -> None:
    joined(client, settings, process, "Blauwal")
    (member,) = rows(settings).members
    assert set(FocusGroupMember.model_fields) == {
        "id",
        "session_id",
        "pseudonym",
        "pseudonym_key",
        "token_hash",
        "joined_at",
        "dots_given",  # a count, kept for the dot budget
        # Only for audiences other than pupils, and optional there.
        "organisation_name",
        "organisation_sector",
        "organisation_size",
    }
    exclude = {"id", "session_id", "joined_at", "token_hash", "dots_given"}
    assert member.model_dump(exclude=exclude) == {
        "pseudonym": "Blauwal",
        "pseudonym_key": "blauwal",
        "organisation_name": None,
        "organisation_sector": None,
        "organisation_size": None,
    }
    page = html(client.get(f"/mitmachen/{CODE}", follow_redirects=True).text)
    assert not page.select('input[type="email"], input[name*="age"], input[name*="mail"]')
    assert not page.select('[name^="organisation"]')  # pupils are not asked


# --- ideas ---------------------------------------------------------------------------------------


def test_idea_validation_and_success(client: Client, settings: Settings, process: Process) -> None:
    joined(client, settings, process)
    response = post_form(client, IDEAS, {"title": "Ja", "body": "Mehr Pausen"})
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "title") == german("The title needs at least %(min)d characters.") % {
        "min": 3
    }
    assert one(page, "#body").text == "Mehr Pausen"
    assert one(page, "#title")["value"] == "Ja"
    assert one(page, ".error-summary")

    response = post_form(client, IDEAS, {"title": "Lange Pause", "body": "x" * 1001})
    assert response.status_code == 422
    assert field_error(html(response.text), "body") == german(
        "The text may be at most %(max)d characters long."
    ) % {"max": 1000}
    response = post_form(client, IDEAS, {"title": "x" * 121})
    assert response.status_code == 422

    idea_id = add_my_idea(client, "Längere Pausen")
    (idea,) = rows(settings).ideas
    assert isinstance(idea, FocusGroupIdea)
    assert idea.id == idea_id
    assert idea.member_id == rows(settings).members[0].id
    page = html(client.get(IDEAS).text)
    assert text_of(one(page, ".flash--success")) == german("Thank you, your idea is on the list.")
    assert "Längere Pausen" in text_of(one(page, f"#idea-{idea_id}"))
    # Said once: a reload does not thank again.
    page = html(client.get(IDEAS).text)
    assert german("Thank you, your idea is on the list.") not in text_of(page)
    assert "Längere Pausen" in text_of(one(page, f"#idea-{idea_id}"))


# --- dots ----------------------------------------------------------------------------------------

MINE = "You have given %(mine)d of %(max)d dots to this idea."
ALL_GIVEN = "You have given all your %(max)d dots. Take one back to give it to another idea."


def paper_idea(settings: Settings, title: str) -> int:
    """An idea the facilitator typed in from a paper card, in the session with CODE."""

    async def add(session: AsyncSession) -> int:
        fg = (
            await session.exec(select(FocusGroupSession).where(FocusGroupSession.join_code == CODE))
        ).one()
        idea = FocusGroupIdea(session_id=fg.id or 0, title=title)
        session.add(idea)
        await session.commit()
        return idea.id or 0

    return in_db(settings, add)


def set_budget(settings: Settings, dots: int) -> None:
    async def change(session: AsyncSession) -> None:
        fg = (
            await session.exec(select(FocusGroupSession).where(FocusGroupSession.join_code == CODE))
        ).one()
        fg.dots_per_member = dots
        session.add(fg)
        await session.commit()

    in_db(settings, change)


def give_buttons(page: Tag) -> dict[str, bool]:
    """Each idea's "Give a dot" button: title -> whether it can be pressed."""
    return {
        text_of(one(row, "h3")): not one(row, 'button[id^="give-"]').has_attr("disabled")
        for row in page.select("li.fg-idea")
        if row.select('button[id^="give-"]')
    }


def status(page: Tag) -> str:
    return text_of(one(page, "#dots-status"))


def test_up_to_three_dots_on_one_idea(client: Client, settings: Settings, process: Process) -> None:
    joined(client, settings, process)
    set_budget(settings, 5)
    idea_id, other = paper_idea(settings, "Mehr Busse"), paper_idea(settings, "Trinkbrunnen")

    response = dot(client, idea_id)
    assert response.status_code == 303  # without JavaScript: back to the page, at the idea
    assert response.headers["location"] == f"{IDEAS}#idea-{idea_id}"
    for expected in (2, 3):
        response = dot(client, idea_id, htmx=True)
        assert response.status_code == 200
        row = one(html(response.text), f"#idea-{idea_id}")
        assert german(MINE) % {"mine": expected, "max": 3} in text_of(row)
        assert f"{expected} Punkte" in text_of(row)

    refused = german("You have given this idea all %(max)d dots.") % {"max": 3}
    response = dot(client, idea_id, htmx=True)
    assert response.status_code == 422
    assert refused in text_of(one(html(response.text), f"#idea-{idea_id}"))
    assert refused in text_of(one(html(response.text), "#dots-status"))
    response = dot(client, idea_id)  # without JavaScript: the page with the message
    assert response.status_code == 422
    page = html(response.text)
    assert refused in text_of(one(page, f"#idea-{idea_id}"))
    assert give_buttons(page) == {"Mehr Busse": False, "Trinkbrunnen": True}
    assert dot(client, other).status_code == 303
    (stored, second) = sorted(rows(settings).dots, key=lambda d: -d.dots)
    assert (stored.idea_id, stored.dots, second.dots) == (idea_id, 3, 1)


def test_every_pupil_has_a_budget_of_dots_in_all(
    client: Client, settings: Settings, process: Process
) -> None:
    """Three dots by default: then "Give a dot" is disabled everywhere, and the pupil is told
    to take one back; taking one back frees it for another idea."""
    joined(client, settings, process)
    ideas = [paper_idea(settings, title) for title in ("Busse", "Pausen", "WLAN", "Bänke")]
    page = html(client.get(IDEAS).text)
    left = "You have %(left)d of %(num)d dot left."
    assert status(page) == de_plural(left, "You have %(left)d of %(num)d dots left.", 3) % {
        "left": 3,
        "num": 3,
    }
    for idea_id in ideas[:2]:
        assert dot(client, idea_id, htmx=True).status_code == 200
    page = html(dot(client, ideas[2], htmx=True).text)
    assert status(page) == german(ALL_GIVEN) % {"max": 3}
    assert give_buttons(page) == dict.fromkeys(["Busse", "Pausen", "WLAN", "Bänke"], False)
    # The last button pressed is disabled: its "take back" neighbour gets the focus.
    assert one(page, f"#take-{ideas[2]}").has_attr("autofocus")

    response = dot(client, ideas[3], htmx=True)
    assert response.status_code == 422
    assert status(html(response.text)) == german(ALL_GIVEN) % {"max": 3}
    assert dot(client, ideas[3]).status_code == 422  # without JavaScript as well
    assert sum(d.dots for d in rows(settings).dots) == 3

    page = html(dot(client, ideas[0], "take", htmx=True).text)
    assert give_buttons(page) == dict.fromkeys(["Busse", "Pausen", "WLAN", "Bänke"], True)
    assert dot(client, ideas[3], htmx=True).status_code == 200
    (member,) = rows(settings).members
    assert member.dots_given == 3
    assert sorted(d.idea_id for d in rows(settings).dots) == sorted(ideas[1:])


def test_no_dots_on_ones_own_idea(client: Client, settings: Settings, process: Process) -> None:
    joined(client, settings, process)
    own = add_my_idea(client)
    page = html(client.get(IDEAS).text)
    row = one(page, f"#idea-{own}")
    assert row.select("button") == []
    assert german("Your idea: the others give it their dots.") in text_of(row)
    response = dot(client, own, htmx=True)
    assert response.status_code == 422
    assert german("You cannot give dots to your own idea.") in text_of(html(response.text))
    assert rows(settings).dots == []
    assert rows(settings).members[0].dots_given == 0


def test_taking_dots_back(client: Client, settings: Settings, process: Process) -> None:
    joined(client, settings, process)
    idea_id = paper_idea(settings, "Mehr Busse")
    dot(client, idea_id)
    dot(client, idea_id)
    response = dot(client, idea_id, "take", htmx=True)
    assert response.status_code == 200
    assert german(MINE) % {"mine": 1, "max": 3} in text_of(html(response.text))
    response = dot(client, idea_id, "take", htmx=True)
    page = html(response.text)
    assert german(MINE) % {"mine": 0, "max": 3} in text_of(page)
    # The "take back" button is gone: the "give" one gets the focus.
    assert one(page, f"#give-{idea_id}").has_attr("autofocus")
    assert rows(settings).dots == []
    assert dot(client, idea_id, "take").status_code == 303  # nothing to take: no change
    assert rows(settings).dots == []
    assert rows(settings).members[0].dots_given == 0


def test_dots_of_several_pupils_add_up(
    client: Client, settings: Settings, process: Process
) -> None:
    joined(client, settings, process, "Blauwal")
    idea_id = add_my_idea(client)
    client.cookies.clear()
    joined(client, settings, process, "Rotfuchs")
    dot(client, idea_id)
    response = dot(client, idea_id, htmx=True)
    row = text_of(one(html(response.text), f"#idea-{idea_id}"))
    assert "2 Punkte" in row
    assert german(MINE) % {"mine": 2, "max": 3} in row


async def test_simultaneous_clicks_stay_within_the_budget(
    session: AsyncSession, settings: Settings
) -> None:
    """One pupil's clicks on five ideas at the same moment: exactly three count."""
    process = await add_process(session)
    fg = await add_session(session, process)
    member = FocusGroupMember(
        session_id=fg.id or 0, pseudonym="Blauwal", pseudonym_key="blauwal", token_hash="b" * 64
    )
    ideas = [FocusGroupIdea(session_id=fg.id or 0, title=f"Idee {n}") for n in range(5)]
    session.add_all([member, *ideas])
    await session.commit()
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)

    async def click(idea_id: int) -> str:
        async with sessions() as own:
            try:
                await focus_group_dots.give_dot(own, fg, member, idea_id)
            except ValidationFailed:
                return "refused"
            return "given"

    try:
        results = await asyncio.gather(*(click(idea.id or 0) for idea in ideas * 2))
    finally:
        await engine.dispose()
    assert sorted(results) == ["given"] * 3 + ["refused"] * 7
    stored = await all_rows(session)
    assert sum(d.dots for d in stored.dots) == 3
    await session.refresh(member)
    assert member.dots_given == 3


def test_dot_on_another_sessions_idea_is_404(
    client: Client, settings: Settings, process: Process
) -> None:
    stored_session(settings, process)
    other = stored_session(settings, process, code="OTHER2")
    joined(client, settings, process)
    assert other.id is not None
    add_my_idea(client)

    async def foreign(session: AsyncSession) -> int:
        idea = FocusGroupIdea(session_id=other.id or 0, title="Fremd")
        session.add(idea)
        await session.commit()
        return idea.id or 0

    foreign_id = in_db(settings, foreign)
    assert dot(client, foreign_id).status_code == 404
    assert dot(client, 987654).status_code == 404
    assert dot(client, 99999999999).status_code == 404


# --- after the end -------------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["expired", "closed"])
def test_after_the_end_no_forms_and_posts_refused(
    client: Client, settings: Settings, process: Process, end: str
) -> None:
    joined(client, settings, process)
    idea_id = add_my_idea(client)

    async def finish(session: AsyncSession) -> None:
        stored = (
            await session.exec(select(FocusGroupSession).where(FocusGroupSession.join_code == CODE))
        ).one()
        if end == "closed":
            await focus_groups.close_session(session, stored)
        else:
            stored.expires_at = stored.created_at
            session.add(stored)
            await session.commit()

    in_db(settings, finish)
    message = german(
        "This session has been closed. Thank you for your ideas!"
        if end == "closed"
        else "This session has ended. Thank you for your ideas!"
    )
    page = html(client.get(IDEAS).text)
    assert message in text_of(one(page, ".notice"))
    assert page.select("main form") == []
    assert "Mehr Fahrradständer" in text_of(page)

    response = post_form(client, IDEAS, {"title": "Noch eine Idee"})
    assert response.status_code == 422
    assert message in text_of(html(response.text))
    assert dot(client, idea_id).status_code == 422
    assert dot(client, idea_id, htmx=True).status_code == 422
    assert len(rows(settings).ideas) == 1
    assert rows(settings).dots == []

    client.cookies.clear()
    page = html(client.get(f"/mitmachen/{CODE}").text)
    assert message in text_of(one(page, ".notice"))
    assert not page.select("#pseudonym")
    assert join(client, "Spätzünder").status_code == 422


async def test_join_service_refuses_a_closed_session(session: AsyncSession) -> None:
    process = await add_process(session)
    fg = await add_session(session, process, state="closed")
    with pytest.raises(ValidationFailed):
        await focus_groups.join(session, fg, focus_groups.JoinForm(pseudonym="Blauwal"))


# --- caps (the pupils' pages are not rate-limited per address) --------------------------------


def test_a_pupil_may_give_only_so_many_ideas(
    client: Client, settings: Settings, process: Process, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(focus_groups, "IDEAS_PER_MEMBER", 2)
    joined(client, settings, process)
    add_my_idea(client, "Mehr Fahrradständer")
    add_my_idea(client, "Längere Pausen")
    response = post_form(client, IDEAS, {"title": "Trinkbrunnen", "body": ""})
    assert response.status_code == 422
    assert field_error(html(response.text), "title") == german(
        "You have already given %(max)d ideas in this session. Thank you! "
        "Give dots to the others' ideas now."
    ) % {"max": 2}
    assert len(rows(settings).ideas) == 2
    # Somebody else in the group still can.
    client.cookies.clear()
    joined(client, settings, process, "Rotfuchs")
    add_my_idea(client, "Trinkbrunnen")
    assert len(rows(settings).ideas) == 3


def test_a_full_session_takes_no_more_pupils(
    client: Client, settings: Settings, process: Process, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(focus_groups, "MEMBERS_PER_SESSION", 1)
    joined(client, settings, process)
    client.cookies.clear()
    response = join(client, "Rotfuchs")
    assert response.status_code == 422
    assert field_error(html(response.text), "pseudonym") == german(
        "This session is full. Please ask your facilitator."
    )
    assert [m.pseudonym for m in rows(settings).members] == ["Blauwal"]


def test_joins_per_network_are_limited(
    client: Client, settings: Settings, process: Process
) -> None:
    """A class of about 35 joins from its school's one address; a script making members to
    fill the session or multiply its dots stops at JOINS_PER_ADDRESS."""
    stored_session(settings, process)
    stored_session(settings, process, code="OTHER2")
    assert focus_groups.JOINS_PER_ADDRESS >= 40
    # Refused names are no joins.
    for _ in range(5):
        assert join(client, "Schei55e").status_code == 422
    for n in range(focus_groups.JOINS_PER_ADDRESS):
        client.cookies.clear()
        assert join(client, f"Pinguin {n}").status_code == 303
    client.cookies.clear()
    response = join(client, "Pinguin extra")
    assert response.status_code == 429
    assert field_error(html(response.text), "pseudonym") == german(
        "Many pupils have joined this session from your network already. Please ask your "
        "group leader."
    )
    assert len(rows(settings).members) == focus_groups.JOINS_PER_ADDRESS
    # Another session's count is its own.
    assert join(client, "Pinguin extra", code="OTHER2").status_code == 303


def test_an_adults_session_lets_a_whole_conference_join_from_one_venue_network(
    client: Client, settings: Settings, process: Process
) -> None:
    """Firms at a conference share the venue's wifi: 60 and more join from one address, and
    a script still stops at ADULT_JOINS_PER_ADDRESS."""
    stored_session(settings, process, audience=LiveAudience.FIRMS)
    limit = focus_groups.ADULT_JOINS_PER_ADDRESS
    assert limit >= 60 > focus_groups.JOINS_PER_ADDRESS
    for n in range(limit):
        client.cookies.clear()
        assert join(client, f"Betrieb {n}").status_code == 303
    client.cookies.clear()
    response = join(client, "Betrieb extra")
    assert response.status_code == 429
    assert field_error(html(response.text), "pseudonym") == german(
        "Many people have joined this session from your network already. Please ask the "
        "facilitator."
    )
    assert len(rows(settings).members) == limit


def test_joining_again_with_the_cookie_makes_no_second_member(
    client: Client, settings: Settings, process: Process
) -> None:
    joined(client, settings, process, "Blauwal")
    response = join(client, "Blauwal Zwei")
    assert response.status_code == 303
    assert response.headers["location"] == IDEAS
    assert [m.pseudonym for m in rows(settings).members] == ["Blauwal"]
