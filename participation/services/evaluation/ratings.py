"""The evaluator's side of a rating round: their rounds with progress, their profiles with
each one's state, the rating sheet of one profile (a draft until submitted), the comparison
with the other evaluators once their own is in, and declaring a conflict of interest.

Only an evaluator assigned to a profile (rounds.assigned_to) rates it, only while its round
is open, and never after declaring a conflict for it. Every save, submission and conflict
goes into the evaluation log with the values.

No anchoring: others' ratings of a profile stay hidden from an evaluator until they have
submitted their own for it; others' drafts are never shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sqlalchemy import delete
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import parse_int
from participation.models import (
    ConflictOfInterest,
    Criterion,
    EvaluationAction,
    EvaluationSetup,
    Process,
    Profile,
    Rating,
    RatingRound,
    RoundEvaluator,
    RoundProfile,
    RoundStatus,
    User,
    utcnow,
)
from participation.services.accounts.remit import EVERYWHERE, Scope
from participation.services.errors import NotFound, ServiceError, ValidationFailed
from participation.services.evaluation import rounds
from participation.services.evaluation.criteria import criteria_of, setup_of
from participation.services.evaluation.scoring import DISAGREEMENT, RatingValue, score_profiles

JUSTIFICATION_MAX: Final = 2000
NOTE_MAX: Final = 500


class RoundClosed(ServiceError):
    """The round takes no more ratings."""


class ConflictDeclared(ServiceError):
    """The evaluator declared a conflict of interest for the profile: they do not rate it."""


class SheetState(StrEnum):
    OPEN = "open"  # nothing saved yet
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CONFLICT = "conflict"


# Counted as done in an evaluator's progress.
DONE: Final = frozenset({SheetState.SUBMITTED, SheetState.CONFLICT})


# --- the evaluator's rounds and profiles --------------------------------------------------------


@dataclass(frozen=True)
class RoundProgress:
    round: RatingRound
    process_title: str
    assigned: int
    done: int  # submitted, or a conflict declared


async def my_rounds(
    session: AsyncSession, user_id: int, scope: Scope = EVERYWHERE
) -> list[RoundProgress]:
    """The open rounds `user_id` rates in, newest first, with "12 von 40 bewertet": a
    profile with a declared conflict counts as done (its ratings were deleted, so it is
    never counted twice). Rounds of processes outside the user's scope are left out."""
    progress = [
        p
        for p in await rounds.rounds_of(session, user_id)
        if scope.allows_process(p.round.process_id)
    ]
    ids = [p.round.id for p in progress]
    conflicts: dict[int, int] = {}
    titles: dict[int, str] = {}
    if ids:
        found = await session.exec(
            select(Process.id, Process.title).where(
                col(Process.id).in_({p.round.process_id for p in progress})
            )
        )
        titles = {pid: title for pid, title in found if pid is not None}
        rows = await session.exec(
            select(ConflictOfInterest.round_id, func.count())
            .where(
                col(ConflictOfInterest.evaluator_id) == user_id,
                col(ConflictOfInterest.round_id).in_(ids),
            )
            .group_by(col(ConflictOfInterest.round_id))
        )
        conflicts = {round_id: int(n) for round_id, n in rows}
    return [
        RoundProgress(
            p.round,
            titles.get(p.round.process_id, ""),
            p.assigned,
            p.submitted + conflicts.get(p.round.id or 0, 0),
        )
        for p in progress
    ]


async def round_of_evaluator(session: AsyncSession, round_id: int, user_id: int) -> RatingRound:
    """The round, if `user_id` is one of its evaluators; NotFound otherwise (others learn
    nothing about it)."""
    round_ = await session.get(RatingRound, round_id)
    member = await session.exec(
        select(RoundEvaluator.id).where(
            col(RoundEvaluator.round_id) == round_id, col(RoundEvaluator.user_id) == user_id
        )
    )
    if round_ is None or member.first() is None:
        raise NotFound(_("This rating round does not exist or is not yours."))
    return round_


@dataclass(frozen=True)
class ProfileEntry:
    profile: Profile
    state: SheetState


async def my_profiles(session: AsyncSession, round_id: int, user_id: int) -> list[ProfileEntry]:
    """The profiles `user_id` rates in the round, by title, each with its state (three
    statements, whatever the number of profiles)."""
    profiles = await rounds.assigned_profiles(session, round_id, user_id)
    rated = await session.exec(
        select(
            Rating.profile_id,
            func.count(col(Rating.submitted_at)),  # counts the submitted ones
        )
        .where(col(Rating.round_id) == round_id, col(Rating.evaluator_id) == user_id)
        .group_by(col(Rating.profile_id))
    )
    states = {
        pid: SheetState.SUBMITTED if submitted else SheetState.DRAFT for pid, submitted in rated
    }
    conflicts = await session.exec(
        select(ConflictOfInterest.profile_id).where(
            col(ConflictOfInterest.round_id) == round_id,
            col(ConflictOfInterest.evaluator_id) == user_id,
        )
    )
    for pid in conflicts:
        states[pid] = SheetState.CONFLICT
    return [ProfileEntry(p, states.get(p.id or 0, SheetState.OPEN)) for p in profiles]


