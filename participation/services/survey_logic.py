"""Survey logic: a section or a question shown only when an earlier answer matches
(models.SurveyCondition).

- A condition's source is a single-choice, multiple-choice or scale question of an earlier
  section. A survey is answered a section per page and works without JavaScript, so the
  answer is sent before the page it decides is built. A source in the same or a later
  section is refused, and with it every circle.
- It matches when one of its options was chosen, or when the scale value lies from `low`
  to `high`. A question whose source was not shown, or not answered, is not shown either:
  `shown` walks the sections in order and counts only the answers of shown questions.
- `describe` says a condition in words for the builder; `shown_counts` counts, for the
  results, on how many sent responses each question was shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.models import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyCondition,
    SurveyResponse,
)
from participation.services.errors import ValidationFailed
from participation.services.surveys import QuestionView, SectionView

# The kinds of question an answer can decide by.
SOURCE_KINDS: Final = frozenset(
    {QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.SCALE}
)
SCALE_LOW: Final = 1
SCALE_HIGH: Final = 5


@dataclass(frozen=True)
class Rule:
    """A condition as the pages, the builder and the results use it."""

    source_question_id: int
    option_ids: frozenset[int] = frozenset()
    low: int | None = None
    high: int | None = None

    @property
    def bounds(self) -> tuple[int, int]:
        """A scale condition's range, the whole scale where a bound is open."""
        low = SCALE_LOW if self.low is None else self.low
        high = SCALE_HIGH if self.high is None else self.high
        return low, high

    def matches(self, answer: Given | None) -> bool:
        if answer is None:
            return False
        if self.option_ids:
            return not self.option_ids.isdisjoint(answer.option_ids)
        if answer.number is None:
            return False
        low, high = self.bounds
        return low <= answer.number <= high


@dataclass(frozen=True)
class Given:
    """One question's answer as far as conditions read it: the chosen options, the value."""

    option_ids: frozenset[int] = frozenset()
    number: int | None = None


@dataclass(frozen=True)
class SurveyRules:
    """The conditions of a survey, by the section or question they decide."""

    sections: Mapping[int, Rule] = field(default_factory=dict)
    questions: Mapping[int, Rule] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.sections and not self.questions

    def of(self, target: Target) -> Rule | None:
        """The condition of a section or a question, if it has one."""
        if target.question_id is None:
            return self.sections.get(target.section_id)
        return self.questions.get(target.question_id)

    def key(self) -> tuple[Any, ...]:
        """A hashable form, for keys of kept counts."""
        return (tuple(sorted(self.sections.items())), tuple(sorted(self.questions.items())))

    def shown(self, structure: Sequence[SectionView], given: Mapping[int, Given]) -> Shown:
        """Which sections and questions `given` (answers by question id) shows, in order:
        an answer of a question not shown decides nothing."""
        sections: set[int] = set()
        questions: set[int] = set()
        for view in structure:
            section_id = view.section.id or 0
            rule = self.sections.get(section_id)
            if rule is not None and not _holds(rule, given, questions):
                continue
            sections.add(section_id)
            for question_view in view.questions:
                question_id = question_view.question.id or 0
                rule = self.questions.get(question_id)
                if rule is None or _holds(rule, given, questions):
                    questions.add(question_id)
        return Shown(frozenset(sections), frozenset(questions))


@dataclass(frozen=True)
class Shown:
    sections: frozenset[int]
    questions: frozenset[int]


def _holds(rule: Rule, given: Mapping[int, Given], shown_questions: set[int]) -> bool:
    source = rule.source_question_id
    return source in shown_questions and rule.matches(given.get(source))


def _rule(row: SurveyCondition) -> Rule:
    return Rule(row.source_question_id, frozenset(row.option_ids), row.low, row.high)


async def rules_of(session: AsyncSession, survey_id: int) -> SurveyRules:
    rows = await session.exec(select(SurveyCondition).where(SurveyCondition.survey_id == survey_id))
    sections: dict[int, Rule] = {}
    questions: dict[int, Rule] = {}
    for row in rows:
        if row.section_id is not None:
            sections[row.section_id] = _rule(row)
        elif row.question_id is not None:
            questions[row.question_id] = _rule(row)
    return SurveyRules(sections, questions)


