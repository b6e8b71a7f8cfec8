"""Answering a survey: the open link and invitation links, page-by-page saving and resuming,
the rules for each kind of answer, and sending (free-text answers become contributions).

A response is found by the SHA-256 hash of its link's token: the resume token an open-link
start hands out, or the invitation token itself (kept in clear on the invitation so admins can
download unused links again). Form fields are named `q-<question id>` (single choice, scale,
free text) and `q-<question id>-<option id>` (a ticked choice, or an option's rank).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import parse_int
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    Process,
    Segment,
    utcnow,
)
from participation.models.surveys import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from participation.services import panel_links, survey_logic
from participation.services.contributions import IdeaForm, check_field, hash_token
from participation.services.errors import ServiceError, ValidationFailed
from participation.services.survey_logic import Shown
from participation.services.surveys import (
    QuestionView,
    SectionView,
    SurveyState,
    survey_state,
    survey_structure,
)
from participation.services.triage.scoring import triage_new

TEXT_MAX: Final = 5000
SCALE: Final = range(1, 6)
TOKEN_MAX: Final = 100
MAX_INVITATIONS: Final = 5000
ABOUT_FIELDS: Final = (
    "segment",
    "municipality",
    "organisation_name",
    "organisation_sector",
    "organisation_size",
)
CONTRIBUTION_TITLE_MAX: Final = 200


class SurveyClosed(ServiceError):
    """The survey takes no answers now (not open yet, or closed)."""


class AlreadySent(ServiceError):
    """This response was sent (or its invitation used): it cannot answer again."""


# --- finding the respondent -----------------------------------------------------------------


@dataclass(frozen=True)
class Respondent:
    """What a survey link leads to. `response` is None for a used invitation whose response
    is gone; `sent` says the link cannot answer any more."""

    survey: Survey
    process: Process
    response: SurveyResponse | None
    token: str

    @property
    def sent(self) -> bool:
        return self.response is None or self.response.submitted_at is not None


def is_public(survey: Survey) -> bool:
    """A draft (no opening date) exists for admins only."""
    return survey.opens_at is not None


def _new_response(survey: Survey, token: str, invitation_id: int | None = None) -> SurveyResponse:
    assert survey.id is not None
    now = utcnow()
    return SurveyResponse(
        survey_id=survey.id,
        invitation_id=invitation_id,
        resume_token_hash=hash_token(token),
        segment=survey.segment,
        current_page=0 if asks_about(survey) else 1,
        started_at=now,
        updated_at=now,
    )


async def _process(session: AsyncSession, survey: Survey) -> Process:
    process = await session.get(Process, survey.process_id)
    assert process is not None
    return process


async def resolve(session: AsyncSession, token: str) -> Respondent | None:
    """The respondent behind a link's token, or None (unknown token, or a draft survey).

    The first visit of an unused invitation link to an open survey starts its response."""
    if not token or len(token) > TOKEN_MAX:
        return None
    found = (
        await session.exec(
            select(SurveyResponse, Survey)
            .join(Survey, col(Survey.id) == SurveyResponse.survey_id)
            .where(SurveyResponse.resume_token_hash == hash_token(token))
        )
    ).first()
    if found is not None:
        response, survey = found
        if not is_public(survey):
            return None
        return Respondent(survey, await _process(session, survey), response, token)
    invited = (
        await session.exec(
            select(SurveyInvitation, Survey)
            .join(Survey, col(Survey.id) == SurveyInvitation.survey_id)
            .where(SurveyInvitation.token == token)
        )
    ).first()
    if invited is None:
        return await _panel_respondent(session, token)
    if not is_public(invited[1]):
        return None
    invitation, survey = invited
    process = await _process(session, survey)
    if invitation.used_at is not None:
        return Respondent(survey, process, None, token)
    if survey_state(survey, utcnow()) is not SurveyState.OPEN:
        # Nothing is stored while the survey is closed; the page says so.
        return Respondent(survey, process, _new_response(survey, token, invitation.id), token)
    response = _new_response(survey, token, invitation.id)
    session.add(response)
    try:
        await session.commit()
    except IntegrityError:  # the same link opened twice at once: the other visit made it
        await session.rollback()
        return await resolve(session, token)
    return Respondent(survey, process, response, token)


async def _panel_respondent(session: AsyncSession, token: str) -> Respondent | None:
    """The respondent behind a firm panel mail's link (services/panel_links.py); the first
    visit to an open survey starts the response, prefilled from the list."""
    invitee = await panel_links.invitee_for_token(session, token)
    if invitee is None:
        return None
    survey = await session.get(Survey, invitee.survey_id)
    if survey is None or not is_public(survey):
        return None
    process = await _process(session, survey)
    if invitee.answered:
        return Respondent(survey, process, None, token)
    response = await panel_links.response_of(session, invitee)
    if response is not None:
        return Respondent(survey, process, response, token)
    # Its own resume token is one nobody has: no stored hash ties it to the mailed link.
    response = _new_response(survey, secrets.token_urlsafe(24))
    panel_links.prefill(response, survey, invitee)
    if survey_state(survey, utcnow()) is not SurveyState.OPEN:
        return Respondent(survey, process, response, token)  # nothing stored while closed
    invitee.started = True
    session.add_all([response, invitee])
    try:
        await session.commit()
    except IntegrityError:  # the same link opened twice at once: the other visit made it
        await session.rollback()
        return await resolve(session, token)
    return Respondent(survey, process, response, token)


async def public_survey(session: AsyncSession, process_id: int, slug: str) -> Survey | None:
    survey = (
        await session.exec(
            select(Survey).where(Survey.process_id == process_id, Survey.slug == slug)
        )
    ).first()
    return survey if survey is not None and is_public(survey) else None


def ensure_open(survey: Survey) -> None:
    if survey_state(survey, utcnow()) is not SurveyState.OPEN:
        raise SurveyClosed(_("This survey is not taking answers at the moment."))


async def start(session: AsyncSession, survey: Survey) -> str:
    """Start a response through the open link; returns the token of its private link."""
    ensure_open(survey)
    if survey.invitation_only:
        raise SurveyClosed(_("This survey can be answered only with a personal invitation link."))
    token = secrets.token_urlsafe(24)
    session.add(_new_response(survey, token))
    await session.commit()
    return token


# --- pages ------------------------------------------------------------------------------------


def asks_about(survey: Survey) -> bool:
    """Page 0 asks who answers, unless the survey fixes a segment other than firms."""
    return survey.segment is None or survey.segment is Segment.FIRM


@dataclass(frozen=True)
class Pages:
    """The page numbers a survey has: 0 (about you, if asked), one per section, the summary.
    With survey logic (services/survey_logic.py) a respondent's pages leave out the sections
    their answers do not show, and a page leaves out the questions they do not show."""

    numbers: Sequence[int]
    structure: Sequence[SectionView]
    shown: Shown | None = None  # None: every section and question

    @property
    def summary(self) -> int:
        return self.numbers[-1]

    def clamp(self, page: int) -> int:
        """The page itself, or the next one shown (a section an answer has hidden since)."""
        page = min(max(page, self.numbers[0]), self.summary)
        return next(n for n in self.numbers if n >= page)

    def position(self, page: int) -> int:
        """1-based, for "page 2 of 5"."""
        return self.numbers.index(self.clamp(page)) + 1

    def section(self, page: int) -> SectionView | None:
        if not 1 <= page <= len(self.structure):
            return None
        view = self.structure[page - 1]
        if self.shown is None:
            return view
        if view.section.id not in self.shown.sections:
            return None
        questions = [q for q in view.questions if q.question.id in self.shown.questions]
        return SectionView(view.section, questions)

    def sections(self) -> list[SectionView]:
        """The sections shown, each with its questions shown (the summary's)."""
        return [view for n in self.numbers if (view := self.section(n)) is not None]

    def next(self, page: int) -> int:
        return self.numbers[min(self.position(page), len(self.numbers) - 1)]

    def previous(self, page: int) -> int:
        return self.numbers[max(self.position(page) - 2, 0)]


async def pages_of(
    session: AsyncSession, survey: Survey, response: SurveyResponse | None = None
) -> Pages:
    """The survey's pages; for a respondent's `response`, those its saved answers show."""
    structure = await survey_structure(session, survey.id or 0)
    first = 0 if asks_about(survey) else 1
    numbers = list(range(first, len(structure) + 2))
    if response is None or response.id is None:
        return Pages(numbers, structure)
    rules = await survey_logic.rules_of(session, survey.id or 0)
    if rules.empty:
        return Pages(numbers, structure)
    shown = rules.shown(structure, await _given(session, response.id))
    numbers = [
        n
        for n in numbers
        if not 1 <= n <= len(structure) or structure[n - 1].section.id in shown.sections
    ]
    return Pages(numbers, structure, shown)


async def _given(session: AsyncSession, response_id: int) -> dict[int, survey_logic.Given]:
    """The saved answers as conditions read them: chosen options and the value, by question."""
    options: dict[int, set[int]] = {}
    numbers: dict[int, int] = {}
    rows = await session.exec(
        select(SurveyAnswer.question_id, SurveyAnswer.option_id, SurveyAnswer.number).where(
            SurveyAnswer.response_id == response_id
        )
    )
    for question_id, option_id, number in rows:
        if option_id is not None:
            options.setdefault(question_id, set()).add(option_id)
        elif number is not None:
            numbers[question_id] = number
    return {
        qid: survey_logic.Given(frozenset(options.get(qid, ())), numbers.get(qid))
        for qid in options.keys() | numbers.keys()
    }


@dataclass
class PageState:
    """One page as shown: the values to fill in (field name -> value) and messages."""

    page: int
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


async def saved_values(session: AsyncSession, response: SurveyResponse) -> dict[str, str]:
    """What the respondent entered so far, as form field values."""
    values = {
        name: str(getattr(response, name) or "")
        for name in ABOUT_FIELDS
        if getattr(response, name) is not None
    }
    if response.id is None:
        return values
    kinds = {
        q.question.id: q.question.kind
        for view in (await pages_of_response(session, response)).structure
        for q in view.questions
    }
    for answer in await session.exec(
        select(SurveyAnswer).where(SurveyAnswer.response_id == response.id)
    ):
        kind = kinds.get(answer.question_id)
        name = f"q-{answer.question_id}"
        if kind is QuestionKind.SINGLE_CHOICE:
            values[name] = str(answer.option_id)
        elif kind is QuestionKind.MULTIPLE_CHOICE:
            values[f"{name}-{answer.option_id}"] = "on"
        elif kind is QuestionKind.RANKING:
            values[f"{name}-{answer.option_id}"] = str(answer.number)
        elif kind is QuestionKind.SCALE:
            values[name] = str(answer.number)
        elif kind is QuestionKind.FREE_TEXT:
            values[name] = answer.text or ""
    return values


async def pages_of_response(session: AsyncSession, response: SurveyResponse) -> Pages:
    survey = await session.get(Survey, response.survey_id)
    assert survey is not None
    return await pages_of(session, survey)


# --- the rules of each kind of answer --------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    """One question's answer, checked: option ids, a number or a text; or a message."""

    option_ids: tuple[int, ...] = ()
    ranks: tuple[tuple[int, int], ...] = ()  # (option id, rank)
    number: int | None = None
    text: str = ""
    error: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.option_ids or self.ranks or self.number is not None or self.text)