# --- the rating sheet -------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    value: int
    description: str


@dataclass(frozen=True)
class Opinion:
    """Another evaluator's submitted rating of one criterion."""

    name: str
    value: int
    justification: str


@dataclass(frozen=True)
class Comparison:
    """One criterion after submitting: the others' ratings, the mean of all submitted ones
    (the evaluator's own included), and whether they lie DISAGREEMENT levels apart."""

    others: list[Opinion]
    mean: float
    disagreement: bool


@dataclass(frozen=True)
class SheetRow:
    criterion: Criterion
    levels: list[Level]
    value: int | None
    justification: str
    comparison: Comparison | None = None


@dataclass(frozen=True)
class Sheet:
    round: RatingRound
    profile: Profile
    rows: list[SheetRow]
    state: SheetState
    conflict: ConflictOfInterest | None
    # Whether others' ratings are shown: only after submitting (no anchoring).
    compared: bool

    @property
    def may_rate(self) -> bool:
        return self.round.status is RoundStatus.OPEN and self.conflict is None

    @property
    def disagreements(self) -> int:
        return sum(1 for row in self.rows if row.comparison and row.comparison.disagreement)


def levels_of(setup: EvaluationSetup, criterion: Criterion) -> list[Level]:
    """The scale's levels, lowest first, described by the criterion's own words where it
    has them, else by the process's."""
    words = criterion.levels or setup.levels
    span = range(setup.scale_min, setup.scale_max + 1)
    return [Level(value, words[i] if i < len(words) else "") for i, value in enumerate(span)]


async def _profile_in_round(
    session: AsyncSession, round_id: int, profile_id: int, user_id: int
) -> tuple[RatingRound, Profile]:
    """The round and profile, if the profile is assigned to `user_id` in it; NotFound
    otherwise."""
    round_ = await round_of_evaluator(session, round_id, user_id)
    assigned = await session.exec(
        rounds.assigned_to(round_id, user_id).where(col(RoundProfile.profile_id) == profile_id)
    )
    profile = await session.get(Profile, profile_id) if assigned.first() is not None else None
    if profile is None:
        raise NotFound(_("This profile is not yours to rate in this round."))
    return round_, profile


async def _conflict(
    session: AsyncSession, round_id: int, profile_id: int, user_id: int
) -> ConflictOfInterest | None:
    return await session.get(ConflictOfInterest, (round_id, profile_id, user_id))


async def _ratings(session: AsyncSession, round_id: int, profile_id: int) -> list[Rating]:
    """All ratings of a profile in a round (everyone's, for a handful of evaluators)."""
    rows = await session.exec(
        select(Rating).where(col(Rating.round_id) == round_id, col(Rating.profile_id) == profile_id)
    )
    return list(rows)


async def sheet_of(session: AsyncSession, round_id: int, profile_id: int, user: User) -> Sheet:
    """The rating sheet of `user` for a profile of the round: the process's criteria on its
    scale, their own values and justifications, and, once they have submitted, the
    comparison with the others' submitted ratings. NotFound unless assigned."""
    assert user.id is not None
    round_, profile = await _profile_in_round(session, round_id, profile_id, user.id)
    setup = await setup_of(session, round_.process_id)
    criteria = await criteria_of(session, round_.process_id)
    conflict = await _conflict(session, round_id, profile_id, user.id)
    everyone = await _ratings(session, round_id, profile_id)
    mine = {r.criterion_id: r for r in everyone if r.evaluator_id == user.id}
    state = SheetState.OPEN
    if conflict is not None:
        state = SheetState.CONFLICT
    elif any(r.submitted_at for r in mine.values()):
        state = SheetState.SUBMITTED
    elif mine:
        state = SheetState.DRAFT
    compared = state is SheetState.SUBMITTED
    comparisons = (
        await _comparisons(session, round_id, profile_id, criteria, everyone, user.id)
        if compared
        else {}
    )
    rows = [
        SheetRow(
            criterion=c,
            levels=levels_of(setup, c),
            value=mine[c.id].value if c.id in mine else None,
            justification=mine[c.id].justification if c.id in mine else "",
            comparison=comparisons.get(c.id or 0),
        )
        for c in criteria
    ]
    return Sheet(round_, profile, rows, state, conflict, compared)


