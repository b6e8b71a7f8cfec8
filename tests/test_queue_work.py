"""Working the moderation queue at volume: every filter (channel, group, action field,
suggested action field, age, reports, likely duplicates, assignment) alone and combined with
its counts; giving items to colleagues and "Meine Einträge"; internal notes on any
contribution; decisions on several at once with an item changed meanwhile; who is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Channel,
    Contribution,
    ContributionStatus,
    ContributionTheme,
    DuplicatePair,
    ModerationAction,
    ModerationEvent,
    Process,
    Report,
    ReportReason,
    Role,
    Segment,
    Theme,
    ThemeSource,
    User,
    utcnow,
)
from participation.services import moderation, moderation_queue, queue_work
from participation.services.errors import ValidationFailed
from participation.services.moderation_queue import QueueFilters
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_actor,
    add_process,
    add_staff,
    add_themes,
    attr,
    de,
    events,
    field_error,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)
from tests.moderation_helpers import add_item, counted_queries, stored

ALL_QUEUE_STATES = ("pending", "awaiting_changes")


def _ids(page: moderation_queue.QueuePage) -> list[int]:
    return [item.contribution.id or 0 for item in page.items]


def _counts(page: moderation_queue.QueuePage, facet: str) -> dict[str, int]:
    return {option.value: option.count for option in page.facets[facet]}


async def _theme_row(
    session: AsyncSession, item: Contribution, theme: Theme, source: ThemeSource
) -> None:
    session.add(
        ContributionTheme(contribution_id=item.id or 0, theme_id=theme.id or 0, source=source)
    )
    await session.commit()


async def _world(session: AsyncSession) -> dict[str, object]:
    """Two processes, items of several channels, groups and ages, with themes, reports, a
    duplicate pair and an assignment."""
    process = await add_process(session)
    other = await add_process(session, slug="schulwege", title="Schulwege sicher")
    themes = list((await add_themes(session, process)).values())
    now = utcnow()
    old = await add_item(session, process, title="Alt", created_at=now - timedelta(days=10))
    older = await add_item(session, process, title="Uralt", created_at=now - timedelta(days=20))
    firm = await add_item(
        session, process, title="Betrieb", segment=Segment.FIRM, channel=Channel.WORKSHOP
    )
    fresh = await add_item(session, process, title="Neu")
    elsewhere = await add_item(session, other, title="Zebrastreifen")
    done = await add_item(session, process, title="Fertig", status=ContributionStatus.PUBLISHED)
    await _theme_row(session, old, themes[0], ThemeSource.CONFIRMED)
    await _theme_row(session, firm, themes[0], ThemeSource.SUGGESTED)
    await _theme_row(session, fresh, themes[1], ThemeSource.SUGGESTED)
    await _theme_row(session, done, themes[0], ThemeSource.CONFIRMED)
    session.add(Report(contribution_id=fresh.id or 0, reason=ReportReason.SPAM))
    session.add(Report(contribution_id=fresh.id or 0, reason=ReportReason.OFFENSIVE))
    session.add(
        DuplicatePair(
            process_id=process.id or 0, first_id=old.id or 0, second_id=firm.id or 0, score=0.8
        )
    )
    await session.commit()
    me = await add_actor(session, "ich@example.org")
    colleague = await add_actor(session, "kollegin@example.org")
    await queue_work.assign(session, older.id or 0, colleague.id, me)
    await queue_work.assign(session, elsewhere.id or 0, me.id, me)
    return {
        "process": process,
        "themes": themes,
        "items": {
            "old": old.id,
            "older": older.id,
            "firm": firm.id,
            "fresh": fresh.id,
            "elsewhere": elsewhere.id,
        },
        "me": me,
        "colleague": colleague,
    }


async def test_each_filter_narrows_the_queue_and_counts_its_options(session: AsyncSession) -> None:
    world = await _world(session)
    items: dict[str, int] = world["items"]  # type: ignore[assignment]
    themes: list[Theme] = world["themes"]  # type: ignore[assignment]
    me: User = world["me"]  # type: ignore[assignment]
    colleague: User = world["colleague"]  # type: ignore[assignment]

    async def page(**params: str) -> moderation_queue.QueuePage:
        return await moderation_queue.queue_page(session, QueueFilters.from_params(params), user=me)

    everything = await page()
    assert everything.total == 5
    assert set(_ids(await page(channel="workshop"))) == {items["firm"]}
    assert _counts(everything, "channel")["workshop"] == 1
    assert _counts(everything, "channel")["idea_call"] == 4
    assert set(_ids(await page(segment="firm"))) == {items["firm"]}
    assert _counts(everything, "segment")["firm"] == 1
    # Age: older than 7 days takes the 20-day-old item too.
    assert set(_ids(await page(age="7"))) == {items["old"], items["older"]}
    assert set(_ids(await page(age="14"))) == {items["older"]}
    assert _counts(everything, "age") == {"": 5, "2": 2, "7": 2, "14": 1}
    # The confirmed action field (the published item is not waiting), and suggestions.
    first = str(themes[0].id)
    assert set(_ids(await page(theme=first))) == {items["old"]}
    assert _counts(everything, "theme")[first] == 1
    assert set(_ids(await page(suggested=first))) == {items["firm"]}
    assert _counts(everything, "suggested") == {
        "": 5,
        **{str(t.id): n for t, n in zip(themes, [1, 1, 0], strict=False)},
    }
    # Reports (two on one item count it once) and likely duplicates (either side).
    assert set(_ids(await page(reported="1"))) == {items["fresh"]}
    assert _counts(everything, "reported") == {"": 5, "1": 1}
    assert set(_ids(await page(duplicate="1"))) == {items["old"], items["firm"]}
    assert _counts(everything, "duplicate") == {"": 5, "1": 2}
    # Assignment: mine, a colleague's, nobody's.
    assert set(_ids(await page(assigned="me"))) == {items["elsewhere"]}
    assert set(_ids(await page(assigned=str(colleague.id)))) == {items["older"]}
    assert len(_ids(await page(assigned="none"))) == 3
    assert _counts(everything, "assigned") == {
        "": 5,
        "me": 1,
        str(colleague.id): 1,
        "none": 3,
    }

    # Combined: each option counted under the other choices.
    combined = await page(process=SLUG, age="7", duplicate="1")
    assert _ids(combined) == [items["old"]]
    assert combined.total == 1
    assert _counts(combined, "process")[SLUG] == 1
    assert _counts(combined, "process")[""] == 1
    assert _counts(combined, "age")[""] == 2  # without the age: old and firm
    assert _counts(combined, "theme")[first] == 1
    narrowed = await page(theme=first, assigned="none")
    assert _ids(narrowed) == [items["old"]]
    assert _counts(narrowed, "assigned") == {"": 1, "me": 0, str(colleague.id): 0, "none": 1}
    assert _counts(narrowed, "theme")[""] == 3  # unassigned, any action field
    assert _counts(narrowed, "kind")["idea"] == 1


async def test_filters_read_from_the_address_are_checked() -> None:
    garbled = QueueFilters.from_params(
        {
            "channel": "fax",
            "segment": "x",
            "theme": "-1",
            "suggested": "a",
            "age": "3",
            "reported": "yes",
            "duplicate": "2",
            "assigned": "jemand",
        }
    )
    assert garbled == QueueFilters()
    parsed = QueueFilters.from_params(
        {"channel": "survey", "age": "14", "reported": "1", "assigned": "me", "theme": "4"}
    )
    assert parsed.query() == "channel=survey&theme=4&age=14&reported=1&assigned=me"
    assert parsed.narrowed
    assert not QueueFilters.from_params({"state": "awaiting_changes"}).narrowed


def test_the_filtered_page_runs_a_fixed_number_of_queries(
    staff_client: Client, settings: Settings
) -> None:
    """With every filter chosen, more items, themes and colleagues: the same statements."""
    world = in_db(settings, _world)
    themes: list[Theme] = world["themes"]  # type: ignore[assignment]
    url = f"/moderation?process={SLUG}&theme={themes[0].id}&age=2&reported=1&assigned=me"
    staff_client.get(url)
    with counted_queries() as few:
        assert staff_client.get(url).status_code == 200

    async def more(session: AsyncSession) -> None:
        process = await session.get(Process, world["process"].id)  # type: ignore[attr-defined]
        assert process is not None
        for n in range(6):
            item = await add_item(session, process, title=f"Mehr {n}")
            await _theme_row(session, item, themes[n % 3], ThemeSource.SUGGESTED)
            session.add(Report(contribution_id=item.id or 0, reason=ReportReason.SPAM))
            await add_actor(session, f"mod{n}@example.org")
        await session.commit()

    in_db(settings, more)
    with counted_queries() as many:
        assert staff_client.get(url).status_code == 200
    assert len(many) == len(few), "\n".join(many)


# --- assignment -----------------------------------------------------------------------------


async def test_an_item_is_given_to_a_colleague_and_taken_back(session: AsyncSession) -> None:
    process = await add_process(session)
    item = await add_item(session, process)
    me = await add_actor(session, "ich@example.org")
    colleague = await add_actor(session, "kollegin@example.org")
    evaluator = await add_actor(session, "bewertung@example.org", Role.EVALUATOR)
    assert await queue_work.assign(session, item.id or 0, colleague.id, me) == colleague
    await queue_work.assign(session, item.id or 0, colleague.id, me)  # again: nothing new
    with pytest.raises(ValidationFailed):
        await queue_work.assign(session, item.id or 0, evaluator.id, me)  # may not moderate
    page = await moderation_queue.queue_page(session, QueueFilters(), user=colleague)
    assert page.items[0].assignee == colleague
    assert _counts(page, "assigned")["me"] == 1
    assert await queue_work.assign(session, item.id or 0, None, me) is None
    logged = [(e.action, e.reason) for e in await events(session)]
    assert logged == [
        (ModerationAction.ASSIGN, "kollegin@example.org"),
        (ModerationAction.UNASSIGN, ""),
    ]
    # Not a decision: forms open on the item stay valid.
    assert (await session.get(Contribution, item.id)).version == 0  # type: ignore[union-attr]


def test_the_colleague_finds_the_item_under_my_items(
    staff_client: Client, settings: Settings, process: Process, moderator: User
) -> None:
    colleague = in_db(settings, lambda s: add_staff(s, "kollegin@example.org"))
    item = in_db(settings, lambda s: add_item(s, process, title="Radweg"))
    other = in_db(settings, lambda s: add_item(s, process, title="Bank"))
    sent = post_form(
        staff_client,
        f"/moderation/contributions/{item.id}/assign",
        {"assignee": str(colleague.id)},
    )
    assert sent.status_code == 303
    page = html(staff_client.get(f"/moderation/contributions/{item.id}").text)
    assigned_to = one(page, "#assign-title").find_next_sibling("p")
    assert assigned_to is not None
    assert text_of(assigned_to) == colleague.display_name
    garbled = post_form(
        staff_client, f"/moderation/contributions/{item.id}/assign", {"assignee": "x"}
    )
    assert garbled.status_code == 422
    assert field_error(html(garbled.text), "assignee") == de(
        "Please choose a colleague who moderates."
    )
    login(staff_client, "kollegin@example.org")
    mine = html(staff_client.get("/moderation?assigned=me").text)
    assert [attr(a, "id") for a in mine.select("article.queue-item")] == [f"item-{item.id}"]
    assert other.id != item.id


# --- internal notes ---------------------------------------------------------------------------


def test_notes_are_for_staff_and_logged(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    item = in_db(
        settings,
        lambda s: add_item(s, process, title="Radweg", status=ContributionStatus.PUBLISHED),
    )
    empty = post_form(staff_client, f"/moderation/contributions/{item.id}/notes", {"note": " "})
    assert empty.status_code == 422
    assert field_error(html(empty.text), "note") == de("Please write the note.")
    note = "Bitte mit dem Bauamt klären, ob der Weg geplant ist."
    saved = post_form(staff_client, f"/moderation/contributions/{item.id}/notes", {"note": note})
    assert saved.status_code == 303
    page = html(staff_client.get(f"/moderation/contributions/{item.id}").text)
    assert note in text_of(one(page, "#notes"))
    logged = in_db(settings, events)
    assert [(e.action, e.reason) for e in logged] == [(ModerationAction.NOTE, note)]
    assert note not in staff_client.get(f"/processes/{SLUG}/ideas/{item.id}").text
    # The queue marks a waiting item's notes.
    waiting = in_db(settings, lambda s: add_item(s, process, title="Bank"))
    post_form(staff_client, f"/moderation/contributions/{waiting.id}/notes", {"note": "Prüfen"})
    article = one(html(staff_client.get("/moderation").text), f"#item-{waiting.id}")
    assert text_of(one(article, ".queue-item__work")).startswith("1 ")


# --- bulk -------------------------------------------------------------------------------------


def _ideas(settings: Settings, process: Process, n: int) -> list[Contribution]:
    async def add(session: AsyncSession) -> list[Contribution]:
        return [await add_item(session, process, title=f"Idee {i}") for i in range(n)]

    return in_db(settings, add)


def _bulk(client: Client, action: str, items: dict[int, int], **fields: str) -> dict[str, str]:
    form = {f"v-{cid}": str(version) for cid, version in items.items()}
    form.update({f"c-{cid}": "on" for cid in items})
    form.update({"action": action, "next": "/moderation", **fields})
    return form


def test_bulk_approval_leaves_an_item_changed_meanwhile_alone(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    items = _ideas(settings, process, 3)
    versions = {item.id or 0: 0 for item in items}

    # Another moderator rejects the second one after the page was shown.
    async def reject(session: AsyncSession) -> None:
        other = await add_actor(session, "andere@example.org")
        await moderation.reject(session, items[1].id or 0, other, "Werbung")

    in_db(settings, reject)
    answer = post_form(staff_client, "/moderation/bulk", _bulk(staff_client, "approve", versions))
    assert answer.status_code == 303
    flashed = text_of(html(staff_client.get("/moderation").text).select_one(".flash"))  # type: ignore[arg-type]
    assert flashed.startswith("2 ")
    assert f"#{items[1].id}" in flashed
    statuses = [stored(settings, item.id).status for item in items]
    assert statuses == [
        ContributionStatus.PUBLISHED,
        ContributionStatus.REJECTED,  # not overwritten
        ContributionStatus.PUBLISHED,
    ]


def test_bulk_reject_assign_and_theme_on_the_whole_page(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    items = _ideas(settings, process, 2)
    themes = list(in_db(settings, lambda s: add_themes(s, process)).values())
    colleague = in_db(settings, lambda s: add_staff(s, "kollegin@example.org"))
    every = {f"v-{item.id}": "0" for item in items}
    assigned = post_form(
        staff_client,
        "/moderation/bulk",
        {**every, "scope": "page", "action": "assign", "bulk_assignee": str(colleague.id)},
    )
    assert assigned.status_code == 303
    confirmed = post_form(
        staff_client,
        "/moderation/bulk",
        {**every, "scope": "page", "action": "theme", "bulk_theme": str(themes[0].id)},
    )
    assert confirmed.status_code == 303
    page = html(staff_client.get(f"/moderation?theme={themes[0].id}&assigned={colleague.id}").text)
    assert len(page.select("article.queue-item")) == 2
    # Rejecting needs the reason; nothing is lost or done without it.
    missing = post_form(
        staff_client,
        "/moderation/bulk",
        {
            **every,
            "scope": "page",
            "action": "reject",
            "bulk_reason": " ",
            "bulk_reason_code": "spam",
        },
    )
    assert missing.status_code == 422
    assert field_error(html(missing.text), "bulk-reason")
    kept = html(missing.text).select_one("#reason-code-bulk option[selected]")
    assert kept is not None
    assert kept.get("value") == "spam"  # the chosen kind is kept
    nothing = post_form(staff_client, "/moderation/bulk", {"action": "approve"})
    assert nothing.status_code == 422
    rejected = post_form(
        staff_client,
        "/moderation/bulk",
        {
            **every,
            "scope": "page",
            "action": "reject",
            "bulk_reason": "Werbung.",
            "bulk_reason_code": "spam",
        },
    )
    assert rejected.status_code == 303
    assert {stored(settings, item.id).status for item in items} == {ContributionStatus.REJECTED}

    # The kind is kept as a single rejection's is: the spam classifier learns from it.
    async def codes(session: AsyncSession) -> list[str | None]:
        events = await session.exec(
            select(ModerationEvent.reason_code).where(
                ModerationEvent.action == ModerationAction.REJECT
            )
        )
        return list(events.all())

    assert in_db(settings, codes) == ["spam", "spam"]


async def test_a_theme_of_another_process_is_refused_in_bulk(session: AsyncSession) -> None:
    process = await add_process(session)
    other = await add_process(session, slug="schulwege")
    themes = list((await add_themes(session, other)).values())
    item = await add_item(session, process)
    actor = await add_actor(session, "mod@example.org")
    result = await queue_work.bulk(
        session, "theme", {item.id or 0: 0}, actor, theme=str(themes[0].id)
    )
    assert result.refused == [item.id]
    assert result.done == []


# --- who is refused ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.FACILITATOR, Role.EDITOR])
def test_other_roles_are_refused(
    client: Client, settings: Settings, process: Process, role: Role
) -> None:
    item = in_db(settings, lambda s: add_item(s, process))
    in_db(settings, lambda s: add_staff(s, "andere@example.org", role))
    posts = {
        "/moderation/bulk": {"action": "approve", f"c-{item.id}": "on", f"v-{item.id}": "0"},
        f"/moderation/contributions/{item.id}/assign": {"assignee": "none"},
        f"/moderation/contributions/{item.id}/notes": {"note": "Hallo"},
        "/moderation/zusammenfassung": {"digest": "on"},
    }
    for path, form in posts.items():
        assert post_form(client, path, form).status_code in {302, 303, 401}, path
    login(client, "andere@example.org")
    for path, form in posts.items():
        assert post_form(client, path, form).status_code == 403, path
    assert client.get("/moderation/zusammenfassung").status_code == 403
    assert stored(settings, item.id).status is ContributionStatus.PENDING
