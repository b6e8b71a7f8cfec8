"""Survey logic (services/survey_logic.py): conditions on sections and questions, checked
against the survey's order, evaluated page by page, described in words and counted for the
results."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import pytest
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Process,
    QuestionKind,
    SurveyAnswer,
    SurveyCondition,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)
from participation.services import survey_logic, survey_results
from participation.services.errors import ValidationFailed
from participation.services.survey_logic import Given, Rule, SurveyRules, Target
from participation.services.survey_results import ResultFilters
from participation.services.surveys import QuestionView, SectionView, survey_structure
from participation.settings import Settings
from tests.helpers import (
    Client,
    contributions,
    field_error,
    german,
    html,
    in_db,
    one,
    post_form,
    text_of,
)
from tests.survey_builders import (
    ABOUT_RESIDENT,
    BuiltSurvey,
    answer,
    answers,
    page_one,
    page_two,
    responses,
    sign_in_admin,
    start,
    stored_survey,
)
from tests.survey_data import add_survey_data

SINGLE: Final = QuestionKind.SINGLE_CHOICE
SCALE: Final = QuestionKind.SCALE
FREE: Final = QuestionKind.FREE_TEXT
RANKING: Final = QuestionKind.RANKING

# --- the rules on a survey built in memory ----------------------------------------------------


def _question(qid: int, section_id: int, kind: QuestionKind, options: int = 0) -> QuestionView:
    question = SurveyQuestion(
        id=qid, survey_id=1, section_id=section_id, kind=kind, text=f"Frage {qid}"
    )
    choices = [
        SurveyOption(id=qid * 10 + n, question_id=qid, label=f"Antwort {qid}.{n}")
        for n in range(1, options + 1)
    ]
    return QuestionView(question, choices, 0)


def _structure() -> list[SectionView]:
    """Section 1: single choice 1 (options 11, 12), scale 2, free text 3. Section 2: multiple
    choice 4 (41, 42), free text 5. Section 3: free text 6."""
    return [
        SectionView(
            SurveySection(id=1, survey_id=1, title="Betrieb"),
            [
                _question(1, 1, QuestionKind.SINGLE_CHOICE, 2),
                _question(2, 1, QuestionKind.SCALE),
                _question(3, 1, QuestionKind.FREE_TEXT),
            ],
        ),
        SectionView(
            SurveySection(id=2, survey_id=1, title="Nutzung"),
            [
                _question(4, 2, QuestionKind.MULTIPLE_CHOICE, 2),
                _question(5, 2, QuestionKind.FREE_TEXT),
            ],
        ),
        SectionView(
            SurveySection(id=3, survey_id=1, title="Wünsche"),
            [_question(6, 3, QuestionKind.FREE_TEXT)],
        ),
    ]


def test_a_section_or_question_is_shown_only_when_a_shown_answer_matches() -> None:
    rules = SurveyRules(
        sections={2: Rule(1, option_ids=frozenset({11}))},
        questions={6: Rule(4, option_ids=frozenset({42})), 5: Rule(2, low=4, high=5)},
    )

    def shown(given: Mapping[int, Given]) -> list[int]:
        return sorted(rules.shown(_structure(), given).questions)

    firm = {1: Given(frozenset({11})), 2: Given(number=5), 4: Given(frozenset({41, 42}))}
    assert shown(firm) == [1, 2, 3, 4, 5, 6]
    assert shown({**firm, 2: Given(number=3)}) == [1, 2, 3, 4, 6]  # out of the range
    # Another first answer hides section 2; the answer still stored for its question 4 then
    # decides nothing, so question 6 is hidden too.
    other = {**firm, 1: Given(frozenset({12}))}
    assert shown(other) == [1, 2, 3]
    assert rules.shown(_structure(), other).sections == frozenset({1, 3})
    assert shown({}) == [1, 2, 3]  # nothing answered: nothing conditional shown
    assert SurveyRules().shown(_structure(), {}).questions == frozenset(range(1, 7))


@pytest.mark.parametrize(
    ("target", "form", "field"),
    [
        (Target(2), {"source": "4"}, "source"),  # its own section
        (Target(1), {"source": "1"}, "source"),  # the first section has no earlier one
        (Target(2, 5), {"source": "6"}, "source"),  # a later section
        (Target(3), {"source": "3"}, "source"),  # free text decides nothing
        (Target(3), {"source": "x"}, "source"),
        (Target(3), {"source": "1"}, "options"),  # no answer ticked
        (Target(3), {"source": "1", "option-41": "on"}, "options"),  # another question's
        (Target(3), {"source": "2", "low": "4"}, "range"),
        (Target(3), {"source": "2", "low": "4", "high": "2"}, "range"),
        (Target(3), {"source": "2", "low": "0", "high": "6"}, "range"),
    ],
)
def test_the_builder_refuses_a_condition_that_is_not_an_earlier_answer(
    target: Target, form: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        survey_logic.check_rule(_structure(), target, form)
    assert set(refused.value.errors) == {field}


def test_the_builder_reads_a_condition_and_says_it_in_words() -> None:
    structure = _structure()
    choice = survey_logic.check_rule(
        structure, Target(3, 6), {"source": "4", "option-41": "on", "option-42": "on"}
    )
    assert choice == Rule(4, option_ids=frozenset({41, 42}))
    assert survey_logic.describe(structure, choice) == (
        "Wird nur gezeigt, wenn bei „Frage 4“ „Antwort 4.1“ oder „Antwort 4.2“ gewählt wurde."
    )
    scale = survey_logic.check_rule(structure, Target(2), {"source": "2", "low": "4", "high": "5"})
    assert scale == Rule(2, low=4, high=5)
    assert survey_logic.describe(structure, scale) == (
        "Wird nur gezeigt, wenn die Antwort auf „Frage 2“ zwischen 4 und 5 liegt."
    )
    assert [q.question.id for q in survey_logic.sources_for(structure, Target(3))] == [1, 2, 4]


def test_a_move_that_would_point_a_condition_forward_is_found() -> None:
    rules = SurveyRules(sections={3: Rule(4, option_ids=frozenset({41}))})
    structure = _structure()
    assert survey_logic.backward_targets(structure, rules) == []
    # Section 3 moved before section 2: its condition would read a later answer.
    moved = [structure[0], structure[2], structure[1]]
    assert survey_logic.backward_targets(moved, rules) == [Target(3)]


# --- stored, and counted for the results -------------------------------------------------------


async def _shown(
    session: AsyncSession, survey_id: int, structure: list[SectionView], rules: SurveyRules
) -> dict[int, int]:
    responses = [
        col(SurveyResponse.survey_id) == survey_id,
        col(SurveyResponse.submitted_at).is_not(None),
    ]
    placement = [(q.question.id or 0, v.section.id or 0) for v in structure for q in v.questions]
    return await survey_logic.shown_counts(session, responses, placement, rules)


async def test_conditions_are_stored_replaced_and_counted_on_the_sent_responses(
    session: AsyncSession, process: Process
) -> None:
    data = await add_survey_data(session, process)
    survey_id = data.survey.id or 0
    structure = await survey_structure(session, survey_id)
    firm, wishes = (view.section.id or 0 for view in structure)
    good = data.options["Gut"].id or 0
    free = data.questions["2.2"].id or 0
    scale = data.questions["1.3"].id or 0

    # The wishes only for those with good internet (the first and second response) ...
    rule = survey_logic.check_rule(
        structure, Target(wishes), {"source": str(data.questions["1.1"].id), f"option-{good}": "on"}
    )
    await survey_logic.set_condition(session, data.survey, Target(wishes), rule)
    # ... and the free text only where fibre matters very much (the first).
    own = survey_logic.check_rule(
        structure, Target(wishes, free), {"source": str(scale), "low": "5", "high": "5"}
    )
    await survey_logic.set_condition(session, data.survey, Target(wishes, free), own)

    rules = await survey_logic.rules_of(session, survey_id)
    assert rules.sections == {wishes: rule}
    assert rules.questions == {free: own}
    counts = await _shown(session, survey_id, structure, rules)
    by_number = {number: counts[q.id or 0] for number, q in data.questions.items()}
    assert by_number == {"1.1": 3, "1.2": 3, "1.3": 3, "2.1": 2, "2.2": 1}

    # Setting a section's condition again replaces it; none removes it.
    await survey_logic.set_condition(session, data.survey, Target(wishes), None)
    await survey_logic.set_condition(
        session, data.survey, Target(firm, scale), None
    )  # a question without one: nothing to remove
    rows = list(await session.exec(select(SurveyCondition)))
    assert [(r.section_id, r.question_id) for r in rows] == [(None, free)]
    rules = await survey_logic.rules_of(session, survey_id)
    counts = await _shown(session, survey_id, structure, rules)
    assert counts[data.questions["2.1"].id or 0] == 3

    # Deleting the question a condition reads deletes the condition with it.
    source = await session.get(SurveyQuestion, scale)
    await session.delete(source)
    await session.commit()
    assert list(await session.exec(select(SurveyCondition))) == []


# --- answering: the pages follow the answers --------------------------------------------------


def _conditions(settings: Settings, built: BuiltSurvey) -> None:
    """Section 2 only for "Ja" on the single choice; its free text only for a scale of 4-5."""

    async def add(session: AsyncSession) -> None:
        structure = await survey_structure(session, built.id)
        single = built.questions[QuestionKind.SINGLE_CHOICE].id
        yes = built.option(QuestionKind.SINGLE_CHOICE, 0)
        second = built.sections[1].id or 0
        section_rule = survey_logic.check_rule(
            structure, Target(second), {"source": str(single), f"option-{yes}": "on"}
        )
        await survey_logic.set_condition(session, built.survey, Target(second), section_rule)
        free = Target(second, built.questions[QuestionKind.FREE_TEXT].id)
        scale = built.questions[QuestionKind.SCALE].id
        text_rule = survey_logic.check_rule(
            structure, free, {"source": str(scale), "low": "4", "high": "5"}
        )
        await survey_logic.set_condition(session, built.survey, free, text_rule)

    in_db(settings, add)


def _progress(client: Client, token: str) -> str:
    return text_of(one(html(client.get(f"/umfrage/{token}").text), ".survey-progress"))


def test_a_hidden_section_is_skipped_and_its_questions_are_not_required(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    _conditions(settings, built)
    token = start(client, process, built)
    assert answer(client, token, ABOUT_RESIDENT).status_code == 303
    # Before the first section is answered the conditional one is not counted.
    assert _progress(client, token) == german("Page %(n)d of %(total)d") % {"n": 2, "total": 3}
    no = str(built.option(QuestionKind.SINGLE_CHOICE, 1))
    assert answer(client, token, {**page_one(built), built.q(SINGLE): no}).status_code == 303
    summary = html(client.get(f"/umfrage/{token}").text)
    assert text_of(one(summary, ".survey-progress")).endswith("3")
    assert [text_of(h) for h in summary.select(".survey-summary h3")] == ["Ihr Betrieb heute"]
    assert answer(client, token, {"page": "3"}, action="send").status_code == 303
    assert in_db(settings, responses)[0].submitted_at is not None
    assert in_db(settings, contributions) == []


def test_a_changed_answer_hides_what_it_showed_and_its_answers_are_not_sent(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    _conditions(settings, built)
    token = start(client, process, built)
    assert answer(client, token, ABOUT_RESIDENT).status_code == 303
    assert answer(client, token, {**page_one(built), built.q(SCALE): "2"}).status_code == 303
    # "Ja" shows section 2; a scale of 2 hides its free text, so only the ranking is asked
    # (and required).
    page = html(client.get(f"/umfrage/{token}").text)
    assert text_of(one(page, ".survey-progress")) == german("Page %(n)d of %(total)d") % {
        "n": 3,
        "total": 4,
    }
    assert page.select(f'[name="{built.q(FREE)}"]') == []
    missing = answer(client, token, {"page": "2"})
    assert missing.status_code == 422
    assert field_error(html(missing.text), built.q(RANKING))
    assert html(missing.text).select(f"#{built.q(FREE)}-error") == []  # not asked
    # Back to page 1: fibre matters now, so the text is asked and answered.
    assert answer(client, token, {"page": "2"}, action="back").status_code == 303
    assert answer(client, token, page_one(built)).status_code == 303
    assert answer(client, token, page_two(built)).status_code == 303
    # Then "Nein": section 2 is hidden again; what was answered there is not sent.
    no = str(built.option(QuestionKind.SINGLE_CHOICE, 1))
    assert answer(client, token, {"page": "3"}, action="back").status_code == 303
    assert answer(client, token, {"page": "2"}, action="back").status_code == 303
    assert answer(client, token, {**page_one(built), built.q(SINGLE): no}).status_code == 303
    summary = text_of(html(client.get(f"/umfrage/{token}").text))
    assert "Mehr Glasfaser" not in summary
    assert answer(client, token, {"page": "3"}, action="send").status_code == 303
    sent = {a.question_id for a in in_db(settings, answers)}
    first_section = {built.questions[k].id for k in (SINGLE, QuestionKind.MULTIPLE_CHOICE, SCALE)}
    assert sent == first_section
    assert in_db(settings, contributions) == []


async def test_the_results_say_on_how_many_responses_a_question_was_shown(
    session: AsyncSession, process: Process
) -> None:
    data = await add_survey_data(session, process)
    structure = await survey_structure(session, data.survey.id or 0)
    wishes = structure[1].section.id or 0
    good = data.options["Gut"].id or 0
    rule = survey_logic.check_rule(
        structure, Target(wishes), {"source": str(data.questions["1.1"].id), f"option-{good}": "on"}
    )
    cache = survey_results.new_results_cache()

    async def results(filters: ResultFilters) -> dict[str, tuple[int | None, int, int]]:
        found = await survey_results.survey_results(
            session, data.survey, process, filters, cache=cache
        )
        return {
            q.numbered.number: (q.shown, q.answered, q.skipped)
            for part in found.sections
            for q in part.questions
        }

    before = await results(ResultFilters())
    assert before["2.2"] == (None, 2, 1)  # the third response skipped it
    await survey_logic.set_condition(session, data.survey, Target(wishes), rule)
    # Sent under the condition, the third response (bad internet) would hold no answer of
    # the wishes: sending drops them.
    third = data.responses[2].id
    await session.exec(
        delete(SurveyAnswer).where(
            col(SurveyAnswer.response_id) == third,
            col(SurveyAnswer.question_id).in_([data.questions["2.1"].id, data.questions["2.2"].id]),
        )
    )
    await session.commit()
    # A new condition is counted at once (it is part of the kept counts' key); the third
    # response was not asked the wishes, so nobody skipped them.
    after = await results(ResultFilters())
    assert after["1.1"] == (None, 3, 0)
    assert after["2.1"] == (2, 2, 0)
    assert after["2.2"] == (2, 2, 0)
    assert (await results(ResultFilters(segment="firm")))["2.2"] == (2, 2, 0)
    assert (await results(ResultFilters(segment="resident")))["2.2"] == (0, 0, 0)


# --- the builder's condition pages ---------------------------------------------------------------


def test_an_admin_sets_a_condition_in_two_steps_and_the_builder_says_it(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    admin = sign_in_admin(client, settings)
    builder = f"/admin/surveys/{built.id}/questions"
    second = built.sections[1].id
    page_url = f"/admin/surveys/{built.id}/sections/{second}/condition"
    assert f'href="{page_url}"' in admin.get(builder).text
    # The first section has nothing before it to decide by.
    first = html(
        admin.get(f"/admin/surveys/{built.id}/sections/{built.sections[0].id}/condition").text
    )
    assert first.select("#source") == []
    # Step 1: the earlier choice and scale questions, not the free text or ranking.
    page = html(admin.get(page_url).text)
    offered = [text_of(o) for o in page.select("#source option")]
    assert offered == [
        built.questions[k].text for k in (SINGLE, QuestionKind.MULTIPLE_CHOICE, SCALE)
    ]
    single = built.questions[SINGLE].id
    # Step 2: its answers to tick; none ticked is refused with the choice kept.
    page = html(admin.get(f"{page_url}?source={single}").text)
    assert [text_of(label) for label in page.select("#options label")] == [
        "Ja",
        "Nein",
        "Weiß nicht",
    ]
    refused = post_form(admin, page_url, {"source": str(single), "action": "save"})
    assert refused.status_code == 422
    assert field_error(html(refused.text), "options")
    yes = built.option(SINGLE, 0)
    saved = post_form(
        admin, page_url, {"source": str(single), f"option-{yes}": "on", "action": "save"}
    )
    assert saved.status_code == 303
    said = german("Shown only if “%(question)s” is answered with %(answers)s.") % {
        "question": built.questions[SINGLE].text,
        "answers": german("“%(answer)s”") % {"answer": "Ja"},
    }
    assert said in text_of(one(html(admin.get(builder).text), f"#section-{second}"))
    preview = html(admin.get(f"/admin/surveys/{built.id}/preview").text)
    assert [text_of(p) for p in preview.select(".builder-condition")] == [said]
    # Moving the section before the question it reads is refused, with the reason.
    post_form(admin, f"/admin/surveys/{built.id}/sections/{second}/move", {"direction": "up"})
    order = in_db(settings, lambda s: survey_structure(s, built.id))
    assert [view.section.id for view in order] == [built.sections[0].id, second]
    assert "Nicht verschoben" in text_of(html(admin.get(builder).text))
    # Removing it shows the section to everyone again.
    assert post_form(admin, page_url, {"action": "remove"}).status_code == 303
    assert in_db(settings, lambda s: survey_logic.rules_of(s, built.id)).empty


def test_a_condition_goes_with_the_answers_it_read(
    client: Client, settings: Settings, process: Process
) -> None:
    built = stored_survey(settings, process)
    admin = sign_in_admin(client, settings)
    _conditions(settings, built)
    single = built.questions[SINGLE]
    # The single choice loses "Ja", the answer the section's condition reads.
    form = {
        "section_id": str(single.section_id),
        "kind": "single_choice",
        "text": single.text,
        "required": "on",
        "options": "Nein\nWeiß nicht",
    }
    answer = post_form(admin, f"/admin/surveys/{built.id}/questions/{single.id}", form)
    assert answer.status_code == 303, answer.text
    rules = in_db(settings, lambda s: survey_logic.rules_of(s, built.id))
    assert rules.sections == {}
    assert list(rules.questions) == [built.questions[FREE].id]  # the scale's condition stays
