"""Answering a survey: the open link and invitation links, each kind of question with its
rules and messages at the field, saving page by page and resuming with the same link, firm
details, closed and draft surveys, and sending (free-text answers become contributions)."""

from __future__ import annotations

import hashlib
import threading

import pytest
from httpx import Response
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine, create_sessionmaker
from participation.models import (
    Channel,
    ContributionKind,
    ContributionStatus,
    ModerationMode,
    Process,
    Segment,
    User,
)
from participation.models.surveys import QuestionKind, SurveyInvitation, SurveyQuestion
from participation.services import survey_responses
from participation.services.survey_responses import shorten
from participation.settings import Settings
from tests.helpers import (
    Client,
    add_process,
    attr,
    contributions,
    field_error,
    first_match,
    german,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)
from tests.survey_builders import (
    ABOUT_RESIDENT,
    BuiltSurvey,
    add_survey,
    answer,
    answers,
    page_one,
    page_two,
    responses,
    start,
    stored_survey,
)


def _link(process: Process, built: BuiltSurvey) -> str:
    return f"/processes/{process.slug}/umfragen/{built.survey.slug}"


def _progress(client: Client, token: str) -> str:
    return text_of(one(html(client.get(f"/umfrage/{token}").text), ".survey-progress"))


def _page_of(n: int, total: int) -> str:
    return german("Page %(n)d of %(total)d") % {"n": n, "total": total}


async def _invitation(session: AsyncSession, survey_id: int, token: str) -> SurveyInvitation:
    invitation = SurveyInvitation(survey_id=survey_id, token=token)
    session.add(invitation)
    await session.commit()
    return invitation


def _answer_everything(client: Client, token: str, built: BuiltSurvey) -> None:
    for data in (ABOUT_RESIDENT, page_one(built), page_two(built)):
        assert answer(client, token, data).status_code == 303


# --- the open link --------------------------------------------------------------------------


def test_the_open_link_starts_a_response_with_a_private_link(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    page = html(client.get(_link(process, built)).text)
    assert one(page, "h1").get_text() == built.survey.title
    assert one(page, ".prose strong").get_text() == "digital"  # the intro's Markdown
    assert german("Privacy") in text_of(one(page, ".privacy-note"))
    assert german("Start the survey") in text_of(one(page, "main form button"))
    # The process page lists it with its link.
    process_page = html(client.get(f"/processes/{process.slug}").text)
    assert attr(one(process_page, ".survey-list a"), "href") == _link(process, built)

    token = start(client, process, built)
    stored = in_db(settings, responses)
    assert len(stored) == 1
    assert stored[0].resume_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored[0].current_page == 0
    page = html(client.get(f"/umfrage/{token}").text)
    assert text_of(one(page, ".survey-progress")) == _page_of(1, 4)
    assert f"/umfrage/{token}" in text_of(one(page, ".survey-link"))  # to bookmark
    assert client.get("/umfrage/unbekannt").status_code == 404


def test_an_invitation_only_survey_needs_a_personal_link(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process, invitation_only=True)
    page = html(client.get(_link(process, built)).text)
    assert text_of(one(page, "#invitation-only")).startswith(
        german("This survey can be answered only with a personal invitation link.")[:40]
    )
    assert page.select("main form") == []
    response = post_form(client, _link(process, built))
    assert response.status_code == 403
    assert in_db(settings, responses) == []
    assert html(client.get(f"/processes/{process.slug}").text).select(".survey-list") == []


@pytest.mark.parametrize("state", ["future", "closed"])
def test_a_closed_survey_shows_a_notice_instead_of_the_form(
    client: Client, settings: Settings, process: Process, state: str
) -> None:
    built = stored_survey(settings, process, state=state)
    page = html(client.get(_link(process, built)).text)
    assert german("This survey is not taking answers at the moment.") in text_of(
        one(page, "#survey-closed")
    )
    assert page.select("main form") == []
    assert post_form(client, _link(process, built)).status_code == 422
    assert in_db(settings, responses) == []
    assert html(client.get(f"/processes/{process.slug}").text).select(".survey-list") == []


def test_a_survey_that_closed_while_answering_takes_no_more_pages(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    token = start(client, process, built)

    async def close(session: AsyncSession) -> None:
        survey = built.survey
        survey.closes_at = survey.opens_at
        session.add(survey)
        await session.commit()

    in_db(settings, close)
    response = answer(client, token, ABOUT_RESIDENT)
    assert response.status_code == 422
    assert german("This survey is not taking answers at the moment.") in response.text
    assert in_db(settings, responses)[0].segment is None  # nothing saved
    assert (
        german("This survey is not taking answers at the moment.")
        in client.get(f"/umfrage/{token}").text
    )


def test_a_draft_is_not_found_by_the_public(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process, state="draft")
    in_db(settings, lambda s: _invitation(s, built.id, "entwurfslink"))
    assert client.get(_link(process, built)).status_code == 404
    assert post_form(client, _link(process, built)).status_code == 404
    assert client.get("/umfrage/entwurfslink").status_code == 404


# --- each kind of question ------------------------------------------------------------------


def test_required_questions_get_a_message_at_the_field(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    token = start(client, process, built)
    assert answer(client, token, ABOUT_RESIDENT).status_code == 303
    response = answer(client, token, {"page": "1"})
    assert response.status_code == 422
    page = html(response.text)
    for kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.SCALE):
        assert field_error(page, built.q(kind)) == german("Please answer this question.")
    summary = one(page, ".error-summary")
    first_option = built.option(QuestionKind.SINGLE_CHOICE, 0)
    assert one(summary, f'a[href="#{built.q(QuestionKind.SINGLE_CHOICE)}-{first_option}"]')
    assert in_db(settings, answers) == []


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (QuestionKind.SINGLE_CHOICE, "999999", "Please choose one of the options."),
        (QuestionKind.SCALE, "6", "Please choose a value from 1 to 5."),
        (QuestionKind.SCALE, "drei", "Please choose a value from 1 to 5."),
    ],
)
def test_values_outside_the_question_are_refused(
    client: Client,
    settings: Settings,
    process: Process,
    kind: QuestionKind,
    value: str,
    message: str,
) -> None:
    built = stored_survey(settings, process)
    token = start(client, process, built)
    answer(client, token, ABOUT_RESIDENT)
    data = {**page_one(built), built.q(kind): value}
    response = answer(client, token, data)
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, built.q(kind)) == german(message)
    # What was typed is kept: the ticked boxes of the other question are still ticked.
    multiple = built.q(QuestionKind.MULTIPLE_CHOICE)
    assert one(page, f"#{multiple}-{built.option(QuestionKind.MULTIPLE_CHOICE, 2)}").has_attr(
        "checked"
    )


