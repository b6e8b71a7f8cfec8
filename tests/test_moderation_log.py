"""The moderation log keeps every decision: when an author deletes their idea through the
follow link, its events stay (with the idea's id and the actions, without its text or the
reasons, which may quote it), and the log shows the item as deleted."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import ContributionStatus, ModerationAction, Process, User
from participation.services import moderation
from participation.services.follow import delete_contribution
from participation.services.moderation_log import moderation_log
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_process,
    by_follow_token,
    de,
    events,
    first_match,
    follow_token_from,
    german,
    html,
    in_db,
    one,
    post_form,
    text_of,
    valid_idea,
)
from tests.moderation_helpers import decide

TOKEN = "follow-token-of-the-author-123"
REASON = "Bitte nennen Sie die Straße, Herr Beispiel."


async def test_deleting_an_idea_keeps_its_events_without_its_text(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process, status=ContributionStatus.PENDING, follow_token=TOKEN)
    idea_id = idea.id or 0
    moderator = await add_actor(session, "mod@example.org")
    await moderation.approve(session, idea_id, moderator)
    await moderation.set_answer(session, idea_id, moderator, "Danke, Herr Beispiel!")
    await moderation.reject(session, idea_id, moderator, REASON)

    await delete_contribution(session, TOKEN, idea_id)

    kept = await events(session)
    assert [e.action for e in kept] == [
        ModerationAction.APPROVE,
        ModerationAction.ANSWER,
        ModerationAction.REJECT,
    ]
    assert all(e.contribution_id is None for e in kept)
    assert {e.deleted_contribution_id for e in kept} == {idea_id}
    assert {e.reason for e in kept} == {""}  # the answer and the reason may quote the text
    assert [(e.from_status, e.to_status) for e in kept][-1] == (
        ContributionStatus.PUBLISHED,
        ContributionStatus.REJECTED,
    )
    entries = await moderation_log(session)
    assert [e.deleted for e in entries] == [True, True, True]
    assert {e.item_id for e in entries} == {idea_id}


def test_the_log_page_shows_deleted_items(
    staff_client: Client, settings: Settings, process: Process, moderator: User
) -> None:
    response = post_form(staff_client, f"/processes/{SLUG}/ideas", valid_idea(title="Radweg"))
    token = follow_token_from(response)
    idea_id = in_db(settings, lambda s: by_follow_token(s, token)).id
    asked = decide(staff_client, settings, idea_id, "request-changes", {"reason": REASON})
    assert asked.status_code == 303
    deleted = post_form(staff_client, f"/follow/{token}/{idea_id}/delete")
    assert deleted.status_code == 200

    rows = first_match(html(staff_client.get("/moderation/log").text), "tbody").select("tr")
    [row] = rows
    cells = [text_of(td) for td in row.select("td")]
    assert cells[1] == moderator.email
    assert cells[2] == german("asked for changes")
    assert cells[3] == f"{german('(deleted)')} #{idea_id}"
    assert row.select("a") == []  # nothing left to open
    assert REASON not in text_of(row)

    # A new idea may get the deleted one's id back (SQLite reuses the highest): it starts
    # with a log of its own.
    again = post_form(staff_client, f"/processes/{SLUG}/ideas", valid_idea(title="Neue Idee"))
    assert again.status_code == 303
    new = in_db(settings, lambda s: by_follow_token(s, follow_token_from(again)))
    item = html(staff_client.get(f"/moderation/contributions/{new.id}").text)
    assert de("No moderation decisions yet.") in text_of(one(item, "#item-log"))
