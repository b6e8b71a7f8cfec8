"""A survey's results for staff: counts per question, narrowed by segment, sector and size.

Only sent responses count. The database does the counting (GROUP BY over the answers joined
to their responses), so a thousand responses to thirty questions take a handful of queries,
whatever the filters; only the first free-text answers of each question are loaded as rows.
The counts change only when a response is sent or deleted (or a question or option goes), so
the results page keeps them per process in an LRU cache keyed by the filters, a stamp of the
sent responses and the survey's structure, and counts again only when one of those changed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Final, TypeVar
from urllib.parse import urlencode

import sqlalchemy as sa
from babel.numbers import format_decimal
from markupsafe import Markup
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation import charts, i18n, wz2008
from participation.charts import Bar, percent
from participation.i18n import _, ngettext
from participation.lru import LRUCache
from participation.models import (
    Process,
    QuestionKind,
    Segment,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)
from participation.services import survey_logic
from participation.services.accounts.remit import EVERYWHERE, Scope
from participation.services.processes import Page

# The query parameters of the results page and the exports.
PARAMS: Final = ("segment", "sector", "size")
# Free-text answers shown with the question; the rest are one link away, paged.
TEXTS_SHOWN: Final = 20
TEXTS_PER_PAGE: Final = 50
SCALE: Final = (1, 2, 3, 4, 5)

SelectT = TypeVar("SelectT", bound=Any)


@dataclass(frozen=True)
class ResultFilters:
    """Whose responses count; "" means everyone's."""

    segment: str = ""
    sector: str = ""  # a WZ 2008 section letter
    size: str = ""  # one of wz2008.SIZE_CLASSES

    @property
    def narrowed(self) -> bool:
        return any((self.segment, self.sector, self.size))

    def query_string(self, **extra: str | int) -> str:
        """The filters (and e.g. a page) as a URL query, empty ones left out."""
        values: dict[str, Any] = {**asdict(self), **extra}
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def parse_filters(params: Mapping[str, str]) -> tuple[ResultFilters, dict[str, str]]:
    """Filters from query parameters, and a message per parameter whose value is not one of
    its choices (that filter is then left out)."""
    choices: dict[str, Sequence[str]] = {
        "segment": [s.value for s in Segment],
        "sector": [letter for letter, _name in wz2008.SECTIONS],
        "size": wz2008.SIZE_CLASSES,
    }
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    for name, allowed in choices.items():
        value = params.get(name, "").strip()
        if value and value not in allowed:
            errors[name] = _("Unknown value %(value)r; choose one of: %(choices)s.") % {
                "value": value[:50],
                "choices": ", ".join(allowed),
            }
            value = ""
        chosen[name] = value
    return ResultFilters(**chosen), errors


def _filter_conditions(filters: ResultFilters) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.segment:
        conditions.append(col(SurveyResponse.segment) == Segment(filters.segment))
    if filters.sector:
        conditions.append(col(SurveyResponse.organisation_sector) == filters.sector)
    if filters.size:
        conditions.append(col(SurveyResponse.organisation_size) == filters.size)
    return conditions


def response_conditions(survey_id: int, filters: ResultFilters) -> list[sa.ColumnElement[bool]]:
    """The sent responses of a survey that the filters let through."""
    return [
        col(SurveyResponse.survey_id) == survey_id,
        col(SurveyResponse.submitted_at).is_not(None),
        *_filter_conditions(filters),
    ]


@dataclass(frozen=True)
class NumberedQuestion:
    """A question with its number as respondents saw it: section.question, e.g. "2.3"."""

    question: SurveyQuestion
    number: str
    options: Sequence[SurveyOption]


@dataclass(frozen=True)
class SectionQuestions:
    section: SurveySection
    questions: Sequence[NumberedQuestion]