def _clean_text(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def parse_answer(view: QuestionView, data: Mapping[str, str], *, strict: bool = True) -> Parsed:
    """Check one question's fields. `strict` False (going back) lets required ones be empty."""
    question = view.question
    name = f"q-{question.id}"
    option_ids = {o.id for o in view.options if o.id is not None}
    kind = question.kind
    parsed: Parsed
    if kind is QuestionKind.SINGLE_CHOICE:
        value = data.get(name, "").strip()
        option = parse_int(value)
        if not value:
            parsed = Parsed()
        elif option not in option_ids:
            return Parsed(error=_("Please choose one of the options."))
        else:
            parsed = Parsed(option_ids=(option,))
    elif kind is QuestionKind.MULTIPLE_CHOICE:
        chosen: list[int] = []
        for key, value in data.items():
            if key.startswith(name + "-") and value:
                option = parse_int(key.removeprefix(name + "-"))
                if option is None or option not in option_ids:
                    return Parsed(error=_("Please choose among the options shown."))
                chosen.append(option)
        parsed = Parsed(option_ids=tuple(sorted(chosen)))
    elif kind is QuestionKind.SCALE:
        value = data.get(name, "").strip()
        number = parse_int(value)
        if not value:
            parsed = Parsed()
        elif number not in SCALE:
            return Parsed(error=_("Please choose a value from 1 to 5."))
        else:
            parsed = Parsed(number=number)
    elif kind is QuestionKind.FREE_TEXT:
        text = _clean_text(data.get(name, ""))
        if len(text) > TEXT_MAX:
            return Parsed(
                error=_("Your text is %(length)d characters long; at most %(n)d fit.")
                % {"length": len(text), "n": TEXT_MAX}
            )
        parsed = Parsed(text=text)
    else:
        parsed = _parse_ranking(view, data)
        if parsed.error:
            return parsed
    if strict and question.required and parsed.empty:
        return Parsed(error=_("Please answer this question."))
    return parsed


def _parse_ranking(view: QuestionView, data: Mapping[str, str]) -> Parsed:
    name = f"q-{view.question.id}"
    n = len(view.options)
    given = {o.id: data.get(f"{name}-{o.id}", "").strip() for o in view.options if o.id}
    if not any(given.values()):
        return Parsed()
    ranks = {oid: rank for oid, v in given.items() if (rank := parse_int(v)) is not None}
    if len(ranks) != len(given) or sorted(ranks.values()) != list(range(1, n + 1)):
        return Parsed(
            error=_("Please give each option a different place from 1 to %(n)d.") % {"n": n}
        )
    return Parsed(ranks=tuple(sorted(ranks.items())))


def _rows(response_id: int, view: QuestionView, parsed: Parsed) -> list[SurveyAnswer]:
    qid = view.question.id
    assert qid is not None
    if parsed.option_ids:
        return [
            SurveyAnswer(response_id=response_id, question_id=qid, option_id=oid)
            for oid in parsed.option_ids
        ]
    if parsed.ranks:
        return [
            SurveyAnswer(response_id=response_id, question_id=qid, option_id=oid, number=rank)
            for oid, rank in parsed.ranks
        ]
    if parsed.number is not None:
        return [SurveyAnswer(response_id=response_id, question_id=qid, number=parsed.number)]
    if parsed.text:
        return [SurveyAnswer(response_id=response_id, question_id=qid, text=parsed.text)]
    return []


def _about_form(survey: Survey, data: Mapping[str, str]) -> IdeaForm:
    segment = survey.segment.value if survey.segment else data.get("segment", "")
    return IdeaForm.from_form({**data, "segment": segment})


def check_about(
    survey: Survey, data: Mapping[str, str], *, asks_name: bool = True
) -> dict[str, str]:
    """The rules of the idea form for who answers (segment, firm details, municipality);
    without `asks_name` (the firm panel's anonymous responses) the firm's name is not asked."""
    form = _about_form(survey, data)
    fields = [name for name in ABOUT_FIELDS if asks_name or name != "organisation_name"]
    return {name: message for name in fields if (message := check_field(form, name)) is not None}


# --- saving a page, going on, sending ---------------------------------------------------------


async def save_page(
    session: AsyncSession, respondent: Respondent, page: int, data: Mapping[str, str], back: bool
) -> int:
    """Check and save one page's answers, then move on (or back); returns the page to show.

    Raises ValidationFailed (nothing written) with a message per field, SurveyClosed or
    AlreadySent."""
    response = respondent.response
    if respondent.sent or response is None or response.id is None:
        raise AlreadySent(_("You have already answered. Thank you!"))
    ensure_open(respondent.survey)
    pages = await pages_of(session, respondent.survey, response)
    page = pages.clamp(page)
    errors: dict[str, str] = {}
    section = pages.section(page)
    whole = pages.structure[page - 1] if section is not None else None
    if page == 0:
        asks_name = panel_links.asks_name(respondent.survey, response)
        errors = check_about(respondent.survey, data, asks_name=asks_name)
        if not errors:
            form = _about_form(respondent.survey, data)
            firm = form.is_firm
            named = firm and asks_name
            response.segment = Segment(form.segment) if form.segment else response.segment
            response.municipality = " ".join(form.municipality.split()) or None
            response.organisation_name = " ".join(form.organisation_name.split()) if named else None
            response.organisation_sector = form.organisation_sector if firm else None
            response.organisation_size = form.organisation_size if firm else None
    elif section is not None and whole is not None:
        parsed = {q.question.id: parse_answer(q, data, strict=not back) for q in section.questions}
        errors = {f"q-{qid}": p.error for qid, p in parsed.items() if p.error}
        if not errors:
            # Every question of the section: an answer to one hidden now is dropped.
            ids = [q.question.id for q in whole.questions if q.question.id is not None]
            await session.exec(
                delete(SurveyAnswer).where(
                    col(SurveyAnswer.response_id) == response.id,
                    col(SurveyAnswer.question_id).in_(ids),
                )
            )
            for view in section.questions:
                session.add_all(_rows(response.id, view, parsed[view.question.id]))
    if errors:  # checked before anything was changed: nothing to undo
        raise ValidationFailed(errors)
    if section is not None:
        # The page's answers may show or hide later sections.
        await session.flush()
        pages = await pages_of(session, respondent.survey, response)
    response.current_page = pages.previous(page) if back else pages.next(page)
    response.updated_at = utcnow()
    session.add(response)
    await session.commit()
    return response.current_page


class Incomplete(ServiceError):
    """Sending found a page with missing answers (the questionnaire may have changed)."""

    def __init__(self, page: int, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors.values()))
        self.page = page
        self.errors = errors


