"""Dates: one set of formats for every page and message, in the reader's language and the
site's time zone; an end stored as the moment after the last day shows that last day."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.dates import format_day, format_last_day, format_moment
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    Phase,
    PhaseKind,
    Process,
    Segment,
)
from participation.services import surveys
from participation.services.processes import closed_message, idea_call_state
from participation.settings import PROJECT_ROOT, Settings
from tests.helpers import SLUG, Client, add_idea, html, in_db, in_locale, one, text_of
from tests.survey_builders import add_survey, sign_in_admin

BERLIN = "Europe/Berlin"
MOMENT = datetime(2026, 12, 5, 21, 6, tzinfo=UTC)  # 22:06 in Berlin
# The moment after 31 January 2027 in Berlin: how a survey's or a call's last day is stored.
AFTER_JANUARY = datetime(2027, 1, 31, 23, 0, tzinfo=UTC)


def test_one_format_for_a_day_and_one_for_a_moment() -> None:
    with in_locale("de"):
        assert format_day(MOMENT, BERLIN) == "5. Dezember 2026"
        assert format_moment(MOMENT, BERLIN) == "5. Dezember 2026, 22:06"
        # The site's time zone decides the day.
        assert format_day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), BERLIN) == "1. Januar 2027"
    with in_locale("en"):
        assert format_day(MOMENT, BERLIN) == "December 5, 2026"
        assert format_moment(MOMENT, BERLIN) == "December 5, 2026, 10:06\u202fPM"
    assert format_day(None, BERLIN) == format_moment(None, BERLIN) == ""


def test_an_end_shows_the_last_day_before_it() -> None:
    with in_locale("de"):
        assert format_last_day(AFTER_JANUARY, BERLIN) == "31. Januar 2027"
        # An end at the last second of a day (phases from the process form) is that day.
        last_second = datetime(2027, 1, 31, 22, 59, 59, tzinfo=UTC)
        assert format_last_day(last_second, BERLIN) == "31. Januar 2027"
    assert format_last_day(None, BERLIN) == ""


# Formatting a date anywhere but through the shared filters brings other formats back.
_OTHER_FORMATTING = re.compile(
    r"\|\s*(date|datetime|last_day)\s*\(|strftime|format_date|format_datetime|\.resolution"
)


def test_templates_format_dates_only_through_the_shared_filters() -> None:
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in sorted((PROJECT_ROOT / "templates").rglob("*.*"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if _OTHER_FORMATTING.search(line)
    ]
    assert found == []


def test_the_admin_survey_list_shows_the_last_day(
    client: Client, settings: Settings, process: Process
) -> None:
    built = in_db(settings, lambda s: add_survey(s, process))

    async def close_after_january(session: AsyncSession) -> None:
        form = surveys.SettingsForm(
            title=built.survey.title,
            slug=built.survey.slug,
            opens_on="2026-01-01",
            closes_on="2027-01-31",
        )
        await surveys.save_settings(session, built.survey, form, BERLIN)

    in_db(settings, close_after_january)
    admin = sign_in_admin(client, settings)
    page = html(admin.get(f"/admin/processes/{SLUG}/surveys").text)
    assert "31. Januar 2027" in text_of(one(page, "main"))
    assert "Februar" not in text_of(one(page, "main"))
    public = html(client.get(f"/processes/{SLUG}").text)
    assert "31. Januar 2027" in text_of(one(public, ".survey-list"))


def test_pages_show_days_and_moments_alike(
    client: Client, settings: Settings, process: Process
) -> None:
    async def idea_with_comment(session: AsyncSession) -> Contribution:
        idea = await add_idea(session, process, created_at=MOMENT)
        comment = Contribution(
            process_id=process.id or 0,
            kind=ContributionKind.COMMENT,
            parent_id=idea.id,
            body="Gute Idee, das brauchen wir.",
            segment=Segment.RESIDENT,
            status=ContributionStatus.PUBLISHED,
            created_at=MOMENT,
            published_at=MOMENT,
        )
        session.add(comment)
        await session.commit()
        return idea

    idea = in_db(settings, idea_with_comment)
    process_page = html(client.get(f"/processes/{SLUG}").text)
    assert text_of(one(process_page, "#ideas li.idea time")) == "5. Dezember 2026"
    idea_page = html(client.get(f"/processes/{SLUG}/ideas/{idea.id}").text)
    assert text_of(one(idea_page, ".comment time")) == "5. Dezember 2026, 22:06"
    list_page = html(client.get(f"/processes/{SLUG}/ideen").text)
    assert text_of(one(list_page, "#idea-items time")) == "5. Dezember 2026"


def test_a_phase_shows_its_last_day_on_the_timeline_and_in_messages() -> None:
    starts = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 1 December, Berlin
    call = Phase(
        process_id=1, kind=PhaseKind.IDEA_CALL, title="Ideen", starts_at=starts, ends_at=starts
    )
    next_phase = Phase(
        process_id=1,
        kind=PhaseKind.SCREENING,
        title="Sichtung",
        starts_at=starts,
        ends_at=AFTER_JANUARY,
    )
    process = Process(slug="p", title="P", summary="", description="")
    state = idea_call_state(process, [call, next_phase], starts + timedelta(days=3))
    with in_locale("de"):
        message = closed_message(state, BERLIN)
    assert "bis 31. Januar 2027" in message
    assert "30. November 2026" in message  # the call ended with the last moment of that day
