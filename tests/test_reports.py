"""Reports ("Melden") on ideas and comments, the moderators' "Meldungen" page, hiding and
dismissing, and the moderators' public answer."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionStatus,
    ModerationAction,
    Process,
    Report,
    ReportReason,
    ReportStatus,
)
from participation.services import moderation, reports
from participation.services.errors import NotFound, ValidationFailed
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_process,
    de,
    events,
    field_error,
    german,
    html,
    in_db,
    one,
    post_form,
    stored_idea,
    text_of,
)
from tests.test_comments import add_comment


async def all_reports(session: AsyncSession) -> list[Report]:
    return list(await session.exec(select(Report).order_by(col(Report.id))))


async def fresh(session: AsyncSession, contribution_id: int | None) -> Contribution:
    found = await session.get(Contribution, contribution_id, populate_existing=True)
    assert found is not None
    return found


# --- the service -----------------------------------------------------------------------------


async def test_reports_from_one_browser_count_once(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process)
    form = reports.ReportForm(reason="spam", note="  Werbung  ")
    assert await reports.submit_report(session, idea.id or 0, form, "a" * 64)
    again = reports.ReportForm(reason="offensive")
    assert not await reports.submit_report(session, idea.id or 0, again, "a" * 64)
    assert await reports.submit_report(session, idea.id or 0, again, "b" * 64)
    stored = await all_reports(session)
    assert [(r.reason, r.note) for r in stored] == [
        (ReportReason.SPAM, "Werbung"),
        (ReportReason.OFFENSIVE, ""),
    ]
    [item] = await reports.open_reports(session)
    assert item.count == 2
    assert dict(item.reasons) == {ReportReason.SPAM: 1, ReportReason.OFFENSIVE: 1}
    assert item.notes == ["Werbung"]


async def test_a_report_needs_a_known_reason(session: AsyncSession) -> None:
    form = reports.ReportForm(reason="boring", note="x" * 1001)
    errors = reports.validate_report(form)
    assert errors == {
        "reason": de("Please choose a reason."),
        "note": de("Please use at most %(n)d characters.") % {"n": 1000},
    }


async def test_only_published_items_can_be_reported(session: AsyncSession) -> None:
    process = await add_process(session)
    assert process.id is not None
    pending = await add_idea(session, process, status=ContributionStatus.PENDING)
    idea = await add_idea(session, process)
    comment = await add_comment(session, idea)
    found = await reports.reportable(session, process.id, comment.id or 0)
    assert found.idea.id == idea.id
    for missing in (pending.id or 0, 99999):
        with pytest.raises(NotFound):
            await reports.reportable(session, process.id, missing)


async def test_hiding_resolves_the_reports_and_is_logged(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process)
    actor = await add_actor(session, "mod@example.org")
    await reports.submit_report(session, idea.id or 0, reports.ReportForm("spam"), "a" * 64)
    hidden = await moderation.hide(session, idea.id or 0, actor, "Werbung")
    assert hidden.status is ContributionStatus.HIDDEN
    [report] = await all_reports(session)
    assert report.status is ReportStatus.ACTED
    assert report.resolved_by_id == actor.id
    assert report.resolved_at is not None
    [event] = await events(session)
    assert event.action is ModerationAction.HIDE
    assert (event.from_status, event.to_status) == (
        ContributionStatus.PUBLISHED,
        ContributionStatus.HIDDEN,
    )
    assert await reports.open_reports(session) == []


async def test_dismissing_keeps_the_item(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process)
    actor = await add_actor(session, "mod@example.org")
    await reports.submit_report(session, idea.id or 0, reports.ReportForm("spam"), "a" * 64)
    assert await reports.dismiss_reports(session, idea.id or 0, actor) == 1
    assert (await fresh(session, idea.id)).status is ContributionStatus.PUBLISHED
    [report] = await all_reports(session)
    assert report.status is ReportStatus.DISMISSED


async def test_answer_is_stored_and_logged(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process)
    actor = await add_actor(session, "mod@example.org")
    answered = await moderation.set_answer(session, idea.id or 0, actor, "  Wir prüfen das.  ")
    assert answered.answer == "Wir prüfen das."
    assert answered.answered_at is not None
    # The same text again changes nothing and is not logged twice.
    await moderation.set_answer(session, idea.id or 0, actor, "Wir prüfen das.")
    removed = await moderation.set_answer(session, idea.id or 0, actor, "")
    assert removed.answer == ""
    assert removed.answered_at is None
    logged = await events(session)
    assert [(e.action, e.reason) for e in logged] == [
        (ModerationAction.ANSWER, "Wir prüfen das."),
        (ModerationAction.ANSWER, ""),
    ]


async def test_comments_get_no_answer(session: AsyncSession) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process)
    comment = await add_comment(session, idea)
    actor = await add_actor(session, "mod@example.org")
    with pytest.raises(ValidationFailed) as failed:
        await moderation.set_answer(session, comment.id or 0, actor, "Antwort")
    assert set(failed.value.errors) == {"answer"}


# --- the public routes -----------------------------------------------------------------------


def test_report_an_idea_without_javascript(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    page = html(client.get(f"/processes/{SLUG}/ideas/{idea.id}").text)
    link = one(page, "a.report-link")
    url = str(link["href"])
    assert url == f"/processes/{SLUG}/contributions/{idea.id}/report"
    form_page = html(client.get(url).text)
    assert one(form_page, "#reason-spam")

    response = post_form(client, url, {"note": "Ich weiß nicht"})
    assert response.status_code == 422
    failed = html(response.text)
    assert field_error(failed, "reason") == de("Please choose a reason.")
    assert text_of(one(failed, "#note")) == "Ich weiß nicht"

    response = post_form(client, url, {"reason": "personal_data", "note": "Telefonnummer"})
    assert response.status_code == 200
    assert german("Thank you for your report") in response.text
    # The same browser again: thanked, not counted twice.
    post_form(client, url, {"reason": "spam"})
    stored = in_db(settings, all_reports)
    assert [(r.reason, r.note) for r in stored] == [(ReportReason.PERSONAL_DATA, "Telefonnummer")]
    assert len(stored[0].reporter_hash or "") == 64


def test_report_a_comment(client: Client, settings: Settings, process: Process) -> None:
    idea = stored_idea(settings, process)
    comment = in_db(settings, lambda s: add_comment(s, idea))
    page = html(client.get(f"/processes/{SLUG}/ideas/{idea.id}").text)
    link = one(page, f"#comment-{comment.id} a.report-link")
    response = post_form(client, str(link["href"]), {"reason": "offensive"})
    assert response.status_code == 200
    [report] = in_db(settings, all_reports)
    assert report.contribution_id == comment.id


def test_unpublished_items_cannot_be_reported(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process, status=ContributionStatus.PENDING)
    url = f"/processes/{SLUG}/contributions/{idea.id}/report"
    assert client.get(url).status_code == 404
    assert post_form(client, url, {"reason": "spam"}).status_code == 404


# --- the moderators' pages -------------------------------------------------------------------


def test_reports_page_lists_reported_items_and_hides(
    client: Client, staff_client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process, title="Werbung für Fahrräder")
    url = f"/processes/{SLUG}/contributions/{idea.id}/report"
    post_form(client, url, {"reason": "spam", "note": "Nur Werbung"})
    page = html(staff_client.get("/moderation/reports").text)
    item = one(page, f"#report-{idea.id}")
    text = text_of(item)
    assert "Werbung für Fahrräder" in text
    assert "Nur Werbung" in text
    assert german("Spam or advertising") in text

    version = str(one(item, "form[action$='/hide'] input[name='version']")["value"])
    response = post_form(
        staff_client,
        f"/moderation/contributions/{idea.id}/hide",
        {"next": "/moderation/reports", "reason": "Werbung", "version": version},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/moderation/reports"
    page = html(staff_client.get("/moderation/reports").text)
    assert page.select(f"#report-{idea.id}") == []
    assert client.get(f"/processes/{SLUG}/ideas/{idea.id}").status_code == 404
    log = html(staff_client.get("/moderation/log").text)
    assert "Werbung für Fahrräder" in text_of(one(log, "tbody"))


def test_dismissing_reports_from_the_page(
    client: Client, staff_client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    post_form(client, f"/processes/{SLUG}/contributions/{idea.id}/report", {"reason": "spam"})
    response = post_form(staff_client, f"/moderation/contributions/{idea.id}/dismiss-reports")
    assert response.status_code == 303
    assert [r.status for r in in_db(settings, all_reports)] == [ReportStatus.DISMISSED]
    assert client.get(f"/processes/{SLUG}/ideas/{idea.id}").status_code == 200


def test_moderation_pages_need_a_moderator(
    client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    assert client.get("/moderation/reports", follow_redirects=False).status_code in {302, 303, 401}
    response = post_form(client, f"/moderation/contributions/{idea.id}/hide")
    assert response.status_code in {302, 303, 401, 403}
    assert in_db(settings, lambda s: fresh(s, idea.id)).status is ContributionStatus.PUBLISHED


def test_moderator_writes_the_public_answer(
    client: Client, staff_client: Client, settings: Settings, process: Process
) -> None:
    idea = stored_idea(settings, process)
    page = html(staff_client.get(f"/moderation/contributions/{idea.id}").text)
    assert one(page, "#answer")
    version = str(one(page, "form[action$='/answer'] input[name='version']")["value"])
    response = post_form(
        staff_client,
        f"/moderation/contributions/{idea.id}/answer",
        {"answer": "Der Kreis plant den Radweg für 2027.", "version": version},
    )
    assert response.status_code == 303
    public = html(client.get(f"/processes/{SLUG}/ideas/{idea.id}").text)
    assert "Der Kreis plant den Radweg für 2027." in text_of(one(public, ".answer"))
    too_long = post_form(
        staff_client,
        f"/moderation/contributions/{idea.id}/answer",
        {"answer": "x" * 5001, "version": "1"},
    )
    assert too_long.status_code == 422
    assert text_of(one(html(too_long.text), "#answer")) == "x" * 5001
