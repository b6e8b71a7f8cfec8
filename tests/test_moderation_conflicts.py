"""Two moderators on one item: every moderation form carries the version of the item it was
rendered from, and a decision on an item that changed since gets 409 with what changed (the
current state, who decided what and when, the current answer beside the one typed), so a
stale click never overturns another moderator's decision and nothing typed is lost."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    ContributionStatus,
    ContributionTheme,
    ModerationAction,
    Process,
    Role,
    ThemeSource,
    User,
)
from participation.services import moderation
from participation.services.errors import Conflict
from participation.settings import Settings
from tests.helpers import (
    HTMX,
    Client,
    add_actor,
    add_idea,
    add_process,
    add_staff,
    add_themes,
    de,
    events,
    first_match,
    german,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
    theme_rows,
)
from tests.moderation_helpers import add_item, decide, stored

REASON = "Das ist Werbung für ein Geschäft."
TOKEN = "follow-token-of-the-author-123"


@pytest.fixture
def second(settings: Settings) -> User:
    return in_db(settings, lambda s: add_staff(s, "mod2@example.org", Role.MODERATOR))


def as_moderator(client: Client, user: User) -> None:
    client.cookies.clear()
    assert login(client, user.email).status_code == 303


def notice(response_text: str) -> str:
    return text_of(first_match(html(response_text), ".conflict"))


# --- the service ------------------------------------------------------------------------------


async def test_a_decision_on_a_changed_item_is_refused(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process, status=ContributionStatus.PENDING)
    first = await add_actor(session, "mod@example.org")
    second = await add_actor(session, "mod2@example.org")
    idea_id = idea.id or 0
    seen = idea.version
    rejected = await moderation.reject(session, idea_id, first, REASON, version=seen)
    assert rejected.version == seen + 1
    # The second moderator's page still shows the pending idea: approving it is refused.
    with pytest.raises(Conflict):
        await moderation.approve(session, idea_id, second, version=seen)
    now = await session.get(type(idea), idea_id, populate_existing=True)
    assert now is not None
    assert now.status is ContributionStatus.REJECTED
    assert [e.action for e in await events(session)] == [ModerationAction.REJECT]
    # Decided again on the current version, it goes through (and is logged).
    await moderation.approve(session, idea_id, second, version=seen + 1)
    assert [e.action for e in await events(session)] == [
        ModerationAction.REJECT,
        ModerationAction.APPROVE,
    ]


# --- the pages ---------------------------------------------------------------------------------


def test_a_stale_approve_does_not_overturn_a_rejection(
    staff_client: Client, settings: Settings, process: Process, moderator: User, second: User
) -> None:
    idea = in_db(settings, lambda s: add_item(s, process, title="Werbung"))
    seen = stored(settings, idea.id).version  # mod2 has /moderation open
    assert decide(staff_client, settings, idea.id, "reject", {"reason": REASON}).status_code == 303

    as_moderator(staff_client, second)
    response = decide(staff_client, settings, idea.id, "approve", version=seen)
    assert response.status_code == 409
    assert stored(settings, idea.id).status is ContributionStatus.REJECTED
    assert [e.action for e in in_db(settings, events)] == [ModerationAction.REJECT]
    text = notice(response.text)
    assert de("not published") in text  # the current status
    assert moderator.email in text  # who decided ...
    assert german("rejected") in text  # ... what ...
    assert REASON in text  # ... and why
    page = html(response.text)
    # What the moderator may do now is offered on the current version.
    assert page.select_one(f"form[action='/moderation/contributions/{idea.id}/approve']")
    version_inputs = {str(i["value"]) for i in page.select("input[name='version']")}
    assert version_inputs == {str(seen + 1)}


def test_a_stale_approve_with_htmx_answers_with_the_item(
    staff_client: Client, settings: Settings, process: Process, second: User
) -> None:
    idea = in_db(settings, lambda s: add_item(s, process, title="Werbung"))
    decide(staff_client, settings, idea.id, "reject", {"reason": REASON})
    as_moderator(staff_client, second)
    response = decide(staff_client, settings, idea.id, "approve", version=0, headers=HTMX)
    assert response.status_code == 409
    assert "<html" not in response.text
    article = one(html(response.text), f"#item-{idea.id}")
    assert REASON in text_of(first_match(article, ".conflict"))
    assert stored(settings, idea.id).status is ContributionStatus.REJECTED


def test_a_stale_rejection_keeps_the_reason_typed(
    staff_client: Client, settings: Settings, process: Process, second: User
) -> None:
    idea = in_db(settings, lambda s: add_item(s, process, title="Werbung"))
    assert decide(staff_client, settings, idea.id, "approve").status_code == 303
    as_moderator(staff_client, second)
    typed = "Bitte keine Werbung: dieser Text nennt ein Geschäft."
    for action in ("reject", "request-changes", "hide"):
        response = decide(staff_client, settings, idea.id, action, {"reason": typed}, version=0)
        assert response.status_code == 409, action
        assert typed in response.text, action  # in a field, to send again
        assert de("published") in notice(response.text)
    assert stored(settings, idea.id).status is ContributionStatus.PUBLISHED
    assert len(in_db(settings, events)) == 1


def test_a_form_without_its_version_is_refused(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    idea = in_db(settings, lambda s: add_item(s, process))
    url = f"/moderation/contributions/{idea.id}/approve"
    for data in ({}, {"version": "neu"}, {"version": "99999999999999999999"}, {"version": "²"}):
        assert post_form(staff_client, url, data).status_code == 409
    assert stored(settings, idea.id).status is ContributionStatus.PENDING
    assert in_db(settings, events) == []


def test_an_edit_by_the_author_makes_an_open_page_stale(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    """Approving must publish the text the moderator read, not one changed since."""
    idea = in_db(settings, lambda s: add_item(s, process, follow_token=TOKEN))
    seen = stored(settings, idea.id).version
    saved = post_form(
        staff_client,
        f"/follow/{TOKEN}/{idea.id}/edit",
        {
            "title": "Radweg nach Kornbach, beleuchtet",
            "body": "Zwischen Auenbrück und Kornbach fehlt ein beleuchteter Radweg.",
            "municipality": "",
        },
    )
    assert saved.status_code == 303
    response = decide(staff_client, settings, idea.id, "approve", version=seen)
    assert response.status_code == 409
    assert german("changed by the author") in notice(response.text)
    assert stored(settings, idea.id).status is ContributionStatus.PENDING


def test_a_stale_answer_keeps_both_texts(
    staff_client: Client, settings: Settings, process: Process, moderator: User, second: User
) -> None:
    idea = in_db(settings, lambda s: add_idea(s, process))
    first_text = "Danke, wir prüfen den Radweg im Herbst."
    second_text = "Der Radweg steht schon im Kreisentwicklungsplan."
    assert decide(
        staff_client, settings, idea.id, "answer", {"answer": first_text}
    ).status_code == (303)
    as_moderator(staff_client, second)
    response = decide(staff_client, settings, idea.id, "answer", {"answer": second_text}, version=0)
    assert response.status_code == 409
    assert stored(settings, idea.id).answer == first_text
    text = notice(response.text)
    assert first_text in text  # the answer as it reads now ...
    assert moderator.email in text  # ... and who wrote it
    page = html(response.text)
    assert text_of(one(page, "textarea#answer")) == second_text  # what was typed, kept
    # Sent again from this page (its current version), the second text replaces the first.
    version = str(one(page, "form[action$='/answer'] input[name='version']")["value"])
    again = post_form(
        staff_client,
        f"/moderation/contributions/{idea.id}/answer",
        {"answer": second_text, "version": version},
    )
    assert again.status_code == 303
    assert stored(settings, idea.id).answer == second_text


def test_a_stale_theme_decision_is_refused(
    staff_client: Client, settings: Settings, process: Process, second: User
) -> None:
    themes = in_db(settings, lambda s: add_themes(s, process))
    idea = in_db(settings, lambda s: add_item(s, process))
    theme_id = themes["oepnv"].id or 0

    async def suggest(session: AsyncSession) -> None:
        session.add(ContributionTheme(contribution_id=idea.id or 0, theme_id=theme_id, score=0.6))
        await session.commit()

    in_db(settings, suggest)
    url = f"/moderation/contributions/{idea.id}/themes"
    removed = post_form(
        staff_client, url, {"theme": str(theme_id), "decision": "reject", "source": "suggested"}
    )
    assert removed.status_code == 303
    as_moderator(staff_client, second)
    # The second moderator's page still shows the suggestion: confirming it is refused.
    for headers in (HTMX, None):
        stale = post_form(
            staff_client,
            url,
            {"theme": str(theme_id), "decision": "confirm", "source": "suggested"},
            headers=headers,
        )
        assert stale.status_code == 409
        assert "Bus und Bahn" in notice(stale.text)
    rows = in_db(settings, lambda s: theme_rows(s, idea.id))
    assert rows["oepnv"].source is ThemeSource.REJECTED
    assert len(in_db(settings, events)) == 1