# --- the builder -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a condition decides: a section, or a question (of its section)."""

    section_id: int
    question_id: int | None = None


def sources_for(structure: Sequence[SectionView], target: Target) -> list[QuestionView]:
    """The questions a condition of `target` may depend on: those of the earlier sections
    that an answer can decide by (QuestionViews, in the survey's order)."""
    found: list[QuestionView] = []
    for view in structure:
        if view.section.id == target.section_id:
            break
        found += [q for q in view.questions if q.question.kind in SOURCE_KINDS]
    return found


def check_rule(structure: Sequence[SectionView], target: Target, form: Mapping[str, str]) -> Rule:
    """The condition the builder's form describes: `source` (a question id), `option-<id>`
    ticks for a choice question, `low` and `high` for a scale. Raises ValidationFailed with a
    message per field for a source that is not an earlier choice or scale question, no
    option ticked, or a range outside the scale or upside down."""
    by_id = {q.question.id: q for q in sources_for(structure, target)}
    source_id = _integer(form.get("source", ""))
    source = by_id.get(source_id) if source_id is not None else None
    if source is None:
        message = _("Please choose a choice or scale question of an earlier section.")
        raise ValidationFailed({"source": message})
    assert source_id is not None
    if source.question.kind is QuestionKind.SCALE:
        low, high = _integer(form.get("low", "")), _integer(form.get("high", ""))
        if low is None or high is None or not SCALE_LOW <= low <= high <= SCALE_HIGH:
            message = _("Please give a range from %(low)d to %(high)d, the lower value first.")
            raise ValidationFailed({"range": message % {"low": SCALE_LOW, "high": SCALE_HIGH}})
        return Rule(source_id, low=low, high=high)
    offered = {option.id for option in source.options}
    chosen = frozenset(o for o in offered if o is not None and form.get(f"option-{o}") == "on")
    if not chosen:
        raise ValidationFailed({"options": _("Please tick at least one answer.")})
    return Rule(source_id, option_ids=chosen)