async def _comparisons(
    session: AsyncSession,
    round_id: int,
    profile_id: int,
    criteria: Sequence[Criterion],
    everyone: Sequence[Rating],
    user_id: int,
) -> dict[int, Comparison]:
    """Per criterion: the submitted ratings of all, those of evaluators with a declared
    conflict left out (their ratings are deleted, this only guards old rows)."""
    conflicted = set(
        await session.exec(
            select(ConflictOfInterest.evaluator_id).where(
                col(ConflictOfInterest.round_id) == round_id,
                col(ConflictOfInterest.profile_id) == profile_id,
            )
        )
    )
    submitted = [r for r in everyone if r.submitted_at and r.evaluator_id not in conflicted]
    names = await _names(session, {r.evaluator_id for r in submitted} - {user_id})
    scores = score_profiles(
        [profile_id],
        {c.id: c.weight for c in criteria if c.id is not None},
        [RatingValue(r.profile_id, r.evaluator_id, r.criterion_id, r.value) for r in submitted],
    )[profile_id].criteria
    others: dict[int, list[Opinion]] = defaultdict(list)
    for r in sorted(submitted, key=lambda r: (names.get(r.evaluator_id, ""), r.evaluator_id)):
        if r.evaluator_id != user_id:
            others[r.criterion_id].append(
                Opinion(names.get(r.evaluator_id, ""), r.value, r.justification)
            )
    return {
        cid: Comparison(others[cid], score.mean, score.spread >= DISAGREEMENT)
        for cid, score in scores.items()
    }