async def survey_outline(session: AsyncSession, survey_id: int) -> list[SectionQuestions]:
    """The survey's sections, questions and options in the order respondents saw them."""
    sections = (
        await session.exec(
            select(SurveySection)
            .where(SurveySection.survey_id == survey_id)
            .order_by(col(SurveySection.position), col(SurveySection.id))
        )
    ).all()
    questions = (
        await session.exec(
            select(SurveyQuestion)
            .where(SurveyQuestion.survey_id == survey_id)
            .order_by(col(SurveyQuestion.position), col(SurveyQuestion.id))
        )
    ).all()
    options = (
        await session.exec(
            select(SurveyOption)
            .join(SurveyQuestion, col(SurveyQuestion.id) == SurveyOption.question_id)
            .where(SurveyQuestion.survey_id == survey_id)
            .order_by(col(SurveyOption.position), col(SurveyOption.id))
        )
    ).all()
    by_question: dict[int, list[SurveyOption]] = defaultdict(list)
    for option in options:
        by_question[option.question_id].append(option)
    by_section: dict[int, list[SurveyQuestion]] = defaultdict(list)
    for question in questions:
        by_section[question.section_id].append(question)
    return [
        SectionQuestions(
            section=section,
            questions=[
                NumberedQuestion(q, f"{s}.{n}", by_question.get(q.id or 0, []))
                for n, q in enumerate(by_section.get(section.id or 0, []), start=1)
            ],
        )
        for s, section in enumerate(sections, start=1)
    ]


@dataclass(frozen=True)
class OptionCount:
    option: SurveyOption
    count: int
    percent: float  # of the respondents who answered the question
    mean_rank: float | None = None  # ranking only; 1 is first
    first: int = 0  # ranking only: how often it was ranked first


@dataclass(frozen=True)
class ScaleCount:
    value: int
    count: int
    percent: float


@dataclass(frozen=True)
class TextAnswer:
    response_id: int
    text: str
    contribution_id: int | None


@dataclass(frozen=True)
class QuestionResult:
    numbered: NumberedQuestion
    answered: int
    skipped: int
    options: Sequence[OptionCount] = ()
    scale: Sequence[ScaleCount] = ()
    mean: float | None = None  # the scale's mean
    texts: Sequence[TextAnswer] = ()
    shown: int | None = None  # with a condition: the responses it was shown on

    @property
    def question(self) -> SurveyQuestion:
        return self.numbered.question

    @property
    def kind(self) -> QuestionKind:
        return self.question.kind


@dataclass(frozen=True)
class SectionResult:
    section: SurveySection
    questions: Sequence[QuestionResult]


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    process: Process
    sent: int
    started: int  # started but not sent
    sections: Sequence[SectionResult] = field(default_factory=list)


