"""The private follow link: status and answer, editing while in moderation (also after a
request for changes), deleting with its confirmation step, and the JSON download."""

from __future__ import annotations

import json

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    ModerationAction,
    Process,
    Report,
    ReportReason,
    Segment,
    Support,
    ThemeSource,
    utcnow,
)
from participation.services import moderation
from participation.services.errors import NotFound, ValidationFailed
from participation.services.follow import (
    EditForm,
    delete_contribution,
    edit_contribution,
    export_data,
    follow_page,
)
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_process,
    add_themes,
    count,
    de,
    events,
    field_error,
    first_match,
    german,
    html,
    in_db,
    one,
    post_form,
    text_of,
)

TOKEN = "follow-token-of-the-author-123"
OTHER = "follow-token-of-someone-else-456"


async def _ask_for_changes(session: AsyncSession, idea: Contribution, reason: str) -> None:
    actor = await add_actor(session, "mod@example.org")
    await moderation.request_changes(session, idea.id or 0, actor, reason)


def _form(**overrides: str) -> EditForm:
    values = {
        "title": "Sicherer Radweg nach Kornbach",
        "body": "Zwischen Auenbrück und Kornbach fehlt ein beleuchteter, sicherer Radweg.",
        "municipality": "Auenbrück",
    }
    values.update(overrides)
    return EditForm.from_form(values)


# --- service ---------------------------------------------------------------------------------


async def test_follow_page_shows_only_the_tokens_contribution(session: AsyncSession) -> None:
    process = await add_process(session)
    mine = await add_idea(session, process, status=ContributionStatus.PENDING, follow_token=TOKEN)
    await add_idea(session, process, title="Fremde Idee", follow_token=OTHER)
    page = await follow_page(session, TOKEN)
    assert page is not None
    assert [item.contribution.id for item in page.items] == [mine.id]
    assert page.process.slug == SLUG
    assert await follow_page(session, "unknown") is None
    assert await follow_page(session, "") is None
    assert await follow_page(session, "x" * 101) is None


async def test_edit_pending_sets_updated_at_and_cleans_text(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process, status=ContributionStatus.PENDING, follow_token=TOKEN)
    assert idea.id is not None
    edited = await edit_contribution(
        session, TOKEN, idea.id, _form(title="  Sicherer   Radweg nach Kornbach ")
    )
    assert edited.title == "Sicherer Radweg nach Kornbach"
    assert edited.municipality == "Auenbrück"
    assert edited.updated_at is not None
    assert edited.status is ContributionStatus.PENDING


async def test_edit_uses_the_submission_rules(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process, status=ContributionStatus.PENDING, follow_token=TOKEN)
    assert idea.id is not None
    with pytest.raises(ValidationFailed) as failed:
        await edit_contribution(
            session, TOKEN, idea.id, _form(title="Rad", body="kurz", municipality="x" * 121)
        )
    assert set(failed.value.errors) == {"title", "body", "municipality"}
    await session.refresh(idea)
    assert idea.title == "Radweg nach Kornbach"
    assert idea.updated_at is None


async def test_published_or_rejected_cannot_be_edited(session: AsyncSession) -> None:
    process = await add_process(session)
    for status in (ContributionStatus.PUBLISHED, ContributionStatus.REJECTED):
        token = f"{TOKEN}-{status.value}"
        idea = await add_idea(session, process, status=status, follow_token=token)
        assert idea.id is not None
        with pytest.raises(ValidationFailed) as failed:
            await edit_contribution(session, token, idea.id, _form())
        assert "form" in failed.value.errors


async def test_someone_elses_contribution_is_not_found(session: AsyncSession) -> None:
    process = await add_process(session)
    await add_idea(session, process, status=ContributionStatus.PENDING, follow_token=TOKEN)
    foreign = await add_idea(
        session, process, status=ContributionStatus.PENDING, follow_token=OTHER
    )
    assert foreign.id is not None
    with pytest.raises(NotFound):
        await edit_contribution(session, TOKEN, foreign.id, _form())
    with pytest.raises(NotFound):
        await delete_contribution(session, TOKEN, foreign.id)
    assert await count(session, Contribution) == 2


