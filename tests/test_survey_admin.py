"""Survey administration: who may open it, creating a survey, its settings and dates, the
builder (each kind of question with its rules, options kept when edited, reordering, deleting
with a question first), the preview, and invitation links with their CSV download."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Process, Role, Segment, utcnow
from participation.models.surveys import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)
from participation.services import surveys
from participation.services.errors import ValidationFailed
from participation.services.surveys import QuestionForm, SettingsForm
from participation.settings import Settings
from tests.helpers import (
    Client,
    add_process,
    add_staff,
    attr,
    de,
    field_error,
    german,
    html,
    in_db,
    login,
    one,
    post_form,
    text_of,
)
from tests.survey_builders import (
    BuiltSurvey,
    add_survey,
    sign_in_admin,
    stored_survey,
)


@pytest.fixture
def admin_client(client: Client, settings: Settings) -> Client:
    return sign_in_admin(client, settings)


def _question_form(section: int | None, **overrides: str) -> dict[str, str]:
    form = {
        "section_id": str(section),
        "kind": "single_choice",
        "text": "Nutzen Sie E-Rechnungen?",
        "help_text": "",
        "options": "Ja\nNein",
        "required": "on",
    }
    form.update(overrides)
    return form


async def _options(session: AsyncSession, question_id: int | None) -> list[SurveyOption]:
    rows = await session.exec(
        select(SurveyOption)
        .where(SurveyOption.question_id == question_id)
        .order_by(col(SurveyOption.position))
    )
    return list(rows)


async def _questions(session: AsyncSession, section_id: int | None) -> list[str]:
    rows = await session.exec(
        select(SurveyQuestion.text)
        .where(SurveyQuestion.section_id == section_id)
        .order_by(col(SurveyQuestion.position))
    )
    return list(rows)


# --- who may open it ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.FACILITATOR, Role.EVALUATOR])
def test_only_admins_open_the_survey_pages(
    client: Client, settings: Settings, process: Process, role: Role
) -> None:
    built = stored_survey(settings, process)
    urls = [
        f"/admin/processes/{process.slug}/surveys",
        f"/admin/surveys/{built.id}",
        f"/admin/surveys/{built.id}/questions",
        f"/admin/surveys/{built.id}/preview",
        f"/admin/surveys/{built.id}/invitations",
        f"/admin/surveys/{built.id}/invitations.csv",
    ]
    for url in urls:  # signed out: to the login page
        response = client.get(url, follow_redirects=False)
        assert response.status_code in {302, 303}, url
        assert response.headers["location"].startswith("/login"), url
    in_db(settings, lambda s: add_staff(s, "staff@example.org", role))
    assert login(client, "staff@example.org").status_code == 303
    for url in urls:
        assert client.get(url).status_code == 403, url
    response = post_form(client, f"/admin/processes/{process.slug}/surveys", {"title": "X"})
    assert response.status_code == 403


def test_unknown_ids_answer_404(admin_client: Client, settings: Settings, process: Process) -> None:
    built = stored_survey(settings, process)
    assert admin_client.get("/admin/processes/nope/surveys").status_code == 404
    assert admin_client.get("/admin/surveys/999").status_code == 404
    assert admin_client.get(f"/admin/surveys/{built.id}/questions/9999").status_code == 404
    other = in_db(settings, lambda s: add_process(s, slug="anderes-verfahren"))
    foreign = stored_survey(settings, other, slug="fremd")
    question_id = foreign.questions[QuestionKind.SCALE].id
    # A question of another survey is not reachable through this one.
    assert admin_client.get(f"/admin/surveys/{built.id}/questions/{question_id}").status_code == 404
    response = post_form(admin_client, f"/admin/surveys/{built.id}/questions/{question_id}/delete")
    assert response.status_code == 404


# --- the list and creating ------------------------------------------------------------------


def test_an_admin_creates_a_survey_from_the_process_list(
    admin_client: Client, settings: Settings, process: Process
) -> None:
    page = html(admin_client.get("/admin/processes").text)
    link = one(page, f'a[href="/admin/processes/{process.slug}/surveys"]')
    assert de("Surveys") in text_of(link)

    url = f"/admin/processes/{process.slug}/surveys"
    response = post_form(admin_client, url, {"title": "  ", "slug": ""})
    assert response.status_code == 422
    assert field_error(html(response.text), "title") == german("Please give the survey a title.")

    response = post_form(admin_client, url, {"title": "Befragung der Betriebe", "slug": ""})
    assert response.status_code == 303
    survey = in_db(settings, lambda s: _only_survey(s))
    assert survey.slug == "befragung-der-betriebe"
    assert survey.opens_at is None  # a draft until it has dates
    assert response.headers["location"] == f"/admin/surveys/{survey.id}"

    response = post_form(
        admin_client, url, {"title": "Noch eine", "slug": "befragung-der-betriebe"}
    )
    assert response.status_code == 422
    page = html(response.text)
    assert "Noch eine" in attr(one(page, "#title"), "value")  # kept
    assert field_error(page, "slug") == german(
        "Another survey of this process already uses this address; please choose another."
    )

    page = html(admin_client.get(url).text)
    row = text_of(one(page, "#surveys-caption").find_parent("table"))  # type: ignore[arg-type]
    assert "Befragung der Betriebe" in row
    assert german("Draft") in row


async def _only_survey(session: AsyncSession) -> Survey:
    return (await session.exec(select(Survey))).one()


# --- settings -------------------------------------------------------------------------------


def test_settings_keep_input_on_errors_and_check_the_dates(
    admin_client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process, state="draft")
    url = f"/admin/surveys/{built.id}"
    today = date.today()
    form = {
        "title": "Neue Befragung",
        "slug": "neu",
        "intro": "Bitte **ehrlich** antworten.",
        "thanks": "Danke!",
        "segment": "firm",
        "invitation_only": "on",
        "opens_on": (today + timedelta(days=5)).isoformat(),
        "closes_on": (today + timedelta(days=1)).isoformat(),
    }
    response = post_form(admin_client, url, form)
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "closes_on") == german(
        "The survey must close on or after its first day."
    )
    assert attr(one(page, "#title"), "value") == "Neue Befragung"
    assert one(page, "#segment-firm").has_attr("checked")
    assert one(page, "#invitation_only").has_attr("checked")
    assert text_of(one(page, "#intro")) == "Bitte **ehrlich** antworten."

    response = post_form(admin_client, url, {**form, "opens_on": "31.02.2026"})
    assert field_error(html(response.text), "opens_on") == german(
        "Please enter a date, e.g. 2026-06-15."
    )
    response = post_form(admin_client, url, {**form, "opens_on": ""})
    assert response.status_code == 422  # a last day without a first day

    form["opens_on"] = (today - timedelta(days=1)).isoformat()
    response = post_form(admin_client, url, form)
    assert response.status_code == 303
    survey = in_db(settings, lambda s: _only_survey(s))
    assert (survey.title, survey.slug, survey.segment) == ("Neue Befragung", "neu", Segment.FIRM)
    assert survey.invitation_only
    assert surveys.survey_state(survey, utcnow()) is surveys.SurveyState.OPEN
    # Shown again as typed: the last day, not the moment after it when the survey closes.
    page = html(admin_client.get(url).text)
    assert attr(one(page, "#closes_on"), "value") == form["closes_on"]
    assert attr(one(page, "#opens_on"), "value") == form["opens_on"]


async def test_survey_states_follow_the_dates(session: AsyncSession) -> None:
    process = await add_process(session)
    states = {}
    for state in ("draft", "future", "open", "closed"):
        built = await add_survey(session, process, slug=f"s-{state}", state=state)
        states[state] = surveys.survey_state(built.survey, utcnow())
    assert states == {
        "draft": surveys.SurveyState.DRAFT,
        "future": surveys.SurveyState.SCHEDULED,
        "open": surveys.SurveyState.OPEN,
        "closed": surveys.SurveyState.CLOSED,
    }


async def test_the_last_day_counts_to_its_end(session: AsyncSession) -> None:
    process = await add_process(session)
    built = await add_survey(session, process, state="draft")
    form = SettingsForm.of(built.survey)
    form.opens_on, form.closes_on = "2026-06-01", "2026-06-15"
    survey = await surveys.save_settings(session, built.survey, form, "Europe/Berlin")
    assert survey.opens_at is not None
    assert survey.closes_at is not None
    assert survey.opens_at.isoformat() == "2026-05-31T22:00:00+00:00"
    assert survey.closes_at.isoformat() == "2026-06-15T22:00:00+00:00"  # midnight, Berlin


# --- questions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"text": " "}, "text", "Please write the question."),
        ({"options": "Ja"}, "options", "Please give at least two options, one per line."),
        ({"options": "Ja\n\n  \n"}, "options", "Please give at least two options, one per line."),
        ({"kind": "ranking", "options": "Ja\nja \nNein"}, "options", None),
        ({"kind": "multiple_choice", "options": ""}, "options", None),
        ({"kind": "scale", "scale_low_label": "wenig"}, "scale_high_label", None),
        ({"kind": "essay"}, "kind", "Please choose the kind of question."),
        ({"section_id": "0"}, "section_id", "Please choose a section."),
    ],
)
async def test_question_rules(
    session: AsyncSession, overrides: dict[str, str], field: str, message: str | None
) -> None:
    process = await add_process(session)
    built = await add_survey(session, process)
    form = QuestionForm.from_form(_question_form(built.sections[0].id, **overrides))
    with pytest.raises(ValidationFailed) as failed:
        await surveys.save_question(session, built.survey, None, form)
    assert field in failed.value.errors
    if message:
        assert failed.value.errors[field] == de(message)


async def test_each_kind_is_created_with_its_parts(session: AsyncSession) -> None:
    process = await add_process(session)
    built = await add_survey(session, process)
    section_id = built.sections[1].id
    made: dict[str, SurveyQuestion] = {}
    for kind in QuestionKind:
        form = QuestionForm.from_form(
            _question_form(
                section_id,
                kind=kind.value,
                text=f"Frage {kind.value}",
                options="Erstens\n Zweitens \n\nDrittens",
                scale_low_label="gar nicht",
                scale_high_label="sehr",
                required="" if kind is QuestionKind.FREE_TEXT else "on",
            )
        )
        made[kind.value] = await surveys.save_question(session, built.survey, None, form)
    for kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.RANKING):
        labels = [o.label for o in await _options(session, made[kind.value].id)]
        assert labels == ["Erstens", "Zweitens", "Drittens"]
    for kind in (QuestionKind.SCALE, QuestionKind.FREE_TEXT):
        assert await _options(session, made[kind.value].id) == []
    scale = made["scale"]
    assert (scale.scale_low_label, scale.scale_high_label) == ("gar nicht", "sehr")
    assert made["single_choice"].scale_low_label == ""
    assert not made["free_text"].required
    assert made["ranking"].required
    # Appended after the two questions the section had.
    assert await _questions(session, section_id) == [
        "Was sollte der Landkreis als Erstes tun?",
        "Ordnen Sie die Themen nach Dringlichkeit.",
        *(f"Frage {kind.value}" for kind in QuestionKind),
    ]


def test_adding_a_question_in_the_browser_keeps_input_on_errors(
    admin_client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    section_id = built.sections[1].id
    page = html(
        admin_client.get(f"/admin/surveys/{built.id}/questions/new?section={section_id}").text
    )
    assert one(page, f'#section_id option[value="{section_id}"]').has_attr("selected")
    url = f"/admin/surveys/{built.id}/questions/new"
    form = _question_form(section_id, kind="ranking", text="Was zuerst?", options="A\nB\nA")
    response = post_form(admin_client, url, form)
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "options") == german(
        "“%(option)s” appears twice; each option once, please."
    ) % {"option": "A"}
    assert text_of(one(page, "#options")) == "A B A"
    assert one(page, "#kind-ranking").has_attr("checked")
    assert one(page, ".error-summary a[href='#options']")

    response = post_form(admin_client, url, {**form, "options": "A\nB\nC"})
    assert response.status_code == 303
    page = html(admin_client.get(response.headers["location"]).text)
    assert "Was zuerst?" in text_of(one(page, f"#section-{section_id}"))


async def test_editing_options_keeps_the_rows_whose_labels_stay(session: AsyncSession) -> None:
    process = await add_process(session)
    built = await add_survey(session, process)
    question = built.questions[QuestionKind.SINGLE_CHOICE]
    ja, nein, weiss = built.options[QuestionKind.SINGLE_CHOICE]
    response = SurveyResponse(survey_id=built.id, resume_token_hash="x" * 64)
    session.add(response)
    await session.flush()
    assert response.id is not None
    assert question.id is not None
    session.add(SurveyAnswer(response_id=response.id, question_id=question.id, option_id=nein.id))
    await session.commit()

    view = await surveys.get_question(session, built.survey, question.id)
    assert view is not None
    assert view.answers == 1
    # "Weiß nicht" goes (no answers use it), "Nein" moves up, "Vielleicht" is new.
    form = QuestionForm.of(view)
    form.options = "nein\nJa\nVielleicht"
    await surveys.save_question(session, built.survey, view, form)
    options = await _options(session, question.id)
    assert [o.label for o in options] == ["nein", "Ja", "Vielleicht"]
    assert [o.id for o in options[:2]] == [nein.id, ja.id]
    assert weiss.id not in {o.id for o in options}

    # Dropping "nein" would delete an answer: asked first, then done on a yes.
    view = await surveys.get_question(session, built.survey, question.id)
    assert view is not None
    form = QuestionForm.of(view)
    form.options = "Ja\nVielleicht"
    with pytest.raises(ValidationFailed) as failed:
        await surveys.save_question(session, built.survey, view, form)
    assert "options" in failed.value.errors
    assert [(r.label, r.answers) for r in form.pending_removals] == [("nein", 1)]
    assert len(await _options(session, question.id)) == 3  # nothing written
    form.confirm_removal = True
    await surveys.save_question(session, built.survey, view, form)
    assert [o.label for o in await _options(session, question.id)] == ["Ja", "Vielleicht"]
    answers = await session.exec(
        select(SurveyAnswer).where(SurveyAnswer.question_id == question.id)
    )
    assert list(answers) == []


async def test_an_answered_question_keeps_its_kind(session: AsyncSession) -> None:
    process = await add_process(session)
    built = await add_survey(session, process)
    question = built.questions[QuestionKind.SCALE]
    response = SurveyResponse(survey_id=built.id, resume_token_hash="y" * 64)
    session.add(response)
    await session.flush()
    assert response.id is not None
    assert question.id is not None
    session.add(SurveyAnswer(response_id=response.id, question_id=question.id, number=3))
    await session.commit()
    view = await surveys.get_question(session, built.survey, question.id)
    assert view is not None
    form = QuestionForm.of(view)
    form.kind = "free_text"
    with pytest.raises(ValidationFailed) as failed:
        await surveys.save_question(session, built.survey, view, form)
    assert failed.value.errors["kind"] == de(
        "This question has answers already; its kind cannot change."
    )


def test_sections_and_questions_are_reordered_and_moved(
    admin_client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    first, second = built.sections
    base = f"/admin/surveys/{built.id}"
    scale = built.questions[QuestionKind.SCALE]
    # Up within its section.
    response = post_form(admin_client, f"{base}/questions/{scale.id}/move", {"direction": "up"})
    assert response.status_code == 303
    assert in_db(settings, lambda s: _questions(s, first.id)) == [
        "Nutzen Sie digitale Rechnungen?",
        "Wie wichtig ist schnelles Internet?",
        "Welche Anschlüsse haben Sie?",
    ]
    # The first one cannot go further up: nothing changes.
    single = built.questions[QuestionKind.SINGLE_CHOICE]
    post_form(admin_client, f"{base}/questions/{single.id}/move", {"direction": "up"})
    assert in_db(settings, lambda s: _questions(s, first.id))[0] == single.text
    # To the end of another section.
    response = post_form(
        admin_client, f"{base}/questions/{scale.id}/move", {"section": str(second.id)}
    )
    assert response.status_code == 303
    assert in_db(settings, lambda s: _questions(s, second.id))[-1] == scale.text
    assert scale.text not in in_db(settings, lambda s: _questions(s, first.id))
    # Sections: the second goes up.
    response = post_form(admin_client, f"{base}/sections/{second.id}/move", {"direction": "up"})
    assert response.status_code == 303
    page = html(admin_client.get(f"{base}/questions").text)
    headings = [text_of(h) for h in page.select(".builder-section h2")]
    assert headings == [
        german("Section %(n)d: %(title)s") % {"n": 1, "title": second.title},
        german("Section %(n)d: %(title)s") % {"n": 2, "title": first.title},
    ]


def test_sections_are_added_renamed_and_deleted_after_a_question(
    admin_client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    base = f"/admin/surveys/{built.id}"
    response = post_form(admin_client, f"{base}/sections", {"title": "", "description": "x"})
    assert response.status_code == 422
    page = html(response.text)
    assert field_error(page, "new-section-title") == german("Please give the section a title.")
    assert text_of(one(page, "#new-section-description")) == "x"

    response = post_form(admin_client, f"{base}/sections", {"title": "Zum Schluss"})
    assert response.status_code == 303
    sections = in_db(settings, lambda s: _sections(s, built.id))
    assert [s.title for s in sections] == ["Ihr Betrieb heute", "Was fehlt", "Zum Schluss"]
    empty = sections[2]
    response = post_form(
        admin_client, f"{base}/sections/{empty.id}", {"title": "Ende", "description": "Fast fertig"}
    )
    assert response.status_code == 303
    # An empty section goes at once.
    response = post_form(admin_client, f"{base}/sections/{empty.id}/delete")
    assert response.status_code == 303
    # One with questions asks first, naming how many.
    first = built.sections[0]
    response = post_form(admin_client, f"{base}/sections/{first.id}/delete")
    assert response.status_code == 200
    page = html(response.text)
    assert german("Delete this section?") in text_of(page)
    assert "3" in text_of(one(page, "main"))
    assert in_db(settings, lambda s: _sections(s, built.id))[0].id == first.id
    response = post_form(admin_client, f"{base}/sections/{first.id}/delete", {"confirm": "yes"})
    assert response.status_code == 303
    assert [s.title for s in in_db(settings, lambda s: _sections(s, built.id))] == ["Was fehlt"]
    assert in_db(settings, lambda s: _questions(s, first.id)) == []


async def _sections(session: AsyncSession, survey_id: int) -> list[SurveySection]:
    rows = await session.exec(
        select(SurveySection)
        .where(SurveySection.survey_id == survey_id)
        .order_by(col(SurveySection.position))
    )
    return list(rows)


def test_deleting_a_question_says_how_many_answers_go_with_it(
    admin_client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    question = built.questions[QuestionKind.SCALE]

    async def answered(session: AsyncSession) -> None:
        for n in range(2):
            response = SurveyResponse(survey_id=built.id, resume_token_hash=str(n) * 64)
            session.add(response)
            await session.flush()
            assert response.id is not None
            assert question.id is not None
            session.add(SurveyAnswer(response_id=response.id, question_id=question.id, number=5))
        await session.commit()

    in_db(settings, answered)
    url = f"/admin/surveys/{built.id}/questions/{question.id}/delete"
    response = post_form(admin_client, url)
    assert response.status_code == 200
    page = html(response.text)
    assert "2" in text_of(one(page, "main"))
    assert question.text in text_of(page)
    assert in_db(settings, lambda s: _questions(s, built.sections[0].id)).count(question.text) == 1
    assert post_form(admin_client, url, {"confirm": "yes"}).status_code == 303
    assert question.text not in in_db(settings, lambda s: _questions(s, built.sections[0].id))


# --- preview --------------------------------------------------------------------------------


def test_the_preview_shows_every_page_and_saves_nothing(
    admin_client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process, state="draft")
    page = html(admin_client.get(f"/admin/surveys/{built.id}/preview").text)
    assert german("Preview") in text_of(one(page, ".survey-preview-note"))
    text = text_of(page)
    for question in built.questions.values():
        assert question.text in text
    # About you, two sections, the summary.
    assert len(page.select(".survey-preview-page")) == 4
    assert page.select("form.survey-form") == []
    ranking = built.questions[QuestionKind.RANKING]
    selects = page.select(f"select[id^='q-{ranking.id}-']")
    assert len(selects) == 3
    assert len(selects[0].select("option")) == 4  # "Platz …" and places 1-3
    # A draft is not public.
    client_page = admin_client.get(f"/processes/{process.slug}/umfragen/{built.survey.slug}")
    assert client_page.status_code == 404


# --- invitations ----------------------------------------------------------------------------


def test_invitations_are_generated_and_downloaded_for_excel(
    admin_client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process, invitation_only=True)
    url = f"/admin/surveys/{built.id}/invitations"
    for bad in ("0", "5001", "zehn", ""):
        response = post_form(admin_client, url, {"count": bad})
        assert response.status_code == 422, bad
        page = html(response.text)
        assert field_error(page, "count") == german("Please enter a number from 1 to %(n)d.") % {
            "n": 5000
        }
    assert attr(one(page, "#count"), "value") == ""
    assert post_form(admin_client, url, {"count": "3"}).status_code == 303
    assert post_form(admin_client, url, {"count": "2"}).status_code == 303

    async def use_one(session: AsyncSession) -> str:
        invitation = (
            await session.exec(select(SurveyInvitation).where(SurveyInvitation.batch == 1))
        ).first()
        assert invitation is not None
        invitation.used_at = utcnow()
        session.add(invitation)
        await session.commit()
        return invitation.token

    used = in_db(settings, use_one)
    page = html(admin_client.get(url).text)
    facts = text_of(one(page, "dl.facts"))
    assert f"{german('Made')} 5" in facts
    assert f"{german('Used')} 1" in facts
    assert f"{german('Unused')} 4" in facts

    response = admin_client.get(f"{url[: -len('/invitations')]}/invitations.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["batch", "link"]
    assert len(rows) == 5  # header and the four unused links
    assert [r[0] for r in rows[1:]] == ["1", "1", "2", "2"]
    assert all(r[1].startswith("http://testserver.local/umfrage/") for r in rows[1:])
    assert not any(r[1].endswith(used) for r in rows[1:])

    response = admin_client.get(f"/admin/surveys/{built.id}/invitations.csv?batch=2")
    batch_rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in batch_rows[1:]] == ["2", "2"]


def test_the_survey_pages_link_to_each_other_and_to_the_results(
    admin_client: Client, settings: Settings, process: Process
) -> None:
    built: BuiltSurvey = stored_survey(settings, process)
    page = html(admin_client.get(f"/admin/surveys/{built.id}").text)
    nav = one(page, "nav.survey-nav")
    hrefs = [attr(a, "href") for a in nav.select("a")]
    assert f"/surveys/{built.id}/results" in hrefs
    assert f"/admin/surveys/{built.id}/questions" in hrefs
    assert attr(one(nav, "a[aria-current='page']"), "href") == f"/admin/surveys/{built.id}"
