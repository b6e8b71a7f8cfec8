"""Likely duplicates for moderators: the pairs the background job found, strongest first, side
by side; merge (choosing which one stays), "kein Duplikat", skip; starting the job; undoing a
merge from the log. Plain forms work without JavaScript; with htmx a pair is replaced in
place."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_scope, guarded_user, requires_moderator
from participation.i18n import _
from participation.inputs import parse_int
from participation.jobs import JobQueue, QueueUnavailable
from participation.models import JobKind
from participation.routes import Db, FormData, safe_next
from participation.services import duplicates, merging
from participation.services.duplicates import PairPage, PairView, submit_duplicates_job
from participation.services.errors import Conflict, NotFound, ValidationFailed
from participation.settings import Settings

LIST_URL = "/moderation/duplicates"


def list_url(process: str = "", page: int = 1, skipped: tuple[int, ...] = ()) -> str:
    """The list's address with these choices (defaults left out)."""
    params: list[tuple[str, str]] = []
    if process:
        params.append(("process", process))
    if page > 1:
        params.append(("page", str(page)))
    if skipped:
        params.append(("skip", ",".join(str(i) for i in skipped)))
    return LIST_URL + (f"?{urlencode(params)}" if params else "")


def _skipped(text: str) -> tuple[int, ...]:
    numbers = (parse_int(part, minimum=1) for part in text.split(",")[: duplicates.MAX_SKIPPED])
    return tuple(n for n in numbers if n is not None)


def _pair_context(view: PairView, next_url: str, **extra: Any) -> dict[str, Any]:
    return {"view": view, "next_url": next_url, "error": "", "skip_url": None, **extra}


async def _one_pair_page(
    db: Db, pair_id: int, *, error: str = "", status_code: int = 200
) -> Template:
    try:
        view = await duplicates.pair_view(db, pair_id)
    except NotFound as exc:
        raise NotFoundException() from exc
    return Template(
        "pages/moderation/duplicate.html",
        context=_pair_context(view, f"{LIST_URL}/{pair_id}", error=error),
        status_code=status_code,
    )