def _integer(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


async def set_condition(
    session: AsyncSession, survey: Survey, target: Target, rule: Rule | None
) -> None:
    """Give `target` the condition `rule`, or none (shown always). The rule comes from
    `check_rule`, which has checked it against the survey's structure."""
    where = (
        col(SurveyCondition.question_id) == target.question_id
        if target.question_id is not None
        else col(SurveyCondition.section_id) == target.section_id
    )
    await session.exec(delete(SurveyCondition).where(where))
    if rule is not None:
        session.add(
            SurveyCondition(
                survey_id=survey.id or 0,
                section_id=target.section_id if target.question_id is None else None,
                question_id=target.question_id,
                source_question_id=rule.source_question_id,
                option_ids=sorted(rule.option_ids),
                low=rule.low,
                high=rule.high,
            )
        )
    await session.commit()


def backward_targets(structure: Sequence[SectionView], rules: SurveyRules) -> list[Target]:
    """The sections and questions whose condition no longer refers to an earlier section
    (after a section or a question was moved): the builder refuses such a move."""
    section_of: dict[int, int] = {}
    order: dict[int, int] = {}
    for position, view in enumerate(structure):
        order[view.section.id or 0] = position
        for q in view.questions:
            section_of[q.question.id or 0] = view.section.id or 0
    targets = [Target(sid) for sid in rules.sections]
    targets += [Target(section_of.get(qid, 0), qid) for qid in rules.questions]
    wrong = []
    for target in targets:
        rule = rules.of(target)
        assert rule is not None
        source_section = section_of.get(rule.source_question_id)
        if source_section is None or order[source_section] >= order.get(target.section_id, -1):
            wrong.append(target)
    return wrong


def with_section_moved(
    structure: Sequence[SectionView], section_id: int, step: int
) -> list[SectionView]:
    """The structure after moving a section one place up (-1) or down (+1), as
    services/surveys.move_section does: for `backward_targets` before the move is made."""
    moved = list(structure)
    index = next(i for i, view in enumerate(moved) if view.section.id == section_id)
    if 0 <= index + step < len(moved):
        moved[index], moved[index + step] = moved[index + step], moved[index]
    return moved


def with_question_moved(
    structure: Sequence[SectionView], question_id: int, section_id: int
) -> list[SectionView]:
    """The structure after moving a question to the end of another section."""
    found = [q for view in structure for q in view.questions if q.question.id == question_id]
    moved = []
    for view in structure:
        kept = [q for q in view.questions if q.question.id != question_id]
        if view.section.id == section_id:
            kept += found
        moved.append(SectionView(view.section, kept))
    return moved


async def prune(session: AsyncSession, survey_id: int, structure: Sequence[SectionView]) -> int:
    """After a question was edited or deleted: drop the options a condition names that its
    question no longer has, and the conditions left with none, or whose question can no
    longer decide (changed to free text or ranking). Returns how many conditions went."""
    sources = {q.question.id: q for view in structure for q in view.questions}
    rows = list(
        await session.exec(select(SurveyCondition).where(SurveyCondition.survey_id == survey_id))
    )
    removed = 0
    for row in rows:
        source = sources.get(row.source_question_id)
        kind = source.question.kind if source is not None else None
        offered = {o.id for o in source.options} if source is not None else set()
        kept = [o for o in row.option_ids if o in offered]
        is_choice = kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
        if (is_choice and kept) or (kind is QuestionKind.SCALE and not row.option_ids):
            if kept != row.option_ids:
                row.option_ids = kept
                session.add(row)
            continue
        await session.delete(row)
        removed += 1
    await session.commit()
    return removed


def describe(structure: Sequence[SectionView], rule: Rule) -> str:
    """The condition in words, e.g. 'Shown only if “Größe des Betriebs” is answered with
    “1-9” or “10-49”.'"""
    source = next(
        (
            q
            for view in structure
            for q in view.questions
            if q.question.id == rule.source_question_id
        ),
        None,
    )
    if source is None:
        return ""
    text = source.question.text
    if rule.option_ids:
        labels = [
            _("“%(answer)s”") % {"answer": o.label}
            for o in source.options
            if o.id in rule.option_ids
        ]
        return _("Shown only if “%(question)s” is answered with %(answers)s.") % {
            "question": text,
            "answers": _(" or ").join(labels),
        }
    return _("Shown only if the answer to “%(question)s” is from %(low)d to %(high)d.") % {
        "question": text,
        "low": rule.bounds[0],
        "high": rule.bounds[1],
    }


# --- the results -------------------------------------------------------------------------------


def _matching(rule: Rule) -> Any:
    """Sent responses (correlated with SurveyResponse) whose answer matches `rule`."""
    answer = sa.select(sa.literal(1)).where(
        col(SurveyAnswer.response_id) == col(SurveyResponse.id),
        col(SurveyAnswer.question_id) == rule.source_question_id,
    )
    if rule.option_ids:
        answer = answer.where(col(SurveyAnswer.option_id).in_(sorted(rule.option_ids)))
    else:
        answer = answer.where(col(SurveyAnswer.number).between(*rule.bounds))
    return answer.exists()


async def shown_counts(
    session: AsyncSession,
    responses: Sequence[Any],
    placement: Sequence[tuple[int, int]],
    rules: SurveyRules,
) -> dict[int, int]:
    """On how many of the `responses` (conditions on SurveyResponse: the survey's sent ones,
    perhaps filtered) each question was shown, by question id, in one statement. `placement`
    holds (question id, section id) pairs. A response sent keeps the answers of shown
    questions only, so a matching answer of the source means it was shown; a question counts
    under its section's condition and its own."""
    chains: dict[int, tuple[Rule, ...]] = {}
    for question_id, section_id in placement:
        section_rule, own = rules.sections.get(section_id), rules.questions.get(question_id)
        chains[question_id] = tuple(r for r in (section_rule, own) if r is not None)
    if not chains:
        return {}
    distinct = sorted(set(chains.values()), key=repr)
    columns = [
        sa.select(sa.func.count())
        .select_from(SurveyResponse)
        .where(*responses, *map(_matching, chain))
        .scalar_subquery()
        for chain in distinct
    ]
    statement: Any = sa.select(*columns)
    counts = dict(zip(distinct, (await session.exec(statement)).one(), strict=True))
    return {question_id: int(counts[chain]) for question_id, chain in chains.items()}