async def test_edit_after_request_for_changes_goes_back_to_the_queue(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process, status=ContributionStatus.PENDING, follow_token=TOKEN)
    assert idea.id is not None
    await _ask_for_changes(session, idea, "Bitte nennen Sie die Straße.")
    page = await follow_page(session, TOKEN)
    assert page is not None
    assert page.items[0].changes_requested
    assert page.items[0].editable

    assert page.items[0].contribution.status is ContributionStatus.AWAITING_CHANGES
    assert page.items[0].request == "Bitte nennen Sie die Straße."
    assert export_data(page)["contributions"][0]["changes_requested"] is True

    await edit_contribution(session, TOKEN, idea.id, _form())
    page = await follow_page(session, TOKEN)
    assert page is not None
    assert not page.items[0].changes_requested  # waits for the moderation again
    assert page.items[0].contribution.status is ContributionStatus.PENDING
    logged = await events(session)
    assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in logged][-1] == (
        ModerationAction.AUTHOR_EDIT,
        ContributionStatus.AWAITING_CHANGES,
        ContributionStatus.PENDING,
        None,
    )


async def test_delete_removes_themes_supports_reports_and_comments(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    themes = await add_themes(session, process)
    idea = await add_idea(session, process, follow_token=TOKEN)
    other = await add_idea(session, process, title="Bleibt stehen", follow_token=OTHER)
    assert idea.id is not None
    assert other.id is not None
    session.add_all(
        [
            ContributionTheme(
                contribution_id=idea.id,
                theme_id=themes["radwege"].id or 0,
                source=ThemeSource.CONFIRMED,
            ),
            Support(contribution_id=idea.id, supporter_hash="a" * 64),
            Support(contribution_id=other.id, supporter_hash="a" * 64),
            Report(contribution_id=idea.id, reason=ReportReason.SPAM),
            Contribution(
                process_id=process.id or 0,
                kind=ContributionKind.COMMENT,
                parent_id=idea.id,
                body="Gute Idee, das fehlt wirklich.",
                segment=Segment.RESIDENT,
            ),
        ]
    )
    await session.commit()

    title = await delete_contribution(session, TOKEN, idea.id)
    assert title == "Radweg nach Kornbach"
    assert await follow_page(session, TOKEN) is None
    assert await count(session, Contribution) == 1  # the other idea; the comment went along
    assert await count(session, ContributionTheme) == 0
    assert await count(session, Support) == 1
    assert await count(session, Report) == 0


async def test_export_holds_status_themes_answer_and_dates(session: AsyncSession) -> None:
    process = await add_process(session)
    themes = await add_themes(session, process)
    idea = await add_idea(session, process, follow_token=TOKEN)
    await add_idea(session, process, title="Fremde Idee", follow_token=OTHER)
    assert idea.id is not None
    idea.answer = "Danke, wir prüfen den Radweg im Herbst."
    idea.answered_at = utcnow()
    session.add(idea)
    session.add(
        ContributionTheme(
            contribution_id=idea.id,
            theme_id=themes["radwege"].id or 0,
            source=ThemeSource.CONFIRMED,
        )
    )
    # A mere suggestion is the tagger's guess, not a theme of the idea yet.
    session.add(
        ContributionTheme(
            contribution_id=idea.id,
            theme_id=themes["schule"].id or 0,
            source=ThemeSource.SUGGESTED,
        )
    )
    await session.commit()
    page = await follow_page(session, TOKEN)
    assert page is not None
    data = export_data(page)
    json.dumps(data)  # plain JSON data
    (item,) = data["contributions"]
    assert item["title"] == "Radweg nach Kornbach"
    assert item["status"] == "published"
    assert item["themes"] == ["Radwege"]
    assert item["answer"] == "Danke, wir prüfen den Radweg im Herbst."
    assert all(item[name] for name in ("created_at", "answered_at", "published_at"))
    assert "Fremde Idee" not in json.dumps(data)
    assert "follow_token_hash" not in json.dumps(data)


# --- routes ----------------------------------------------------------------------------------


@pytest.fixture
def pending_idea(settings: Settings, process: Process) -> Contribution:
    return in_db(
        settings,
        lambda s: add_idea(s, process, status=ContributionStatus.PENDING, follow_token=TOKEN),
    )


def test_page_shows_status_in_words_and_the_answer(
    client: Client, settings: Settings, process: Process
) -> None:
    async def published_with_answer(session: AsyncSession) -> Contribution:
        idea = await add_idea(session, process, follow_token=TOKEN)
        idea.answer = "Wir nehmen die Idee in den Radverkehrsplan auf."
        session.add(idea)
        await session.commit()
        return idea

    in_db(settings, published_with_answer)
    page = html(client.get(f"/follow/{TOKEN}").text)
    assert text_of(first_match(page, "span.badge")) == german("published")
    assert "Wir nehmen die Idee in den Radverkehrsplan auf." in text_of(one(page, ".answer"))
    # Published: no edit link any more, but delete and download stay.
    assert page.select(f"a[href='/follow/{TOKEN}/1/edit']") == []
    assert page.select(f"a[href='/follow/{TOKEN}/1/delete']")
    assert page.select(f"a[href='/follow/{TOKEN}/export.json']")


def test_edit_form_saves_and_redirects(
    client: Client, settings: Settings, pending_idea: Contribution
) -> None:
    url = f"/follow/{TOKEN}/{pending_idea.id}/edit"
    form = html(client.get(url).text)
    assert one(form, "#title")["value"] == "Radweg nach Kornbach"
    response = post_form(
        client,
        url,
        {
            "title": "Beleuchteter Radweg nach Kornbach",
            "body": "Zwischen Auenbrück und Kornbach fehlt ein beleuchteter Radweg.",
            "municipality": "Kornbach",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/follow/{TOKEN}?saved=1"
    page = html(client.get(response.headers["location"]).text)
    assert text_of(one(page, "#idea-title")) == "Beleuchteter Radweg nach Kornbach"
    assert german(
        "Your changes are saved. The moderation will look at your contribution again."
    ) in text_of(page)


def test_edit_with_errors_keeps_what_was_typed(client: Client, pending_idea: Contribution) -> None:
    url = f"/follow/{TOKEN}/{pending_idea.id}/edit"
    typed = "Das ist zu kurz"
    response = post_form(client, url, {"title": "Rad", "body": typed, "municipality": ""})
    assert response.status_code == 422
    page = html(response.text)
    assert one(page, "#title")["value"] == "Rad"
    assert text_of(one(page, "#body")) == typed
    assert field_error(page, "title") == de(
        "The title is too short: please use at least %(n)d characters."
    ) % {"n": 5}
    assert field_error(page, "body")


def test_edit_of_published_idea_is_refused(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = in_db(settings, lambda s: add_idea(s, process, follow_token=TOKEN))
    response = post_form(
        client,
        f"/follow/{TOKEN}/{idea.id}/edit",
        {"title": "Ganz neuer Titel", "body": "Ein ganz neuer Text, lang genug dafür."},
    )
    assert response.status_code == 409
    assert text_of(one(html(response.text), ".error-summary"))


def test_wrong_token_or_id_is_404(client: Client, settings: Settings, process: Process) -> None:
    in_db(settings, lambda s: add_idea(s, process, follow_token=TOKEN))
    foreign = in_db(settings, lambda s: add_idea(s, process, follow_token=OTHER))
    assert client.get(f"/follow/{TOKEN}/{foreign.id}/edit").status_code == 404
    assert client.get(f"/follow/{TOKEN}/{foreign.id}/delete").status_code == 404
    assert post_form(client, f"/follow/{TOKEN}/{foreign.id}/delete").status_code == 404
    assert client.get("/follow/nope/export.json").status_code == 404


def test_delete_asks_first_then_confirms(
    client: Client, settings: Settings, pending_idea: Contribution
) -> None:
    url = f"/follow/{TOKEN}/{pending_idea.id}/delete"
    confirm = html(client.get(url).text)
    assert one(confirm, f"form[action='{url}']")
    assert german("Yes, delete for good") in text_of(confirm)
    # Looking at the confirmation deletes nothing.
    assert in_db(settings, lambda s: count(s, Contribution)) == 1

    response = post_form(client, url)
    assert response.status_code == 200
    assert german("Your contribution is deleted") in text_of(one(html(response.text), "h1"))
    assert in_db(settings, lambda s: count(s, Contribution)) == 0
    assert client.get(f"/follow/{TOKEN}").status_code == 404


def test_delete_needs_the_csrf_token(client: Client, pending_idea: Contribution) -> None:
    response = client.post(f"/follow/{TOKEN}/{pending_idea.id}/delete", follow_redirects=False)
    assert response.status_code == 403


def test_export_is_a_json_attachment(client: Client, pending_idea: Contribution) -> None:
    response = client.get(f"/follow/{TOKEN}/export.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment;")
    data = response.json()
    assert data["process"]["slug"] == SLUG
    assert [c["title"] for c in data["contributions"]] == ["Radweg nach Kornbach"]
    assert data["contributions"][0]["status"] == "pending"


def test_request_for_changes_is_shown_with_its_reason(
    client: Client, settings: Settings, pending_idea: Contribution
) -> None:
    in_db(settings, lambda s: _ask_for_changes(s, pending_idea, "Bitte nennen Sie die Straße."))
    page = html(client.get(f"/follow/{TOKEN}").text)
    assert "Bitte nennen Sie die Straße." in text_of(page)
    assert page.select(f"a[href='/follow/{TOKEN}/{pending_idea.id}/edit']")
