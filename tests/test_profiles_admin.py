"""The staff pages of project profiles over HTTP: create through the form, edit, a conflict
between two editors, history and restore, sources, working group, comments, and who may do
what (an editor edits only their group's profiles and cannot moderate; a facilitator cannot
edit; the public never reaches a draft)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Contribution, Process, Profile, ProfileStatus, Role, User
from participation.services.profiles import editing
from participation.services.profiles.fields import ProfileForm, validate
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_staff,
    add_themes,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)

LIST = f"/admin/processes/{SLUG}/steckbriefe"


def _form(**overrides: str) -> dict[str, str]:
    return {
        "title": "Glasfaser für alle Schulen",
        "summary": "Alle Schulen bekommen Glasfaser.",
        "problem": "Viele Schulen haben **unter 50 Mbit/s**.",
        "goal": "Gigabit an jeder Schule.",
        "measures": "- Bedarf erheben",
        "horizon": "medium",
        "cost_min": "250.000",
        "cost_max": "",
        "funding": "",
        "org-0-name": "Landkreis Auetal",
        "org-0-kind": "administration",
        "org-0-role": "lead",
        "action": "save",
    } | overrides


def _sign_in(client: Client, settings: Settings, email: str, role: Role) -> Client:
    in_db(settings, lambda s: add_staff(s, email, role))
    assert login(client, email).status_code == 303
    return client


def _create(client: Client, **overrides: str) -> int:
    response = post_form(client, f"{LIST}/new", _form(**overrides))
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    return int(location.rsplit("/", 1)[1])


def _version(client: Client, profile_id: int) -> str:
    page = html(client.get(f"/admin/steckbriefe/{profile_id}/edit").text)
    return str(one(page, 'input[name="version"]')["value"])


def test_a_moderator_creates_reads_and_lists_a_profile(
    staff_client: Client, process: Process, settings: Settings
) -> None:
    profile_id = _create(staff_client)
    page = html(staff_client.get(f"/admin/steckbriefe/{profile_id}").text)
    assert text_of(one(page, "h1")) == "Glasfaser für alle Schulen"
    # Markdown rendered safely, the cost in German, the lead organisation named.
    assert one(page, ".prose strong").get_text() == "unter 50 Mbit/s"
    assert "250.000 €" in text_of(page)
    assert "Landkreis Auetal" in text_of(page)

    listing = html(staff_client.get(LIST).text)
    assert "Glasfaser für alle Schulen" in text_of(
        one(listing, "table:has(#profiles-caption) tbody")
    )
    assert "Entwurf (1)" in text_of(one(listing, ".status-tabs"))
    assert "Landkreis Auetal" in text_of(listing)
    filtered = html(staff_client.get(LIST, params={"horizon": "long"}).text)
    assert "Kein Steckbrief passt zu diesen Filtern." in text_of(filtered)
    led = html(staff_client.get(LIST, params={"lead": "landkreis"}).text)
    assert "Glasfaser für alle Schulen" in text_of(led)


def test_mistakes_come_back_at_their_fields_with_everything_typed(
    staff_client: Client, process: Process
) -> None:
    response = post_form(staff_client, f"{LIST}/new", _form(title="", cost_min="viel Geld"))
    assert response.status_code == 422
    page = html(response.text)
    assert one(page, "#title")["aria-invalid"] == "true"
    assert one(page, "#cost_min")["value"] == "viel Geld"
    assert one(page, "#problem").get_text() == "Viele Schulen haben **unter 50 Mbit/s**."
    assert one(page, ".error-summary a[href='#cost_min']")


def test_rows_are_added_without_javascript_and_nothing_is_saved(
    staff_client: Client, process: Process, settings: Settings
) -> None:
    response = post_form(staff_client, f"{LIST}/new", _form(action="ind-add"))
    assert response.status_code == 200
    page = html(response.text)
    assert one(page, "#ind-0-name")
    assert one(page, "#org-0-name")["value"] == "Landkreis Auetal"

    async def count(session: AsyncSession) -> int:
        return len((await session.exec(select(Profile))).all())

    assert in_db(settings, count) == 0


def test_two_editors_do_not_overwrite_each_other(
    client: Client,
    process: Process,
    settings: Settings,
) -> None:
    moderator = _sign_in(client, settings, "mod@example.org", Role.MODERATOR)
    profile_id = _create(moderator)
    stale = _version(moderator, profile_id)

    # A colleague saves first (from their own browser: here straight through the service,
    # as one app under test serves one client at a time).
    async def colleague_saves(session: AsyncSession) -> None:
        colleague = await add_actor(session, "kollegin@example.org", Role.MODERATOR)
        themes: set[int] = set()
        snapshot = validate(ProfileForm.from_form(_form(goal="Gigabit bis 2027.")), themes)
        await editing.save_profile(session, profile_id, snapshot, int(stale), colleague)

    in_db(settings, colleague_saves)

    url = f"/admin/steckbriefe/{profile_id}/edit"
    refused = post_form(moderator, url, _form(title="Schnelles Netz", version=stale))
    assert refused.status_code == 409
    page = html(refused.text)
    assert "Version 2" in text_of(one(page, ".conflict"))
    # What they typed stays in the form; what is stored now is shown beside the changed field.
    assert one(page, "#title")["value"] == "Schnelles Netz"
    stored = [text_of(d) for d in page.select(".stored-value")]
    assert any("Gigabit bis 2027." in s for s in stored)
    assert any("Glasfaser für alle Schulen" in s for s in stored)
    # Saving again is a decision taken knowing the other change: it goes through.
    version = str(one(page, 'input[name="version"]')["value"])
    assert version == "2"
    again = post_form(moderator, url, _form(title="Schnelles Netz", version=version))
    assert again.status_code == 303
    detail = html(moderator.get(f"/admin/steckbriefe/{profile_id}").text)
    assert text_of(one(detail, "h1")) == "Schnelles Netz"


def test_the_history_shows_changes_and_restores_an_earlier_version(
    staff_client: Client, process: Process
) -> None:
    profile_id = _create(staff_client)
    url = f"/admin/steckbriefe/{profile_id}/edit"
    post_form(staff_client, url, _form(title="Neuer Titel", version="1"))
    page = html(staff_client.get(f"/admin/steckbriefe/{profile_id}/history").text)
    newest = one(page, "#version-2")
    assert [text_of(li) for li in newest.select(".diff--removed")] == [
        "entfernt: Glasfaser für alle Schulen"
    ]
    assert [text_of(li) for li in newest.select(".diff--added")] == ["hinzugefügt: Neuer Titel"]

    restored = post_form(
        staff_client, f"/admin/steckbriefe/{profile_id}/history/1/restore", {"version": "2"}
    )
    assert restored.status_code == 303
    detail = html(staff_client.get(f"/admin/steckbriefe/{profile_id}").text)
    assert text_of(one(detail, "h1")) == "Glasfaser für alle Schulen"
    history = html(staff_client.get(f"/admin/steckbriefe/{profile_id}/history").text)
    assert "Version 1 wiederhergestellt" in text_of(one(history, "#version-3"))


def test_sources_are_added_by_number_and_removed(
    staff_client: Client, process: Process, settings: Settings
) -> None:
    async def add_ideas(session: AsyncSession) -> list[Contribution]:
        return [await add_idea(session, process, title=f"Idee {n}") for n in range(2)]

    ideas = in_db(settings, add_ideas)
    profile_id = _create(staff_client)
    added = post_form(
        staff_client,
        f"/admin/steckbriefe/{profile_id}/sources",
        {"ids": f"#{ideas[0].id}, {ideas[1].id} 999999", "note": "aus dem Workshop"},
    )
    assert added.status_code == 303
    page = html(staff_client.get(f"/admin/steckbriefe/{profile_id}").text)
    assert text_of(one(page, "#sources-title")) == "Auf Grundlage von 2 Beiträgen"
    assert "aus dem Workshop" in text_of(one(page, "#sources"))
    post_form(
        staff_client,
        f"/admin/steckbriefe/{profile_id}/sources/remove",
        {"contribution": str(ideas[0].id)},
    )
    page = html(staff_client.get(f"/admin/steckbriefe/{profile_id}").text)
    assert text_of(one(page, "#sources-title")) == "Auf Grundlage von 1 Beitrag"


def test_an_editor_works_only_on_their_groups_profiles(
    client: Client,
    process: Process,
    settings: Settings,
) -> None:
    moderator = _sign_in(client, settings, "mod@example.org", Role.MODERATOR)
    mine = _create(moderator)
    other = _create(moderator, title="Anderer Steckbrief")
    in_db(settings, lambda s: add_staff(s, "ag@example.org", Role.EDITOR))
    editor_id = in_db(settings, _user_id("ag@example.org"))
    post_form(moderator, f"/admin/steckbriefe/{mine}/members", {"user": str(editor_id)})
    post_form(moderator, "/logout")
    editor = client
    assert login(editor, "ag@example.org").status_code == 303

    # Their start page lists their group's profile.
    start = html(editor.get("/admin/steckbriefe").text)
    assert "Glasfaser für alle Schulen" in text_of(one(start, "table:has(#mine-caption) tbody"))
    assert editor.get(f"/admin/steckbriefe/{mine}/edit").status_code == 200
    ok = post_form(editor, f"/admin/steckbriefe/{mine}/edit", _form(goal="Neu.", version="1"))
    assert ok.status_code == 303
    # They read other profiles but do not change them.
    assert editor.get(f"/admin/steckbriefe/{other}").status_code == 200
    assert editor.get(f"/admin/steckbriefe/{other}/edit").status_code == 403
    assert post_form(editor, f"/admin/steckbriefe/{other}/edit", _form()).status_code == 403
    assert (
        post_form(editor, f"/admin/steckbriefe/{other}/comments", {"body": "x"}).status_code == 403
    )
    # They move their profile towards evaluation, not to the public.
    ready = post_form(
        editor, f"/admin/steckbriefe/{mine}/status", {"status": "ready", "version": "2"}
    )
    assert ready.status_code == 303
    published = post_form(
        editor, f"/admin/steckbriefe/{mine}/status", {"status": "published", "version": "3"}
    )
    assert published.status_code == 403
    # Nor create profiles, form groups, or moderate.
    assert editor.get(f"{LIST}/new").status_code == 403
    assert post_form(editor, f"/admin/steckbriefe/{mine}/members", {"user": "1"}).status_code == 403
    assert editor.get("/moderation").status_code == 403
    assert editor.get("/analysis").status_code == 403


def test_a_facilitator_reads_but_cannot_edit(
    client: Client,
    process: Process,
    settings: Settings,
) -> None:
    moderator = _sign_in(client, settings, "mod@example.org", Role.MODERATOR)
    profile_id = _create(moderator)
    post_form(moderator, "/logout")
    facilitator = _sign_in(client, settings, "fg@example.org", Role.FACILITATOR)
    assert facilitator.get(f"/admin/steckbriefe/{profile_id}").status_code == 200
    assert facilitator.get(f"/admin/steckbriefe/{profile_id}/edit").status_code == 403
    response = post_form(facilitator, f"/admin/steckbriefe/{profile_id}/edit", _form(version="1"))
    assert response.status_code == 403
    response = post_form(
        facilitator,
        f"/admin/steckbriefe/{profile_id}/status",
        {"status": "published", "version": "1"},
    )
    assert response.status_code == 403


def test_anonymous_never_reaches_a_draft(
    client: Client,
    process: Process,
    settings: Settings,
) -> None:
    moderator = _sign_in(client, settings, "mod@example.org", Role.MODERATOR)
    profile_id = _create(moderator)
    post_form(moderator, "/logout")
    for url in (f"/admin/steckbriefe/{profile_id}", LIST, "/admin/steckbriefe"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_comments_stay_internal_and_an_empty_one_keeps_the_page(
    staff_client: Client, process: Process
) -> None:
    profile_id = _create(staff_client)
    url = f"/admin/steckbriefe/{profile_id}/comments"
    assert post_form(staff_client, url, {"body": "Kosten prüfen."}).status_code == 303
    refused = post_form(staff_client, url, {"body": "   "})
    assert refused.status_code == 422
    page = html(refused.text)
    assert "Kosten prüfen." in text_of(one(page, ".comment-list"))
    assert one(page, "#body")["aria-invalid"] == "true"


@pytest.mark.parametrize("status", [s.value for s in ProfileStatus if s is not ProfileStatus.DRAFT])
def test_a_moderator_moves_a_profile_to_any_status(
    staff_client: Client, process: Process, status: str
) -> None:
    profile_id = _create(staff_client)
    moved = post_form(
        staff_client, f"/admin/steckbriefe/{profile_id}/status", {"status": status, "version": "1"}
    )
    assert moved.status_code == 303
    page = html(staff_client.get(f"/admin/steckbriefe/{profile_id}").text)
    assert "Version 2" in text_of(one(page, ".meta"))


def test_action_fields_are_chosen_from_the_process(
    staff_client: Client, process: Process, settings: Settings
) -> None:
    themes = in_db(settings, lambda s: add_themes(s, process))
    school = themes["schule"].id
    profile_id = _create(
        staff_client, primary_theme=str(school), **{f"theme-{themes['oepnv'].id}": "on"}
    )
    page = html(staff_client.get(f"/admin/steckbriefe/{profile_id}").text)
    facts = text_of(one(page, ".profile-facts"))
    assert "Schulwege" in facts
    assert "Bus und Bahn" in facts
    listing = html(staff_client.get(LIST, params={"theme": str(themes["oepnv"].id)}).text)
    assert "Glasfaser für alle Schulen" in text_of(listing)
    refused = post_form(staff_client, f"{LIST}/new", _form(primary_theme="999999"))
    assert refused.status_code == 422


def _user_id(email: str) -> Callable[[AsyncSession], Awaitable[int | None]]:
    async def find(session: AsyncSession) -> int | None:
        return (await session.exec(select(User.id).where(User.email == email))).one()

    return find