class DuplicatesController(Controller):
    path = "/moderation"
    guards = [requires_moderator]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/duplicates", cache=False)
    async def pairs(self, request: Request[Any, Any, Any], db: Db) -> Template:
        params = request.query_params
        page: PairPage = await duplicates.pair_page(
            db,
            process_slug=params.get("process", "")[:80],
            page=parse_int(params.get("page", ""), minimum=1, maximum=10**6) or 1,
            skipped=_skipped(params.get("skip", "")),
            scope=await guarded_scope(request),
        )
        slug = page.process.slug if page.process else ""
        return Template(
            "pages/moderation/duplicates.html",
            context={
                "pairs": page,
                "next_url": list_url(slug, page.page, page.skipped),
                "list_url": list_url,
                "slug": slug,
            },
        )

    @get("/duplicates/{pair_id:int}", cache=False)
    async def pair(self, db: Db, pair_id: FromPath[int]) -> Template:
        """One pair on its own page: where the queue's hint leads."""
        return await _one_pair_page(db, pair_id)

    @get("/duplicates/{pair_id:int}/skip", cache=False)
    async def skip(
        self, request: HTMXRequest, db: Db, pair_id: FromPath[int]
    ) -> Template | Redirect:
        """Leave a pair for later. With htmx the pair gives way to a note; without, the list
        comes again without it (the skipped pairs ride along in the address)."""
        back = safe_next(request.query_params.get("next"), LIST_URL)
        if request.htmx:
            return Template(
                "partials/moderation/_pair_done.html",
                context={"pair_id": pair_id, "message": _("Skipped for now."), "merge": None},
            )
        return Redirect(back, status_code=303)

    @post("/duplicates/compute")
    async def compute(self, request: HTMXRequest, db: Db, state: State, data: FormData) -> Redirect:
        """Start the job that finds the pairs of one process."""
        back = safe_next(data.get("next"), LIST_URL)
        pairs = await duplicates.pair_page(db, process_slug=data.get("process", "")[:80])
        if pairs.process is None or pairs.process.id is None:
            flash(request, _("Please choose a process."), "error")
            return Redirect(back, status_code=303)
        jobs: JobQueue = state.jobs
        try:
            _job, created = await jobs.submit(
                db, pairs.process.id, JobKind.DUPLICATES, guarded_user(request)
            )
        except QueueUnavailable as error:
            flash(request, str(error), "error")
            return Redirect(back, status_code=303)
        if created:
            flash(request, _("Looking for duplicates. Reload this page in a while."), "success")
        else:
            flash(request, _("This is already running; it was not started twice."), "info")
        return Redirect(back, status_code=303)

    @post("/duplicates/{pair_id:int}/merge")
    async def merge(
        self, request: HTMXRequest, db: Db, pair_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        back = safe_next(data.get("next"), LIST_URL)
        try:
            view = await duplicates.pair_view(db, pair_id)
        except NotFound as exc:
            raise NotFoundException() from exc
        keep_id = parse_int(data.get("keep", ""))
        sides = {view.first.id: view.second, view.second.id: view.first}
        try:
            if keep_id not in sides:
                raise ValidationFailed({"keep": _("Please choose which contribution stays.")})
            assert keep_id is not None
            merged = sides[keep_id]
            assert merged.id is not None
            record = await merging.merge_contributions(
                db,
                keep_id=keep_id,
                merged_id=merged.id,
                actor=guarded_user(request),
                keep_version=_version(data, keep_id),
                merged_version=_version(data, merged.id),
            )
        except NotFound as exc:
            raise NotFoundException() from exc
        except Conflict as exc:
            return await self._failed(request, db, pair_id, back, str(exc), HTTP_409_CONFLICT)
        except ValidationFailed as failed:
            message = " ".join(failed.errors.values())
            return await self._failed(
                request, db, pair_id, back, message, HTTP_422_UNPROCESSABLE_ENTITY
            )
        message = _("Merged: #%(merged)d is now part of #%(kept)d “%(title)s”.") % {
            "merged": record.merged_id,
            "kept": record.kept_id,
            "title": sides[merged.id].title,
        }
        if request.htmx:
            return Template(
                "partials/moderation/_pair_done.html",
                context={"pair_id": pair_id, "message": message, "merge": record},
            )
        flash(request, message, "success")
        return Redirect(back if back != f"{LIST_URL}/{pair_id}" else LIST_URL, status_code=303)

    @post("/duplicates/{pair_id:int}/dismiss")
    async def dismiss(
        self, request: HTMXRequest, db: Db, pair_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        """ "Kein Duplikat": never offered again."""
        back = safe_next(data.get("next"), LIST_URL)
        try:
            await duplicates.dismiss_pair(db, pair_id, guarded_user(request))
        except NotFound as exc:
            raise NotFoundException() from exc
        message = _("Marked as not a duplicate: this pair will not be suggested again.")
        if request.htmx:
            return Template(
                "partials/moderation/_pair_done.html",
                context={"pair_id": pair_id, "message": message, "merge": None},
            )
        flash(request, message, "success")
        return Redirect(back if back != f"{LIST_URL}/{pair_id}" else LIST_URL, status_code=303)

    @post("/merges/{merge_id:int}/undo")
    async def undo(
        self, request: HTMXRequest, db: Db, state: State, merge_id: FromPath[int], data: FormData
    ) -> Redirect:
        """Undo a merge from the log (or right after it): everything goes back."""
        back = safe_next(data.get("next"), "/moderation/log")
        try:
            record = await merging.undo_merge(db, merge_id=merge_id, actor=guarded_user(request))
        except NotFound as exc:
            raise NotFoundException() from exc
        except Conflict as exc:
            flash(request, str(exc), "error")
            return Redirect(back, status_code=303)
        settings: Settings = state.settings
        if settings.duplicates_after_approval:  # its pairs come back with the next run
            await submit_duplicates_job(state, db, record.process_id)
        flash(
            request,
            _("Merge undone: #%(merged)d is separate from #%(kept)d again.")
            % {"merged": record.merged_id, "kept": record.kept_id},
            "success",
        )
        return Redirect(back, status_code=303)

    @staticmethod
    async def _failed(
        request: HTMXRequest, db: Db, pair_id: int, back: str, message: str, status_code: int
    ) -> Template:
        """The pair as it is now, with what went wrong: in place for htmx, else on its page."""
        if not request.htmx:
            return await _one_pair_page(db, pair_id, error=message, status_code=status_code)
        try:
            view = await duplicates.pair_view(db, pair_id)
        except NotFound as exc:
            raise NotFoundException() from exc
        return Template(
            "partials/moderation/_pair.html",
            context=_pair_context(view, back, error=message),
            status_code=status_code,
        )


def _version(data: FormData, contribution_id: int) -> int:
    """The version of one side as the form showed it; -1 (never current) if missing."""
    version = parse_int(data.get(f"version_{contribution_id}", ""))
    return -1 if version is None else version
