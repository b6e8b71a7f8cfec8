"""Comments with one level of replies: the rules, the idea page, moderation and the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    ModerationMode,
    Phase,
    PhaseKind,
    Process,
    utcnow,
)
from participation.services import comments, moderation, moderation_queue
from participation.services.errors import ValidationFailed
from participation.services.moderation_queue import QueueFilters
from participation.services.processes import get_process
from participation.settings import Settings
from tests.helpers import (
    HTMX,
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_process,
    de,
    field_error,
    german,
    html,
    in_db,
    one,
    post_form,
    stored_idea,
    text_of,
)

COMMENT = {"body": "Das wäre auch für den Schulweg wichtig.", "segment": "pupil", "consent": "on"}


async def add_comment(
    session: AsyncSession,
    idea: Contribution,
    body: str = "Ein Kommentar",
    *,
    reply_to: Contribution | None = None,
    status: ContributionStatus = ContributionStatus.PUBLISHED,
    minutes: int = 0,
) -> Contribution:
    created = utcnow() - timedelta(minutes=60 - minutes)
    comment = Contribution(
        process_id=idea.process_id,
        kind=ContributionKind.COMMENT,
        parent_id=idea.id,
        reply_to_id=reply_to.id if reply_to else None,
        body=body,
        segment=idea.segment,
        status=status,
        created_at=created,
        published_at=created if status is ContributionStatus.PUBLISHED else None,
    )
    session.add(comment)
    await session.commit()
    return comment


async def stored_comments(session: AsyncSession) -> list[Contribution]:
    rows = await session.exec(
        select(Contribution)
        .where(Contribution.kind == ContributionKind.COMMENT)
        .order_by(col(Contribution.id))
    )
    return list(rows)


async def add_results_phase(session: AsyncSession, process: Process) -> None:
    now = utcnow()
    assert process.id is not None
    session.add(
        Phase(
            process_id=process.id,
            kind=PhaseKind.RESULTS,
            title="Ergebnisse",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=30),
        )
    )
    await session.commit()


# --- the service -----------------------------------------------------------------------------


async def test_comment_waits_for_review_under_pre_moderation(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process)
    overview = await get_process(session, SLUG)
    assert overview is not None
    form = comments.CommentForm.from_form(COMMENT)
    comment = await comments.submit_comment(session, overview, idea, form)
    assert comment.kind is ContributionKind.COMMENT
    assert comment.parent_id == idea.id
    assert comment.reply_to_id is None
    assert comment.status is ContributionStatus.PENDING
    assert comment.published_at is None
    assert (await comments.comment_threads(session, idea.id or 0)).items == []


async def test_comment_is_published_at_once_under_post_moderation(session: AsyncSession) -> None:
    process = await add_process(session, mode=ModerationMode.AFTER_PUBLISHING)
    idea = await add_idea(session, process)
    overview = await get_process(session, SLUG)
    assert overview is not None
    comment = await comments.submit_comment(
        session, overview, idea, comments.CommentForm.from_form(COMMENT)
    )
    assert comment.status is ContributionStatus.PUBLISHED
    threads = await comments.comment_threads(session, idea.id or 0)
    assert [t.comment.id for t in threads.items] == [comment.id]


async def test_a_reply_to_a_reply_answers_the_same_top_comment(session: AsyncSession) -> None:
    process = await add_process(session, mode=ModerationMode.AFTER_PUBLISHING)
    idea = await add_idea(session, process)
    top = await add_comment(session, idea, "Oben")
    reply = await add_comment(session, idea, "Antwort", reply_to=top, minutes=1)
    overview = await get_process(session, SLUG)
    assert overview is not None
    form = comments.CommentForm.from_form({**COMMENT, "reply_to": str(reply.id)})
    second = await comments.submit_comment(session, overview, idea, form)
    assert second.reply_to_id == top.id
    threads = await comments.comment_threads(session, idea.id or 0)
    assert len(threads.items) == 1
    assert [r.id for r in threads.items[0].replies] == [reply.id, second.id]


async def test_reply_to_a_comment_of_another_idea_is_refused(session: AsyncSession) -> None:
    process = await add_process(session, mode=ModerationMode.AFTER_PUBLISHING)
    idea = await add_idea(session, process)
    other = await add_idea(session, process, title="Andere Idee")
    foreign = await add_comment(session, other)
    overview = await get_process(session, SLUG)
    assert overview is not None
    form = comments.CommentForm.from_form({**COMMENT, "reply_to": str(foreign.id)})
    with pytest.raises(ValidationFailed) as failed:
        await comments.submit_comment(session, overview, idea, form)
    assert "form" in failed.value.errors
    assert len(await stored_comments(session)) == 1


def test_empty_comment_names_every_field() -> None:
    form = comments.CommentForm.from_form({})
    errors = comments.validate_comment(form)
    assert errors == {
        "body": de("Please write your comment."),
        "segment": de("Please tell us who you are."),
        "consent": de("Please agree to the processing of your contribution."),
    }


def test_too_long_comment_says_how_long_it_is() -> None:
    form = comments.CommentForm.from_form({**COMMENT, "body": "x" * 2001})
    assert set(comments.validate_comment(form)) == {"body"}


async def test_comments_stay_open_after_the_deadline_until_the_results(
    session: AsyncSession,
) -> None:
    process = await add_process(session, call="closed")
    idea = await add_idea(session, process)
    overview = await get_process(session, SLUG)
    assert overview is not None
    assert not overview.accepts_ideas
    assert comments.comments_open(overview)
    await comments.submit_comment(session, overview, idea, comments.CommentForm.from_form(COMMENT))

    await add_results_phase(session, process)
    overview = await get_process(session, SLUG)
    assert overview is not None
    assert not comments.comments_open(overview)
    with pytest.raises(ValidationFailed) as failed:
        await comments.submit_comment(
            session, overview, idea, comments.CommentForm.from_form(COMMENT)
        )
    assert set(failed.value.errors) == {"form"}


async def test_hidden_top_comment_hides_its_thread(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process)
    top = await add_comment(session, idea, status=ContributionStatus.HIDDEN)
    await add_comment(session, idea, "Antwort", reply_to=top, minutes=1)
    pending = await add_comment(session, idea, "Wartet", status=ContributionStatus.PENDING)
    threads = await comments.comment_threads(session, idea.id or 0)
    assert threads.items == []
    assert pending.id is not None


async def test_pending_comments_are_in_the_queue_and_can_be_approved(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process, title="Radweg nach Kornbach")
    comment = await add_comment(session, idea, status=ContributionStatus.PENDING)
    actor = await add_actor(session, "mod@example.org")
    queue = await moderation_queue.queue_page(session, QueueFilters())
    items = queue.items
    assert queue.total == 1
    assert items[0].is_comment
    assert items[0].idea is not None
    assert items[0].idea.title == "Radweg nach Kornbach"
    await moderation.approve(session, comment.id or 0, actor)
    threads = await comments.comment_threads(session, idea.id or 0)
    assert [t.comment.id for t in threads.items] == [comment.id]


# --- the idea page ---------------------------------------------------------------------------


def test_idea_page_shows_comments_with_replies(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)

    async def work(session: AsyncSession) -> None:
        top = await add_comment(session, idea, "Erster Kommentar")
        await add_comment(session, idea, "Eine Antwort darauf", reply_to=top, minutes=1)
        await add_comment(session, idea, "Wartet noch", status=ContributionStatus.PENDING)

    in_db(settings, work)
    page = html(client.get(f"/processes/{SLUG}/ideas/{idea.id}").text)
    comments_section = one(page, "#comments")
    text = text_of(comments_section)
    assert "Erster Kommentar" in text
    assert "Eine Antwort darauf" in text
    assert "Wartet noch" not in text
    reply = one(comments_section, ".comment--reply")
    assert "Eine Antwort darauf" in text_of(reply)
    # No reply form until asked: a "Reply" link per thread opens it under that thread.
    assert len(comments_section.select("form.comment-form")) == 1
    reply_link = one(comments_section, f"#comment-{top_id(page)} .reply-link a")
    assert text_of(reply_link).startswith(german("Reply"))
    href = str(reply_link["href"])
    assert href.endswith(f"?page=1&reply={top_id(page)}#reply-form")
    page = html(client.get(href).text)
    form = one(page, f"#comment-{top_id(page)} #reply-form form.comment-form")
    assert one(form, "input[name=reply_to]")["value"] == str(top_id(page))
    assert len(page.select("form.comment-form")) == 2


def top_id(page: Any) -> int:
    """The id of the first top-level comment on an idea page."""
    first = page.select("#comment-threads > ol.comment-list > li.comment")[0]
    return int(str(first["id"]).removeprefix("comment-"))


def test_posting_a_comment_under_pre_moderation_says_it_waits(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    response = post_form(client, url + "/comments", COMMENT)
    assert response.status_code == 303
    assert response.headers["location"] == url + "?comment=pending#comments"
    page = html(client.get(response.headers["location"]).text)
    assert german(
        "Thank you! Your comment appears here as soon as a moderator has approved it."
    ) in text_of(one(page, "#comments"))
    stored = in_db(settings, stored_comments)
    assert [c.status for c in stored] == [ContributionStatus.PENDING]


def test_posting_a_comment_under_post_moderation_shows_it(
    client: Client, settings: Settings
) -> None:
    process = in_db(settings, lambda s: add_process(s, mode=ModerationMode.AFTER_PUBLISHING))
    idea = stored_idea(settings, process)
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    response = post_form(client, url + "/comments", COMMENT)
    assert response.status_code == 303
    stored = in_db(settings, stored_comments)
    assert response.headers["location"] == f"{url}?comment=published#comment-{stored[0].id}"
    page = html(client.get(url).text)
    assert COMMENT["body"] in text_of(one(page, f"#comment-{stored[0].id}"))


def test_a_reply_is_stored_under_its_comment(client: Client, settings: Settings) -> None:
    process = in_db(settings, lambda s: add_process(s, mode=ModerationMode.AFTER_PUBLISHING))
    idea = stored_idea(settings, process)
    top = in_db(settings, lambda s: add_comment(s, idea, "Oben"))
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    response = post_form(client, url + "/comments", {**COMMENT, "reply_to": str(top.id)})
    assert response.status_code == 303
    reply = in_db(settings, stored_comments)[-1]
    assert reply.reply_to_id == top.id
    page = html(client.get(url).text)
    assert COMMENT["body"] in text_of(one(page, f"#comment-{top.id} .comment--reply"))


def test_invalid_comment_keeps_what_was_typed(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    response = post_form(client, url + "/comments", {"body": "Mein Text", "segment": "pupil"})
    assert response.status_code == 422
    page = html(response.text)
    assert text_of(one(page, "#comment-body")) == "Mein Text"
    assert one(page, "#comment-segment-pupil").has_attr("checked")
    assert field_error(page, "comment-consent") == de(
        "Please agree to the processing of your contribution."
    )
    assert in_db(settings, stored_comments) == []


def test_invalid_reply_opens_its_form_with_the_message(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    top = in_db(settings, lambda s: add_comment(s, idea, "Oben"))
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    response = post_form(client, url + "/comments", {"body": "", "reply_to": str(top.id)})
    assert response.status_code == 422
    page = html(response.text)
    one(page, f"#comment-{top.id} #reply-form")
    assert field_error(page, f"reply-{top.id}-body") == de("Please write your comment.")


def test_comments_closed_in_the_results_phase(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    in_db(settings, lambda s: add_results_phase(s, process))
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    page = html(client.get(url).text)
    assert page.select("form.comment-form") == []
    assert de("Comments are closed: the results are being published.") in text_of(
        one(page, "#comments")
    )
    assert post_form(client, url + "/comments", COMMENT).status_code == 422
    assert in_db(settings, stored_comments) == []


def test_no_comments_on_an_unpublished_idea(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process, status=ContributionStatus.PENDING)
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    assert client.get(url).status_code == 404
    assert post_form(client, url + "/comments", COMMENT).status_code == 404


def test_comment_in_the_queue_says_which_idea(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process, title="Radweg nach Kornbach")
    comment = in_db(settings, lambda s: add_comment(s, idea, status=ContributionStatus.PENDING))
    page = html(staff_client.get("/moderation").text)
    item = one(page, f"#item-{comment.id}")
    assert "Radweg nach Kornbach" in text_of(item)
    assert german("Comment") in text_of(item)
    assert item.select(".item-themes") == []
    response = post_form(
        staff_client, f"/moderation/contributions/{comment.id}/approve", {"version": "0"}
    )
    assert response.status_code == 303
    page = html(staff_client.get(f"/processes/{SLUG}/ideas/{idea.id}").text)
    assert "Ein Kommentar" in text_of(one(page, f"#comment-{comment.id}"))


# --- the API ---------------------------------------------------------------------------------


def test_api_lists_published_comments_with_replies(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)

    async def work(session: AsyncSession) -> None:
        first = await add_comment(session, idea, "Erster")
        await add_comment(session, idea, "Antwort", reply_to=first, minutes=1)
        await add_comment(session, idea, "Zweiter", minutes=2)
        await add_comment(session, idea, "Versteckt", status=ContributionStatus.HIDDEN, minutes=3)

    in_db(settings, work)
    url = f"/api/v1/processes/{SLUG}/ideas/{idea.id}/comments"
    data = client.get(url, params={"per_page": 1}).json()
    assert (data["page"], data["pages"], data["total"]) == (1, 2, 2)
    thread = data["items"][0]
    assert thread["comment"]["body"] == "Erster"
    assert [r["body"] for r in thread["replies"]] == ["Antwort"]
    assert thread["replies"][0]["reply_to"] == thread["comment"]["id"]
    second = client.get(url, params={"per_page": 1, "page": 2}).json()
    assert [t["comment"]["body"] for t in second["items"]] == ["Zweiter"]


def test_api_comments_of_an_unpublished_idea_are_404(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process, status=ContributionStatus.PENDING)
    response = client.get(f"/api/v1/processes/{SLUG}/ideas/{idea.id}/comments")
    assert response.status_code == 404
    assert client.get(f"/api/v1/processes/nope/ideas/{idea.id}/comments").status_code == 404


def test_moderators_hide_a_published_comment(
    client: Client, staff_client: Client, settings: Settings
) -> None:
    process = in_db(settings, lambda s: add_process(s, mode=ModerationMode.AFTER_PUBLISHING))
    idea = stored_idea(settings, process, title="Radweg nach Kornbach")
    comment = in_db(settings, lambda s: add_comment(s, idea, "Unpassender Kommentar"))
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    # Staff see a way to moderate each comment on the public page.
    page = html(staff_client.get(url).text)
    link = one(page, f"#comment-{comment.id} a[href='/moderation/contributions/{comment.id}']")
    item_page = html(staff_client.get(str(link["href"])).text)
    assert "Radweg nach Kornbach" in text_of(one(item_page, "h1"))
    response = post_form(
        staff_client,
        f"/moderation/contributions/{comment.id}/hide",
        {"reason": "Off-Topic", "version": "0"},
    )
    assert response.status_code == 303
    assert "Unpassender Kommentar" not in client.get(url).text
    log = html(staff_client.get("/moderation/log").text)
    row = text_of(one(log, "tbody tr"))
    assert de("Comment on “%(title)s”") % {"title": "Radweg nach Kornbach"} in row
    assert "Off-Topic" in row


def test_rejecting_a_pending_comment_with_htmx(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    comment = in_db(
        settings,
        lambda s: add_comment(s, idea, "Bitte löschen Sie das", status=ContributionStatus.PENDING),
    )
    response = post_form(
        staff_client,
        f"/moderation/contributions/{comment.id}/reject",
        {"reason": "Beleidigend", "version": "0"},
        headers=HTMX,
    )
    assert response.status_code == 200
    # A comment has no title: its first words name it in the message.
    assert "Bitte löschen Sie das" in text_of(html(response.text))
    assert in_db(settings, stored_comments)[0].status is ContributionStatus.REJECTED


def test_idea_page_shows_status_answer_and_imported_ratings(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)

    async def work(session: AsyncSession) -> None:
        stored = await session.get(Contribution, idea.id)
        assert stored is not None
        stored.imported_ratings = {"pro": 56, "neutral": 2, "contra": 7}
        stored.answer = "Wir nehmen die Idee in den Radverkehrsplan auf."
        stored.answered_at = utcnow()
        session.add(stored)
        await session.commit()

    in_db(settings, work)
    page = html(client.get(f"/processes/{SLUG}/ideas/{idea.id}").text)
    assert (
        text_of(one(page, ".imported-ratings"))
        == "Im früheren Verfahren: 56 dafür, 2 neutral, 7 dagegen"
    )
    assert german("published") in text_of(one(page, ".idea-page__status"))
    assert german("answered") in text_of(one(page, ".idea-page__status"))
    assert "Radverkehrsplan" in text_of(one(page, ".answer"))


# --- many comments: pages of threads, one reply form -----------------------------------------


async def add_threads(session: AsyncSession, idea: Contribution, n: int) -> list[Contribution]:
    """`n` published top-level comments, a minute apart, the last with a reply."""
    tops = [await add_comment(session, idea, f"Kommentar {i}", minutes=i) for i in range(n)]
    await add_comment(session, idea, "Antwort auf den letzten", reply_to=tops[-1], minutes=n)
    return tops


def test_comment_threads_come_in_pages_with_links(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    per_page = comments.THREADS_PER_PAGE
    tops = in_db(settings, lambda s: add_threads(s, idea, per_page + 5))
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    page = html(client.get(url).text)
    section = one(page, "#comments")
    shown = section.select("#comment-threads > ol.comment-list > li.comment")
    assert [li["id"] for li in shown] == [f"comment-{c.id}" for c in tops[:per_page]]
    # The heading counts every published comment and reply, not only this page's.
    assert f"({per_page + 6})" in text_of(one(section, "h2"))
    # Only the form for a new comment: replies are a link away.
    assert len(section.select("form.comment-form")) == 1
    nav = one(section, "nav.pagination")
    next_link = one(nav, "a[rel=next]")
    assert next_link["href"] == f"{url}?page=2#comments"
    second = html(client.get(str(next_link["href"])).text)
    shown = second.select("#comment-threads > ol.comment-list > li.comment")
    assert [li["id"] for li in shown] == [f"comment-{c.id}" for c in tops[per_page:]]
    assert "Antwort auf den letzten" in text_of(one(second, f"#comment-{tops[-1].id}"))
    # A page past the end shows the last one; a garbled page number the first.
    assert f"comment-{tops[-1].id}" in client.get(url, params={"page": "99"}).text
    assert f"comment-{tops[0].id}" in client.get(url, params={"page": "zwei"}).text


def test_a_link_to_a_comment_on_a_later_page_lands(
    client: Client, staff_client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    per_page = comments.THREADS_PER_PAGE
    tops = in_db(settings, lambda s: add_threads(s, idea, per_page + 2))
    reply = in_db(settings, stored_comments)[-1]
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    for shown_id in (tops[-1].id, reply.id):
        page = html(client.get(url, params={"show": str(shown_id)}).text)
        one(page, f"#comment-{shown_id}")
        assert one(page, "nav.pagination [aria-current=page]").get_text() == "2"
    # The moderators' item page links to the comment on the page that shows it.
    item = html(staff_client.get(f"/moderation/contributions/{reply.id}").text)
    public = one(item, f"a[href^='{url}']")
    assert public["href"] == f"{url}?show={reply.id}#comment-{reply.id}"
    # A comment that is not shown (pending, of another idea, unknown) gives the first page.
    page = html(client.get(url, params={"show": "999999"}).text)
    assert one(page, "nav.pagination [aria-current=page]").get_text() == "1"


def test_reply_form_opens_under_its_thread_on_its_page(client: Client, settings: Settings) -> None:
    process = in_db(settings, lambda s: add_process(s, mode=ModerationMode.AFTER_PUBLISHING))
    idea = stored_idea(settings, process)
    per_page = comments.THREADS_PER_PAGE
    tops = in_db(settings, lambda s: add_threads(s, idea, per_page + 2))
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    second = html(client.get(url, params={"page": "2"}).text)
    link = one(second, f"#comment-{tops[-1].id} .reply-link a")
    assert link["href"] == f"{url}?page=2&reply={tops[-1].id}#reply-form"
    page = html(client.get(str(link["href"])).text)
    assert len(page.select("#reply-form")) == 1
    form = one(page, f"#comment-{tops[-1].id} #reply-form form")
    assert form["action"] == f"{url}/comments#reply-form"
    # The thread being answered has its form instead of the link; the others keep theirs.
    assert page.select(f"#comment-{tops[-1].id} .reply-link") == []
    assert len(page.select(".reply-link")) == 1
    cancel = one(page, "#reply-form a")
    assert cancel["href"] == f"{url}?page=2#comment-{tops[-1].id}"
    # Without a page, `reply` finds the thread's page itself.
    page = html(client.get(url, params={"reply": str(tops[-1].id)}).text)
    one(page, f"#comment-{tops[-1].id} #reply-form")
    # After a failed reply the form with its messages stands under its thread, on its page.
    response = post_form(client, url + "/comments", {"body": "x", "reply_to": str(tops[-1].id)})
    assert response.status_code == 422
    page = html(response.text)
    one(page, f"#comment-{tops[-1].id} #reply-form")
    assert field_error(page, f"reply-{tops[-1].id}-body") == de(
        "Please write at least %(n)d characters."
    ) % {"n": comments.COMMENT_MIN}
    assert text_of(one(page, f"#reply-{tops[-1].id}-body")) == "x"
    # A sent reply leads back to the page that shows it.
    response = post_form(client, url + "/comments", {**COMMENT, "reply_to": str(tops[-1].id)})
    assert response.status_code == 303
    stored = in_db(settings, stored_comments)[-1]
    assert response.headers["location"] == f"{url}?comment=published&page=2#comment-{stored.id}"
    page = html(client.get(response.headers["location"]).text)
    assert COMMENT["body"] in text_of(one(page, f"#comment-{stored.id}"))


def test_a_pending_reply_leads_back_to_its_thread_page(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    tops = in_db(settings, lambda s: add_threads(s, idea, comments.THREADS_PER_PAGE + 1))
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    response = post_form(client, url + "/comments", {**COMMENT, "reply_to": str(tops[-1].id)})
    assert response.status_code == 303
    assert response.headers["location"] == f"{url}?comment=pending&page=2#comments"


async def test_thread_place_finds_the_page_of_a_comment_or_reply(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process)
    tops = await add_threads(session, idea, 7)
    reply = (await stored_comments(session))[-1]
    idea_id = idea.id or 0
    places = [await comments.thread_place(session, idea_id, c.id or 0, 3) for c in tops]
    assert [p.page for p in places if p] == [1, 1, 1, 2, 2, 2, 3]
    assert await comments.thread_place(session, idea_id, reply.id or 0, 3) == (
        comments.ThreadPlace(top_id=tops[-1].id or 0, page=3)
    )
    pending = await add_comment(session, idea, status=ContributionStatus.PENDING)
    assert await comments.thread_place(session, idea_id, pending.id or 0, 3) is None
    other = await add_idea(session, process, title="Andere Idee")
    assert await comments.thread_place(session, other.id or 0, tops[0].id or 0, 3) is None


def test_htmx_gets_a_page_of_threads_alone(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    per_page = comments.THREADS_PER_PAGE
    tops = in_db(settings, lambda s: add_threads(s, idea, per_page + 2))
    url = f"/processes/{SLUG}/ideas/{idea.id}"
    response = client.get(
        url, params={"page": "2"}, headers={**HTMX, "HX-Target": "comment-threads"}
    )
    assert response.status_code == 200
    assert "HX-Target" in response.headers["vary"]
    part = html(response.text)
    assert part.select("h1") == []
    threads = one(part, "#comment-threads")
    shown = threads.select("#comment-threads > ol.comment-list > li.comment")
    assert [li["id"] for li in shown] == [f"comment-{c.id}" for c in tops[per_page:]]
    # The page links swap this element and keep the address bar in step.
    link = one(threads, "nav.pagination a[rel=prev]")
    assert link["hx-get"] == f"{url}?page=1"
    assert link["hx-target"] == "#comment-threads"
    # A history restore gets the whole page.
    restore = {**HTMX, "HX-Target": "comment-threads", "HX-History-Restore-Request": "true"}
    whole = html(client.get(url, params={"page": "2"}, headers=restore).text)
    one(whole, "h1")
