"""The idea page in a real browser: support (htmx and without JavaScript), comment and reply
through pre-moderation, report, and the moderators' reports page and answer. axe-core checks
every page state on the way."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    Segment,
    utcnow,
)
from participation.services.comments import THREADS_PER_PAGE
from tests.e2e.conftest import LiveServer, check, submit_login

pytestmark = pytest.mark.e2e

SLUG = "digitalstrategie-auetal"
COMMENT = "Das würde auch den Schulen im Kreis sehr helfen."
REPLY = "Dem stimme ich zu, besonders für die Berufsschule."
ANSWER = "Der Kreistag berät diese Idee im Herbst."


def published_idea_ids(server: LiveServer) -> list[int]:
    # A generous timeout: the server's first answers can take seconds on a busy machine.
    url = f"{server.url}/api/v1/processes/{SLUG}/contributions?per_page=5"
    response = httpx.get(url, timeout=30)
    return [item["id"] for item in response.json()["items"]]


def supporters(page: Page) -> int:
    """The count the support widget shows."""
    text = page.locator("#support .support__count").inner_text()
    match = re.match(r"(\d+) Unterstützung", text)
    assert match, text
    return int(match[1])


def supporters_text(n: int) -> str:
    return f"{n} Unterstützung" if n == 1 else f"{n} Unterstützungen"


def sign_in(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/login")
    submit_login(page, *server.demo_login)
    expect(page).to_have_url(re.compile(r"/moderation"))


def add_threads(server: LiveServer, idea_id: int) -> None:
    """More published top-level comments than one page shows, a minute apart."""

    async def add(session: AsyncSession) -> None:
        idea = await session.get(Contribution, idea_id)
        assert idea is not None
        start = utcnow() - timedelta(hours=2)
        for n in range(THREADS_PER_PAGE + 3):
            at = start + timedelta(minutes=n)
            session.add(
                Contribution(
                    process_id=idea.process_id,
                    kind=ContributionKind.COMMENT,
                    parent_id=idea_id,
                    body=f"Beitrag Nummer {n + 1} zur Diskussion",
                    segment=Segment.RESIDENT,
                    status=ContributionStatus.PUBLISHED,
                    created_at=at,
                    published_at=at,
                )
            )
        await session.commit()

    server.in_db(add)


def test_support_comment_reply_report_and_answer(page: Page, live_server: LiveServer) -> None:
    idea_id = published_idea_ids(live_server)[0]
    idea_url = f"{live_server.url}/processes/{SLUG}/ideas/{idea_id}"
    page.goto(idea_url)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_text("keine Abstimmung")).to_be_visible()
    check(page)

    # Supporting swaps the widget in place (htmx); the same browser counts once.
    support = page.locator("#support")
    before = supporters(page)
    support.get_by_role("button", name="Unterstützen").click()
    expect(support.locator(".support__done")).to_have_text("Sie unterstützen diese Idee")
    expect(support.locator(".support__count")).to_have_text(supporters_text(before + 1))
    check(page)
    page.reload()
    expect(page.locator("#support .support__done")).to_have_text("Sie unterstützen diese Idee")

    # The same browser takes its support back, and may give it again.
    support.get_by_role("button", name="Unterstützung zurückziehen").click()
    expect(support.locator(".support__done")).to_have_text(
        "Sie unterstützen diese Idee nicht mehr."
    )
    expect(support.locator(".support__count")).to_have_text(supporters_text(before))
    check(page)
    support.get_by_role("button", name="Unterstützen").click()
    expect(support.locator(".support__count")).to_have_text(supporters_text(before + 1))

    # A comment without consent is refused at the field, keeping the text.
    page.get_by_label("Ihr Kommentar").fill(COMMENT)
    page.locator("#comment-segment-resident").check()
    page.get_by_role("button", name="Kommentar absenden").click()
    expect(page.locator("#comment-consent-error")).not_to_be_empty()
    expect(page.get_by_label("Ihr Kommentar")).to_have_value(COMMENT)
    check(page)
    page.locator("#comment-consent").check()
    page.get_by_role("button", name="Kommentar absenden").click()
    expect(page.get_by_text("sobald die Moderation ihn freigegeben hat")).to_be_visible()
    expect(page.locator("#comments")).not_to_contain_text(COMMENT)
    check(page)

    # Report the idea: a reason is needed; then thanks.
    page.get_by_role("link", name="Diese Idee melden").click()
    expect(page.get_by_role("heading", name="Beitrag melden")).to_be_visible()
    check(page)
    page.get_by_role("button", name="Meldung absenden").click()
    expect(page.locator("#reason-error")).not_to_be_empty()
    check(page)
    page.get_by_label("Spam oder Werbung").check()
    page.get_by_label(re.compile("Hinweis für die Moderation")).fill("Sieht nach Werbung aus")
    page.get_by_role("button", name="Meldung absenden").click()
    expect(page.get_by_role("heading", name="Vielen Dank für Ihre Meldung")).to_be_visible()
    check(page)

    # The moderator approves the comment from the queue, where it says which idea it is on.
    sign_in(page, live_server)
    item = page.locator("article.queue-item", has_text=COMMENT)
    expect(item).to_contain_text("Kommentar zu")
    check(page)
    item.get_by_role("button", name="Freigeben und veröffentlichen").click()
    expect(page.locator("article.queue-item--done")).to_be_visible()

    # The reports page lists the idea; the moderator keeps it and answers it.
    page.goto(live_server.url + "/moderation/reports")
    reported = page.locator("article.queue-item", has_text="Sieht nach Werbung aus")
    expect(reported).to_contain_text("Spam oder Werbung: 1")
    check(page)
    reported.get_by_role("link", name="Details und Verlauf").click()
    check(page)
    page.get_by_role("button", name="Meldungen verwerfen").click()
    expect(page.get_by_text("Meldungen verworfen (1)")).to_be_visible()
    page.get_by_label("Antwort auf die Idee").fill(ANSWER)
    page.get_by_role("button", name="Antwort speichern").click()
    expect(page.get_by_text("Die Antwort steht jetzt auf der Seite der Idee.")).to_be_visible()
    check(page)
    page.goto(live_server.url + "/moderation/reports")
    expect(page.get_by_text("Keine offenen Meldungen.")).to_be_visible()

    # On the public page: the answer, the comment, and a reply to it.
    page.goto(idea_url)
    expect(page.locator(".answer")).to_contain_text(ANSWER)
    comment = page.locator("li.comment", has_text=COMMENT)
    expect(comment).to_be_visible()
    # "Antworten" opens the reply form under this thread (a link: it works without
    # JavaScript) and moves there.
    comment.get_by_role("link", name="Antworten").click()
    expect(page).to_have_url(re.compile(r"reply=\d+#reply-form$"))
    comment = page.locator("li.comment", has_text=COMMENT)
    expect(comment.locator("#reply-form")).to_be_visible()
    comment.get_by_label("Ihre Antwort").fill(REPLY)
    comment.get_by_label("Schülerin, Schüler oder Auszubildende").check()
    comment.get_by_label(re.compile("Ich bin einverstanden")).check()
    check(page)
    comment.get_by_role("button", name="Antwort absenden").click()
    expect(page.get_by_text("sobald die Moderation ihn freigegeben hat")).to_be_visible()
    page.goto(live_server.url + "/moderation")
    page.locator("article.queue-item", has_text=REPLY).get_by_role(
        "button", name="Freigeben und veröffentlichen"
    ).click()
    expect(page.locator("article.queue-item--done")).to_be_visible()
    page.goto(idea_url)
    expect(page.locator(".comment--reply", has_text=REPLY)).to_be_visible()
    check(page)


def test_support_and_report_work_without_javascript(
    browser: Browser, live_server: LiveServer
) -> None:
    idea_id = published_idea_ids(live_server)[1]
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live_server.url}/processes/{SLUG}/ideas/{idea_id}")
    before = supporters(page)
    page.locator("#support").get_by_role("button", name="Unterstützen").click()
    expect(page).to_have_url(re.compile(rf"/ideas/{idea_id}#support$"))
    expect(page.locator("#support")).to_contain_text("Sie unterstützen diese Idee")
    assert supporters(page) == before + 1
    check(page)
    page.locator("#support").get_by_role("button", name="Unterstützung zurückziehen").click()
    expect(page).to_have_url(re.compile(rf"/ideas/{idea_id}#support$"))
    expect(page.locator("#support").get_by_role("button", name="Unterstützen")).to_be_visible()
    assert supporters(page) == before

    page.get_by_role("link", name="Diese Idee melden").click()
    page.get_by_label("Gehört nicht hierher").check()
    check(page)
    page.get_by_role("button", name="Meldung absenden").click()
    expect(page.get_by_role("heading", name="Vielen Dank für Ihre Meldung")).to_be_visible()
    check(page)
    context.close()


def test_a_long_discussion_is_paged_and_answered_without_javascript(
    browser: Browser, live_server: LiveServer
) -> None:
    """An idea with more threads than a page holds: page links, a "Reply" link that opens
    the one reply form under its thread on the same page, and the sent reply shown there."""
    idea_id = published_idea_ids(live_server)[2]
    add_threads(live_server, idea_id)
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live_server.url}/processes/{SLUG}/ideas/{idea_id}")
    comments = page.locator("#comments")
    expect(comments.locator("form.comment-form")).to_have_count(1)
    check(page)
    comments.get_by_role("navigation", name="Seiten").get_by_role("link", name="Seite 2").click()
    expect(page).to_have_url(re.compile(r"\?page=2#comments$"))
    last = page.locator("li.comment", has_text=f"Beitrag Nummer {THREADS_PER_PAGE + 3} ")
    last.get_by_role("link", name="Antworten").click()
    expect(page).to_have_url(re.compile(r"page=2&reply=\d+#reply-form$"))
    last = page.locator("li.comment", has_text=f"Beitrag Nummer {THREADS_PER_PAGE + 3} ")
    check(page)
    last.get_by_role("button", name="Antwort absenden").click()
    # Nothing typed: the form comes back under its thread with the messages.
    last = page.locator("li.comment", has_text=f"Beitrag Nummer {THREADS_PER_PAGE + 3} ")
    expect(last.locator("#reply-form .field-error").first).not_to_be_empty()
    check(page)
    last.get_by_label("Ihre Antwort").fill(REPLY)
    last.get_by_label("Schülerin, Schüler oder Auszubildende").check()
    last.get_by_label(re.compile("Ich bin einverstanden")).check()
    last.get_by_role("button", name="Antwort absenden").click()
    # The demo process moderates first: the notice, on the thread's page.
    expect(page).to_have_url(re.compile(r"comment=pending&page=2#comments$"))
    expect(page.get_by_text("sobald die Moderation ihn freigegeben hat")).to_be_visible()
    check(page)
    context.close()


def test_comment_pages_swap_in_place_with_htmx(page: Page, live_server: LiveServer) -> None:
    idea_id = published_idea_ids(live_server)[3]
    add_threads(live_server, idea_id)
    page.goto(f"{live_server.url}/processes/{SLUG}/ideas/{idea_id}")
    threads = page.locator("#comment-threads")
    threads.get_by_role("navigation", name="Seiten").get_by_role("link", name="Seite 2").click()
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    expect(threads.locator("li.comment", has_text="Beitrag Nummer 33 ")).to_be_visible()
    expect(threads.locator("li.comment", has_text="Beitrag Nummer 1 ")).to_have_count(0)
    # The rest of the page stayed: the form for a new comment is still there once.
    expect(page.locator("form.comment-form")).to_have_count(1)
    check(page)
