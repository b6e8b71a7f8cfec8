"""Rating through the staff API (documented at /schema): an evaluator's rounds with their
progress, a round's criteria, scale and profiles, one profile's rating sheet, saving it as a
draft or submitting it, and declaring a conflict of interest.

Every request carries a personal access token (`Authorization: Bearer …`, see
participation/token_auth.py; reading works with the browser's session too) and acts as its
owner. The rules are the rating pages' (services/evaluation/ratings.py): evaluators and
admins only, and of those only the ones assigned to the round and the profile; others'
ratings stay hidden until one's own is submitted; a closed round takes no changes.

Answers: 401 without a valid token, 403 for another role and for a round or profile that is
not the caller's (whether it exists is not told, as the pages answer 404 for both), 400 with
a message per field for bad values, 409 when the round is closed or a conflict is declared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from litestar import Controller, Request, get, post, put
from litestar.exceptions import PermissionDeniedException
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.response import Response
from litestar.status_codes import HTTP_201_CREATED, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from participation.auth import guarded_scope, guarded_user
from participation.models import Process, RatingRound, Role, RoundStatus
from participation.routes import Db
from participation.services.errors import NotFound, ServiceError, ValidationFailed
from participation.services.evaluation import ratings
from participation.services.evaluation.criteria import criteria_of, setup_of
from participation.services.evaluation.ratings import Comparison, Entry, Level, SheetState
from participation.token_auth import STAFF_WRITE, staff_api

# Evaluators, and admins who sit on a jury (the round's assignments decide the rest).
requires_rater = staff_api(Role.EVALUATOR)
# More than any process has criteria: a longer list is a mistake, answered before any work.
RATINGS_MAX: Final = 100


@dataclass(frozen=True)
class RoundItem:
    id: int
    title: str
    process_id: int
    process_title: str
    due_on: date | None
    status: RoundStatus  # open, closed
    assigned: int  # profiles the caller rates in the round
    rated: int  # of them submitted, or a conflict declared


@dataclass(frozen=True)
class CriterionItem:
    id: int
    name: str
    description: str
    weight: float
    levels: list[Level]  # lowest first, in the criterion's own words where it has them


@dataclass(frozen=True)
class RoundProfileItem:
    id: int
    title: str
    state: SheetState  # open, draft, submitted, conflict


@dataclass(frozen=True)
class RoundDetailItem(RoundItem):
    scale_min: int
    scale_max: int
    criteria: list[CriterionItem]
    profiles: list[RoundProfileItem]


@dataclass(frozen=True)
class SheetRowItem:
    criterion_id: int
    criterion_name: str
    value: int | None
    justification: str
    comparison: Comparison | None  # only once the caller has submitted


@dataclass(frozen=True)
class SheetItem:
    round_id: int
    round_status: RoundStatus
    profile_id: int
    profile_title: str
    state: SheetState
    may_rate: bool  # the round is open and no conflict is declared
    compared: bool  # others' ratings are shown (after the caller's submission)
    disagreements: int
    conflict_note: str | None  # the note of a declared conflict
    rows: list[SheetRowItem]


@dataclass
class RatingInput:
    criterion_id: int
    value: int | None = None  # a level of the scale; null leaves it open (drafts only)
    justification: str = ""


@dataclass
class SheetInput:
    """A draft may leave criteria open (those not sent are cleared); a submission needs a
    value for every criterion. A submitted sheet saved again stays submitted."""

    ratings: list[RatingInput]
    submit: bool = False


@dataclass
class ConflictInput:
    note: str = ""  # e.g. "Meine Organisation ist Lead-Partner."


@dataclass(frozen=True)
class ConflictItem:
    round_id: int
    profile_id: int
    note: str
    declared_at: datetime


@dataclass(frozen=True)
class InvalidInput:
    """Bad values: a message per field (`value-<criterion id>`, `justification-<criterion
    id>`, `note`, `ratings`)."""

    message: str
    errors: dict[str, str]


@dataclass(frozen=True)
class Refused:
    """A change the round no longer takes: `round_closed` or `conflict_declared`."""

    error: str
    message: str


def _answers(status: int, model: type[Any], description: str) -> dict[int, ResponseSpec]:
    """A write's answers in the schema: its result, bad values, and a refused change."""
    return {
        status: ResponseSpec(model, description=description),
        400: ResponseSpec(InvalidInput, description="Bad values, with a message per field"),
        409: ResponseSpec(Refused, description="The round is closed, or a conflict is declared"),
    }


