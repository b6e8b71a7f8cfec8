"""Ideas from the public: the form's rules, submission, the follow link, and their pages."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionStatus,
    ModerationMode,
    Process,
    Segment,
    ThemeSource,
    utcnow,
)
from participation.services import moderation, processes, tagging
from participation.services.contributions import (
    BODY_MAX,
    BODY_MIN,
    MUNICIPALITY_MAX,
    TITLE_MAX,
    TITLE_MIN,
    IdeaForm,
    check_field,
    find_by_follow_token,
    submit_idea,
    validate_idea,
)
from participation.services.errors import ValidationFailed
from participation.services.processes import ProcessOverview
from participation.settings import Settings
from tests.helpers import (
    HTMX,
    SLUG,
    Client,
    add_actor,
    add_idea,
    add_process,
    add_themes,
    attr,
    by_follow_token,
    contributions,
    count,
    de,
    field_error,
    first_match,
    follow_token_from,
    german,
    html,
    idea_titles,
    in_db,
    one,
    post_form,
    suggestions_done,
    text_of,
    theme_rows,
    valid_idea,
)


def form(**overrides: str) -> IdeaForm:
    return IdeaForm.from_form(valid_idea(**overrides))


async def overview_of(session: AsyncSession, process: Process) -> ProcessOverview:
    overview = await processes.get_process(session, process.slug)
    assert overview is not None
    return overview


async def open_call(
    session: AsyncSession, mode: ModerationMode = ModerationMode.BEFORE_PUBLISHING
) -> ProcessOverview:
    return await overview_of(session, await add_process(session, mode=mode))


# --- the form's rules ------------------------------------------------------------------------


def test_a_complete_form_has_no_errors() -> None:
    idea = form()
    assert validate_idea(idea) == {}
    assert idea.errors == {}


def test_an_empty_form_names_every_required_field() -> None:
    idea = IdeaForm.from_form({})
    errors = validate_idea(idea)
    assert set(errors) == {"title", "body", "segment", "consent"}  # municipality is optional
    assert idea.errors == errors
    assert errors["title"] == german("Please give your idea a title.")
    assert errors["body"] == de("Please describe your idea.")
    assert errors["segment"] == de("Please tell us who you are.")
    assert errors["consent"] == de("Please agree to the processing of your contribution.")


@pytest.mark.parametrize(
    ("field", "value", "message", "n"),
    [
        ("title", "", "Please give your idea a title.", None),
        ("title", "   \n\t ", "Please give your idea a title.", None),
        (
            "title",
            "Rad",
            "The title is too short: please use at least %(n)d characters.",
            TITLE_MIN,
        ),
        ("title", "  R  a  ", "The title is too short: please use at least %(n)d characters.", 5),
        (
            "title",
            "R" * (TITLE_MAX + 1),
            "The title is too long: please use at most %(n)d characters.",
            TITLE_MAX,
        ),
        ("body", "", "Please describe your idea.", None),
        ("body", "Zu kurz.", "Please describe your idea in at least %(n)d characters.", BODY_MIN),
        ("segment", "", "Please tell us who you are.", None),
        ("segment", "expert", "Please tell us who you are.", None),  # staff-only segment
        ("segment", "Resident", "Please tell us who you are.", None),
        (
            "municipality",
            "K" * (MUNICIPALITY_MAX + 1),
            "Please use at most %(n)d characters.",
            MUNICIPALITY_MAX,
        ),
        ("consent", "", "Please agree to the processing of your contribution.", None),
        ("consent", "off", "Please agree to the processing of your contribution.", None),
    ],
)
def test_check_field_explains_what_is_wrong(
    field: str, value: str, message: str, n: int | None
) -> None:
    expected = de(message) % {"n": n} if n is not None else de(message)
    idea = form(**{field: value})
    assert check_field(idea, field) == expected
    assert validate_idea(idea) == {field: expected}


def test_body_too_long_says_how_long_it_is() -> None:
    idea = form(body="x" * (BODY_MAX + 7))
    message = check_field(idea, "body")
    assert message == de("Your text is %(length)d characters long; at most %(n)d fit.") % {
        "length": BODY_MAX + 7,
        "n": BODY_MAX,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "R" * TITLE_MIN),
        ("title", "R" * TITLE_MAX),
        ("body", "b" * BODY_MIN),
        ("body", "b" * BODY_MAX),
        ("segment", "pupil"),
        ("segment", "firm"),
        ("segment", "other"),
        ("municipality", ""),
        ("municipality", "K" * MUNICIPALITY_MAX),
        ("consent", "true"),
    ],
)
def test_values_at_the_limits_are_accepted(field: str, value: str) -> None:
    assert check_field(form(**{field: value}), field) is None


def test_lengths_are_measured_after_cleaning_whitespace() -> None:
    padded_title = "  " + "R" * TITLE_MAX + "   \n "
    assert check_field(form(title=padded_title), "title") is None
    padded_body = "\n\n" + "b" * BODY_MIN + "   \n\n\n"
    assert check_field(form(body=padded_body), "body") is None


# --- submitting ------------------------------------------------------------------------------


async def test_submitted_idea_waits_for_review_under_pre_moderation(
    session: AsyncSession,
) -> None:
    overview = await open_call(session)
    firm = {"organisation_name": "Tischlerei Brandt", "organisation_sector": "C"}
    submitted = await submit_idea(
        session, overview, form(segment="firm", organisation_size="1-9", **firm)
    )
    stored = await contributions(session)
    assert [c.id for c in stored] == [submitted.contribution.id]
    idea = stored[0]
    assert idea.status is ContributionStatus.PENDING
    assert idea.published_at is None
    assert idea.segment is Segment.FIRM
    assert idea.process_id == overview.process.id
    assert idea.consent_at is not None
    assert abs(utcnow() - idea.consent_at) < timedelta(minutes=1)
    assert (await overview_of(session, overview.process)).published_ideas == 0


async def test_idea_is_published_at_once_when_moderating_after_publishing(
    session: AsyncSession,
) -> None:
    overview = await open_call(session, ModerationMode.AFTER_PUBLISHING)
    submitted = await submit_idea(session, overview, form())
    assert submitted.contribution.status is ContributionStatus.PUBLISHED
    assert submitted.contribution.published_at is not None
    assert (await overview_of(session, overview.process)).published_ideas == 1
    page = await processes.published_ideas(session, overview.process.id or 0, 1, 10)
    assert [i.contribution.id for i in page.items] == [submitted.contribution.id]


async def test_whitespace_is_cleaned_before_storing(session: AsyncSession) -> None:
    overview = await open_call(session)
    raw = form(
        title="  Sichere   Radwege\n zur  Schule ",
        body="  Erster Absatz   \r\nmit zwei Zeilen.  \r\n\r\n\r\n\r\nZweiter Absatz.\n\n  ",
        municipality="   ",
    )
    submitted = await submit_idea(session, overview, raw)
    stored = (await contributions(session))[0]
    assert stored.id == submitted.contribution.id
    assert stored.title == "Sichere Radwege zur Schule"
    assert stored.body == "Erster Absatz\nmit zwei Zeilen.\n\nZweiter Absatz."
    assert stored.municipality is None


async def test_invalid_idea_is_refused_and_nothing_is_stored(session: AsyncSession) -> None:
    overview = await open_call(session)
    idea = form(title="", consent="")
    with pytest.raises(ValidationFailed) as failed:
        await submit_idea(session, overview, idea)
    assert set(failed.value.errors) == {"title", "consent"}
    assert idea.errors == failed.value.errors
    assert await contributions(session) == []


@pytest.mark.parametrize("call", ["closed", "future"])
async def test_no_ideas_outside_the_idea_call(session: AsyncSession, call: str) -> None:
    overview = await overview_of(session, await add_process(session, call=call))
    assert overview.accepts_ideas is False
    with pytest.raises(ValidationFailed) as failed:
        await submit_idea(session, overview, form())
    assert failed.value.errors == {
        "form": de("This process is not taking new ideas at the moment.")
    }
    assert await contributions(session) == []


async def test_follow_token_is_stored_only_as_its_sha256_hash(session: AsyncSession) -> None:
    overview = await open_call(session)
    submitted = await submit_idea(session, overview, form())
    token = submitted.follow_token
    assert len(token) >= 32
    stored = (await contributions(session))[0]
    assert stored.follow_token_hash == hashlib.sha256(token.encode()).hexdigest()
    # The raw token is nowhere in the row.
    rows = (await session.exec(text("SELECT * FROM contribution"))).all()  # type: ignore[call-overload]
    assert len(rows) == 1
    assert all(token not in str(value) for value in rows[0])


async def test_each_submission_gets_its_own_token(session: AsyncSession) -> None:
    overview = await open_call(session)
    first = await submit_idea(session, overview, form())
    second = await submit_idea(session, overview, form())
    assert first.follow_token != second.follow_token
    assert first.contribution.follow_token_hash != second.contribution.follow_token_hash


async def test_find_by_follow_token(session: AsyncSession) -> None:
    overview = await open_call(session)
    submitted = await submit_idea(session, overview, form())
    followed = await find_by_follow_token(session, submitted.follow_token)
    assert followed is not None
    assert followed.contribution.id == submitted.contribution.id
    assert followed.process.slug == SLUG
    assert followed.last_event is None
    # The hash itself, a changed token, nothing, and a huge token find nothing.
    assert submitted.contribution.follow_token_hash is not None
    for wrong in [
        submitted.contribution.follow_token_hash,
        submitted.follow_token[:-1],
        "",
        "x" * 10_000,
    ]:
        assert await find_by_follow_token(session, wrong) is None


async def test_follow_token_shows_the_latest_decision(session: AsyncSession) -> None:
    overview = await open_call(session)
    submitted = await submit_idea(session, overview, form())
    moderator = await add_actor(session, "mod@example.org")
    idea_id = submitted.contribution.id or 0
    await moderation.reject(session, idea_id, moderator, "Bitte nur eine Idee pro Beitrag.")
    await moderation.approve(session, idea_id, moderator)
    followed = await find_by_follow_token(session, submitted.follow_token)
    assert followed is not None
    assert followed.contribution.status is ContributionStatus.PUBLISHED
    assert followed.last_event is not None
    assert followed.last_event.to_status is ContributionStatus.PUBLISHED


# --- the process page ------------------------------------------------------------------------


def test_process_page_shows_the_form(client: Client, process: Process) -> None:
    response = client.get(f"/processes/{SLUG}")
    assert response.status_code == 200
    page = html(response.text)
    assert text_of(first_match(page, "h1")) == process.title
    form_element = page.select_one(f'form[action="/processes/{SLUG}/ideas#idea-form"]')
    assert form_element is not None
    assert form_element["method"] == "post"
    assert form_element.select_one('input[name="_csrf_token"]') is not None
    assert form_element.select_one('input[name="title"]') is not None
    assert form_element.select_one('textarea[name="body"]') is not None
    radios = [r["value"] for r in form_element.select('input[name="segment"]')]
    assert radios == ["resident", "pupil", "firm", "other"]
    assert form_element.select_one('input[name="municipality"]') is not None
    assert form_element.select_one('input[name="consent"][type="checkbox"]') is not None
    # Labels are tied to the inputs, and nothing is marked invalid before anything is sent.
    assert page.select_one('label[for="title"]') is not None
    assert page.select('[aria-invalid="true"]') == []


def test_process_page_lists_only_published_ideas(
    client: Client, settings: Settings, process: Process
) -> None:
    async def ideas(session: AsyncSession) -> None:
        await add_idea(session, process, title="Veröffentlichte Idee")
        await add_idea(session, process, title="Wartende Idee", status=ContributionStatus.PENDING)
        await add_idea(
            session, process, title="Abgelehnte Idee", status=ContributionStatus.REJECTED
        )
        await add_idea(session, process, title="Versteckte Idee", status=ContributionStatus.HIDDEN)

    in_db(settings, ideas)
    response = client.get(f"/processes/{SLUG}")
    assert response.status_code == 200
    assert idea_titles(html(response.text)) == ["Veröffentlichte Idee"]
    for hidden in ["Wartende Idee", "Abgelehnte Idee", "Versteckte Idee"]:
        assert hidden not in response.text


def add_numbered_ideas(settings: Settings, process: Process, n: int, start: datetime) -> None:
    """Published ideas "Idee Nummer 01" … n, one minute apart from `start`."""

    async def ideas(session: AsyncSession) -> None:
        for number in range(1, n + 1):
            await add_idea(
                session,
                process,
                title=f"Idee Nummer {number:02d}",
                created_at=start + timedelta(minutes=number),
            )

    in_db(settings, ideas)


def test_process_page_paginates_ideas(client: Client, settings: Settings, process: Process) -> None:
    assert settings.page_size == 10
    start = utcnow() - timedelta(days=1)

    add_numbered_ideas(settings, process, 12, start)  # idea 12 is the newest
    newest_first = [f"Idee Nummer {n:02d}" for n in range(12, 0, -1)]

    first = html(client.get(f"/processes/{SLUG}").text)
    assert idea_titles(first) == newest_first[:10]
    assert first.select_one('a[rel="next"]') is not None
    assert first.select_one('a[rel="prev"]') is None

    second_response = client.get(f"/processes/{SLUG}?page=2")
    assert second_response.status_code == 200
    second = html(second_response.text)
    assert idea_titles(second) == newest_first[10:]
    assert text_of(first_match(second, 'span[aria-current="page"]')) == "2"
    assert second.select_one('a[rel="prev"]') is not None
    assert second.select_one('a[rel="next"]') is None

    # A page past the end shows the last page instead of an empty list or an error.
    beyond = client.get(f"/processes/{SLUG}?page=50")
    assert beyond.status_code == 200
    assert idea_titles(html(beyond.text)) == newest_first[10:]


def test_paging_with_htmx_answers_with_the_ideas_only(
    client: Client, settings: Settings, process: Process
) -> None:
    start = utcnow() - timedelta(days=1)

    add_numbered_ideas(settings, process, 11, start)
    response = client.get(f"/processes/{SLUG}?page=2", headers={**HTMX, "HX-Target": "ideas"})
    assert response.status_code == 200
    assert "<html" not in response.text
    fragment = html(response.text)
    assert idea_titles(fragment) == ["Idee Nummer 01"]
    assert fragment.select_one("form") is None  # the idea form is not sent again


def test_closed_idea_call_shows_no_form_and_refuses_ideas(
    client: Client, settings: Settings
) -> None:
    in_db(settings, lambda s: add_process(s, call="closed"))
    response = client.get(f"/processes/{SLUG}")
    assert response.status_code == 200
    page = html(response.text)
    assert page.select_one(f'form[action="/processes/{SLUG}/ideas#idea-form"]') is None
    assert de("This process is not taking new ideas at the moment.") in text_of(
        one(page, "#idea-form")
    )

    refused = post_form(client, f"/processes/{SLUG}/ideas", valid_idea())
    assert refused.status_code == 422
    assert in_db(settings, contributions) == []


def test_unknown_process_is_a_404_page(client: Client) -> None:
    response = client.get("/processes/gibt-es-nicht")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert text_of(first_match(html(response.text), "h1")) == german("Page not found")

    posted = post_form(client, "/processes/gibt-es-nicht/ideas", valid_idea())
    assert posted.status_code == 404


# --- submitting through the page -------------------------------------------------------------


def test_valid_idea_redirects_to_the_follow_page(
    client: Client, settings: Settings, process: Process
) -> None:
    response = post_form(client, f"/processes/{SLUG}/ideas", valid_idea())
    assert response.status_code == 303
    token = follow_token_from(response)

    stored = in_db(settings, lambda s: by_follow_token(s, token))
    assert stored.title == "Sichere Radwege zur Schule"
    assert stored.status is ContributionStatus.PENDING
    assert stored.municipality == "Kornbach"

    follow = client.get(response.headers["location"])
    assert follow.status_code == 200
    page = html(follow.text)
    assert first_match(page, "html")["lang"] == "de"
    status = page.select_one("span.badge")
    assert status is not None
    assert text_of(status) == german("waiting for review")
    assert german("Thank you for your idea!") in text_of(first_match(page, "h1"))
    assert f"/follow/{token}" in text_of(first_match(page, "code.follow-link"))
    assert text_of(one(page, "#idea-title")) == "Sichere Radwege zur Schule"
    # Later visits (without ?submitted) show the status without the thank-you.
    again = html(client.get(f"/follow/{token}").text)
    assert text_of(first_match(again, "h1")) == german("Your idea")
    # Pending ideas are not on the public page.
    assert idea_titles(html(client.get(f"/processes/{SLUG}").text)) == []


def test_idea_appears_at_once_when_moderating_after_publishing(
    client: Client, settings: Settings
) -> None:
    in_db(settings, lambda s: add_process(s, mode=ModerationMode.AFTER_PUBLISHING))
    response = post_form(client, f"/processes/{SLUG}/ideas", valid_idea())
    assert response.status_code == 303
    follow = html(client.get(response.headers["location"]).text)
    assert text_of(first_match(follow, "span.badge")) == german("published")
    assert idea_titles(html(client.get(f"/processes/{SLUG}").text)) == [
        "Sichere Radwege zur Schule"
    ]


def test_invalid_idea_keeps_everything_typed_and_explains_the_error(
    client: Client, settings: Settings, process: Process
) -> None:
    typed = valid_idea(
        title='Radweg <Kornbach> & "Auenbrück"',
        body="Zu kurz.",
        segment="firm",
        municipality="Haselwinkel",
        organisation_name="Tischlerei Brandt",
        organisation_sector="C",
        organisation_size="1-9",
    )
    response = post_form(client, f"/processes/{SLUG}/ideas", typed)
    assert response.status_code == 422
    page = html(response.text)

    expected = de("Please describe your idea in at least %(n)d characters.") % {"n": BODY_MIN}
    assert field_error(page, "body") == expected
    body = one(page, "#body")
    assert body.get("aria-invalid") == "true"
    assert "body-error" in attr(body, "aria-describedby").split()
    # The error summary links to the field.
    summary = page.select_one("div.error-summary")
    assert summary is not None
    assert text_of(first_match(summary, 'a[href="#body"]')) == expected
    # Only the broken field is marked.
    assert [e["id"] for e in page.select('[aria-invalid="true"]')] == ["body"]
    assert field_error(page, "title") == ""

    # Everything typed is still there, escaped, not lost.
    assert one(page, "#title")["value"] == typed["title"]
    assert 'value="Radweg &lt;Kornbach&gt; &amp; &#34;Auenbrück&#34;"' in response.text
    assert text_of(body) == "Zu kurz."
    assert one(page, "#segment-firm").has_attr("checked")
    assert not one(page, "#segment-resident").has_attr("checked")
    assert one(page, "#municipality")["value"] == "Haselwinkel"
    assert one(page, "#consent").has_attr("checked")
    assert in_db(settings, contributions) == []


def test_missing_consent_and_segment_are_marked(
    client: Client, settings: Settings, process: Process
) -> None:
    typed = valid_idea(segment="", consent="")
    response = post_form(client, f"/processes/{SLUG}/ideas", typed)
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "consent") == de(
        "Please agree to the processing of your contribution."
    )
    assert one(page, "#consent").get("aria-invalid") == "true"
    assert not one(page, "#consent").has_attr("checked")
    assert field_error(page, "segment") == de("Please tell us who you are.")
    assert all(not r.has_attr("checked") for r in page.select('input[name="segment"]'))
    assert one(page, "#title")["value"] == typed["title"]
    assert text_of(one(page, "#body")) == typed["body"]
    assert in_db(settings, contributions) == []


def test_post_without_csrf_token_is_refused(
    client: Client, settings: Settings, process: Process
) -> None:
    client.get(f"/processes/{SLUG}")  # the browser has a CSRF cookie, but the form lacks the field
    response = client.post(f"/processes/{SLUG}/ideas", data=valid_idea(), follow_redirects=False)
    assert response.status_code == 403
    assert german("The form has expired") in text_of(first_match(html(response.text), "h1"))

    forged = client.post(
        f"/processes/{SLUG}/ideas",
        data={**valid_idea(), "_csrf_token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert in_db(settings, contributions) == []


# --- inline checks and the follow page -------------------------------------------------------


def test_inline_check_returns_only_the_error_paragraph(client: Client, process: Process) -> None:
    response = post_form(
        client, f"/processes/{SLUG}/ideas/check/title", {"title": "Rad"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    fragment = html(response.text)
    elements = fragment.select("*")
    assert [e.name for e in elements] == ["p"]
    assert elements[0]["id"] == "title-error"
    assert text_of(elements[0]) == de(
        "The title is too short: please use at least %(n)d characters."
    ) % {"n": TITLE_MIN}


def test_inline_check_of_a_good_value_clears_the_message(client: Client, process: Process) -> None:
    for field, data in [
        ("title", {"title": "Sichere Radwege"}),
        ("segment", {"segment": "pupil"}),
        ("consent", {"consent": "on"}),
        ("municipality", {}),
    ]:
        response = post_form(client, f"/processes/{SLUG}/ideas/check/{field}", data, headers=HTMX)
        assert response.status_code == 200
        assert field_error(html(response.text), field) == ""


def test_inline_check_accepts_the_csrf_header_htmx_sends(client: Client, process: Process) -> None:
    token = client.get(f"/processes/{SLUG}").cookies["csrftoken"]
    response = client.post(
        f"/processes/{SLUG}/ideas/check/consent",
        data={},
        headers={**HTMX, "x-csrftoken": token},
    )
    assert response.status_code == 200
    assert field_error(html(response.text), "consent") == de(
        "Please agree to the processing of your contribution."
    )


def test_inline_check_of_an_unknown_field_is_404(client: Client, process: Process) -> None:
    response = post_form(client, f"/processes/{SLUG}/ideas/check/password", {}, headers=HTMX)
    assert response.status_code == 404


def test_unknown_follow_token_is_404(client: Client, settings: Settings, process: Process) -> None:
    submitted = post_form(client, f"/processes/{SLUG}/ideas", valid_idea())
    token = follow_token_from(submitted)
    stored = in_db(settings, lambda s: by_follow_token(s, token))
    for wrong in ["unbekannt", token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 200]:
        response = client.get(f"/follow/{wrong}")
        assert response.status_code == 404
        assert stored.title not in response.text
    # Nor does the stored hash open the page.
    assert stored.follow_token_hash is not None
    assert client.get(f"/follow/{stored.follow_token_hash}").status_code == 404
    assert in_db(settings, lambda s: count(s, Contribution)) == 1


# --- theme suggestions after submitting ------------------------------------------------------


def test_a_submitted_idea_gets_suggested_themes(
    client: Client, settings: Settings, process: Process
) -> None:
    in_db(settings, lambda s: add_themes(s, process))
    body = "Der Schulweg der Kinder braucht einen sicheren Radweg, die Schule liegt weit draußen."
    response = post_form(client, f"/processes/{SLUG}/ideas", valid_idea(body=body))
    assert response.status_code == 303
    suggestions_done(client)  # tagged after the answer has gone out
    idea = in_db(settings, lambda s: by_follow_token(s, follow_token_from(response)))
    rows = in_db(settings, lambda s: theme_rows(s, idea.id))
    assert {"radwege", "schule"} <= set(rows)
    assert all(row.source is ThemeSource.SUGGESTED for row in rows.values())
    assert idea.theme_uncertainty is not None


def test_a_failing_tagger_loses_no_idea(
    client: Client,
    settings: Settings,
    process: Process,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    in_db(settings, lambda s: add_themes(s, process))

    def broken(*args: object) -> None:
        raise RuntimeError("tagger broke")

    monkeypatch.setattr(tagging, "_tag", broken)
    response = post_form(client, f"/processes/{SLUG}/ideas", valid_idea())
    assert response.status_code == 303
    suggestions_done(client)
    idea = in_db(settings, lambda s: by_follow_token(s, follow_token_from(response)))
    assert idea.title == "Sichere Radwege zur Schule"
    assert in_db(settings, lambda s: theme_rows(s, idea.id)) == {}
    assert "Could not suggest themes" in caplog.text