def test_an_option_of_another_question_is_refused(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    token = start(client, process, built)
    answer(client, token, ABOUT_RESIDENT)
    foreign = built.option(QuestionKind.RANKING, 0)
    data = {**page_one(built), f"{built.q(QuestionKind.MULTIPLE_CHOICE)}-{foreign}": "on"}
    response = answer(client, token, data)
    assert response.status_code == 422
    assert field_error(html(response.text), built.q(QuestionKind.MULTIPLE_CHOICE)) == german(
        "Please choose among the options shown."
    )


@pytest.mark.parametrize("places", [("1", "1", "2"), ("1", "2", ""), ("1", "2", "4")])
def test_a_ranking_must_give_each_option_its_own_place(
    client: Client, settings: Settings, process: Process, places: tuple[str, str, str]
) -> None:
    built = stored_survey(settings, process)
    token = start(client, process, built)
    for data in (ABOUT_RESIDENT, page_one(built)):
        answer(client, token, data)
    ranking = built.q(QuestionKind.RANKING)
    data = page_two(built)
    for i, place in enumerate(places):
        data[f"{ranking}-{built.option(QuestionKind.RANKING, i)}"] = place
    response = answer(client, token, data)
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, ranking) == german(
        "Please give each option a different place from 1 to %(n)d."
    ) % {"n": 3}
    chosen = one(page, f"#{ranking}-{built.option(QuestionKind.RANKING, 0)} option[selected]")
    assert attr(chosen, "value") == "1"  # kept
    assert text_of(one(page, f"#{built.q(QuestionKind.FREE_TEXT)}")) == (
        "Mehr Glasfaser in den Gewerbegebieten."
    )


