"""The evaluator's pages: their open rounds with progress, the profiles of a round with each
one's state, and the rating sheet of one profile (draft, submit, the comparison after
submitting, declaring a conflict of interest). Rules in services/evaluation/ratings.py.

Evaluators and admins open them; a profile or round that is not theirs answers 404.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import AREAS, guarded_scope, guarded_user, require_roles
from participation.i18n import _
from participation.models import Process, Role, User
from participation.routes import Db, FormData
from participation.services.errors import NotFound, ServiceError, ValidationFailed
from participation.services.evaluation import ratings
from participation.services.evaluation.scoring import DISAGREEMENT

# Rating: evaluators, and admins who sit on a jury themselves (a round's assignments
# decide which profiles each one rates).
requires_rater = require_roles(Role.EVALUATOR)
AREAS["evaluation"] = requires_rater  # the "Bewertung" link in the navigation


T = TypeVar("T")


def _sheet_url(round_id: int, profile_id: int) -> str:
    return f"/bewertung/runden/{round_id}/steckbriefe/{profile_id}"


class EvaluationController(Controller):
    path = "/bewertung"
    guards = [requires_rater]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("", cache=False)
    async def index(self, request: Request[Any, Any, Any], db: Db) -> Template:
        user = guarded_user(request)
        return Template(
            "pages/evaluation/index.html",
            context={
                "rounds": await ratings.my_rounds(db, user.id or 0, await guarded_scope(request))
            },
        )

    @get("/runden/{round_id:int}", cache=False)
    async def round_page(
        self, request: Request[Any, Any, Any], db: Db, round_id: FromPath[int]
    ) -> Template:
        user = guarded_user(request)
        try:
            round_ = await ratings.round_of_evaluator(db, round_id, user.id or 0)
        except NotFound as exc:
            raise NotFoundException(str(exc)) from exc
        entries = await ratings.my_profiles(db, round_id, user.id or 0)
        done = sum(1 for e in entries if e.state in ratings.DONE)
        return Template(
            "pages/evaluation/round.html",
            context={
                "round": round_,
                "process": await db.get(Process, round_.process_id),
                "entries": entries,
                "done": done,
            },
        )

    @get("/runden/{round_id:int}/steckbriefe/{profile_id:int}", cache=False)
    async def sheet(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        round_id: FromPath[int],
        profile_id: FromPath[int],
    ) -> Template:
        return await self._sheet_page(db, guarded_user(request), round_id, profile_id)

    @post("/runden/{round_id:int}/steckbriefe/{profile_id:int}")
    async def save(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        round_id: FromPath[int],
        profile_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        user = guarded_user(request)
        submit = data.get("action") == "submit"
        entries = ratings.entries_from_form(data)
        sheet = await self._write(
            request,
            db,
            round_id,
            profile_id,
            ratings.save_sheet(db, round_id, profile_id, user, entries, submit=submit),
            typed=data,
        )
        if isinstance(sheet, Response):
            return sheet
        if sheet.state is ratings.SheetState.SUBMITTED:
            message = _("Your rating is submitted. Below you can compare it with the others.")
        else:
            message = _("Draft saved. You can come back and finish it later.")
        flash(request, message, "success")
        return Redirect(_sheet_url(round_id, profile_id), status_code=303)

    @post("/runden/{round_id:int}/steckbriefe/{profile_id:int}/konflikt")
    async def conflict(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        round_id: FromPath[int],
        profile_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        note = data.get("note", "")
        declared = await self._write(
            request,
            db,
            round_id,
            profile_id,
            ratings.declare_conflict(db, round_id, profile_id, guarded_user(request), note),
            note=note,
        )
        if isinstance(declared, Response):
            return declared
        flash(
            request,
            _("Conflict of interest declared: you are left out of this profile's score."),
            "success",
        )
        return Redirect(f"/bewertung/runden/{round_id}", status_code=303)

    async def _write(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        round_id: int,
        profile_id: int,
        work: Awaitable[T],
        *,
        typed: dict[str, str] | None = None,
        note: str = "",
    ) -> T | Template | Redirect:
        """Run a change; what refuses it answers here: not assigned 404, bad input the
        form again with what was typed, a closed round or a conflict a message."""
        try:
            return await work
        except NotFound as exc:
            raise NotFoundException(str(exc)) from exc
        except ValidationFailed as failed:
            return await self._sheet_page(
                db,
                guarded_user(request),
                round_id,
                profile_id,
                typed=typed,
                note=note,
                errors=failed.errors,
            )
        except ServiceError as refused:  # closed round, conflict declared
            flash(request, str(refused), "error")
            return Redirect(_sheet_url(round_id, profile_id), status_code=303)

    async def _sheet_page(
        self,
        db: Db,
        user: User,
        round_id: int,
        profile_id: int,
        *,
        typed: dict[str, str] | None = None,
        note: str = "",
        errors: dict[str, str] | None = None,
    ) -> Template:
        try:
            sheet = await ratings.sheet_of(db, round_id, profile_id, user)
        except NotFound as exc:
            raise NotFoundException(str(exc)) from exc
        return Template(
            "pages/evaluation/sheet.html",
            context={
                "sheet": sheet,
                "process": await db.get(Process, sheet.round.process_id),
                "typed": typed,
                "note": note,
                "disagreement": DISAGREEMENT,
                "errors": errors or {},
                "justification_max": ratings.JUSTIFICATION_MAX,
                "note_max": ratings.NOTE_MAX,
            },
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if errors else 200,
        )