async def check_complete(session: AsyncSession, respondent: Respondent) -> Pages:
    """Raises Incomplete for the first page with a missing answer; returns the pages the
    respondent's answers show."""
    response = respondent.response
    assert response is not None
    pages = await pages_of(session, respondent.survey, response)
    values = await saved_values(session, response)
    asks_name = panel_links.asks_name(respondent.survey, response)
    if pages.numbers[0] == 0 and (
        errors := check_about(respondent.survey, values, asks_name=asks_name)
    ):
        raise Incomplete(0, errors)
    for number in pages.numbers:
        if (view := pages.section(number)) is None:
            continue
        errors = {
            f"q-{q.question.id}": message
            for q in view.questions
            if (message := parse_answer(q, values).error) is not None
        }
        if errors:
            raise Incomplete(number, errors)
    return pages


async def send(session: AsyncSession, respondent: Respondent) -> list[int]:
    """Send a response: mark it (and its invitation) used and turn each free-text answer into
    a contribution waiting for moderation, all in one transaction. Returns the new
    contributions' ids (the caller asks for theme suggestions once they are committed)."""
    response = respondent.response
    survey = respondent.survey
    if respondent.sent or response is None or response.id is None:
        raise AlreadySent(_("You have already answered. Thank you!"))
    ensure_open(survey)
    pages = await check_complete(session, respondent)
    now = utcnow()
    claimed = await session.exec(
        update(SurveyResponse)
        .where(col(SurveyResponse.id) == response.id, col(SurveyResponse.submitted_at).is_(None))
        .values(submitted_at=now, updated_at=now)
    )
    if claimed.rowcount != 1:  # sent a moment ago, e.g. a double click
        # Nothing was written. Commit, not rollback: a rollback would expire the survey and
        # process the caller still shows, and loading them again fails outside the session.
        await session.commit()
        await session.refresh(response)
        raise AlreadySent(_("You have already answered. Thank you!"))
    if pages.shown is not None:
        # Answers to questions the other answers hide (given before an earlier answer was
        # changed) are not sent: the results count a question only where it was shown.
        await session.exec(
            delete(SurveyAnswer).where(
                col(SurveyAnswer.response_id) == response.id,
                col(SurveyAnswer.question_id).not_in(sorted(pages.shown.questions)),
            )
        )
    await panel_links.mark_answered(session, survey, response)
    if response.invitation_id is not None:
        await session.exec(
            update(SurveyInvitation)
            .where(col(SurveyInvitation.id) == response.invitation_id)
            .values(used_at=now)
        )
    texts = list(
        await session.exec(
            select(SurveyAnswer, SurveyQuestion.text)
            .join(SurveyQuestion, col(SurveyQuestion.id) == SurveyAnswer.question_id)
            .where(
                SurveyAnswer.response_id == response.id,
                col(SurveyAnswer.text).is_not(None),
            )
            .order_by(col(SurveyAnswer.id))
        )
    )
    segment = response.segment or survey.segment or Segment.OTHER
    pairs: list[tuple[SurveyAnswer, Contribution]] = []
    for answer, question_text in texts:
        if not (answer.text or "").strip():
            continue
        contribution = Contribution(
            process_id=survey.process_id,
            kind=ContributionKind.SURVEY_ANSWER,
            title=shorten(question_text, CONTRIBUTION_TITLE_MAX),
            body=answer.text or "",
            segment=segment,
            channel=Channel.SURVEY,
            municipality=response.municipality,
            organisation_name=response.organisation_name,
            organisation_sector=response.organisation_sector,
            organisation_size=response.organisation_size,
            status=ContributionStatus.PENDING,  # survey answers are always read first
            source_ref=f"Umfrage {survey.slug}, Antwort {response.id}",
            created_at=now,
        )
        pairs.append((answer, contribution))
    await triage_new(session, [c for _answer, c in pairs])
    session.add_all(c for _answer, c in pairs)
    await session.flush()
    created: list[int] = []
    for answer, contribution in pairs:
        assert contribution.id is not None
        answer.contribution_id = contribution.id
        session.add(answer)
        created.append(contribution.id)
    await session.commit()
    response.submitted_at = now
    if survey.anonymous:
        response.invitee_id = None  # as stored by mark_answered
    return created


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- invitations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationCounts:
    made: int
    used: int
    batches: Sequence[int]

    @property
    def unused(self) -> int:
        return self.made - self.used