def _invalid(errors: dict[str, str]) -> Response[InvalidInput]:
    message = "Some values are not valid: see errors"
    return Response(InvalidInput(message, errors), status_code=HTTP_400_BAD_REQUEST)


def _refused(refusal: ServiceError) -> Response[Refused]:
    kind = "round_closed" if isinstance(refusal, ratings.RoundClosed) else "conflict_declared"
    return Response(Refused(kind, str(refusal)), status_code=HTTP_409_CONFLICT)


def _not_yours(exc: NotFound) -> PermissionDeniedException:
    return PermissionDeniedException(str(exc))


def _round_item(round_: RatingRound, process_title: str, assigned: int, rated: int) -> RoundItem:
    return RoundItem(
        id=round_.id or 0,
        title=round_.title,
        process_id=round_.process_id,
        process_title=process_title,
        due_on=round_.due_on,
        status=round_.status,
        assigned=assigned,
        rated=rated,
    )


def _sheet_item(sheet: ratings.Sheet) -> SheetItem:
    return SheetItem(
        round_id=sheet.round.id or 0,
        round_status=sheet.round.status,
        profile_id=sheet.profile.id or 0,
        profile_title=sheet.profile.title,
        state=sheet.state,
        may_rate=sheet.may_rate,
        compared=sheet.compared,
        disagreements=sheet.disagreements,
        conflict_note=sheet.conflict.note if sheet.conflict else None,
        rows=[
            SheetRowItem(
                criterion_id=row.criterion.id or 0,
                criterion_name=row.criterion.name,
                value=row.value,
                justification=row.justification,
                comparison=row.comparison,
            )
            for row in sheet.rows
        ],
    )


def _entries(data: SheetInput) -> tuple[dict[int, Entry], dict[str, str]]:
    """The sent ratings as the service takes them, and errors for a criterion sent twice."""
    entries: dict[int, Entry] = {}
    errors: dict[str, str] = {}
    for rating in data.ratings:
        cid = rating.criterion_id
        if cid in entries:
            errors[f"value-{cid}"] = "This criterion is rated more than once in the request"
        value = "" if rating.value is None else str(rating.value)
        entries[cid] = Entry(value, rating.justification)
    return entries, errors


