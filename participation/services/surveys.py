"""Building surveys: a process's surveys, their settings and dates, sections and questions
with their options, and the state a survey is in (draft, opens later, open, closed).

Options are matched by label when a question is edited, so the rows whose labels stay keep
their ids (answers refer to them); removing an option that answers use needs a yes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import N_, _
from participation.models import Process, Segment, utcnow
from participation.models.surveys import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)
from participation.services.errors import ValidationFailed
from participation.services.processes import (
    DEFAULT_TIME_ZONE,
    SLUG_MAX,
    SLUG_MIN,
    SLUG_PATTERN,
    parse_day,
    slugify,
)

TITLE_MAX, SECTION_TITLE_MAX, QUESTION_MAX, HELP_MAX = 200, 200, 500, 1000
OPTION_MAX, SCALE_LABEL_MAX, MAX_OPTIONS = 300, 100, 30
CHOICE_KINDS: Final = frozenset(
    {QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.RANKING}
)
_CHECKED: Final = frozenset({"on", "true", "1", "yes"})
_ONE_SECOND: Final = timedelta(seconds=1)


class SurveyState(StrEnum):
    DRAFT = "draft"  # no opening date: only admins see it
    SCHEDULED = "scheduled"  # opens later
    OPEN = "open"
    CLOSED = "closed"


def survey_state(survey: Survey, now: datetime) -> SurveyState:
    if survey.opens_at is None:
        return SurveyState.DRAFT
    if now < survey.opens_at:
        return SurveyState.SCHEDULED
    if survey.closes_at is not None and now >= survey.closes_at:
        return SurveyState.CLOSED
    return SurveyState.OPEN


def _line(text: str) -> str:
    return " ".join(text.split())


def _block(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _too_long(n: int) -> str:
    return _("Please use at most %(n)d characters.") % {"n": n}


# --- the list of a process's surveys and creating one ----------------------------------------


@dataclass(frozen=True)
class SurveySummary:
    survey: Survey
    state: SurveyState
    sent: int  # responses sent
    started: int  # responses begun but not sent


async def list_surveys(session: AsyncSession, process_id: int) -> list[SurveySummary]:
    surveys = list(
        await session.exec(
            select(Survey).where(Survey.process_id == process_id).order_by(col(Survey.created_at))
        )
    )
    ids = [s.id for s in surveys if s.id is not None]
    counts: dict[tuple[int, bool], int] = {}
    if ids:
        rows = await session.exec(
            select(
                SurveyResponse.survey_id,
                col(SurveyResponse.submitted_at).is_not(None),
                func.count(),
            )
            .where(col(SurveyResponse.survey_id).in_(ids))
            .group_by(col(SurveyResponse.survey_id), col(SurveyResponse.submitted_at).is_not(None))
        )
        counts = {(survey_id, bool(sent)): n for survey_id, sent, n in rows}
    now = utcnow()
    return [
        SurveySummary(
            survey=s,
            state=survey_state(s, now),
            sent=counts.get((s.id or 0, True), 0),
            started=counts.get((s.id or 0, False), 0),
        )
        for s in surveys
    ]


async def open_public_surveys(session: AsyncSession, process_id: int) -> list[Survey]:
    """The surveys anyone may answer now through their open link, for the process page."""
    now = utcnow()
    rows = await session.exec(
        select(Survey)
        .where(
            Survey.process_id == process_id,
            col(Survey.invitation_only).is_(False),
            col(Survey.opens_at).is_not(None),
            col(Survey.opens_at) <= now,
        )
        .order_by(col(Survey.opens_at))
    )
    return [s for s in rows if survey_state(s, now) is SurveyState.OPEN]


@dataclass
class NewSurveyForm:
    title: str = ""
    slug: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> NewSurveyForm:
        return cls(title=data.get("title", ""), slug=data.get("slug", ""))


def _check_slug(slug: str) -> str | None:
    if not SLUG_PATTERN.match(slug) or not SLUG_MIN <= len(slug) <= SLUG_MAX:
        return _(
            "Please use %(min)d to %(max)d lower-case letters, digits and hyphens, e.g. "
            "radwege-auetal."
        ) % {"min": SLUG_MIN, "max": SLUG_MAX}
    return None


async def _slug_taken(
    session: AsyncSession, process_id: int, slug: str, survey_id: int | None
) -> bool:
    where: list[ColumnElement[bool]] = [
        col(Survey.process_id) == process_id,
        col(Survey.slug) == slug,
    ]
    if survey_id is not None:
        where.append(col(Survey.id) != survey_id)
    return (await session.exec(select(Survey.id).where(*where))).first() is not None


_SLUG_TAKEN = N_("Another survey of this process already uses this address; please choose another.")


async def create_survey(session: AsyncSession, process: Process, form: NewSurveyForm) -> Survey:
    """A new draft survey; raises ValidationFailed with a message per field."""
    assert process.id is not None
    errors: dict[str, str] = {}
    title = _line(form.title)
    if not title:
        errors["title"] = _("Please give the survey a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _too_long(TITLE_MAX)
    form.slug = form.slug.strip().lower() or slugify(title)
    if title and (message := _check_slug(form.slug)):
        errors["slug"] = message
    elif title and await _slug_taken(session, process.id, form.slug, None):
        errors["slug"] = _(_SLUG_TAKEN)
    if errors:
        form.errors = errors
        raise ValidationFailed(errors)
    survey = Survey(process_id=process.id, slug=form.slug, title=title, created_at=utcnow())
    session.add(survey)
    await session.commit()
    return survey


async def get_survey(session: AsyncSession, survey_id: int) -> tuple[Survey, Process] | None:
    row = (
        await session.exec(
            select(Survey, Process)
            .join(Process, col(Process.id) == Survey.process_id)
            .where(Survey.id == survey_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


# --- settings ---------------------------------------------------------------------------------


@dataclass
class SettingsForm:
    """The survey's settings as typed; dates are days (opens at the start of the first day,
    closes at the end of the last, local time)."""

    title: str = ""
    slug: str = ""
    intro: str = ""
    thanks: str = ""
    segment: str = ""  # empty: the respondent chooses
    invitation_only: bool = False
    named: bool = False  # not anonymous (Survey.anonymous off)
    opens_on: str = ""
    closes_on: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> SettingsForm:
        return cls(
            title=data.get("title", ""),
            slug=data.get("slug", ""),
            intro=data.get("intro", ""),
            thanks=data.get("thanks", ""),
            segment=data.get("segment", ""),
            invitation_only=data.get("invitation_only", "") in _CHECKED,
            named=data.get("named", "") in _CHECKED,
            opens_on=data.get("opens_on", ""),
            closes_on=data.get("closes_on", ""),
        )

    @classmethod
    def of(cls, survey: Survey, time_zone: str = DEFAULT_TIME_ZONE) -> SettingsForm:
        zone = ZoneInfo(time_zone)

        def day(value: datetime | None) -> str:
            return value.astimezone(zone).date().isoformat() if value else ""

        return cls(
            title=survey.title,
            slug=survey.slug,
            intro=survey.intro,
            thanks=survey.thanks,
            segment=survey.segment.value if survey.segment else "",
            invitation_only=survey.invitation_only,
            named=not survey.anonymous,
            opens_on=day(survey.opens_at),
            # The last day is shown, not the moment after it that closes the survey.
            closes_on=day(survey.closes_at - _ONE_SECOND if survey.closes_at else None),
        )


def day_start(text: str, zone: ZoneInfo) -> datetime | None:
    day = parse_day(text)
    return datetime.combine(day, time(0, 0), zone).astimezone(UTC) if day else None


def day_end(text: str, zone: ZoneInfo) -> datetime | None:
    """The moment after the last day ends: the survey closes then."""
    day = parse_day(text)
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), zone).astimezone(UTC) + _ONE_SECOND


async def save_settings(
    session: AsyncSession, survey: Survey, form: SettingsForm, time_zone: str = DEFAULT_TIME_ZONE
) -> Survey:
    """Store the settings; raises ValidationFailed (nothing written) with a message per field."""
    zone = ZoneInfo(time_zone)
    errors: dict[str, str] = {}
    title = _line(form.title)
    if not title:
        errors["title"] = _("Please give the survey a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _too_long(TITLE_MAX)
    form.slug = form.slug.strip().lower() or slugify(title)
    if message := _check_slug(form.slug):
        errors["slug"] = message
    elif await _slug_taken(session, survey.process_id, form.slug, survey.id):
        errors["slug"] = _(_SLUG_TAKEN)
    if form.segment and form.segment not in {s.value for s in Segment}:
        errors["segment"] = _("Please choose who answers this survey.")
    opens_at = day_start(form.opens_on, zone) if form.opens_on.strip() else None
    closes_at = day_end(form.closes_on, zone) if form.closes_on.strip() else None
    if form.opens_on.strip() and opens_at is None:
        errors["opens_on"] = _("Please enter a date, e.g. 2026-06-15.")
    if form.closes_on.strip() and closes_at is None:
        errors["closes_on"] = _("Please enter a date, e.g. 2026-06-15.")
    elif closes_at is not None and opens_at is None and "opens_on" not in errors:
        errors["opens_on"] = _("Please enter the first day too: without it the survey is a draft.")
    elif closes_at is not None and opens_at is not None and closes_at <= opens_at:
        errors["closes_on"] = _("The survey must close on or after its first day.")
    if errors:
        form.errors = errors
        raise ValidationFailed(errors)
    survey.title = title
    survey.slug = form.slug
    survey.intro = _block(form.intro)
    survey.thanks = _block(form.thanks)
    survey.segment = Segment(form.segment) if form.segment else None
    survey.invitation_only = form.invitation_only
    survey.anonymous = not form.named
    survey.opens_at, survey.closes_at = opens_at, closes_at
    survey.updated_at = utcnow()
    session.add(survey)
    await session.commit()
    return survey


# --- sections and questions -------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionView:
    question: SurveyQuestion
    options: Sequence[SurveyOption]
    answers: int  # how many responses answered it


@dataclass(frozen=True)
class SectionView:
    section: SurveySection
    questions: Sequence[QuestionView]


async def survey_structure(session: AsyncSession, survey_id: int) -> list[SectionView]:
    """The sections in order, each with its questions in order and their options."""
    sections = list(
        await session.exec(
            select(SurveySection)
            .where(SurveySection.survey_id == survey_id)
            .order_by(col(SurveySection.position), col(SurveySection.id))
        )
    )
    questions = list(
        await session.exec(
            select(SurveyQuestion)
            .where(SurveyQuestion.survey_id == survey_id)
            .order_by(col(SurveyQuestion.position), col(SurveyQuestion.id))
        )
    )
    question_ids = [q.id for q in questions if q.id is not None]
    options: dict[int, list[SurveyOption]] = {}
    answered: dict[int, int] = {}
    if question_ids:
        for option in await session.exec(
            select(SurveyOption)
            .where(col(SurveyOption.question_id).in_(question_ids))
            .order_by(col(SurveyOption.position), col(SurveyOption.id))
        ):
            options.setdefault(option.question_id, []).append(option)
        rows = await session.exec(
            select(SurveyAnswer.question_id, func.count(func.distinct(SurveyAnswer.response_id)))
            .where(col(SurveyAnswer.question_id).in_(question_ids))
            .group_by(col(SurveyAnswer.question_id))
        )
        answered = dict(rows.all())
    by_section: dict[int, list[QuestionView]] = {s.id or 0: [] for s in sections}
    for question in questions:
        by_section.setdefault(question.section_id, []).append(
            QuestionView(
                question, options.get(question.id or 0, []), answered.get(question.id or 0, 0)
            )
        )
    return [SectionView(s, by_section[s.id or 0]) for s in sections]


@dataclass
class SectionForm:
    title: str = ""
    description: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> SectionForm:
        return cls(title=data.get("title", ""), description=data.get("description", ""))


def _check_section(form: SectionForm) -> None:
    title = _line(form.title)
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Please give the section a title.")
    elif len(title) > SECTION_TITLE_MAX:
        errors["title"] = _too_long(SECTION_TITLE_MAX)
    if errors:
        form.errors = errors
        raise ValidationFailed(errors)


async def get_section(
    session: AsyncSession, survey: Survey, section_id: int
) -> SurveySection | None:
    section = await session.get(SurveySection, section_id)
    return section if section is not None and section.survey_id == survey.id else None


async def add_section(session: AsyncSession, survey: Survey, form: SectionForm) -> SurveySection:
    _check_section(form)
    assert survey.id is not None
    last = (
        await session.exec(
            select(func.max(SurveySection.position)).where(SurveySection.survey_id == survey.id)
        )
    ).one()
    section = SurveySection(
        survey_id=survey.id,
        title=_line(form.title),
        description=_block(form.description),
        position=(last if last is not None else -1) + 1,
    )
    session.add(section)
    await session.commit()
    return section


async def update_section(
    session: AsyncSession, section: SurveySection, form: SectionForm
) -> SurveySection:
    _check_section(form)
    section.title = _line(form.title)
    section.description = _block(form.description)
    session.add(section)
    await session.commit()
    return section


async def _renumber(session: AsyncSession, rows: Sequence[SurveySection | SurveyQuestion]) -> None:
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            session.add(row)


async def move_section(session: AsyncSession, section: SurveySection, step: int) -> None:
    """Move a section one place up (-1) or down (+1)."""
    sections = [view.section for view in await survey_structure(session, section.survey_id)]
    index = next(i for i, s in enumerate(sections) if s.id == section.id)
    target = index + step
    if 0 <= target < len(sections):
        sections[index], sections[target] = sections[target], sections[index]
    await _renumber(session, sections)
    await session.commit()


async def delete_section(session: AsyncSession, section: SurveySection) -> None:
    """Delete a section with its questions and their answers (the route asks first)."""
    await session.delete(section)
    await session.flush()
    remaining = [view.section for view in await survey_structure(session, section.survey_id)]
    await _renumber(session, remaining)
    await session.commit()


@dataclass(frozen=True)
class OptionRemoval:
    """An option left out of an edited question that answers use: removing it needs a yes."""

    label: str
    answers: int


@dataclass
class QuestionForm:
    """A question as typed: options one per line."""

    section_id: str = ""
    kind: str = QuestionKind.SINGLE_CHOICE.value
    text: str = ""
    help_text: str = ""
    required: bool = False
    options: str = ""
    scale_low_label: str = ""
    scale_high_label: str = ""
    confirm_removal: bool = False
    pending_removals: list[OptionRemoval] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: Mapping[str, str]) -> QuestionForm:
        return cls(
            section_id=data.get("section_id", ""),
            kind=data.get("kind", ""),
            text=data.get("text", ""),
            help_text=data.get("help_text", ""),
            required=data.get("required", "") in _CHECKED,
            options=data.get("options", ""),
            scale_low_label=data.get("scale_low_label", ""),
            scale_high_label=data.get("scale_high_label", ""),
            confirm_removal=data.get("confirm_removal", "") in _CHECKED,
        )

    @classmethod
    def of(cls, view: QuestionView) -> QuestionForm:
        q = view.question
        return cls(
            section_id=str(q.section_id),
            kind=q.kind.value,
            text=q.text,
            help_text=q.help_text,
            required=q.required,
            options="\n".join(o.label for o in view.options),
            scale_low_label=q.scale_low_label,
            scale_high_label=q.scale_high_label,
        )

    def option_labels(self) -> list[str]:
        return [line for line in (_line(x) for x in self.options.splitlines()) if line]


def validate_question(
    form: QuestionForm, sections: Sequence[SurveySection], answered: bool = False, kind: str = ""
) -> dict[str, str]:
    """Every rule that needs no database. `kind` is the stored kind of an answered question."""
    errors: dict[str, str] = {}
    if not any(str(s.id) == form.section_id for s in sections):
        errors["section_id"] = _("Please choose a section.")
    if form.kind not in {k.value for k in QuestionKind}:
        errors["kind"] = _("Please choose the kind of question.")
    elif answered and kind and form.kind != kind:
        errors["kind"] = _("This question has answers already; its kind cannot change.")
    text = _line(form.text)
    if not text:
        errors["text"] = _("Please write the question.")
    elif len(text) > QUESTION_MAX:
        errors["text"] = _too_long(QUESTION_MAX)
    if len(_line(form.help_text)) > HELP_MAX:
        errors["help_text"] = _too_long(HELP_MAX)
    if form.kind in CHOICE_KINDS:
        labels = form.option_labels()
        folded = [label.casefold() for label in labels]
        if len(labels) < 2:
            errors["options"] = _("Please give at least two options, one per line.")
        elif len(labels) > MAX_OPTIONS:
            errors["options"] = _("Please give at most %(n)d options.") % {"n": MAX_OPTIONS}
        elif len(set(folded)) < len(folded):
            duplicate = next(
                label for i, label in enumerate(labels) if label.casefold() in folded[:i]
            )
            errors["options"] = _("“%(option)s” appears twice; each option once, please.") % {
                "option": duplicate
            }
        elif any(len(label) > OPTION_MAX for label in labels):
            errors["options"] = _("Each option may have at most %(n)d characters.") % {
                "n": OPTION_MAX
            }
    if form.kind == QuestionKind.SCALE.value:
        for name in ("scale_low_label", "scale_high_label"):
            value = _line(getattr(form, name))
            if not value:
                errors[name] = _("Please label this end of the scale.")
            elif len(value) > SCALE_LABEL_MAX:
                errors[name] = _too_long(SCALE_LABEL_MAX)
    form.errors = errors
    return errors


async def get_question(
    session: AsyncSession, survey: Survey, question_id: int
) -> QuestionView | None:
    for view in await survey_structure(session, survey.id or 0):
        for question in view.questions:
            if question.question.id == question_id:
                return question
    return None


async def _option_answers(session: AsyncSession, option_ids: Sequence[int]) -> dict[int, int]:
    if not option_ids:
        return {}
    rows = await session.exec(
        select(SurveyAnswer.option_id, func.count())
        .where(col(SurveyAnswer.option_id).in_(option_ids))
        .group_by(col(SurveyAnswer.option_id))
    )
    return {option_id: n for option_id, n in rows if option_id is not None}


async def save_question(
    session: AsyncSession, survey: Survey, view: QuestionView | None, form: QuestionForm
) -> SurveyQuestion:
    """Create (view None) or update a question with its options, all or nothing."""
    assert survey.id is not None
    sections = [s.section for s in await survey_structure(session, survey.id)]
    old = view.question if view else None
    errors = validate_question(
        form, sections, answered=bool(view and view.answers), kind=old.kind.value if old else ""
    )
    kind = QuestionKind(form.kind) if "kind" not in errors else None
    labels = form.option_labels() if kind in CHOICE_KINDS else []
    old_options = {o.label.casefold(): o for o in view.options} if view else {}
    dropped = [o for key, o in old_options.items() if key not in {x.casefold() for x in labels}]
    used = await _option_answers(session, [o.id for o in dropped if o.id is not None])
    form.pending_removals = [OptionRemoval(o.label, used[o.id]) for o in dropped if o.id in used]
    if form.pending_removals and not form.confirm_removal and not errors:
        errors["options"] = _(
            "Answers use options you removed. Confirm below that these answers may be "
            "deleted, or add the options again."
        )
    if errors:
        form.errors = errors
        raise ValidationFailed(errors)
    assert kind is not None
    section_id = int(form.section_id)
    if old is None or old.section_id != section_id:
        position = await _next_question_position(session, section_id)
    else:
        position = old.position
    question = old or SurveyQuestion(survey_id=survey.id, section_id=section_id, kind=kind, text="")
    question.section_id = section_id
    question.position = position
    question.kind = kind
    question.text = _line(form.text)
    question.help_text = _line(form.help_text)
    question.required = form.required
    is_scale = kind is QuestionKind.SCALE
    question.scale_low_label = _line(form.scale_low_label) if is_scale else ""
    question.scale_high_label = _line(form.scale_high_label) if is_scale else ""
    session.add(question)
    await session.flush()
    assert question.id is not None
    for option in dropped:
        await session.delete(option)
    for position_, label in enumerate(labels):
        option = old_options.get(label.casefold()) or SurveyOption(
            question_id=question.id, label=label
        )
        option.label = label  # a changed case or spacing is kept
        option.position = position_
        session.add(option)
    await session.commit()
    return question


async def _next_question_position(session: AsyncSession, section_id: int) -> int:
    last = (
        await session.exec(
            select(func.max(SurveyQuestion.position)).where(SurveyQuestion.section_id == section_id)
        )
    ).one()
    return (last if last is not None else -1) + 1


async def move_question(
    session: AsyncSession, survey: Survey, question: SurveyQuestion, step: int
) -> None:
    """Move a question one place up (-1) or down (+1) within its section."""
    structure = await survey_structure(session, survey.id or 0)
    siblings = next(
        [q.question for q in view.questions]
        for view in structure
        if view.section.id == question.section_id
    )
    index = next(i for i, q in enumerate(siblings) if q.id == question.id)
    target = index + step
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    await _renumber(session, siblings)
    await session.commit()


async def move_question_to(
    session: AsyncSession, question: SurveyQuestion, section: SurveySection
) -> None:
    """Move a question to the end of another section of the same survey."""
    if section.id == question.section_id:
        return
    assert section.id is not None
    question.position = await _next_question_position(session, section.id)
    question.section_id = section.id
    session.add(question)
    await session.commit()


async def delete_question(session: AsyncSession, question: SurveyQuestion) -> None:
    """Delete a question with its options and answers (the route asks first)."""
    await session.delete(question)  # options and answers go with it (ON DELETE CASCADE)
    await session.commit()