async def invitation_counts(session: AsyncSession, survey_id: int) -> InvitationCounts:
    made, used = (
        await session.exec(
            select(func.count(), func.count(col(SurveyInvitation.used_at))).where(
                SurveyInvitation.survey_id == survey_id
            )
        )
    ).one()
    batches = await session.exec(
        select(SurveyInvitation.batch)
        .where(SurveyInvitation.survey_id == survey_id)
        .distinct()
        .order_by(col(SurveyInvitation.batch))
    )
    return InvitationCounts(made=made, used=used, batches=list(batches))


def parse_invitation_count(text: str) -> int:
    count = parse_int(text, 1, MAX_INVITATIONS)
    if count is None:
        raise ValidationFailed(
            {"count": _("Please enter a number from 1 to %(n)d.") % {"n": MAX_INVITATIONS}}
        )
    return count


async def generate_invitations(session: AsyncSession, survey: Survey, count: int) -> int:
    """Make `count` single-use links in a new batch; returns the batch number."""
    assert survey.id is not None
    last = (
        await session.exec(
            select(func.max(SurveyInvitation.batch)).where(SurveyInvitation.survey_id == survey.id)
        )
    ).one()
    batch = (last or 0) + 1
    now = utcnow()
    session.add_all(
        SurveyInvitation(
            survey_id=survey.id, token=secrets.token_urlsafe(24), batch=batch, created_at=now
        )
        for _i in range(count)
    )
    await session.commit()
    return batch