def test_a_free_text_answer_has_at_most_5000_characters(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    token = start(client, process, built)
    for data in (ABOUT_RESIDENT, page_one(built)):
        answer(client, token, data)
    response = answer(client, token, page_two(built, text="x" * 5001))
    assert response.status_code == 422
    assert field_error(html(response.text), built.q(QuestionKind.FREE_TEXT)) == german(
        "Your text is %(length)d characters long; at most %(n)d fit."
    ) % {"length": 5001, "n": 5000}
    assert answer(client, token, page_two(built, text="x" * 5000)).status_code == 303


def test_optional_questions_may_stay_empty(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process, required=False)
    token = start(client, process, built)
    for number in ("0", "1", "2"):
        data = ABOUT_RESIDENT if number == "0" else {"page": number}
        assert answer(client, token, data).status_code == 303
    page = html(client.get(f"/umfrage/{token}").text)
    assert text_of(one(page, ".survey-progress")) == _page_of(4, 4)
    assert german("not answered") in text_of(first_match(page, ".survey-summary"))


# --- saving, going back, resuming -----------------------------------------------------------


def test_answers_are_saved_per_page_and_the_link_resumes(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    token = start(client, process, built)
    answer(client, token, ABOUT_RESIDENT)
    assert answer(client, token, page_one(built)).status_code == 303
    rows = in_db(settings, answers)
    # One row per value: a single choice, two ticked boxes, a scale value.
    assert len(rows) == 4
    assert sorted(r.number for r in rows if r.number is not None) == [4]

    # Another browser with the same link lands on the next page.
    client.cookies.clear()
    assert _progress(client, token) == _page_of(3, 4)
    # Back saves this page too, and shows the first section with its answers filled in.
    response = answer(client, token, {**page_two(built), "page": "2"}, action="back")
    assert response.status_code == 303
    page = html(client.get(f"/umfrage/{token}").text)
    assert text_of(one(page, ".survey-progress")) == _page_of(2, 4)
    single = f"{built.q(QuestionKind.SINGLE_CHOICE)}-{built.option(QuestionKind.SINGLE_CHOICE, 0)}"
    assert one(page, f"#{single}").has_attr("checked")
    assert one(page, f"#{built.q(QuestionKind.SCALE)}-4").has_attr("checked")
    assert len(in_db(settings, answers)) == 4 + 4  # the text and three ranks

    # Answering a page again replaces its rows.
    changed = {**page_one(built), built.q(QuestionKind.SCALE): "2"}
    del changed[
        f"{built.q(QuestionKind.MULTIPLE_CHOICE)}-{built.option(QuestionKind.MULTIPLE_CHOICE, 2)}"
    ]
    assert answer(client, token, changed).status_code == 303
    rows = in_db(settings, answers)
    assert len(rows) == 3 + 4
    assert 2 in {r.number for r in rows}
    assert 4 not in {r.number for r in rows if r.option_id is None}

    # Page 0 comes back with the municipality typed before.
    answer(client, token, {"page": "1"}, action="back")
    page = html(client.get(f"/umfrage/{token}").text)
    assert attr(one(page, "#municipality"), "value") == "Kornbach"
    assert one(page, "#segment-resident").has_attr("checked")


def test_the_summary_lists_the_answers_before_sending(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    token = start(client, process, built)
    _answer_everything(client, token, built)
    page = html(client.get(f"/umfrage/{token}").text)
    summary = " ".join(text_of(s) for s in page.select(".survey-summary"))
    assert "Ja" in summary
    assert "Glasfaser" in summary
    assert "WLAN" in summary
    assert "Mehr Glasfaser in den Gewerbegebieten." in summary
    # Ranked: Breitband first, then Fachkräfte, then Verkehr.
    assert (
        summary.index("1. Breitband") < summary.index("2. Fachkräfte") < summary.index("3. Verkehr")
    )
    assert german("Send") in text_of(one(page, ".survey-buttons"))


# --- firms and fixed segments ---------------------------------------------------------------


def test_firms_give_their_details_once(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    token = start(client, process, built)
    response = answer(client, token, {"page": "0", "segment": "firm", "municipality": ""})
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "organisation_name") == german(
        "Please give the name of your firm or organisation."
    )
    assert field_error(page, "organisation_sector") == german(
        "Please choose the sector of your firm."
    )
    assert field_error(page, "organisation_size") == german(
        "Please choose how many people your firm employs."
    )
    assert field_error(page, "municipality") == german(
        "Please name the municipality where your firm is based."
    )
    assert one(page, "#segment-firm").has_attr("checked")
    firm = {
        "page": "0",
        "segment": "firm",
        "municipality": "Auenbrück",
        "organisation_name": "Tischlerei Lange",
        "organisation_sector": "C",
        "organisation_size": "10-49",
    }
    response = answer(client, token, {**firm, "organisation_sector": "Z"})
    assert field_error(html(response.text), "organisation_sector") == german(
        "Please choose the sector of your firm."
    )
    assert answer(client, token, firm).status_code == 303
    stored = in_db(settings, responses)[0]
    assert stored.segment is Segment.FIRM
    assert (stored.organisation_name, stored.organisation_sector) == ("Tischlerei Lange", "C")
    assert (stored.organisation_size, stored.municipality) == ("10-49", "Auenbrück")
    assert stored.current_page == 1


def test_no_segment_is_asked_when_the_survey_fixes_it(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process, segment=Segment.RESIDENT)
    token = start(client, process, built)
    page = html(client.get(f"/umfrage/{token}").text)
    assert text_of(one(page, ".survey-progress")) == _page_of(1, 3)
    assert page.select("#segment-resident") == []
    assert in_db(settings, responses)[0].segment is Segment.RESIDENT
    # A survey for firms asks their details, always, but not the segment.
    firms = stored_survey(settings, process, slug="betriebe", segment=Segment.FIRM)
    page = html(client.get(f"/umfrage/{start(client, process, firms)}").text)
    assert page.select("#segment-firm") == []
    assert not one(page, ".firm-fields").has_attr("data-firm-fields")
    assert one(page, "#organisation_name")
    assert page.select("label[for=municipality] .optional") == []


def test_a_survey_for_everyone_asks_firms_as_the_idea_form_does(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    page = html(client.get(f"/umfrage/{start(client, process, built)}").text)
    firm = one(page, "fieldset.firm-fields[data-firm-fields]")  # hidden by script until chosen
    assert text_of(one(firm, ":scope > legend")) == german("Only for firms: about your firm")
    assert text_of(one(page, "label[for=municipality] .optional")) == (
        f"({german('optional; required for firms')})"
    )


# --- invitations ----------------------------------------------------------------------------


def test_an_invitation_link_answers_once(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process, invitation_only=True)
    in_db(settings, lambda s: _invitation(s, built.id, "einladung-1"))
    token = "einladung-1"
    assert client.get(f"/umfrage/{token}").status_code == 200
    assert client.get(f"/umfrage/{token}").status_code == 200  # resumes, does not start again
    stored = in_db(settings, responses)
    assert len(stored) == 1
    assert stored[0].invitation_id is not None
    _answer_everything(client, token, built)
    response = answer(client, token, {"page": "3"}, action="send")
    assert response.status_code == 303
    assert response.headers["location"] == f"/umfrage/{token}?gesendet=1"
    thanks = html(client.get(response.headers["location"]).text)
    assert german("Thank you! Your answers have been sent.") in text_of(one(thanks, "main"))
    assert "Danke für Ihre Zeit." in text_of(one(thanks, "main"))

    invitation = in_db(settings, lambda s: _find_invitation(s, token))
    assert invitation.used_at is not None
    page = html(client.get(f"/umfrage/{token}").text)
    assert text_of(one(page, "#survey-sent")) == "Sie haben bereits geantwortet. Vielen Dank!"
    assert page.select("main form") == []
    # A second send changes nothing and leads to the thanks again: it was sent.
    before = len(in_db(settings, contributions))
    response = answer(client, token, {"page": "3"}, action="send")
    assert response.status_code == 303
    assert response.headers["location"] == f"/umfrage/{token}?gesendet=1"
    assert len(in_db(settings, contributions)) == before
    assert answer(client, token, page_one(built)).status_code == 409


async def _find_invitation(session: AsyncSession, token: str) -> SurveyInvitation:
    return (
        await session.exec(select(SurveyInvitation).where(SurveyInvitation.token == token))
    ).one()


# --- sending --------------------------------------------------------------------------------


def test_sending_turns_free_text_into_contributions_waiting_for_moderation(
    client: Client, settings: Settings, moderator: User
) -> None:
    # Even where ideas are published at once, survey answers are read first.
    process = in_db(settings, lambda s: add_process(s, mode=ModerationMode.AFTER_PUBLISHING))
    built = stored_survey(settings, process)
    token = start(client, process, built)
    firm = {
        "page": "0",
        "segment": "firm",
        "municipality": "Auenbrück",
        "organisation_name": "Tischlerei Lange",
        "organisation_sector": "C",
        "organisation_size": "10-49",
    }
    for data in (firm, page_one(built), page_two(built)):
        assert answer(client, token, data).status_code == 303
    assert in_db(settings, contributions) == []  # nothing before sending
    assert answer(client, token, {"page": "3"}, action="send").status_code == 303

    [item] = in_db(settings, contributions)
    assert item.kind is ContributionKind.SURVEY_ANSWER
    assert item.channel is Channel.SURVEY
    assert item.status is ContributionStatus.PENDING
    assert item.segment is Segment.FIRM
    assert (item.organisation_name, item.organisation_sector, item.organisation_size) == (
        "Tischlerei Lange",
        "C",
        "10-49",
    )
    assert item.municipality == "Auenbrück"
    assert item.title == built.questions[QuestionKind.FREE_TEXT].text
    assert item.body == "Mehr Glasfaser in den Gewerbegebieten."
    response_row = in_db(settings, responses)[0]
    assert item.source_ref == f"Umfrage {built.survey.slug}, Antwort {response_row.id}"
    assert response_row.submitted_at is not None
    text_answer = next(a for a in in_db(settings, answers) if a.text)
    assert text_answer.contribution_id == item.id
    # It waits in the moderation queue, marked as a survey answer; the public does not see it.
    assert item.title not in client.get(f"/processes/{process.slug}").text
    assert login(client, moderator.email).status_code == 303
    queued = one(html(client.get("/moderation").text), f"#item-{item.id}")
    assert text_of(one(queued, ".queue-item__kind")) == german("Survey answer")
    assert "Mehr Glasfaser in den Gewerbegebieten." in text_of(queued)


def test_a_double_click_on_send_gets_the_thanks_twice(
    client: Client, settings: Settings, process: Process
) -> None:
    """Both requests of a double click on "Absenden" pass the first check before either has
    stored anything; the one that loses answers with the thanks page too, not a 500."""
    built = stored_survey(settings, process)
    token = start(client, process, built)
    _answer_everything(client, token, built)
    both_ready = threading.Barrier(2)
    answers_: list[Response] = []

    def click() -> None:
        both_ready.wait()
        answers_.append(answer(client, token, {"page": "3"}, action="send"))

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    assert [r.status_code for r in answers_] == [303, 303]
    assert {r.headers["location"] for r in answers_} == {f"/umfrage/{token}?gesendet=1"}
    assert len(in_db(settings, contributions)) == 1  # the free-text answer, once


async def test_sending_a_response_sent_meanwhile_keeps_the_survey_readable(
    session: AsyncSession, settings: Settings
) -> None:
    """The lost race, step by step: both requests found the response unsent; the first sent
    it. The second is told so, and what it shows next (the survey) can still be read."""
    process = await add_process(session)
    built = await add_survey(session, process, segment=Segment.RESIDENT, required=False)
    token = await survey_responses.start(session, built.survey)
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as other:
            first = await survey_responses.resolve(session, token)
            second = await survey_responses.resolve(other, token)
            assert first is not None
            assert second is not None
            await survey_responses.send(session, first)
            with pytest.raises(survey_responses.AlreadySent):
                await survey_responses.send(other, second)
            assert second.sent
            assert second.survey.title == "Befragung der Betriebe"
            assert second.process.slug == process.slug
    finally:
        await engine.dispose()


def test_an_empty_free_text_makes_no_contribution(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process, required=False)
    token = start(client, process, built)
    for page in ("0", "1", "2"):
        answer(client, token, ABOUT_RESIDENT if page == "0" else {"page": page})
    assert answer(client, token, {"page": "3"}, action="send").status_code == 303
    assert in_db(settings, contributions) == []
    assert in_db(settings, responses)[0].submitted_at is not None


def test_sending_checks_questions_added_after_the_page_was_saved(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    token = start(client, process, built)
    _answer_everything(client, token, built)

    async def add_required(session: AsyncSession) -> SurveyQuestion:
        section_id = built.sections[0].id
        assert section_id is not None
        question = SurveyQuestion(
            survey_id=built.id,
            section_id=section_id,
            kind=QuestionKind.FREE_TEXT,
            text="Neu: Was noch?",
            required=True,
            position=9,
        )
        session.add(question)
        await session.commit()
        return question

    added = in_db(settings, add_required)
    response = answer(client, token, {"page": "3"}, action="send")
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, f"q-{added.id}") == german("Please answer this question.")
    assert text_of(one(page, ".survey-progress")) == _page_of(2, 4)
    assert in_db(settings, responses)[0].submitted_at is None


def test_long_question_texts_are_shortened_for_the_title() -> None:
    text = "Wort " * 60
    title = shorten(text.strip(), 200)
    assert len(title) == 200
    assert title.endswith("…")
    assert shorten("Kurz", 200) == "Kurz"


def test_many_responses_keep_their_own_answers(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    first = start(client, process, built)
    second = start(client, process, built)
    assert first != second
    answer(client, first, ABOUT_RESIDENT)
    answer(client, second, {**ABOUT_RESIDENT, "segment": "pupil"})
    stored = {r.segment for r in in_db(settings, responses)}
    assert stored == {Segment.RESIDENT, Segment.PUPIL}
