"""Evaluation for admins: a process's criteria and scale, its rating rounds (opened over the
profiles ready for evaluation or chosen ones, evaluators for all profiles or one action field,
a due date, closing), each evaluator's progress, and the evaluation log.

The criteria rows work without JavaScript: "add a criterion" and "adjust the levels" are
submit buttons that send the whole form back and get it again with all input kept; a row is
removed by emptying it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_user, requires_admin
from participation.i18n import _
from participation.inputs import form_rows, parse_int, row_of
from participation.models import Process
from participation.routes import Db, FormData
from participation.routes.processes import load_process
from participation.services import processes
from participation.services.errors import NotFound, ValidationFailed
from participation.services.evaluation import administration, criteria, rounds
from participation.services.evaluation.criteria import (
    SCALE_TOP_MAX,
    SCALE_TOP_MIN,
    CriterionRow,
    NeedsConfirmation,
    ScaleInput,
)
from participation.services.evaluation.rounds import Assignment
from participation.services.processes import parse_day

_ROWS: Final = re.compile(r"^(crit)-(\d{1,3})-(\w+)$")
_LEVEL: Final = re.compile(r"^level-(\d{1,2})$")
# The profiles a round takes: those ready for evaluation, or the ones ticked.
READY: Final = "ready"
CHOSEN: Final = "chosen"


async def _process(db: Db, slug: str) -> Process:
    return (await load_process(db, slug)).process


def _base(process: Process) -> str:
    return f"/admin/processes/{process.slug}/bewertung"


@dataclass
class CriteriaForm:
    """The criteria page as typed: rows, the scale and the confirmation."""

    rows: list[CriterionRow] = field(default_factory=list)
    scale_max: str = "4"
    levels: list[str] = field(default_factory=list)
    min_ratings: str = "2"
    confirmed: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, data: dict[str, str]) -> CriteriaForm:
        rows = [row_of(CriterionRow, r) for r in form_rows(data, _ROWS).get("crit", [])]
        levels: dict[int, str] = {}
        for key, value in data.items():
            if (match := _LEVEL.match(key)) and int(match[1]) <= SCALE_TOP_MAX:
                levels[int(match[1])] = value
        return cls(
            rows=rows,
            scale_max=data.get("scale_max", ""),
            levels=[levels.get(i, "") for i in range(max(levels, default=-1) + 1)],
            min_ratings=data.get("min_ratings", ""),
            confirmed=data.get("confirm") == "on",
        )

    @property
    def scale(self) -> ScaleInput:
        return ScaleInput(self.scale_max, tuple(self.levels), self.min_ratings)

    def fit_levels(self) -> None:
        """As many level fields as the typed scale has levels (typed texts kept)."""
        top = parse_int(self.scale_max, SCALE_TOP_MIN, SCALE_TOP_MAX)
        if top is not None:
            self.levels = (self.levels + [""] * (top + 1))[: top + 1]


def _round_form(data: dict[str, str]) -> dict[str, Any]:
    """The new-round form as typed, for showing it again."""
    return {
        "title": data.get("title", ""),
        "scope": CHOSEN if data.get("scope") == CHOSEN else READY,
        "profiles": {key.removeprefix("p-") for key, v in data.items() if key.startswith("p-")},
        "evaluators": {key.removeprefix("e-") for key, v in data.items() if key.startswith("e-")},
        "themes": {
            key.removeprefix("t-"): value for key, value in data.items() if key.startswith("t-")
        },
        "due_on": data.get("due_on", ""),
    }


def _assignments(data: dict[str, str]) -> list[Assignment]:
    """The ticked evaluators, each for all profiles or for the action field chosen beside."""
    found = []
    for key, value in data.items():
        if not key.startswith("e-") or value != "on":
            continue
        user_id = parse_int(key.removeprefix("e-"))
        if user_id is None:
            continue
        theme = data.get(f"t-{user_id}", "")
        # A theme that is no number names none: the service answers it is not this process's.
        theme_id = (parse_int(theme) or 0) if theme else None
        found.append(Assignment(user_id, theme_id))
    return found


class EvaluationAdminController(Controller):
    path = "/admin"
    guards = [requires_admin]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    # --- the overview ---------------------------------------------------------------------

    @get("/processes/{slug:str}/bewertung", cache=False)
    async def overview(self, db: Db, slug: FromPath[str]) -> Template:
        process = await _process(db, slug)
        assert process.id is not None
        return Template(
            "pages/evaluation_admin/overview.html",
            context={
                "process": process,
                "setup": await criteria.setup_of(db, process.id),
                "criteria": await criteria.criteria_of(db, process.id),
                "rounds": await administration.rounds_of_process(db, process.id),
                "decimal": administration.decimal_text,
            },
        )

    @post("/processes/{slug:str}/bewertung/vorlage")
    async def preset(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str]
    ) -> Redirect:
        process = await _process(db, slug)
        assert process.id is not None
        try:
            await criteria.apply_preset(db, process.id, guarded_user(request))
        except ValidationFailed as exc:
            flash(request, next(iter(exc.errors.values())), "error")
        else:
            flash(request, _("The criteria of the digitalisation plan were taken over."), "success")
        return Redirect(_base(process), status_code=303)

    # --- criteria and scale ----------------------------------------------------------------

    @get("/processes/{slug:str}/bewertung/kriterien", cache=False)
    async def criteria_form(self, db: Db, slug: FromPath[str]) -> Template:
        process = await _process(db, slug)
        assert process.id is not None
        setup = await criteria.setup_of(db, process.id)
        stored = await criteria.criteria_of(db, process.id)
        form = CriteriaForm(
            rows=[
                CriterionRow(
                    str(c.id), c.name, c.description, administration.decimal_text(c.weight)
                )
                for c in stored
            ]
            or [CriterionRow()],
            scale_max=str(setup.scale_max),
            levels=list(setup.levels),
            min_ratings=str(setup.min_ratings),
        )
        form.fit_levels()
        return await self._criteria_page(db, process, form)

    @post("/processes/{slug:str}/bewertung/kriterien")
    async def save_criteria(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str], data: FormData
    ) -> Template | Redirect:
        process = await _process(db, slug)
        assert process.id is not None
        form = CriteriaForm.from_form(data)
        action = data.get("action", "save")
        if action == "crit-add":
            form.rows.append(CriterionRow())
            return await self._criteria_page(db, process, form)
        if action == "levels":
            form.fit_levels()
            return await self._criteria_page(db, process, form)
        try:
            changed = await criteria.save_setup(
                db,
                process.id,
                form.rows,
                form.scale,
                guarded_user(request),
                confirmed=form.confirmed,
            )
        except ValidationFailed as exc:
            # The rows as the service counted them: blank ones drop out, so the messages'
            # numbers ("0-name") are the rows' places in the form shown again.
            form.rows = [row for row in form.rows if not row.blank] or [CriterionRow()]
            form.errors = {
                (f"crit-{key}" if key[:1].isdigit() else key): message
                for key, message in exc.errors.items()
            }
            form.fit_levels()
            return await self._criteria_page(db, process, form, HTTP_422_UNPROCESSABLE_ENTITY)
        except NeedsConfirmation as exc:
            form.rows = [row for row in form.rows if not row.blank]
            return await self._criteria_page(
                db, process, form, HTTP_409_CONFLICT, needs_confirmation=str(exc)
            )
        if changed:
            flash(request, _("Criteria and scale saved."), "success")
        else:
            flash(request, _("Nothing was changed."), "info")
        return Redirect(_base(process), status_code=303)

    @staticmethod
    async def _criteria_page(
        db: Db,
        process: Process,
        form: CriteriaForm,
        status_code: int = 200,
        *,
        needs_confirmation: str = "",
    ) -> Template:
        assert process.id is not None
        setup = await criteria.setup_of(db, process.id)
        return Template(
            "pages/evaluation_admin/criteria.html",
            context={
                "process": process,
                "form": form,
                "rated": setup.first_rating_at is not None,
                "needs_confirmation": needs_confirmation,
                "top_min": SCALE_TOP_MIN,
                "top_max": SCALE_TOP_MAX,
            },
            status_code=status_code,
        )

    # --- rounds ----------------------------------------------------------------------------

    @get("/processes/{slug:str}/bewertung/runden/neu", cache=False)
    async def new_round(self, db: Db, slug: FromPath[str]) -> Template:
        process = await _process(db, slug)
        return await self._round_page(db, process, _round_form({}), {})

    @post("/processes/{slug:str}/bewertung/runden/neu")
    async def open_round(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str], data: FormData
    ) -> Template | Redirect:
        process = await _process(db, slug)
        assert process.id is not None
        form = _round_form(data)
        due_text = form["due_on"].strip()
        due_on = parse_day(due_text) if due_text else None
        unreadable = bool(due_text) and due_on is None
        profile_ids = None
        if form["scope"] == CHOSEN:
            profile_ids = [pid for key in form["profiles"] if (pid := parse_int(key)) is not None]
        try:
            round_ = await rounds.open_round(
                db,
                process.id,
                form["title"],
                _assignments(data),
                guarded_user(request),
                profile_ids=profile_ids,
                # An unreadable date as a past one: refused, with the other fields checked.
                due_on=date.min if unreadable else due_on,
            )
        except ValidationFailed as exc:
            errors = dict(exc.errors)
            if unreadable:
                errors["due_on"] = _("Please give the date as DD.MM.YYYY, e.g. 15.06.2027.")
            return await self._round_page(db, process, form, errors, HTTP_422_UNPROCESSABLE_ENTITY)
        flash(request, _("Round opened: “%(title)s”.") % {"title": round_.title}, "success")
        return Redirect(f"/admin/bewertung/runden/{round_.id}", status_code=303)

    @staticmethod
    async def _round_page(
        db: Db,
        process: Process,
        form: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Template:
        assert process.id is not None
        return Template(
            "pages/evaluation_admin/new_round.html",
            context={
                "process": process,
                "form": form,
                "errors": errors,
                "profiles": await administration.profiles_by_status(db, process.id),
                "raters": await administration.raters(db),
                "themes": await processes.list_themes(db, process.id),
            },
            status_code=status_code,
        )

    @get("/bewertung/runden/{round_id:int}", cache=False)
    async def round_page(self, db: Db, round_id: FromPath[int]) -> Template:
        try:
            round_ = await rounds.get_round(db, round_id)
        except NotFound as exc:
            raise NotFoundException() from exc
        process = await db.get(Process, round_.process_id)
        assert process is not None  # a round is deleted with its process
        [summary] = await administration.round_summaries(db, [round_])
        return Template(
            "pages/evaluation_admin/round.html",
            context={
                "process": process,
                "summary": summary,
                "round": round_,
                "profiles": await administration.profiles_of_round(db, round_id),
            },
        )

    @post("/bewertung/runden/{round_id:int}/close")
    async def close(
        self, request: Request[Any, Any, Any], db: Db, round_id: FromPath[int]
    ) -> Redirect:
        try:
            round_ = await rounds.close_round(db, round_id, guarded_user(request))
        except NotFound as exc:
            raise NotFoundException() from exc
        flash(request, _("Round closed: no more ratings are taken."), "success")
        return Redirect(f"/admin/bewertung/runden/{round_.id}", status_code=303)

    # --- the log ---------------------------------------------------------------------------

    @get("/processes/{slug:str}/bewertung/protokoll", cache=False)
    async def log(self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str]) -> Template:
        process = await _process(db, slug)
        assert process.id is not None
        page = parse_int(request.query_params.get("page"), minimum=1, maximum=100_000) or 1
        return Template(
            "pages/evaluation_admin/log.html",
            context={
                "process": process,
                "page": await administration.evaluation_log(db, process.id, page),
            },
        )