async def unused_invitations(
    session: AsyncSession, survey_id: int, batch: int | None
) -> list[SurveyInvitation]:
    query = select(SurveyInvitation).where(
        SurveyInvitation.survey_id == survey_id, col(SurveyInvitation.used_at).is_(None)
    )
    if batch is not None:
        query = query.where(SurveyInvitation.batch == batch)
    return list(
        await session.exec(query.order_by(col(SurveyInvitation.batch), col(SurveyInvitation.id)))
    )


def invitations_csv(invitations: Sequence[SurveyInvitation], base_url: str) -> bytes:
    """`batch;link` rows for a mail merge: UTF-8 with BOM and semicolons, as German Excel
    opens them."""
    lines = ["batch;link"] + [
        f"{inv.batch};{base_url.rstrip('/')}/umfrage/{inv.token}" for inv in invitations
    ]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


# --- showing answers --------------------------------------------------------------------------


def answer_texts(view: QuestionView, values: Mapping[str, str]) -> list[str]:
    """A question's answer in words, for the summary before sending (empty: not answered)."""
    parsed = parse_answer(view, values, strict=False)
    if parsed.error:
        return []
    labels = {o.id: o.label for o in view.options}
    if parsed.option_ids:
        return [o.label for o in view.options if o.id in parsed.option_ids]
    if parsed.ranks:
        return [
            _("%(rank)d. %(option)s") % {"rank": rank, "option": labels.get(oid, "")}
            for oid, rank in sorted(parsed.ranks, key=lambda item: item[1])
        ]
    if parsed.number is not None:
        return [str(parsed.number)]
    return [parsed.text] if parsed.text else []


def minutes_to_answer(pages: Pages) -> int:
    """A rough estimate for the start page: half a minute a question, a minute for a text."""
    seconds = sum(
        60 if q.question.kind is QuestionKind.FREE_TEXT else 30
        for view in pages.structure
        for q in view.questions
    )
    return max(1, round(seconds / 60))
