"""Survey results: counts per question kind for the fixed data set in tests/survey_data.py
(service), filters, unsent responses left out, and the results pages with their guard."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.lru import LRUCache
from participation.models import (
    Process,
    Role,
    Segment,
    SurveyOption,
    SurveyResponse,
    User,
    utcnow,
)
from participation.services import survey_results
from participation.services.survey_results import QuestionResult, ResultFilters, SurveyResults
from participation.settings import Settings
from tests.helpers import (
    HTMX,
    Client,
    add_process,
    add_staff,
    attr,
    de,
    field_error,
    first_match,
    html,
    in_db,
    login,
    one,
    text_of,
)
from tests.sql_statements import Statements, recorded
from tests.survey_data import (
    FIRST_SENT,
    SECOND_TEXT,
    SURVEY_TITLE,
    SurveyData,
    add_response,
    add_survey_data,
    answer,
)


async def _results(
    session: AsyncSession, data: SurveyData, filters: ResultFilters | None = None
) -> SurveyResults:
    found = await survey_results.get_survey(session, data.survey.id or 0)
    assert found is not None
    return await survey_results.survey_results(session, *found, filters or ResultFilters())


def _by_number(results: SurveyResults) -> dict[str, QuestionResult]:
    return {q.numbered.number: q for part in results.sections for q in part.questions}


async def test_counts_every_kind_of_question(session: AsyncSession) -> None:
    process = await add_process(session)
    data = await add_survey_data(session, process)
    results = await _results(session, data)

    assert (results.sent, results.started) == (3, 1)
    # Sections and questions in the order of their positions, numbered as respondents saw them.
    assert [p.section.title for p in results.sections] == ["Ihr Betrieb", "Wünsche"]
    questions = _by_number(results)
    assert list(questions) == ["1.1", "1.2", "1.3", "2.1", "2.2"]

    single = questions["1.1"]
    assert (single.answered, single.skipped) == (3, 0)
    assert [(o.option.label, o.count, o.percent) for o in single.options] == [
        ("Gut", 2, 66.7),
        ("Mittel", 0, 0.0),  # only the unsent response chose it
        ("Schlecht", 1, 33.3),
    ]

    multiple = questions["1.2"]
    assert (multiple.answered, multiple.skipped) == (2, 1)
    # Percent of the respondents who answered: together more than 100.
    assert [(o.option.label, o.count, o.percent) for o in multiple.options] == [
        ("E-Mail", 2, 100.0),
        ("Cloud", 1, 50.0),
        ("Onlineshop", 0, 0.0),
    ]

    scale = questions["1.3"]
    assert (scale.answered, scale.skipped, scale.mean) == (3, 0, 3.67)
    assert [(s.value, s.count) for s in scale.scale] == [(1, 0), (2, 1), (3, 0), (4, 1), (5, 1)]
    assert [s.percent for s in scale.scale] == [0.0, 33.3, 0.0, 33.3, 33.3]

    ranking = questions["2.1"]
    assert ranking.answered == 3
    # Best mean rank first; how often each came first.
    assert [(o.option.label, o.mean_rank, o.first) for o in ranking.options] == [
        ("Netz", 1.33, 2),
        ("Förderung", 2.0, 1),
        ("Beratung", 2.67, 0),
    ]

    free = questions["2.2"]
    assert (free.answered, free.skipped) == (2, 1)
    assert [(t.text, t.contribution_id) for t in free.texts] == [
        ("=SUMME(A1)", None),
        (SECOND_TEXT, data.contribution_id),
    ]


@pytest.mark.parametrize(
    ("filters", "sent", "started", "good"),
    [
        (ResultFilters(segment="firm"), 2, 1, 2),
        (ResultFilters(segment="resident"), 1, 0, 0),
        (ResultFilters(sector="C"), 1, 1, 1),
        (ResultFilters(size="10-49"), 1, 0, 1),
        (ResultFilters(segment="firm", sector="J", size="10-49"), 1, 0, 1),
        (ResultFilters(sector="A"), 0, 0, 0),
    ],
)
async def test_filters_narrow_the_counted_responses(
    session: AsyncSession, filters: ResultFilters, sent: int, started: int, good: int
) -> None:
    process = await add_process(session)
    data = await add_survey_data(session, process)
    results = await _results(session, data, filters)
    assert (results.sent, results.started) == (sent, started)
    single = _by_number(results)["1.1"]
    assert single.answered == sent
    assert single.options[0].count == good


async def test_a_free_text_page_lists_every_answer(session: AsyncSession) -> None:
    process = await add_process(session)
    data = await add_survey_data(session, process)
    question = data.questions["2.2"].id or 0
    page = await survey_results.text_answer_page(
        session, data.survey.id or 0, question, ResultFilters(), 1
    )
    assert page.total == 2
    assert [t.text for t in page.items] == ["=SUMME(A1)", SECOND_TEXT]
    narrowed = await survey_results.text_answer_page(
        session, data.survey.id or 0, question, ResultFilters(size="10-49"), 5
    )
    assert (narrowed.total, narrowed.page, [t.text for t in narrowed.items]) == (
        1,
        1,
        [SECOND_TEXT],
    )


def test_parse_filters_reports_unknown_values() -> None:
    filters, errors = survey_results.parse_filters({"segment": "firm", "sector": "Z", "size": "7"})
    assert filters == ResultFilters(segment="firm")
    assert set(errors) == {"sector", "size"}
    assert "'Z'" in errors["sector"]


async def test_the_analysis_list_counts_sent_responses(session: AsyncSession) -> None:
    process = await add_process(session)
    await add_survey_data(session, process)
    [summary] = await survey_results.list_surveys(session)
    assert (summary.survey.title, summary.process.title, summary.sent) == (
        SURVEY_TITLE,
        process.title,
        3,
    )


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def data(settings: Settings, process: Process) -> SurveyData:
    return in_db(settings, lambda s: add_survey_data(s, process))


def _url(data: SurveyData, query: str = "") -> str:
    return f"/surveys/{data.survey.id}/results" + (f"?{query}" if query else "")


def test_the_results_page_shows_charts_and_tables(staff_client: Client, data: SurveyData) -> None:
    response = staff_client.get(_url(data))
    assert response.status_code == 200
    page = html(response.text)
    assert SURVEY_TITLE in text_of(one(page, "h1"))
    assert text_of(one(page, "#results-title")).startswith("3 ")
    single_id = data.questions["1.1"].id
    chart = one(page, f"#chart-{single_id}-title").find_parent("svg")
    assert chart is not None
    assert attr(chart, "role") == "img"
    assert attr(chart, "aria-labelledby") == f"chart-{single_id}-title chart-{single_id}-desc"
    table = one(page, f"#table-{single_id}-caption").find_parent("table")
    assert table is not None
    rows = [[text_of(c) for c in tr.select("th, td")] for tr in table.select("tbody tr")]
    assert rows == [["Gut", "2", "66,7 %"], ["Mittel", "0", "0 %"], ["Schlecht", "1", "33,3 %"]]
    # The moderation item a free-text answer became is one click away for a moderator.
    links = [attr(a, "href") for a in page.select(".survey-texts a")]
    assert links == [f"/moderation/contributions/{data.contribution_id}"]
    # The export links keep no filters when none is chosen.
    exports = [attr(a, "href") for a in page.select(".survey-export a")]
    assert exports == [
        f"/surveys/{data.survey.id}/export.csv",
        f"/surveys/{data.survey.id}/export.xlsx",
    ]


def test_filters_keep_their_values_and_reach_the_exports(
    staff_client: Client, data: SurveyData
) -> None:
    page = html(staff_client.get(_url(data, "segment=firm&sector=C")).text)
    assert text_of(one(page, "#results-title")).startswith("1 ")
    assert attr(one(page, "#sector option[selected]"), "value") == "C"
    assert attr(one(page, "#segment option[selected]"), "value") == "firm"
    exports = [attr(a, "href") for a in page.select(".survey-export a")]
    assert exports[0] == f"/surveys/{data.survey.id}/export.csv?segment=firm&sector=C"


def test_htmx_gets_the_results_area_alone(staff_client: Client, data: SurveyData) -> None:
    response = staff_client.get(
        _url(data, "size=10-49"), headers={**HTMX, "HX-Target": "survey-results"}
    )
    assert response.status_code == 200
    page = html(response.text)
    assert page.find("form") is None
    assert attr(first_match(page, "div"), "id") == "survey-results"
    assert page.select("h1") == []
    assert text_of(one(page, "#results-title")).startswith("1 ")


def test_a_bad_filter_is_a_400_with_a_message_at_the_field(
    staff_client: Client, data: SurveyData
) -> None:
    response = staff_client.get(_url(data, "sector=ZZ&size=10-49"))
    assert response.status_code == 400
    page = html(response.text)
    assert "'ZZ'" in field_error(page, "sector")
    assert attr(one(page, "#sector"), "aria-invalid") == "true"
    assert page.select(".error-summary a[href='#sector']")
    # The valid filter is kept and applied.
    assert attr(one(page, "#size option[selected]"), "value") == "10-49"
    assert text_of(one(page, "#results-title")).startswith("1 ")


def test_the_free_text_page_and_unknown_ids(staff_client: Client, data: SurveyData) -> None:
    question = data.questions["2.2"].id
    page = html(staff_client.get(_url(data) + f"/questions/{question}?segment=firm").text)
    assert [text_of(p) for p in page.select(".survey-texts .text")] == ["=SUMME(A1)", SECOND_TEXT]
    assert staff_client.get(_url(data) + "/questions/999999").status_code == 404
    assert staff_client.get("/surveys/999999/results").status_code == 404
    assert staff_client.get("/surveys/999999/export.csv").status_code == 404


@pytest.mark.parametrize(("role", "status"), [(Role.EVALUATOR, 200), (Role.FACILITATOR, 403)])
def test_only_analysts_see_results(
    client: Client, settings: Settings, data: SurveyData, role: Role, status: int
) -> None:
    user: User = in_db(settings, lambda s: add_staff(s, "staff@example.org", role))
    assert login(client, user.email).status_code == 303
    response = client.get(_url(data))
    assert response.status_code == status
    if role is Role.EVALUATOR:
        # Evaluators may not open the moderation queue: no link that would answer 403.
        assert html(response.text).select(".survey-texts a") == []
    for export in ("export.csv", "export.xlsx"):
        assert client.get(f"/surveys/{data.survey.id}/{export}").status_code == status


def test_anonymous_people_are_sent_to_sign_in(client: Client, data: SurveyData) -> None:
    response = client.get(_url(data), follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login")
    assert client.get(
        f"/surveys/{data.survey.id}/export.csv", follow_redirects=False
    ).status_code in (
        302,
        303,
    )


def test_the_analysis_page_lists_surveys(staff_client: Client, data: SurveyData) -> None:
    page = html(staff_client.get("/analysis").text)
    link = one(page, f"a[href='/surveys/{data.survey.id}/results']")
    assert text_of(link) == SURVEY_TITLE
    assert de("Surveys") in text_of(one(page, "#surveys-title"))


def test_many_free_text_answers_link_to_all_of_them(
    staff_client: Client, settings: Settings, data: SurveyData
) -> None:
    async def more_answers(session: AsyncSession) -> None:
        for n in range(survey_results.TEXTS_SHOWN):
            response = await add_response(
                session, data.survey, sent_at=FIRST_SENT, segment=Segment.FIRM, token=f"more{n}"
            )
            session.add(answer(response, data.questions["2.2"], text=f"Antwort {n}"))
        await session.commit()

    in_db(settings, more_answers)
    question = data.questions["2.2"].id
    page = html(staff_client.get(_url(data, "segment=firm")).text)
    shown = page.select(f"#question-{question} ~ .survey-texts .text")
    assert len(shown) == survey_results.TEXTS_SHOWN
    link = one(page, f"a[href^='/surveys/{data.survey.id}/results/questions/{question}']")
    assert attr(link, "href").endswith("?segment=firm")
    assert "22" in text_of(link)  # two firms' answers and the twenty more

    everything = html(staff_client.get(attr(link, "href")).text)
    assert len(everything.select(".survey-texts .text")) == 22


# --- the counts kept between requests ----------------------------------------------------------


def _single_choice_rows(page: Any, data: SurveyData) -> list[list[str]]:
    table = one(page, f"#table-{data.questions['1.1'].id}-caption").find_parent("table")
    assert table is not None
    return [[text_of(c) for c in tr.select("th, td")] for tr in table.select("tbody tr")]


def _texts(page: Any, data: SurveyData) -> list[str]:
    question = data.questions["2.2"].id
    return [text_of(t) for t in page.select(f"#question-{question} ~ .survey-texts .text")]


def _reads_answers(statements: Statements) -> bool:
    return any("survey_answer" in run.statement for run in statements.runs)


def test_results_are_kept_and_never_stale_after_a_send_or_delete(
    staff_client: Client, settings: Settings, data: SurveyData
) -> None:
    cache = staff_client.app.state.survey_tallies
    first = html(staff_client.get(_url(data)).text)
    assert text_of(one(first, "#results-title")).startswith("3 ")
    # Asked again with nothing sent: the counts come from the cache, no answer is read.
    with recorded() as statements:
        again = html(staff_client.get(_url(data)).text)
    assert not _reads_answers(statements)
    assert cache.hits == 1
    assert _single_choice_rows(again, data) == _single_choice_rows(first, data)
    assert _texts(again, data) == _texts(first, data)

    # The started response is sent (as the respondent's last page does it).
    async def send_the_fourth(session: AsyncSession) -> None:
        response = await session.get(SurveyResponse, data.responses[3].id)
        assert response is not None
        response.submitted_at = utcnow()
        await session.commit()

    in_db(settings, send_the_fourth)
    with recorded() as statements:
        page = html(staff_client.get(_url(data)).text)
    assert _reads_answers(statements)
    assert text_of(one(page, "#results-title")).startswith("4 ")
    assert _single_choice_rows(page, data) == [
        ["Gut", "2", "50 %"],
        ["Mittel", "1", "25 %"],
        ["Schlecht", "1", "25 %"],
    ]
    assert _texts(page, data) == ["=SUMME(A1)", SECOND_TEXT, "Nicht gesendet"]

    # A new response sent, with the same time as the latest: the count moves the stamp.
    async def send_another(session: AsyncSession) -> None:
        latest = await session.get(SurveyResponse, data.responses[3].id)
        assert latest is not None
        response = await add_response(
            session, data.survey, sent_at=latest.submitted_at, segment=Segment.FIRM, token="r5"
        )
        session.add(answer(response, data.questions["1.1"], option=data.options["Schlecht"]))
        session.add(answer(response, data.questions["2.2"], text="Mehr Funklöcher schließen"))
        await session.commit()

    in_db(settings, send_another)
    page = html(staff_client.get(_url(data)).text)
    assert text_of(one(page, "#results-title")).startswith("5 ")
    assert [row[:2] for row in _single_choice_rows(page, data)] == [
        ["Gut", "2"],
        ["Mittel", "1"],
        ["Schlecht", "2"],
    ]
    assert _texts(page, data)[-1] == "Mehr Funklöcher schließen"
    # A narrowed view is kept apart and is as fresh.
    firms = html(staff_client.get(_url(data, "segment=firm")).text)
    assert [row[:2] for row in _single_choice_rows(firms, data)] == [
        ["Gut", "2"],
        ["Mittel", "1"],
        ["Schlecht", "1"],
    ]

    # A response deleted (an admin, a process's data removed): gone from the counts at once.
    async def delete_the_first(session: AsyncSession) -> None:
        await session.exec(
            delete(SurveyResponse).where(col(SurveyResponse.id) == data.responses[0].id)
        )
        await session.commit()

    in_db(settings, delete_the_first)
    page = html(staff_client.get(_url(data)).text)
    assert text_of(one(page, "#results-title")).startswith("4 ")
    assert [row[:2] for row in _single_choice_rows(page, data)] == [
        ["Gut", "1"],
        ["Mittel", "1"],
        ["Schlecht", "2"],
    ]
    assert "=SUMME(A1)" not in _texts(page, data)


def test_results_follow_a_deleted_option(
    staff_client: Client, settings: Settings, data: SurveyData
) -> None:
    """Deleting an option takes its answers along without touching the responses: the
    survey's structure is part of what the kept counts are checked against."""
    page = html(staff_client.get(_url(data)).text)
    multiple = data.questions["1.2"].id
    assert text_of(one(page, f"#question-{multiple}")).startswith("1.2")

    async def delete_email(session: AsyncSession) -> None:
        await session.exec(
            delete(SurveyOption).where(col(SurveyOption.id) == data.options["E-Mail"].id)
        )
        await session.commit()

    in_db(settings, delete_email)
    found = in_db(settings, lambda s: survey_results.get_survey(s, data.survey.id or 0))
    assert found is not None
    cache = staff_client.app.state.survey_tallies
    hits = cache.hits
    staff_client.get(_url(data))
    assert cache.hits == hits  # counted again, not taken from the cache


def test_the_cache_keeps_the_most_recent_within_its_limits() -> None:
    cache: LRUCache[str] = LRUCache(len, max_entries=3, max_cost=10)
    for key in "abc":
        cache.put(key, "xx")
    assert cache.get("a") == "xx"  # now the most recent
    cache.put("d", "xx")
    assert len(cache) == 3
    assert cache.get("b") is None  # the least recently used went
    assert cache.get("a") == "xx"
    cache.put("e", "xxxxxxx")  # 7: the others must make room under a cost of 10
    assert cache.total_cost <= 10
    assert cache.get("e") == "xxxxxxx"
    cache.put("f", "x" * 11)  # more than the whole cache: not kept
    assert cache.get("f") is None
    assert cache.total_cost <= 10
