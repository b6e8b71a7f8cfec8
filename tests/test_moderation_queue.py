"""The moderation queue: ideas, comments and survey answers with where each came from (the
survey question, the focus-group session and its dots, the process); filters by state,
process and kind; paging through every pending item; a fixed number of queries per page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    ContributionKind,
    ContributionStatus,
    ModerationAction,
    Process,
    utcnow,
)
from participation.services import moderation, moderation_queue
from participation.services.errors import ValidationFailed
from participation.services.moderation_queue import QueueFilters
from participation.services.provenance import SurveySource
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_actor,
    add_process,
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
    in_db,
    one,
    post_form,
    suggestions_done,
    text_of,
    valid_idea,
)
from tests.moderation_helpers import (
    QUESTION,
    SESSION_TITLE,
    add_focus_group_idea,
    add_item,
    add_survey_answer,
    counted_queries,
    de_plural,
    decide,
    stored,
)

PAGE = moderation_queue.QUEUE_PAGE_SIZE


def queue_ids(client: Client, url: str = "/moderation") -> list[int]:
    """The ids of the items a queue page lists, in order."""
    response = client.get(url)
    assert response.status_code == 200, response.text
    return [
        int(attr(article, "id").removeprefix("item-"))
        for article in html(response.text).select("article.queue-item")
    ]


# --- survey answers -------------------------------------------------------------------------


async def test_survey_answers_wait_in_the_queue_with_their_question(session: AsyncSession) -> None:
    process = await add_process(session)
    answer = await add_survey_answer(session, process)
    idea = await add_item(session, process, title="Radweg")
    queue = await moderation_queue.queue_page(session, QueueFilters())
    assert [item.contribution.id for item in queue.items] == [answer.id, idea.id]
    survey_item = queue.items[0]
    assert survey_item.is_survey_answer
    assert survey_item.source == SurveySource("Digitalisierung in Betrieben", QUESTION)
    assert queue.total == 2


def test_a_survey_answer_in_the_queue_is_marked_and_can_be_approved(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    answer = in_db(settings, lambda s: add_survey_answer(s, process))
    article = one(html(staff_client.get("/moderation").text), f"#item-{answer.id}")
    assert text_of(first_match(article, ".queue-item__kind")) == german("Survey answer")
    source = text_of(first_match(article, ".queue-item__source"))
    assert QUESTION in source
    assert "Digitalisierung in Betrieben" in source
    assert "Eine Beratung vor Ort zu Förderprogrammen." in text_of(article)
    assert article.select_one(f"#item-{answer.id}-themes") is not None
    # Nobody could read a request for changes: the respondent has no follow link.
    assert article.select_one("button[formaction$='/request-changes']") is None

    response = decide(staff_client, settings, answer.id, "approve")
    assert response.status_code == 303
    assert stored(settings, answer.id).status is ContributionStatus.PUBLISHED
    assert queue_ids(staff_client) == []


def test_a_survey_answer_opened_from_its_results_can_be_decided(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    answer = in_db(settings, lambda s: add_survey_answer(s, process))
    page = html(staff_client.get(f"/moderation/contributions/{answer.id}").text)
    base = f"/moderation/contributions/{answer.id}"
    assert page.select_one(f"form[action='{base}/approve']") is not None
    assert page.select_one(f"form[action='{base}/reject']") is not None
    assert page.select_one(f"#item-{answer.id}-themes") is not None
    assert QUESTION in text_of(first_match(page, ".queue-item__source"))

    rejected = decide(
        staff_client,
        settings,
        answer.id,
        "reject",
        {"reason": "Kein Bezug zur Frage.", "next": base},
    )
    assert rejected.status_code == 303
    assert rejected.headers["location"] == base  # back where the moderator was
    assert stored(settings, answer.id).status is ContributionStatus.REJECTED


async def test_only_contributions_with_a_follow_link_can_be_asked_for_changes(
    session: AsyncSession,
) -> None:
    process = await add_process(session)
    answer = await add_survey_answer(session, process)
    moderator = await add_actor(session, "mod@example.org")
    with pytest.raises(ValidationFailed) as failed:
        await moderation.request_changes(session, answer.id or 0, moderator, "Bitte genauer.")
    assert set(failed.value.errors) == {"reason"}
    assert await events(session) == []


# --- focus groups -----------------------------------------------------------------------------


def test_focus_group_ideas_show_their_session_and_dots(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    idea = in_db(settings, lambda s: add_focus_group_idea(s, process, dots=5))
    article = one(html(staff_client.get("/moderation").text), f"#item-{idea.id}")
    source = text_of(first_match(article, ".queue-item__source"))
    assert SESSION_TITLE in source
    assert "5 Punkte" in source
    item_page = html(staff_client.get(f"/moderation/contributions/{idea.id}").text)
    source = text_of(first_match(item_page, ".queue-item__source"))
    assert SESSION_TITLE in source
    assert "5 Punkte" in source


# --- the process, filters and pages ------------------------------------------------------------


def test_each_item_names_its_process_and_the_queue_filters_by_it(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    other = in_db(settings, lambda s: add_process(s, slug="schulwege", title="Schulwege sicher"))
    here = in_db(settings, lambda s: add_item(s, process, title="Radweg"))
    there = in_db(settings, lambda s: add_item(s, other, title="Zebrastreifen"))
    page = html(staff_client.get("/moderation").text)
    assert text_of(first_match(one(page, f"#item-{here.id}"), ".queue-item__process")) == (
        "Radwege im Auetal"
    )
    assert text_of(first_match(one(page, f"#item-{there.id}"), ".queue-item__process")) == (
        "Schulwege sicher"
    )
    options = {attr(o, "value"): text_of(o) for o in page.select("select[name='process'] option")}
    assert options == {
        "": f"{german('All processes')} (2)",
        SLUG: "Radwege im Auetal (1)",
        "schulwege": "Schulwege sicher (1)",
    }
    assert queue_ids(staff_client, "/moderation?process=schulwege") == [there.id]
    filtered = html(staff_client.get("/moderation?process=schulwege").text)
    assert attr(first_match(filtered, "select[name='process'] option[selected]"), "value") == (
        "schulwege"
    )
    # An unknown process is no error: the whole queue.
    assert set(queue_ids(staff_client, "/moderation?process=gibt-es-nicht")) == {here.id, there.id}


def test_the_queue_filters_by_kind(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    idea = in_db(settings, lambda s: add_item(s, process, status=ContributionStatus.PUBLISHED))
    pending_idea = in_db(settings, lambda s: add_item(s, process, title="Neu"))
    comment = in_db(
        settings,
        lambda s: add_item(
            s,
            process,
            kind=ContributionKind.COMMENT,
            title="",
            body="Gute Idee!",
            parent_id=idea.id,
        ),
    )
    answer = in_db(settings, lambda s: add_survey_answer(s, process))
    assert queue_ids(staff_client, "/moderation?kind=comment") == [comment.id]
    assert queue_ids(staff_client, "/moderation?kind=survey_answer") == [answer.id]
    assert queue_ids(staff_client, "/moderation?kind=idea") == [pending_idea.id]
    page = html(staff_client.get("/moderation?kind=comment").text)
    options = {attr(o, "value"): text_of(o) for o in page.select("select[name='kind'] option")}
    assert options["survey_answer"] == f"{german('Survey answers')} (1)"
    assert options[""] == f"{german('All kinds')} (3)"


def test_the_queue_pages_through_every_pending_item(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    start = utcnow() - timedelta(days=1)
    total = 2 * PAGE + 12

    async def many(session: AsyncSession) -> list[int]:
        ids = []
        for n in range(total):
            item = await add_item(
                session, process, title=f"Idee {n}", created_at=start + timedelta(minutes=n)
            )
            ids.append(item.id or 0)
        return ids

    ids = in_db(settings, many)
    first = html(staff_client.get("/moderation").text)
    assert re.search(r"\b3\b", text_of(one(first, ".queue-paging [aria-current]")))
    waiting = "%(num)d contributions are waiting for review."
    assert text_of(first_match(first, ".lead")).startswith(
        de_plural("%(num)d contribution is waiting for review.", waiting, total) % {"num": total}
    )
    seen: list[int] = []
    url: str | None = "/moderation"
    while url:
        seen += queue_ids(staff_client, url)
        page = html(staff_client.get(url).text)
        next_link = page.select_one(".queue-paging a[rel='next']")
        url = attr(next_link, "href") if next_link else None
    assert seen == ids  # every item, oldest first, each once
    last = queue_ids(staff_client, "/moderation?page=3")
    assert last == ids[2 * PAGE :]
    # Out of range or garbled: the nearest page, never an error.
    assert queue_ids(staff_client, "/moderation?page=999") == last
    assert queue_ids(staff_client, "/moderation?page=zwei") == ids[:PAGE]
    assert queue_ids(staff_client, "/moderation?page=²") == ids[:PAGE]
    # The filters stay in the page links.
    page = html(staff_client.get(f"/moderation?process={SLUG}&order=informative").text)
    href = attr(first_match(page, ".queue-paging a[rel='next']"), "href")
    assert f"process={SLUG}" in href
    assert "order=informative" in href
    assert "page=2" in href


def test_the_queue_page_runs_a_fixed_number_of_queries(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    """However many items, processes, comments, survey answers and focus-group ideas a page
    holds: the same statements."""

    def add_mixed(process: Process, n: int) -> None:
        async def work(session: AsyncSession) -> None:
            await add_themes(session, process)
            idea = await add_item(session, process, status=ContributionStatus.PUBLISHED)
            for i in range(n):
                await add_item(session, process, title=f"Idee {i}")
                await add_item(
                    session,
                    process,
                    kind=ContributionKind.COMMENT,
                    title="",
                    body=f"Kommentar {i}",
                    parent_id=idea.id,
                )
                await add_survey_answer(session, process, slug=f"umfrage-{process.slug}-{i}")
                await add_focus_group_idea(session, process, code=f"C{process.id}X{i:03d}"[:6])

        in_db(settings, work)

    add_mixed(process, 1)
    staff_client.get("/moderation")  # warm up: sign-in, caches
    with counted_queries() as few:
        assert staff_client.get("/moderation").status_code == 200

    def new_process(slug: str) -> Process:
        return in_db(settings, lambda s: add_process(s, slug=slug))

    for slug in ("verfahren-a", "verfahren-b", "verfahren-c"):
        add_mixed(new_process(slug), 2)
    with counted_queries() as many:
        assert staff_client.get("/moderation").status_code == 200
    assert len(many) == len(few), "\n".join(many)


# --- waiting for the author ---------------------------------------------------------------------

REASON = "Bitte nennen Sie die Straße."


def test_asking_for_changes_takes_the_item_out_of_the_pending_list(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    response = post_form(staff_client, f"/processes/{SLUG}/ideas", valid_idea(title="Radweg"))
    token = follow_token_from(response)
    idea = in_db(settings, lambda s: by_follow_token(s, token))
    other = in_db(settings, lambda s: add_item(s, process, title="Busse"))
    asked = decide(staff_client, settings, idea.id, "request-changes", {"reason": REASON})
    assert asked.status_code == 303
    assert stored(settings, idea.id).status.value == "awaiting_changes"
    # Out of the pending list, its count and the most informative order.
    assert queue_ids(staff_client) == [other.id]
    assert queue_ids(staff_client, "/moderation?order=informative") == [other.id]
    lead = text_of(first_match(html(staff_client.get("/moderation").text), ".lead"))
    one_waits = de_plural(
        "%(num)d contribution is waiting for review.",
        "%(num)d contributions are waiting for review.",
        1,
    )
    assert lead.startswith(one_waits % {"num": 1})
    # In a list of its own, with what was asked.
    assert queue_ids(staff_client, "/moderation?state=awaiting_changes") == [idea.id]
    waiting = html(staff_client.get("/moderation?state=awaiting_changes").text)
    assert REASON in text_of(one(waiting, f"#item-{idea.id}"))
    tabs = {text_of(a) for a in waiting.select(".queue-states a, .queue-states [aria-current]")}
    assert f"{german('Waiting for the author')} (1)" in tabs
    assert f"{german('To review')} (1)" in tabs

    # The author sees that it waits for them, not for a review.
    follow = html(staff_client.get(f"/follow/{token}").text)
    assert text_of(first_match(follow, "span.badge")) == german("waiting for your changes")
    assert german("A moderator checks every idea before it is published.") not in text_of(follow)

    saved = post_form(
        staff_client,
        f"/follow/{token}/{idea.id}/edit",
        {
            "title": "Radweg an der Hauptstraße",
            "body": "Ein Radweg an der Hauptstraße fehlt.",
            "municipality": "",
        },
    )
    assert saved.status_code == 303
    # Back in the queue, and the log says who changed it.
    assert stored(settings, idea.id).status is ContributionStatus.PENDING
    assert set(queue_ids(staff_client)) == {idea.id, other.id}
    assert queue_ids(staff_client, "/moderation?state=awaiting_changes") == []
    logged = in_db(settings, events)
    assert [(e.action.value, e.from_status.value, e.to_status.value, e.actor_id) for e in logged][
        -1
    ] == ("author_edit", "awaiting_changes", "pending", None)
    assert logged[0].action is ModerationAction.REQUEST_CHANGES


# --- adding an action field ---------------------------------------------------------------------


def test_adding_an_action_field_preselects_none(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    in_db(settings, lambda s: add_themes(s, process))
    response = post_form(
        staff_client,
        f"/processes/{SLUG}/ideas",
        valid_idea(title="Radweg", body="Ein Radweg für Fahrrad und Radfahren zur Schule."),
    )
    suggestions_done(staff_client)  # tagged after the answer has gone out
    idea = in_db(settings, lambda s: by_follow_token(s, follow_token_from(response)))
    page = html(staff_client.get("/moderation").text)
    themes = one(page, f"#item-{idea.id}-themes")
    suggested = {text_of(n) for n in themes.select(".theme-chip--suggested .theme-chip__name")}
    assert suggested  # the tagger suggested something ...
    select = one(themes, "select[name='theme']")
    chosen = select.select("option[selected]")
    assert [attr(o, "value") for o in chosen] == [""]  # ... and nothing is preselected
    empty = post_form(
        staff_client,
        f"/moderation/contributions/{idea.id}/themes",
        {"theme": "", "decision": "confirm"},
    )
    assert empty.status_code == 422
    assert field_error(html(empty.text), f"add-theme-{idea.id}") == de(
        "Please choose an action field of this process."
    )


async def test_filters_read_from_the_address_are_checked() -> None:
    filters = QueueFilters.from_params(
        {"state": "x", "kind": "poem", "order": "y", "page": "-3", "process": "a b"}
    )
    assert filters == QueueFilters()
    parsed = QueueFilters.from_params(
        {"state": "awaiting_changes", "kind": "survey_answer", "page": "2", "process": "abc"}
    )
    assert parsed.state is ContributionStatus("awaiting_changes")
    assert parsed.kind is ContributionKind.SURVEY_ANSWER
    assert parsed.page == 2
    assert parsed.process == "abc"
    assert parsed.query() == "state=awaiting_changes&process=abc&kind=survey_answer&page=2"
    assert parsed.query(page=1) == "state=awaiting_changes&process=abc&kind=survey_answer"


def test_the_api_queue_has_every_kind_with_its_version_and_filters(
    staff_client: Client, settings: Settings, process: Process
) -> None:
    idea = in_db(settings, lambda s: add_item(s, process, title="Radweg"))
    answer = in_db(settings, lambda s: add_survey_answer(s, process))
    listed = staff_client.get("/api/v1/moderation/queue").json()
    assert [(i["id"], i["kind"], i["version"]) for i in listed] == [
        (idea.id, "idea", 0),
        (answer.id, "survey_answer", 0),
    ]
    only = staff_client.get("/api/v1/moderation/queue?kind=survey_answer").json()
    assert [i["id"] for i in only] == [answer.id]
