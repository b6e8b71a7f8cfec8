"""Rating offline: an evaluator downloads their sheet of a round as XLSX and uploads it filled
in; an admin does the same for any evaluator of the round (a jury that sends its sheets by
mail). Rules in services/evaluation/sheets.py; a sheet with wrong rows is answered with every
row error and nothing is stored."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_user, requires_admin
from participation.i18n import _, ngettext
from participation.models import RatingRound, User
from participation.routes import Db
from participation.routes.evaluation import requires_rater
from participation.services.errors import NotFound, ValidationFailed
from participation.services.evaluation import sheets
from participation.services.evaluation.ratings import round_of_evaluator
from participation.services.importing import ImportFailed, UnreadableFile

Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
SHEET_MAX_BYTES = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _evaluator_of(db: Db, round_id: int, user_id: int) -> tuple[RatingRound, User]:
    """The round and the evaluator, if they are one of its evaluators; 404 otherwise."""
    try:
        round_ = await round_of_evaluator(db, round_id, user_id)
    except NotFound as exc:
        raise NotFoundException(str(exc)) from exc
    user = await db.get(User, user_id)
    assert user is not None  # an evaluator of the round exists
    return round_, user


async def _download(db: Db, round_: RatingRound, evaluator: User) -> Response[bytes]:
    data = await sheets.rating_sheet(db, round_.id or 0, evaluator)
    name = f"bewertung-runde-{round_.id}-{evaluator.id}.xlsx"
    return Response(
        data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


async def _upload(
    request: Request[Any, Any, Any],
    db: Db,
    round_: RatingRound,
    evaluator: User,
    data: dict[str, Any],
    back: str,
) -> Template | Redirect:
    file = data.get("file")
    problem = ""
    if not isinstance(file, UploadFile) or not file.filename:
        problem = _("Please choose the filled-in XLSX file.")
    else:
        content = await file.read()
        try:
            found = await sheets.import_rating_sheet(
                db, round_.id or 0, evaluator, guarded_user(request), file.filename, content
            )
        except ImportFailed as failed:
            return Template(
                "pages/evaluation/sheet_errors.html",
                context={"round": round_, "errors": failed.errors, "back": back},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        except (UnreadableFile, ValidationFailed) as error:
            problem = (
                " ".join(error.errors.values())
                if isinstance(error, ValidationFailed)
                else str(error)
            )
        else:
            count = len(found.by_profile)
            flash(
                request,
                ngettext(
                    "%(num)d rated profile taken over from the sheet.",
                    "%(num)d rated profiles taken over from the sheet.",
                    count,
                )
                % {"num": count},
                "success",
            )
            return Redirect(back, status_code=303)
    flash(request, problem, "error")
    return Redirect(back, status_code=303)


class MySheetController(Controller):
    path = "/bewertung/runden/{round_id:int}"
    guards = [requires_rater]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/tabelle.xlsx", cache=False)
    async def download(
        self, request: Request[Any, Any, Any], db: Db, round_id: FromPath[int]
    ) -> Response[bytes]:
        round_, me = await _evaluator_of(db, round_id, guarded_user(request).id or 0)
        return await _download(db, round_, me)

    @post("/tabelle", request_max_body_size=SHEET_MAX_BYTES)
    async def upload(
        self, request: Request[Any, Any, Any], db: Db, round_id: FromPath[int], data: Upload
    ) -> Template | Redirect:
        round_, me = await _evaluator_of(db, round_id, guarded_user(request).id or 0)
        return await _upload(request, db, round_, me, data, f"/bewertung/runden/{round_id}")


class EvaluatorSheetController(Controller):
    path = "/admin/bewertung/runden/{round_id:int}/bewertende/{user_id:int}"
    guards = [requires_admin]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/tabelle.xlsx", cache=False)
    async def download(
        self, db: Db, round_id: FromPath[int], user_id: FromPath[int]
    ) -> Response[bytes]:
        round_, evaluator = await _evaluator_of(db, round_id, user_id)
        return await _download(db, round_, evaluator)

    @post("/tabelle", request_max_body_size=SHEET_MAX_BYTES)
    async def upload(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        round_id: FromPath[int],
        user_id: FromPath[int],
        data: Upload,
    ) -> Template | Redirect:
        round_, evaluator = await _evaluator_of(db, round_id, user_id)
        back = f"/admin/bewertung/runden/{round_id}"
        return await _upload(request, db, round_, evaluator, data, back)
