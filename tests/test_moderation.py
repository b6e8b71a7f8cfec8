"""The moderation queue: approving, rejecting with a reason, the log, and who may do it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine, create_sessionmaker
from participation.models import (
    Contribution,
    ContributionStatus,
    ContributionTheme,
    ModerationAction,
    ModerationEvent,
    Process,
    Role,
    ThemeSource,
    User,
    utcnow,
)
from participation.services import moderation, moderation_queue
from participation.services.errors import Conflict, NotFound, ValidationFailed
from participation.services.moderation_log import moderation_log
from participation.services.moderation_queue import QueueFilters
from participation.settings import Settings
from tests.helpers import (
    HTMX,
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_process,
    add_staff,
    add_themes,
    attr,
    by_follow_token,
    de,
    events,
    field_error,
    first_match,
    follow_token_from,
    german,
    html,
    idea_titles,
    in_db,
    login,
    one,
    post_form,
    suggestions_done,
    text_of,
    theme_rows,
    valid_idea,
)

REASON = "Bitte beschreiben Sie nur eine Idee pro Beitrag."
# What a decision form sends about an item nobody has decided on or changed yet.
FRESH = {"version": "0"}


async def setup(
    session: AsyncSession, status: ContributionStatus = ContributionStatus.PENDING
) -> tuple[Contribution, User]:
    process = await add_process(session)
    idea = await add_idea(session, process, status=status)
    moderator = await add_actor(session, "mod@example.org")
    return idea, moderator


def assert_one_event(
    found: list[ModerationEvent],
    idea: Contribution,
    actor: User,
    action: ModerationAction,
    from_status: ContributionStatus,
    to_status: ContributionStatus,
    reason: str = "",
) -> None:
    assert len(found) == 1
    event = found[0]
    assert event.contribution_id == idea.id
    assert event.actor_id == actor.id
    assert event.action is action
    assert event.from_status is from_status
    assert event.to_status is to_status
    assert event.reason == reason
    assert event.created_at.tzinfo is not None
    assert abs(utcnow() - event.created_at) < timedelta(minutes=1)


# --- the service -----------------------------------------------------------------------------


async def test_approve_publishes_and_logs_one_event(session: AsyncSession) -> None:
    idea, moderator = await setup(session)
    approved = await moderation.approve(session, idea.id or 0, moderator)
    assert approved.status is ContributionStatus.PUBLISHED
    assert approved.published_at is not None
    stored = await session.get(Contribution, idea.id, populate_existing=True)
    assert stored is not None
    assert stored.status is ContributionStatus.PUBLISHED
    assert_one_event(
        await events(session),
        idea,
        moderator,
        ModerationAction.APPROVE,
        ContributionStatus.PENDING,
        ContributionStatus.PUBLISHED,
    )


async def test_approving_twice_is_a_conflict(session: AsyncSession) -> None:
    idea, moderator = await setup(session)
    await moderation.approve(session, idea.id or 0, moderator)
    with pytest.raises(Conflict):
        await moderation.approve(session, idea.id or 0, moderator)
    assert len(await events(session)) == 1


async def test_reject_with_reason_logs_the_reason(session: AsyncSession) -> None:
    idea, moderator = await setup(session)
    rejected = await moderation.reject(session, idea.id or 0, moderator, f"  {REASON}\n")
    assert rejected.status is ContributionStatus.REJECTED
    assert rejected.published_at is None
    assert_one_event(
        await events(session),
        idea,
        moderator,
        ModerationAction.REJECT,
        ContributionStatus.PENDING,
        ContributionStatus.REJECTED,
        REASON,
    )


@pytest.mark.parametrize("reason", ["", "   \n\t"])
async def test_reject_needs_a_reason(session: AsyncSession, reason: str) -> None:
    idea, moderator = await setup(session)
    with pytest.raises(ValidationFailed) as failed:
        await moderation.reject(session, idea.id or 0, moderator, reason)
    assert failed.value.errors == {"reason": de("Please give a reason; the author will see it.")}
    stored = await session.get(Contribution, idea.id, populate_existing=True)
    assert stored is not None
    assert stored.status is ContributionStatus.PENDING
    assert await events(session) == []


async def test_reject_reason_has_a_maximum_length(session: AsyncSession) -> None:
    idea, moderator = await setup(session)
    with pytest.raises(ValidationFailed) as failed:
        await moderation.reject(session, idea.id or 0, moderator, "x" * (moderation.REASON_MAX + 1))
    assert set(failed.value.errors) == {"reason"}
    await moderation.reject(session, idea.id or 0, moderator, "x" * moderation.REASON_MAX)
    assert len(await events(session)) == 1


@pytest.mark.parametrize(
    ("start", "action", "allowed"),
    [
        (ContributionStatus.PENDING, ModerationAction.APPROVE, True),
        (ContributionStatus.REJECTED, ModerationAction.APPROVE, True),
        (ContributionStatus.HIDDEN, ModerationAction.APPROVE, True),
        (ContributionStatus.PUBLISHED, ModerationAction.APPROVE, False),
        (ContributionStatus.MERGED, ModerationAction.APPROVE, False),
        (ContributionStatus.PENDING, ModerationAction.REJECT, True),
        (ContributionStatus.PUBLISHED, ModerationAction.REJECT, True),
        (ContributionStatus.REJECTED, ModerationAction.REJECT, False),
        (ContributionStatus.HIDDEN, ModerationAction.REJECT, False),
        (ContributionStatus.MERGED, ModerationAction.REJECT, False),
    ],
)
async def test_transitions(
    session: AsyncSession,
    start: ContributionStatus,
    action: ModerationAction,
    allowed: bool,
) -> None:
    idea, moderator = await setup(session, start)
    idea_id = idea.id or 0
    target = (
        ContributionStatus.PUBLISHED
        if action is ModerationAction.APPROVE
        else ContributionStatus.REJECTED
    )

    async def act() -> Contribution:
        if action is ModerationAction.APPROVE:
            return await moderation.approve(session, idea_id, moderator)
        return await moderation.reject(session, idea_id, moderator, REASON)

    if allowed:
        assert (await act()).status is target
        logged = await events(session)
        assert [(e.from_status, e.to_status, e.action) for e in logged] == [(start, target, action)]
    else:
        with pytest.raises(Conflict):
            await act()
        stored = await session.get(Contribution, idea_id, populate_existing=True)
        assert stored is not None
        assert stored.status is start
        assert await events(session) == []


async def test_unknown_contribution_is_not_found(session: AsyncSession) -> None:
    _idea, moderator = await setup(session)
    with pytest.raises(NotFound):
        await moderation.approve(session, 999_999, moderator)
    with pytest.raises(NotFound):
        await moderation.reject(session, 999_999, moderator, REASON)


async def test_two_moderators_cannot_both_decide(session: AsyncSession, settings: Settings) -> None:
    """The second moderator saw the idea as pending; the first has approved it meanwhile."""
    idea, first = await setup(session)
    second = await add_actor(session, "mod2@example.org")
    idea_id, first_id = idea.id or 0, first.id  # the failed update rolls the session back
    seen = await session.get(Contribution, idea.id)  # the second moderator's view: pending
    assert seen is not None
    assert seen.status is ContributionStatus.PENDING
    version = seen.version

    engine = create_engine(settings)
    async with create_sessionmaker(engine)() as other:
        await moderation.approve(other, idea_id, first)
    await engine.dispose()

    with pytest.raises(Conflict):
        await moderation.reject(session, idea_id, second, REASON, version=version)
    logged = await events(session)
    assert [(e.actor_id, e.action) for e in logged] == [(first_id, ModerationAction.APPROVE)]


async def test_queue_holds_pending_ideas_oldest_first(session: AsyncSession) -> None:
    process = await add_process(session)
    now = utcnow()
    newer = await add_idea(
        session, process, title="Neuer", status=ContributionStatus.PENDING, created_at=now
    )
    older = await add_idea(
        session,
        process,
        title="Älter",
        status=ContributionStatus.PENDING,
        created_at=now - timedelta(hours=3),
    )
    await add_idea(session, process, title="Öffentlich")
    await add_idea(session, process, title="Abgelehnt", status=ContributionStatus.REJECTED)
    queue = await moderation_queue.queue_page(session, QueueFilters())
    assert queue.total == 2
    assert [item.contribution.id for item in queue.items] == [older.id, newer.id]
    assert {item.process.slug for item in queue.items} == {SLUG}
    limited = await moderation_queue.queue_page(session, QueueFilters(), per_page=1)
    assert [item.contribution.id for item in limited.items] == [older.id]
    assert (limited.total, limited.pages) == (2, 2)


async def test_log_lists_newest_first_with_actor_and_title(session: AsyncSession) -> None:
    idea, moderator = await setup(session)
    process = await session.get(Process, idea.process_id)
    assert process is not None
    other = await add_idea(session, process, title="Zweite Idee", status=ContributionStatus.PENDING)
    await moderation.approve(session, idea.id or 0, moderator)
    await moderation.reject(session, other.id or 0, moderator, REASON)
    entries = await moderation_log(session)
    assert [(e.contribution_title, e.event.action) for e in entries] == [
        ("Zweite Idee", ModerationAction.REJECT),
        (idea.title, ModerationAction.APPROVE),
    ]
    assert {e.actor_email for e in entries} == {"mod@example.org"}
    only_first = await moderation_log(session, contribution_id=idea.id)
    assert [e.event.contribution_id for e in only_first] == [idea.id]


# --- who may moderate ------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client: Client) -> None:
    for path in ["/moderation", "/moderation/log"]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"
    login_page = client.get("/moderation")  # following the redirect lands on the form
    assert login_page.status_code == 200
    assert first_match(html(login_page.text), 'input[name="next"]')["value"] == "/moderation"


def test_anonymous_cannot_act(client: Client, settings: Settings, process: Process) -> None:
    idea = in_db(settings, lambda s: add_idea(s, process, status=ContributionStatus.PENDING))
    response = post_form(client, f"/moderation/contributions/{idea.id}/approve", FRESH)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert in_db(settings, events) == []


def test_anonymous_api_queue_is_401_json(client: Client) -> None:
    response = client.get("/api/v1/moderation/queue")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["status_code"] == 401


def test_evaluator_is_refused(client: Client, settings: Settings, process: Process) -> None:
    idea = in_db(settings, lambda s: add_idea(s, process, status=ContributionStatus.PENDING))
    in_db(settings, lambda s: add_staff(s, "eval@example.org", Role.EVALUATOR))
    assert login(client, "eval@example.org").status_code == 303
    page = client.get("/moderation", follow_redirects=False)
    assert page.status_code == 403
    assert text_of(first_match(html(page.text), "h1")) == german("Access denied")
    assert client.get("/moderation/log").status_code == 403
    api = client.get("/api/v1/moderation/queue")
    assert api.status_code == 403
    assert api.json()["status_code"] == 403
    approve = post_form(client, f"/moderation/contributions/{idea.id}/approve", FRESH)
    assert approve.status_code == 403
    assert in_db(settings, events) == []


def test_admin_may_moderate(client: Client, settings: Settings) -> None:
    in_db(settings, lambda s: add_staff(s, "admin@example.org", Role.ADMIN))
    assert login(client, "admin@example.org").status_code == 303
    assert client.get("/moderation").status_code == 200
    assert client.get("/api/v1/moderation/queue").json() == []


# --- the queue in the browser ----------------------------------------------------------------


def submit(client: Client, settings: Settings, title: str) -> tuple[str, Contribution]:
    """Submit an idea through the public form; the follow token and the stored idea, once
    the tagger has made its suggestions (after the answer went out)."""
    response = post_form(client, f"/processes/{SLUG}/ideas", valid_idea(title=title))
    assert response.status_code == 303
    suggestions_done(client)
    token = follow_token_from(response)
    return token, in_db(settings, lambda s: by_follow_token(s, token))


def test_moderator_sees_the_queue(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    _token, idea = submit(staff_client, settings, "Radweg an der B3")
    in_db(settings, lambda s: add_idea(s, process, title="Längst veröffentlicht"))
    response = staff_client.get("/moderation")
    assert response.status_code == 200
    page = html(response.text)
    item = one(page, f"#item-{idea.id}")
    assert text_of(first_match(item, "h2")) == "Radweg an der B3"
    actions = f"/moderation/contributions/{idea.id}"
    assert item.select_one(f'form[action="{actions}/approve"]') is not None
    assert item.select_one(f'form[action="{actions}/reject"]') is not None
    assert "Längst veröffentlicht" not in response.text
    assert len(page.select("article.queue-item")) == 1

    api = staff_client.get("/api/v1/moderation/queue")
    assert api.status_code == 200
    assert [(i["id"], i["process_slug"], i["title"]) for i in api.json()] == [
        (idea.id, SLUG, "Radweg an der B3")
    ]


def test_approve_without_javascript(
    staff_client: Client, settings: Settings, process: Process, moderator: User
) -> None:
    token, idea = submit(staff_client, settings, "Radweg an der B3")
    response = post_form(staff_client, f"/moderation/contributions/{idea.id}/approve", FRESH)
    assert response.status_code == 303
    assert response.headers["location"] == "/moderation"

    queue = staff_client.get("/moderation")
    page = html(queue.text)
    flashes = [text_of(p) for p in page.select("p.flash")]
    assert flashes == [de("Approved and published: “%(title)s”.") % {"title": "Radweg an der B3"}]
    assert page.select_one("article.queue-item") is None
    # The message is shown once.
    assert html(staff_client.get("/moderation").text).select("p.flash") == []

    logged = in_db(settings, events)
    assert [(e.action, e.actor_id) for e in logged] == [(ModerationAction.APPROVE, moderator.id)]
    # Now public: on the process page, in the API, and the author sees it.
    assert idea_titles(html(staff_client.get(f"/processes/{SLUG}").text)) == ["Radweg an der B3"]
    api = staff_client.get(f"/api/v1/processes/{SLUG}/contributions").json()
    assert [item["id"] for item in api["items"]] == [idea.id]
    follow = html(staff_client.get(f"/follow/{token}").text)
    assert text_of(first_match(follow, "span.badge")) == german("published")


def test_approve_with_htmx_answers_with_a_partial(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    _token, idea = submit(staff_client, settings, "Radweg an der B3")
    response = post_form(
        staff_client, f"/moderation/contributions/{idea.id}/approve", FRESH, headers=HTMX
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    fragment = html(response.text)
    article = one(fragment, f"#item-{idea.id}")
    assert "queue-item--done" in article.get_attribute_list("class")
    expected = de("Approved and published: “%(title)s”.") % {"title": "Radweg an der B3"}
    assert text_of(article) == expected
    # No flash is left for the next page: htmx showed the message already.
    assert html(staff_client.get("/moderation").text).select("p.flash") == []


def test_approving_twice_tells_the_moderator(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    _token, idea = submit(staff_client, settings, "Radweg an der B3")
    url = f"/moderation/contributions/{idea.id}/approve"
    assert post_form(staff_client, url, FRESH).status_code == 303
    again = post_form(staff_client, url, FRESH)  # the same form, sent again
    assert again.status_code == 409
    conflict = first_match(html(again.text), ".conflict")
    assert de(
        "This contribution has changed since your page showed it. Nothing was saved: "
        "see what changed below and decide again."
    ) in text_of(conflict)
    assert text_of(first_match(conflict, ".badge")) == de("published")
    htmx = post_form(staff_client, url, FRESH, headers=HTMX)
    assert htmx.status_code == 409
    assert "<html" not in htmx.text
    assert len(in_db(settings, events)) == 1


def test_unknown_contribution_is_404(staff_client: Client) -> None:
    url = "/moderation/contributions/999999"
    assert post_form(staff_client, f"{url}/approve", FRESH).status_code == 404
    reject = post_form(staff_client, f"{url}/reject", {"reason": REASON, **FRESH})
    assert reject.status_code == 404


def test_reject_with_reason_shows_the_reason_to_the_author(
    staff_client: Client, settings: Settings, process: Process, moderator: User
) -> None:
    token, idea = submit(staff_client, settings, "Radweg an der B3")
    response = post_form(
        staff_client, f"/moderation/contributions/{idea.id}/reject", {"reason": REASON, **FRESH}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/moderation"
    flashes = html(staff_client.get("/moderation").text).select("p.flash")
    assert [text_of(f) for f in flashes] == [
        de("Rejected: “%(title)s”.") % {"title": "Radweg an der B3"}
    ]

    logged = in_db(settings, events)
    assert [(e.action, e.reason, e.actor_id) for e in logged] == [
        (ModerationAction.REJECT, REASON, moderator.id)
    ]
    follow = html(staff_client.get(f"/follow/{token}").text)
    assert text_of(first_match(follow, "span.badge")) == german("not published")
    assert text_of(first_match(follow, "blockquote")) == REASON
    # Rejected ideas stay off the public page and out of the API.
    assert idea_titles(html(staff_client.get(f"/processes/{SLUG}").text)) == []
    assert staff_client.get(f"/api/v1/processes/{SLUG}/contributions").json()["items"] == []


def test_reject_with_htmx_answers_with_a_partial(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    _token, idea = submit(staff_client, settings, "Radweg an der B3")
    response = post_form(
        staff_client,
        f"/moderation/contributions/{idea.id}/reject",
        {"reason": REASON, **FRESH},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert text_of(one(html(response.text), f"#item-{idea.id}")) == de("Rejected: “%(title)s”.") % {
        "title": "Radweg an der B3"
    }


def test_reject_without_reason_re_renders_the_queue(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    _token, idea = submit(staff_client, settings, "Radweg an der B3")
    _token2, other = submit(staff_client, settings, "Busse am Sonntag")
    response = post_form(
        staff_client, f"/moderation/contributions/{idea.id}/reject", {"reason": "  ", **FRESH}
    )
    assert response.status_code == 422
    page = html(response.text)
    assert text_of(first_match(page, "h1")) == german("Moderation queue")
    # The whole queue is there again, and the message sits at the right item.
    assert {attr(a, "id") for a in page.select("article.queue-item")} == {
        f"item-{idea.id}",
        f"item-{other.id}",
    }
    message = de("Please give a reason; the author will see it.")
    assert field_error(page, f"reason-{idea.id}") == message
    assert one(page, f"#reason-{idea.id}").get("aria-invalid") == "true"
    assert field_error(page, f"reason-{other.id}") == ""
    assert not one(page, f"#reason-{other.id}").has_attr("aria-invalid")
    assert in_db(settings, events) == []
    stored = in_db(settings, lambda s: s.get(Contribution, idea.id))
    assert stored is not None
    assert stored.status is ContributionStatus.PENDING


def test_reject_without_reason_with_htmx_returns_the_item(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    _token, idea = submit(staff_client, settings, "Radweg an der B3")
    response = post_form(
        staff_client,
        f"/moderation/contributions/{idea.id}/reject",
        {"reason": "", **FRESH},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "<html" not in response.text
    fragment = html(response.text)
    assert text_of(first_match(one(fragment, f"#item-{idea.id}"), "h2")) == "Radweg an der B3"
    assert field_error(fragment, f"reason-{idea.id}") == de(
        "Please give a reason; the author will see it."
    )
    assert in_db(settings, events) == []


def test_moderation_without_csrf_token_is_refused(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    _token, idea = submit(staff_client, settings, "Radweg an der B3")
    response = staff_client.post(f"/moderation/contributions/{idea.id}/approve", data={})
    assert response.status_code == 403
    assert in_db(settings, events) == []


def test_log_lists_the_events(
    staff_client: Client, settings: Settings, process: Process, moderator: User
) -> None:
    empty = html(staff_client.get("/moderation/log").text)
    assert de("No moderation decisions yet.") in text_of(one(empty, "#main"))

    _t1, first = submit(staff_client, settings, "Radweg an der B3")
    _t2, second = submit(staff_client, settings, "Busse am Sonntag")
    post_form(staff_client, f"/moderation/contributions/{first.id}/approve", FRESH)
    post_form(
        staff_client, f"/moderation/contributions/{second.id}/reject", {"reason": REASON, **FRESH}
    )

    response = staff_client.get("/moderation/log")
    assert response.status_code == 200
    rows = first_match(html(response.text), "tbody").select("tr")
    cells = [[text_of(td) for td in row.select("td")] for row in rows]
    assert [row[1:] for row in cells] == [
        [
            moderator.email,
            de("rejected"),
            "Busse am Sonntag",
            f"{de('waiting for review')} → {de('not published')}",
            REASON,
        ],
        [
            moderator.email,
            de("approved"),
            "Radweg an der B3",
            f"{de('waiting for review')} → {de('published')}",
            "",
        ],
    ]
    assert all(row[0] for row in cells)  # every entry has its time


# --- themes: suggestions in the queue, confirming and correcting them ------------------------

BUS_IDEA = "Der Bus zur Haltestelle am Bahnhof fährt zu selten, wir brauchen mehr Busse."


async def test_queue_can_put_the_least_certain_items_first(session: AsyncSession) -> None:
    process = await add_process(session)
    now = utcnow()
    ideas = []
    for hours, uncertainty in [(3, 0.1), (2, None), (1, 0.9)]:
        idea = await add_idea(
            session,
            process,
            status=ContributionStatus.PENDING,
            created_at=now - timedelta(hours=hours),
        )
        idea.theme_uncertainty = uncertainty
        session.add(idea)
        ideas.append(idea)
    await session.commit()
    oldest = await moderation_queue.queue_page(session, QueueFilters())
    assert [i.contribution.id for i in oldest.items] == [i.id for i in ideas]
    informative = await moderation_queue.queue_page(session, QueueFilters(order="informative"))
    assert [i.contribution.id for i in informative.items] == [
        ideas[2].id,
        ideas[0].id,
        ideas[1].id,
    ]


async def test_decide_theme_confirms_rejects_and_adds(session: AsyncSession) -> None:
    idea, moderator = await setup(session)
    process = await session.get(Process, idea.process_id)
    assert process is not None
    themes = await add_themes(session, process)
    session.add(
        ContributionTheme(
            contribution_id=idea.id or 0,
            theme_id=themes["oepnv"].id or 0,
            score=0.4,
            model_version="keywords:x",
            evidence=["bus"],
        )
    )
    await session.commit()

    async def decide(slug: str, decision: str) -> None:
        theme_id = str(themes[slug].id)
        await moderation.decide_theme(session, idea.id or 0, theme_id, decision, moderator)

    # Each decision leaves one entry in the moderation log: who, on which item, which theme.
    expected: list[tuple[ModerationAction, str]] = []
    for slug, decision, action in [
        ("oepnv", "confirm", ModerationAction.CONFIRM_THEME),
        ("schule", "confirm", ModerationAction.ADD_THEME),
        ("schule", "reject", ModerationAction.REMOVE_THEME),
    ]:
        await decide(slug, decision)
        expected.append((action, themes[slug].name))
        logged = await events(session)
        assert [(e.action, e.reason) for e in logged] == expected
        assert logged[-1].contribution_id == idea.id
        assert logged[-1].actor_id == moderator.id
        assert logged[-1].from_status is logged[-1].to_status is ContributionStatus.PENDING
    await decide("schule", "reject")  # sent twice: nothing changes, nothing more is logged
    assert len(await events(session)) == 3

    rows = await theme_rows(session, idea.id)
    assert {slug: row.source for slug, row in rows.items()} == {
        "oepnv": ThemeSource.CONFIRMED,
        "schule": ThemeSource.REJECTED,
    }
    assert rows["oepnv"].score == 0.4  # what the tagger thought stays on record
    item = await moderation_queue.queue_item(session, idea.id or 0)
    assert [t.theme.slug for t in item.confirmed] == ["oepnv"]
    assert item.suggested == []
    assert [t.slug for t in item.addable] == ["radwege", "schule"]

    # Adding a theme removed before counts as adding it.
    await decide("schule", "confirm")
    assert (await events(session))[-1].action is ModerationAction.ADD_THEME
    entries = await moderation_log(session)
    assert [(e.theme_name, e.reason, e.status_changed) for e in entries[:2]] == [
        ("Schulwege", "", False),
        ("Schulwege", "", False),
    ]


@pytest.mark.parametrize(
    ("theme", "decision", "field"),
    [
        ("1", "maybe", "decision"),
        ("", "confirm", "theme"),
        ("x", "confirm", "theme"),
        ("²", "confirm", "theme"),
    ],
)
async def test_decide_theme_refuses_bad_input(
    session: AsyncSession, theme: str, decision: str, field: str
) -> None:
    idea, moderator = await setup(session)
    with pytest.raises(ValidationFailed) as failed:
        await moderation.decide_theme(session, idea.id or 0, theme, decision, moderator)
    assert list(failed.value.errors) == [field]
    with pytest.raises(NotFound):
        await moderation.decide_theme(session, 9999, "1", "confirm", moderator)
    assert await events(session) == []


async def test_a_theme_of_another_process_is_refused(session: AsyncSession) -> None:
    idea, moderator = await setup(session)
    other = await add_process(session, slug="anderes-verfahren")
    themes = await add_themes(session, other)
    theme_id = str(themes["oepnv"].id)
    with pytest.raises(ValidationFailed) as failed:
        await moderation.decide_theme(session, idea.id or 0, theme_id, "confirm", moderator)
    assert list(failed.value.errors) == ["theme"]
    assert await theme_rows(session, idea.id) == {}
    assert await events(session) == []


def _with_themes(settings: Settings, process: Process) -> dict[str, int]:
    themes = in_db(settings, lambda s: add_themes(s, process))
    return {slug: theme.id or 0 for slug, theme in themes.items()}


def test_queue_shows_suggested_themes_with_score_and_words(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    _with_themes(settings, process)
    response = post_form(
        staff_client, f"/processes/{SLUG}/ideas", valid_idea(title="Mehr Busse", body=BUS_IDEA)
    )
    assert response.status_code == 303
    suggestions_done(staff_client)  # tagged after the answer has gone out
    idea = in_db(settings, lambda s: by_follow_token(s, follow_token_from(response)))
    rows = in_db(settings, lambda s: theme_rows(s, idea.id))
    bus = rows["oepnv"]
    assert bus.source is ThemeSource.SUGGESTED
    assert bus.score is not None

    page = html(staff_client.get("/moderation").text)
    themes = one(page, f"#item-{idea.id}-themes")
    chip = first_match(themes, ".theme-chip--suggested")
    assert text_of(first_match(chip, ".theme-chip__name")) == "Bus und Bahn"
    percent = round(bus.score * 100)
    assert text_of(first_match(chip, ".theme-chip__score")) == f"{percent} % Übereinstimmung"
    assert "bus" in text_of(first_match(chip, ".theme-chip__why"))
    buttons = [text_of(b) for b in chip.select("button")]
    assert buttons == [f"{german('Confirm')} : Bus und Bahn", f"{german('Remove')} : Bus und Bahn"]
    for form in themes.select("form"):
        assert form.select_one('input[name="_csrf_token"]') is not None
        assert attr(form, "action") == f"/moderation/contributions/{idea.id}/themes"


def test_confirm_a_theme_without_javascript(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    ids = _with_themes(settings, process)
    _token, idea = submit(staff_client, settings, "Radweg an der B3")
    url = f"/moderation/contributions/{idea.id}/themes"
    response = post_form(staff_client, url, {"theme": str(ids["radwege"]), "decision": "confirm"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/moderation#item-{idea.id}"
    page = html(staff_client.get("/moderation").text)
    expected = de("Action field confirmed: %(theme)s.") % {"theme": "Radwege"}
    assert [text_of(p) for p in page.select("p.flash")] == [expected]
    confirmed = one(page, f"#item-{idea.id}-themes").select(".theme-chip--confirmed")
    assert [text_of(first_match(c, ".theme-chip__name")) for c in confirmed] == ["Radwege"]
    rows = in_db(settings, lambda s: theme_rows(s, idea.id))
    assert rows["radwege"].source is ThemeSource.CONFIRMED


def test_correct_themes_with_htmx_answers_with_the_themes(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    ids = _with_themes(settings, process)
    _token, idea = submit(staff_client, settings, "Radweg an der B3")
    url = f"/moderation/contributions/{idea.id}/themes"
    data = {"theme": str(ids["oepnv"]), "decision": "reject"}
    response = post_form(staff_client, url, data, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    fragment = html(response.text)
    section = one(fragment, f"#item-{idea.id}-themes")
    message = de("Action field rejected: %(theme)s.") % {"theme": "Bus und Bahn"}
    assert text_of(first_match(section, "[role=status]")) == message
    assert in_db(settings, lambda s: theme_rows(s, idea.id))["oepnv"].source is (
        ThemeSource.REJECTED
    )
    # A rejected theme can still be added by hand (nothing is preselected).
    options = [text_of(o) for o in section.select("select option")]
    assert options == [german("Choose an action field"), "Radwege", "Schulwege", "Bus und Bahn"]

    other = in_db(settings, lambda s: add_process(s, slug="anderes"))
    foreign = in_db(settings, lambda s: add_themes(s, other))["radwege"].id
    refused = post_form(
        staff_client, url, {"theme": str(foreign), "decision": "confirm"}, headers=HTMX
    )
    assert refused.status_code == 422
    error = text_of(first_match(html(refused.text), ".flash--error"))
    assert error == de("Please choose an action field of this process.")
    assert post_form(staff_client, "/moderation/contributions/9999/themes", data).status_code == 404


def test_theme_decisions_go_into_the_log(
    staff_client: Client, settings: Settings, process: Process, moderator: User
) -> None:
    ids = _with_themes(settings, process)
    idea = in_db(settings, lambda s: add_idea(s, process, status=ContributionStatus.PENDING))

    async def suggest(session: AsyncSession) -> None:
        session.add(ContributionTheme(contribution_id=idea.id or 0, theme_id=ids["oepnv"]))
        await session.commit()

    in_db(settings, suggest)
    url = f"/moderation/contributions/{idea.id}/themes"
    decisions = [
        ("oepnv", "confirm", ModerationAction.CONFIRM_THEME, "Bus und Bahn"),
        ("oepnv", "reject", ModerationAction.REMOVE_THEME, "Bus und Bahn"),
        ("radwege", "confirm", ModerationAction.ADD_THEME, "Radwege"),
    ]
    for number, (slug, decision, action, name) in enumerate(decisions, start=1):
        headers = HTMX if number % 2 else None  # with htmx and without
        response = post_form(
            staff_client, url, {"theme": str(ids[slug]), "decision": decision}, headers=headers
        )
        assert response.status_code == (200 if headers else 303)
        logged = in_db(settings, events)
        assert len(logged) == number  # one entry per decision
        assert (logged[-1].action, logged[-1].reason) == (action, name)
        assert (logged[-1].contribution_id, logged[-1].actor_id) == (idea.id, moderator.id)

    rows = first_match(html(staff_client.get("/moderation/log").text), "tbody").select("tr")
    cells = [[text_of(td) for td in row.select("td")] for row in rows]
    assert [row[1:] for row in cells] == [
        [moderator.email, what, idea.title, german("waiting for review"), ""]
        for what in [
            f"{german('action field added')}: Radwege",
            f"{german('action field removed')}: Bus und Bahn",
            f"{german('action field confirmed')}: Bus und Bahn",
        ]
    ]
    assert cells[0][2] == "Handlungsfeld hinzugefügt: Radwege"


def test_theme_decisions_need_staff_and_a_csrf_token(
    client: Client, settings: Settings, process: Process, moderator: User
) -> None:
    ids = _with_themes(settings, process)
    idea = in_db(settings, lambda s: add_idea(s, process, status=ContributionStatus.PENDING))
    url = f"/moderation/contributions/{idea.id}/themes"
    data = {"theme": str(ids["radwege"]), "decision": "confirm"}
    anonymous = post_form(client, url, data)
    assert anonymous.status_code in {302, 303, 401}
    login(client, moderator.email)
    without_token = client.post(url, data=data, follow_redirects=False)
    assert without_token.status_code == 403
    assert in_db(settings, lambda s: theme_rows(s, idea.id)) == {}


def test_queue_order_links(staff_client: Client, settings: Settings, process: Process) -> None:
    in_db(settings, lambda s: add_idea(s, process, status=ContributionStatus.PENDING))
    default = html(staff_client.get("/moderation").text)
    assert text_of(one(default, ".queue-order [aria-current]")) == german("Oldest first")
    informative = html(staff_client.get("/moderation?order=informative").text)
    current = one(informative, ".queue-order [aria-current]")
    assert text_of(current) == german("Most informative first")
    # Anything else is the usual order, not an error.
    assert staff_client.get("/moderation?order=zufall").status_code == 200


async def test_request_changes_lets_the_item_wait_for_its_author_and_logs_what_to_change(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    idea = await add_idea(
        session, process, status=ContributionStatus.PENDING, follow_token="token-of-the-author"
    )
    moderator = await add_actor(session, "mod@example.org")
    asked = await moderation.request_changes(session, idea.id or 0, moderator, f" {REASON} ")
    assert asked.status is ContributionStatus.AWAITING_CHANGES
    assert asked.version == 1
    assert_one_event(
        await events(session),
        idea,
        moderator,
        ModerationAction.REQUEST_CHANGES,
        ContributionStatus.PENDING,
        ContributionStatus.AWAITING_CHANGES,
        REASON,
    )
    with pytest.raises(ValidationFailed):
        await moderation.request_changes(session, idea.id or 0, moderator, " ")
    await moderation.approve(session, idea.id or 0, moderator)
    with pytest.raises(Conflict):  # only items still in moderation can be changed
        await moderation.request_changes(session, idea.id or 0, moderator, REASON)


def test_asking_for_changes_reaches_the_author_who_can_edit(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    token, idea = submit(staff_client, settings, "Radweg an der B3")
    queue = html(staff_client.get("/moderation").text)
    assert first_match(
        queue, f"button[formaction='/moderation/contributions/{idea.id}/request-changes']"
    )
    response = post_form(
        staff_client,
        f"/moderation/contributions/{idea.id}/request-changes",
        {"reason": REASON, **FRESH},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert text_of(one(html(response.text), f"#item-{idea.id}")) == de(
        "Changes requested from the author of “%(title)s”; it waits for them now."
    ) % {"title": "Radweg an der B3"}

    follow = html(staff_client.get(f"/follow/{token}").text)
    assert german("The moderation asks you to change your contribution:") in text_of(follow)
    assert text_of(first_match(follow, "blockquote")) == REASON
    edit = f"/follow/{token}/{idea.id}/edit"
    assert follow.select(f"a[href='{edit}']")
    saved = post_form(
        staff_client,
        edit,
        {
            "title": "Radweg an der B3 mit Licht",
            "body": "Ein beleuchteter Radweg entlang der B3 bis Kornbach.",
            "municipality": "",
        },
    )
    assert saved.status_code == 303
    follow = html(staff_client.get(f"/follow/{token}").text)
    assert german("The moderation asks you to change your contribution:") not in text_of(follow)
    queue = html(staff_client.get("/moderation").text)
    assert "Radweg an der B3 mit Licht" in text_of(queue)