async def get_survey(session: AsyncSession, survey_id: int) -> tuple[Survey, Process] | None:
    row = (
        await session.exec(
            select(Survey, Process)
            .join(Process, col(Process.id) == Survey.process_id)
            .where(Survey.id == survey_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def response_counts(
    session: AsyncSession, survey_id: int, filters: ResultFilters
) -> tuple[int, int]:
    """(sent, started but not sent) responses that the filters let through."""
    sent = col(SurveyResponse.submitted_at).is_not(None)
    row = (
        await session.exec(
            select(
                func.count(col(SurveyResponse.id)).filter(sent),
                func.count(col(SurveyResponse.id)).filter(sa.not_(sent)),
            ).where(col(SurveyResponse.survey_id) == survey_id, *_filter_conditions(filters))
        )
    ).one()
    return int(row[0]), int(row[1])


def _counted(query: SelectT, survey_id: int, filters: ResultFilters) -> SelectT:
    """A query over answers, narrowed to those of the counted responses."""
    narrowed: SelectT = query.join(
        SurveyResponse, col(SurveyResponse.id) == SurveyAnswer.response_id
    ).where(*response_conditions(survey_id, filters))
    return narrowed


def number(value: float) -> str:
    """A number as people here write it (German: 33,3)."""
    return format_decimal(value, locale=i18n.current_locale.get())


@dataclass(frozen=True)
class SentStamp:
    """A cheap version of a survey's sent responses: sending one raises the count and the
    latest time; deleting one lowers the count. Read from one index (ix_survey_response_sent)
    without touching the answers."""

    count: int
    latest: datetime | None
    last_id: int | None


async def sent_stamp(session: AsyncSession, survey_id: int) -> SentStamp:
    row = (
        await session.exec(
            select(
                func.count(),
                func.max(col(SurveyResponse.submitted_at)),
                func.max(col(SurveyResponse.id)),
            ).where(
                col(SurveyResponse.survey_id) == survey_id,
                col(SurveyResponse.submitted_at).is_not(None),
            )
        )
    ).one()
    return SentStamp(int(row[0]), row[1], row[2])


@dataclass(frozen=True)
class Tally:
    """What the results page counts over the answers, as plain values (no rows of the
    session, nothing formatted for a language), so it can be kept between requests."""

    # Per question: (option id, number, count) rows of the grouped answers.
    rows: Mapping[int, Sequence[tuple[int | None, int | None, int]]]
    answered: Mapping[int, int]  # respondents per question
    texts: Mapping[int, Sequence[TextAnswer]]  # the first free-text answers per question
    # Per question with a condition (services/survey_logic.py): the responses it was shown on.
    shown: Mapping[int, int] = field(default_factory=dict)


def tally_cost(tally: Tally) -> int:
    """About the bytes a tally holds: its texts, and a few dozen per counted row."""
    texts = sum(len(t.text) + 64 for answers in tally.texts.values() for t in answers)
    return texts + 48 * sum(len(found) for found in tally.rows.values()) + 256


def new_results_cache() -> LRUCache[Tally]:
    """The per-process cache of survey tallies (kept on the app's state)."""
    return LRUCache(tally_cost)


def _structure(outline: Sequence[SectionQuestions]) -> tuple[Any, ...]:
    """What of the survey's structure the counts depend on: the questions with their kinds
    and options (an option or question deleted takes its answers with it)."""
    return tuple(
        (q.question.id, q.question.kind.value, tuple(o.id for o in q.options))
        for part in outline
        for q in part.questions
    )


async def _tally(
    session: AsyncSession,
    survey_id: int,
    outline: Sequence[SectionQuestions],
    filters: ResultFilters,
    rules: survey_logic.SurveyRules,
) -> Tally:
    """Count the answers: one grouped pass, one for the questions with several rows per
    response, one per free-text question for its first answers, and with survey logic one
    for the responses each question was shown on."""
    # One pass over the answers: rows per question, option and number (a scale value or a
    # rank). Where a response has one row per question, that also counts who answered it.
    grouped = await session.exec(
        _counted(
            select(
                SurveyAnswer.question_id, SurveyAnswer.option_id, SurveyAnswer.number, func.count()
            ),
            survey_id,
            filters,
        )
        .where(sa.or_(col(SurveyAnswer.text).is_(None), col(SurveyAnswer.text) != ""))
        .group_by(
            col(SurveyAnswer.question_id), col(SurveyAnswer.option_id), col(SurveyAnswer.number)
        )
    )
    rows: dict[int, list[tuple[int | None, int | None, int]]] = defaultdict(list)
    for question_id, option_id, value, count in grouped:
        rows[question_id].append((option_id, value, count))
    answered = {q: sum(count for _o, _v, count in found) for q, found in rows.items()}
    # Multiple choices and rankings have several rows per response: count the responses.
    several = [
        q.question.id
        for part in outline
        for q in part.questions
        if q.question.kind in (QuestionKind.MULTIPLE_CHOICE, QuestionKind.RANKING)
    ]
    if several:
        respondents = await session.exec(
            _counted(
                select(
                    SurveyAnswer.question_id,
                    func.count(sa.distinct(col(SurveyAnswer.response_id))),
                ),
                survey_id,
                filters,
            )
            .where(col(SurveyAnswer.question_id).in_(several))
            .group_by(col(SurveyAnswer.question_id))
        )
        answered.update(respondents.all())
    texts = {
        q.question.id or 0: await text_answers(
            session, survey_id, q.question.id or 0, filters, TEXTS_SHOWN
        )
        for part in outline
        for q in part.questions
        if q.question.kind is QuestionKind.FREE_TEXT
    }
    shown: dict[int, int] = {}
    if not rules.empty:
        placement = [
            (q.question.id or 0, part.section.id or 0) for part in outline for q in part.questions
        ]
        counted = await survey_logic.shown_counts(
            session, response_conditions(survey_id, filters), placement, rules
        )
        conditional = set(rules.questions) | {
            q.question.id
            for part in outline
            if part.section.id in rules.sections
            for q in part.questions
        }
        shown = {qid: n for qid, n in counted.items() if qid in conditional}
    return Tally(rows=dict(rows), answered=answered, texts=texts, shown=shown)


async def survey_results(
    session: AsyncSession,
    survey: Survey,
    process: Process,
    filters: ResultFilters,
    cache: LRUCache[Tally] | None = None,
) -> SurveyResults:
    """Everything the results page shows. The counts over the answers come from `cache` when
    the survey's sent responses (their stamp, read first) and its questions and options are
    as they were when counted; else they are counted again and kept. So a request costs a
    few statements over the responses and the survey's structure, however many answers."""
    assert survey.id is not None
    sent, started = await response_counts(session, survey.id, filters)
    outline = await survey_outline(session, survey.id)
    rules = await survey_logic.rules_of(session, survey.id)
    if cache is None:
        tally = await _tally(session, survey.id, outline, filters, rules)
    else:
        # The stamp is read before counting: a response sent meanwhile is at worst counted
        # under the older stamp, which no later request asks for.
        stamp = await sent_stamp(session, survey.id)
        key = (survey.id, filters, stamp, _structure(outline), rules.key())
        kept = cache.get(key)
        if kept is None:
            kept = await _tally(session, survey.id, outline, filters, rules)
            cache.put(key, kept)
        tally = kept
    rows, answered = tally.rows, tally.answered

    sections = []
    for part in outline:
        results = []
        for numbered in part.questions:
            question_id = numbered.question.id or 0
            n = answered.get(question_id, 0)
            # A question with a condition was skipped by those it was shown to only.
            shown = tally.shown.get(question_id)
            asked = sent if shown is None else shown
            result = QuestionResult(
                numbered=numbered, answered=n, skipped=max(asked - n, 0), shown=shown
            )
            kind = numbered.question.kind
            counted = rows.get(question_id, ())
            if kind is QuestionKind.SCALE:
                counts = {v: c for o, v, c in counted if o is None and v is not None}
                total = sum(counts.get(v, 0) for v in SCALE)
                mean = sum(v * counts.get(v, 0) for v in SCALE) / total if total else None
                result = replace(
                    result,
                    scale=[
                        ScaleCount(v, counts.get(v, 0), percent(counts.get(v, 0), n)) for v in SCALE
                    ],
                    mean=round(mean, 2) if mean is not None else None,
                )
            elif kind is QuestionKind.FREE_TEXT:
                result = replace(result, texts=tally.texts.get(question_id, ()))
            elif kind is QuestionKind.RANKING:
                ranked = []
                for option in numbered.options:
                    ranks = [(v or 0, c) for o, v, c in counted if o == option.id]
                    count = sum(c for _v, c in ranks)
                    mean_rank = round(sum(v * c for v, c in ranks) / count, 2) if count else None
                    first = sum(c for v, c in ranks if v == 1)
                    ranked.append(OptionCount(option, count, percent(count, n), mean_rank, first))
                # Best first; options nobody ranked go last.
                ranked.sort(key=lambda o: math.inf if o.mean_rank is None else o.mean_rank)
                result = replace(result, options=ranked)
            else:
                options = []
                for option in numbered.options:
                    count = sum(c for o, _v, c in counted if o == option.id)
                    options.append(OptionCount(option, count, percent(count, n)))
                result = replace(result, options=options)
            results.append(result)
        sections.append(SectionResult(section=part.section, questions=results))
    return SurveyResults(survey, process, sent, started, sections)


async def text_answers(
    session: AsyncSession,
    survey_id: int,
    question_id: int,
    filters: ResultFilters,
    limit: int,
    offset: int = 0,
) -> list[TextAnswer]:
    """Free-text answers to one question, in the order they were sent."""
    rows = await session.exec(
        _counted(
            select(SurveyAnswer.response_id, SurveyAnswer.text, SurveyAnswer.contribution_id),
            survey_id,
            filters,
        )
        .where(
            SurveyAnswer.question_id == question_id,
            col(SurveyAnswer.text).is_not(None),
            col(SurveyAnswer.text) != "",
        )
        .order_by(col(SurveyResponse.submitted_at), col(SurveyAnswer.id))
        .offset(offset)
        .limit(limit)
    )
    return [TextAnswer(r, t or "", c) for r, t, c in rows]


async def text_answer_page(
    session: AsyncSession,
    survey_id: int,
    question_id: int,
    filters: ResultFilters,
    page: int,
) -> Page[TextAnswer]:
    """One page of all free-text answers to a question."""
    total = (
        await session.exec(
            _counted(select(func.count()).select_from(SurveyAnswer), survey_id, filters).where(
                SurveyAnswer.question_id == question_id,
                col(SurveyAnswer.text).is_not(None),
                col(SurveyAnswer.text) != "",
            )
        )
    ).one()
    pages = max(1, math.ceil(total / TEXTS_PER_PAGE))
    page = min(max(page, 1), pages)
    items = await text_answers(
        session, survey_id, question_id, filters, TEXTS_PER_PAGE, (page - 1) * TEXTS_PER_PAGE
    )
    return Page(items=items, page=page, pages=pages, total=total)


async def find_question(
    session: AsyncSession, survey_id: int, question_id: int
) -> NumberedQuestion | None:
    for part in await survey_outline(session, survey_id):
        for numbered in part.questions:
            if numbered.question.id == question_id:
                return numbered
    return None


def chart(result: QuestionResult) -> Markup:
    """The question's chart: bars with count and percent, the scale's values, or the ranking's
    mean ranks (longer is ranked higher). Empty for free text, which has no chart."""
    chart_id = f"chart-{result.question.id}"
    title = _("Chart for question %(number)s") % {"number": result.numbered.number}
    answered = ngettext("%(num)d answered", "%(num)d answered", result.answered) % {
        "num": result.answered
    }
    if result.kind is QuestionKind.SCALE:
        low, high = result.question.scale_low_label, result.question.scale_high_label
        names = {1: f"1 – {low}" if low else "1", 5: f"5 – {high}" if high else "5"}
        bars = [
            Bar(names.get(s.value, str(s.value)), s.percent, f"{s.count} ({number(s.percent)} %)")
            for s in result.scale
        ]
        mean = number(result.mean) if result.mean is not None else "–"
        description = _("Answers per value from 1 to 5; %(answered)s, mean %(mean)s.") % {
            "answered": answered,
            "mean": mean,
        }
        return charts.bar_chart(chart_id, title, description, bars, maximum=100)
    if result.kind is QuestionKind.RANKING:
        size = len(result.options)
        bars = [
            Bar(
                o.option.label,
                (size + 1 - o.mean_rank) if o.mean_rank is not None else 0,
                f"Ø {number(o.mean_rank)}" if o.mean_rank is not None else "–",
            )
            for o in result.options
        ]
        description = _(
            "Mean rank per option, best first; a longer bar means ranked higher. %(answered)s."
        ) % {"answered": answered}
        return charts.bar_chart(chart_id, title, description, bars, maximum=size)
    if result.kind is QuestionKind.FREE_TEXT:
        return Markup("")
    bars = [
        Bar(o.option.label, o.percent, f"{o.count} ({number(o.percent)} %)") for o in result.options
    ]
    if result.kind is QuestionKind.MULTIPLE_CHOICE:
        description = _(
            "Respondents per option, in percent of those who answered; several answers were "
            "possible. %(answered)s."
        ) % {"answered": answered}
    else:
        description = _(
            "Respondents per option, in percent of those who answered. %(answered)s."
        ) % {"answered": answered}
    return charts.bar_chart(chart_id, title, description, bars, maximum=100)


@dataclass(frozen=True)
class SurveySummary:
    survey: Survey
    process: Process
    sent: int


async def list_surveys(session: AsyncSession, scope: Scope = EVERYWHERE) -> list[SurveySummary]:
    """Every survey with its number of sent responses, for the analysis start page."""
    sent = (
        select(func.count(col(SurveyResponse.id)))
        .where(
            SurveyResponse.survey_id == Survey.id,
            col(SurveyResponse.submitted_at).is_not(None),
        )
        .scalar_subquery()
    )
    rows = await session.exec(
        select(Survey, Process, sent)
        .join(Process, col(Process.id) == Survey.process_id)
        .where(scope.processes_in(Survey.process_id))
        .order_by(col(Process.title), col(Survey.title), col(Survey.id))
    )
    return [SurveySummary(s, p, n) for s, p, n in rows]
