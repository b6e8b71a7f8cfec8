"""The admin's pages between the ratings and the plan: a round's calibration view (scores,
flags, distribution, sensitivity), the proposal of the priority groups, moving a profile to
another group with a reason, defining the groups, and publishing the plan with the general
answer for contributions that went into no profile (services/evaluation/)."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from participation.auth import guarded_user, requires_admin
from participation.i18n import _, ngettext
from participation.inputs import form_rows, parse_int, row_of
from participation.models import Process
from participation.routes import Db, FormData
from participation.routes.processes import load_process
from participation.services.errors import NotFound, ValidationFailed
from participation.services.evaluation import calibration, groups, plan, publication
from participation.services.evaluation.calibration import SORTS
from participation.services.evaluation.criteria import setup_of
from participation.services.evaluation.groups import GroupRow
from participation.services.evaluation.rounds import get_round
from participation.services.evaluation.scoring import SENSITIVITY

GROUP_ROW = re.compile(r"^(group)-(\d{1,3})-(\w+)$")
EMPTY_GROUP_ROWS = 1  # blank rows offered below the groups


class PlanAdminController(Controller):
    path = "/admin"
    guards = [requires_admin]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/bewertung/runden/{round_id:int}/kalibrierung", cache=False)
    async def calibration_view(
        self, db: Db, round_id: FromPath[int], sort: FromQuery[str] = "rank"
    ) -> Template:
        try:
            view = await calibration.calibration(db, round_id, sort if sort in SORTS else "rank")
        except NotFound as exc:
            raise NotFoundException(str(exc)) from exc
        process = await load_process_by_id(db, view.scores.round.process_id)
        return Template(
            "pages/evaluation_plan/calibration.html",
            context={
                "view": view,
                "process": process,
                "round": view.scores.round,
                "sort": sort if sort in SORTS else "rank",
                "sorts": SORTS,
                "percent": int(SENSITIVITY * 100),
            },
        )

    @post("/bewertung/runden/{round_id:int}/gruppen-vorschlagen")
    async def propose(
        self, request: Request[Any, Any, Any], db: Db, round_id: FromPath[int], data: FormData
    ) -> Redirect:
        back = f"/admin/bewertung/runden/{round_id}/kalibrierung"
        try:
            result = await groups.propose(
                db, round_id, guarded_user(request), discard_moves=data.get("discard") == "on"
            )
        except NotFound as exc:
            raise NotFoundException(str(exc)) from exc
        except ValidationFailed as exc:
            flash(request, exc.errors["groups"], "error")
            return Redirect(back, status_code=303)
        placed = sum(len(ids) for ids in result.proposal.groups.values())
        message = ngettext(
            "%(num)d profile placed in the groups.",
            "%(num)d profiles placed in the groups.",
            placed,
        ) % {"num": placed}
        if result.proposal.ties:
            message += " " + _("Equal scores lie across a boundary: decide them below.")
        flash(request, message, "success")
        return Redirect(back, status_code=303)

    @post("/bewertung/runden/{round_id:int}/steckbriefe/{profile_id:int}/verschieben")
    async def move(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        round_id: FromPath[int],
        profile_id: FromPath[int],
        data: FormData,
    ) -> Redirect:
        back = f"/admin/bewertung/runden/{round_id}/kalibrierung#profile-{profile_id}"
        try:
            await get_round(db, round_id)
            await groups.move(
                db,
                profile_id,
                parse_int(data.get("group")) or 0,
                data.get("reason", "")[:2000],
                guarded_user(request),
            )
        except NotFound as exc:
            flash(request, str(exc), "error")
        except ValidationFailed as exc:
            flash(request, " ".join(exc.errors.values()), "error")
        else:
            flash(request, _("Moved. The reason is in the log."), "success")
        return Redirect(back, status_code=303)

    @get("/processes/{slug:str}/bewertung/gruppen", cache=False)
    async def group_form(self, db: Db, slug: FromPath[str]) -> Template:
        overview = await load_process(db, slug)
        return await _group_page(db, overview.process, await _stored_rows(db, overview.process), {})

    @post("/processes/{slug:str}/bewertung/gruppen")
    async def save_group_form(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str], data: FormData
    ) -> Template | Redirect:
        overview = await load_process(db, slug)
        rows = [row_of(GroupRow, values) for values in form_rows(data, GROUP_ROW).get("group", [])]
        if data.get("add"):
            return await _group_page(db, overview.process, [*rows, GroupRow()], {})
        try:
            await groups.save_groups(db, overview.process.id or 0, rows)
        except ValidationFailed as exc:
            # Errors are numbered among the filled rows; blank ones are dropped when saving.
            filled = [row for row in rows if not row.blank]
            return await _group_page(
                db, overview.process, [*filled, GroupRow()], exc.errors, status=422
            )
        flash(request, _("The priority groups are saved."), "success")
        return Redirect(f"/admin/processes/{slug}/bewertung/gruppen", status_code=303)

    @post("/processes/{slug:str}/bewertung/gruppen/vorlage")
    async def preset_groups(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str]
    ) -> Redirect:
        overview = await load_process(db, slug)
        if await groups.groups_of(db, overview.process.id or 0):
            flash(request, _("This process has priority groups already."), "error")
        else:
            await groups.apply_preset(db, overview.process.id or 0)
            flash(request, _("The priority groups are saved."), "success")
        return Redirect(f"/admin/processes/{slug}/bewertung/gruppen", status_code=303)

    # --- publishing the plan ----------------------------------------------------------------

    @post("/processes/{slug:str}/bewertung/plan/veroeffentlichen")
    async def publish(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str]
    ) -> Redirect:
        process = (await load_process(db, slug)).process
        try:
            state = await publication.publish_plan(db, process.id or 0, guarded_user(request))
        except ValidationFailed as exc:
            flash(request, " ".join(exc.errors.values()), "error")
        else:
            message = ngettext(
                "The plan is published with %(num)d profile.",
                "The plan is published with %(num)d profiles.",
                state.placed,
            ) % {"num": state.placed}
            flash(request, message, "success")
        return Redirect(_plan_section(slug), status_code=303)

    @post("/processes/{slug:str}/bewertung/plan/zuruecknehmen")
    async def withdraw(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str]
    ) -> Redirect:
        process = (await load_process(db, slug)).process
        await publication.withdraw_plan(db, process.id or 0, guarded_user(request))
        flash(request, _("The plan is no longer public; its profiles stay public."), "success")
        return Redirect(_plan_section(slug), status_code=303)

    @post("/processes/{slug:str}/bewertung/plan/antwort")
    async def general_answer(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str], data: FormData
    ) -> Template | Redirect:
        process = (await load_process(db, slug)).process
        text = data.get("general_answer", "")
        try:
            await publication.save_general_answer(db, process.id or 0, text, guarded_user(request))
        except ValidationFailed as exc:
            rows = await _stored_rows(db, process)
            return await _group_page(
                db, process, rows, {}, status=422, answer=text, answer_errors=exc.errors
            )
        flash(request, _("The general answer is saved."), "success")
        return Redirect(_plan_section(slug), status_code=303)


def _plan_section(slug: str) -> str:
    return f"/admin/processes/{slug}/bewertung/gruppen#plan-title"


async def _stored_rows(db: Db, process: Process) -> list[GroupRow]:
    found = await groups.groups_of(db, process.id or 0)
    rows = [
        GroupRow(
            str(g.id),
            g.name,
            g.description,
            str(g.size or ""),
            f"{g.threshold:g}" if g.threshold is not None else "",
        )
        for g in found
    ]
    return [*rows, *[GroupRow()] * EMPTY_GROUP_ROWS]


async def _group_page(
    db: Db,
    process: Process,
    rows: list[GroupRow],
    errors: dict[str, str],
    status: int = 200,
    *,
    answer: str | None = None,
    answer_errors: dict[str, str] | None = None,
) -> Template:
    """The groups form and, below it, the plan as placed with publishing and the answer."""
    process_id = process.id or 0
    state = await publication.plan_state(db, process_id)
    placed: dict[int, list[Any]] = {}
    for entry, profile in await plan.placed_entries(db, process_id):
        placed.setdefault(entry.group_id, []).append((entry, profile))
    setup = await setup_of(db, process_id)
    return Template(
        "pages/evaluation_plan/groups.html",
        context={
            "process": process,
            "rows": rows,
            "errors": errors,
            # "0-size" is the field "group-0-size"; "groups" names no field.
            "error_targets": {key: f"group-{key}" for key in errors if "-" in key},
            "groups": await groups.groups_of(db, process_id),
            "placed": placed,
            "state": state,
            "answer": state.general_answer if answer is None else answer,
            "answer_errors": answer_errors or {},
            "answer_max": publication.GENERAL_ANSWER_MAX,
            "score_text": lambda value: plan.score_text(value, setup.scale_max),
        },
        status_code=status,
    )


async def load_process_by_id(db: Db, process_id: int) -> Process:
    process = await db.get(Process, process_id)
    assert process is not None  # a round is deleted with its process
    return process