class RatingStaffApiController(Controller):
    """An evaluator's rounds and rating sheets, for scripts and other tools."""

    path = "/api/v1/staff/rounds"
    tags = ["staff"]  # noqa: RUF012 - Litestar reads this class attribute
    guards = [requires_rater]  # noqa: RUF012

    @get("", summary="The open rating rounds the caller rates in", cache=False)
    async def list_rounds(self, request: Request[Any, Any, Any], db: Db) -> list[RoundItem]:
        """Newest first, each with the caller's progress: `rated` of `assigned` profiles
        (a declared conflict counts as done)."""
        progress = await ratings.my_rounds(
            db, guarded_user(request).id or 0, await guarded_scope(request)
        )
        return [_round_item(p.round, p.process_title, p.assigned, p.done) for p in progress]

    @get(
        "/{round_id:int}",
        summary="A rating round: its criteria, scale and the caller's profiles",
        cache=False,
        raises=[PermissionDeniedException],
    )
    async def get_round(
        self, request: Request[Any, Any, Any], db: Db, round_id: FromPath[int]
    ) -> RoundDetailItem:
        """Open and closed rounds alike; each profile with the caller's state of it."""
        user_id = guarded_user(request).id or 0
        try:
            round_ = await ratings.round_of_evaluator(db, round_id, user_id)
        except NotFound as exc:
            raise _not_yours(exc) from exc
        setup = await setup_of(db, round_.process_id)
        criteria = await criteria_of(db, round_.process_id)
        entries = await ratings.my_profiles(db, round_id, user_id)
        process = await db.get(Process, round_.process_id)
        summary = _round_item(
            round_,
            process.title if process else "",
            len(entries),
            sum(1 for e in entries if e.state in ratings.DONE),
        )
        return RoundDetailItem(
            **vars(summary),
            scale_min=setup.scale_min,
            scale_max=setup.scale_max,
            criteria=[
                CriterionItem(
                    id=c.id or 0,
                    name=c.name,
                    description=c.description,
                    weight=c.weight,
                    levels=ratings.levels_of(setup, c),
                )
                for c in criteria
            ],
            profiles=[
                RoundProfileItem(e.profile.id or 0, e.profile.title, e.state) for e in entries
            ],
        )

    @get(
        "/{round_id:int}/profiles/{profile_id:int}",
        summary="The caller's rating sheet of one profile",
        cache=False,
        raises=[PermissionDeniedException],
    )
    async def get_sheet(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        round_id: FromPath[int],
        profile_id: FromPath[int],
    ) -> SheetItem:
        """The caller's values and justifications; the others' submitted ratings and the
        comparison only once the caller has submitted (no anchoring), as on the page."""
        try:
            sheet = await ratings.sheet_of(db, round_id, profile_id, guarded_user(request))
        except NotFound as exc:
            raise _not_yours(exc) from exc
        return _sheet_item(sheet)

    @put(
        "/{round_id:int}/profiles/{profile_id:int}",
        summary="Save the caller's rating sheet of one profile as a draft, or submit it",
        raises=[PermissionDeniedException],
        responses=_answers(200, SheetItem, "The sheet as saved"),
        **STAFF_WRITE,
    )
    async def save_sheet(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        round_id: FromPath[int],
        profile_id: FromPath[int],
        data: JSONBody[SheetInput],
    ) -> Response[Any]:
        """Values by criterion id on the process's scale (see the round), each with an
        optional justification; `submit: true` needs every criterion. Logged as on the
        page."""
        if len(data.ratings) > RATINGS_MAX:
            return _invalid({"ratings": f"At most {RATINGS_MAX} ratings per request"})
        entries, errors = _entries(data)
        if errors:
            return _invalid(errors)
        try:
            sheet = await ratings.save_sheet(
                db,
                round_id,
                profile_id,
                guarded_user(request),
                entries,
                submit=data.submit,
                strict=True,
            )
        except NotFound as exc:
            raise _not_yours(exc) from exc
        except ValidationFailed as failed:
            return _invalid(failed.errors)
        except (ratings.RoundClosed, ratings.ConflictDeclared) as refusal:
            return _refused(refusal)
        return Response(_sheet_item(sheet))

    @post(
        "/{round_id:int}/profiles/{profile_id:int}/conflict",
        summary="Declare a conflict of interest for a profile",
        status_code=HTTP_201_CREATED,
        raises=[PermissionDeniedException],
        responses=_answers(HTTP_201_CREATED, ConflictItem, "The declared conflict"),
        **STAFF_WRITE,
    )
    async def declare_conflict(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        round_id: FromPath[int],
        profile_id: FromPath[int],
        data: JSONBody[ConflictInput],
    ) -> Response[Any]:
        """The caller no longer rates the profile: their ratings of it in this round are
        deleted (the log keeps them) and they are left out of its score. Declaring again
        changes nothing."""
        try:
            conflict = await ratings.declare_conflict(
                db, round_id, profile_id, guarded_user(request), data.note
            )
        except NotFound as exc:
            raise _not_yours(exc) from exc
        except ValidationFailed as failed:
            return _invalid(failed.errors)
        except ratings.RoundClosed as refusal:
            return _refused(refusal)
        item = ConflictItem(
            conflict.round_id, conflict.profile_id, conflict.note, conflict.declared_at
        )
        return Response(item, status_code=HTTP_201_CREATED)