async def _names(session: AsyncSession, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await session.exec(
        select(User.id, User.display_name, User.email).where(col(User.id).in_(user_ids))
    )
    return {uid: name or email.split("@")[0] for uid, name, email in rows if uid is not None}


# --- saving and submitting --------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One criterion as typed into the form."""

    value: str = ""
    justification: str = ""


def entries_from_form(data: Mapping[str, str]) -> dict[int, Entry]:
    """The form's fields `value-<criterion id>` and `justification-<criterion id>`."""
    found: dict[int, Entry] = {}
    for key in data:
        prefix, _sep, rest = key.partition("-")
        cid = parse_int(rest) if prefix in {"value", "justification"} else None
        if cid is not None and cid not in found:
            found[cid] = Entry(data.get(f"value-{cid}", ""), data.get(f"justification-{cid}", ""))
    return found


def _level(text: str) -> int | None:
    """A typed level; a scale may start below 0."""
    magnitude = parse_int(text.removeprefix("-"))
    return -magnitude if magnitude is not None and text.startswith("-") else magnitude


def _check(
    criteria: Sequence[Criterion],
    setup: EvaluationSetup,
    entries: Mapping[int, Entry],
    *,
    submit: bool,
    strict: bool = False,
) -> dict[int, tuple[int, str]]:
    """The values to keep by criterion id; ValidationFailed with a message per field
    (`value-<id>`, `justification-<id>`) otherwise. `strict`: entries for criteria the
    process does not have are errors too (the form ignores them: a criterion removed while
    it was open must not block the evaluator's other values)."""
    errors: dict[str, str] = {}
    if strict:
        known = {c.id for c in criteria}
        for cid in sorted(set(entries) - known):
            errors[f"value-{cid}"] = _("This process has no criterion with this id.")
    kept: dict[int, tuple[int, str]] = {}
    for criterion in criteria:
        cid = criterion.id or 0
        entry = entries.get(cid, Entry())
        text = entry.value.strip()
        value = _level(text)
        justification = entry.justification.strip()
        if text and (value is None or not setup.scale_min <= value <= setup.scale_max):
            errors[f"value-{cid}"] = _("Please choose a level from %(low)d to %(high)d.") % {
                "low": setup.scale_min,
                "high": setup.scale_max,
            }
        elif value is None and submit:
            errors[f"value-{cid}"] = _("Please rate this criterion before submitting.")
        elif value is None and justification:
            errors[f"value-{cid}"] = _("Please choose a level as well: a reason is kept with one.")
        if len(justification) > JUSTIFICATION_MAX:
            errors[f"justification-{cid}"] = _("At most %(n)d characters, please.") % {
                "n": JUSTIFICATION_MAX
            }
        if value is not None and f"value-{cid}" not in errors:
            kept[cid] = (value, justification)
    if errors:
        raise ValidationFailed(errors)
    return kept


async def save_sheet(
    session: AsyncSession,
    round_id: int,
    profile_id: int,
    user: User,
    entries: Mapping[int, Entry],
    *,
    submit: bool,
    strict: bool = False,
) -> Sheet:
    """Save the evaluator's ratings of a profile: a draft (values may be missing), or
    submitted (every criterion rated; all of them get `submitted_at`). A submitted sheet
    stays submitted: saving it again is a changed submission, so it must be complete too,
    and others' ratings, once seen, are never hidden again.

    Raises NotFound (not assigned), RoundClosed, ConflictDeclared, ValidationFailed (with
    `strict`, also for entries of criteria the process does not have)."""
    assert user.id is not None
    round_, _profile = await _profile_in_round(session, round_id, profile_id, user.id)
    if round_.status is not RoundStatus.OPEN:
        raise RoundClosed(_("This rating round is closed: ratings can no longer be changed."))
    if await _conflict(session, round_id, profile_id, user.id) is not None:
        raise ConflictDeclared(_("You declared a conflict of interest for this profile."))
    setup = await setup_of(session, round_.process_id)
    criteria = await criteria_of(session, round_.process_id)
    if not criteria:
        raise ValidationFailed({"criteria": _("This process has no criteria yet.")})
    mine = {
        r.criterion_id: r
        for r in await _ratings(session, round_id, profile_id)
        if r.evaluator_id == user.id
    }
    resubmit = any(r.submitted_at for r in mine.values())
    kept = _check(criteria, setup, entries, submit=submit or resubmit, strict=strict)
    now = utcnow()
    for cid, (value, justification) in kept.items():
        rating = mine.pop(cid, None) or Rating(
            round_id=round_id,
            profile_id=profile_id,
            evaluator_id=user.id,
            criterion_id=cid,
            value=0,
        )
        rating.value = value
        rating.justification = justification
        rating.updated_at = now
        rating.submitted_at = now if submit or resubmit else None
        session.add(rating)
    # Criteria cleared in a draft, and ratings of criteria no longer in the process.
    gone = [r.id for r in mine.values() if r.id is not None]
    if gone:
        await session.exec(delete(Rating).where(col(Rating.id).in_(gone)))
    if kept:
        await _mark_first_rating(session, round_.process_id)
    rounds.log_event(
        session,
        round_.process_id,
        EvaluationAction.RATING_SUBMITTED if submit or resubmit else EvaluationAction.RATING_SAVED,
        user,
        round_id=round_id,
        profile_id=profile_id,
        values={str(cid): value for cid, (value, _j) in sorted(kept.items())},
        changed=resubmit,
    )
    await session.commit()
    return await sheet_of(session, round_id, profile_id, user)


async def _mark_first_rating(session: AsyncSession, process_id: int) -> None:
    """From the first saved rating on, a change of the criteria must be confirmed
    (criteria.save_criteria). The setup row is made from the defaults if the process has
    none yet."""
    setup = await session.get(EvaluationSetup, process_id)
    if setup is None:
        setup = await setup_of(session, process_id)
    if setup.first_rating_at is None:
        setup.first_rating_at = utcnow()
        session.add(setup)


# --- conflicts of interest ----------------------------------------------------------------------


async def declare_conflict(
    session: AsyncSession, round_id: int, profile_id: int, user: User, note: str = ""
) -> ConflictOfInterest:
    """The evaluator declares a conflict of interest for a profile (e.g. their organisation
    leads it). Their ratings of it in this round are deleted, not kept and ignored: a rating
    given under a conflict must not reach an export, a comparison shown to others or the
    progress count, and the log keeps what was rated. Declaring twice changes nothing.

    Raises NotFound (not assigned), RoundClosed, ValidationFailed (note too long)."""
    assert user.id is not None
    round_, _profile = await _profile_in_round(session, round_id, profile_id, user.id)
    if round_.status is not RoundStatus.OPEN:
        raise RoundClosed(_("This rating round is closed: ratings can no longer be changed."))
    text = note.strip()
    if len(text) > NOTE_MAX:
        raise ValidationFailed({"note": _("At most %(n)d characters, please.") % {"n": NOTE_MAX}})
    existing = await _conflict(session, round_id, profile_id, user.id)
    if existing is not None:
        return existing
    conflict = ConflictOfInterest(
        round_id=round_id, profile_id=profile_id, evaluator_id=user.id, note=text
    )
    session.add(conflict)
    deleted = [
        r for r in await _ratings(session, round_id, profile_id) if r.evaluator_id == user.id
    ]
    if deleted:
        await session.exec(delete(Rating).where(col(Rating.id).in_([r.id for r in deleted])))
    rounds.log_event(
        session,
        round_.process_id,
        EvaluationAction.CONFLICT_DECLARED,
        user,
        round_id=round_id,
        profile_id=profile_id,
        note=text,
        deleted={
            str(r.criterion_id): r.value for r in sorted(deleted, key=lambda r: r.criterion_id)
        },
    )
    await session.commit()
    return conflict
