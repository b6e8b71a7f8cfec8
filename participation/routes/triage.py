"""Triage for moderators: publishing with "[entfernt]" and the list of insults they extend
(for one process or for all). The flags themselves show in the queue and on the item pages
(routes/moderation.py)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_scope, guarded_user, requires_moderator
from participation.i18n import _
from participation.inputs import parse_int
from participation.models import Process
from participation.routes import Db, FormData, safe_next
from participation.services.errors import Conflict, NotFound, ValidationFailed
from participation.services.triage import insults, redaction

WORDS_URL = "/moderation/triage/words"
AnyRequest = Request[Any, Any, Any]


async def _words_page(
    db: Db,
    request: AnyRequest,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    processes = await insults.visible_processes(db, await guarded_scope(request))
    return Template(
        "pages/triage/words.html",
        context={
            "processes": processes,
            "lists": await insults.word_lists(db, processes),
            "errors": errors or {},
            "typed": typed or {},
        },
        status_code=status_code,
    )


class TriageController(Controller):
    path = "/moderation/triage"
    guards = [requires_moderator]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @post("/contributions/{contribution_id:int}/publish-redacted")
    async def publish_redacted(
        self, request: AnyRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Redirect:
        back = safe_next(data.get("next"), f"/moderation/contributions/{contribution_id}")
        version = parse_int(data.get("version", ""))
        try:
            contribution = await redaction.publish_redacted(
                db,
                contribution_id,
                guarded_user(request),
                version=-1 if version is None else version,
            )
        except NotFound as exc:
            raise NotFoundException() from exc
        except (Conflict, ValidationFailed) as exc:
            message = (
                " ".join(exc.errors.values()) if isinstance(exc, ValidationFailed) else str(exc)
            )
            flash(request, message, "error")
            return Redirect(f"/moderation/contributions/{contribution_id}", status_code=303)
        flash(
            request,
            _("Published with personal data removed: “%(title)s”.")
            % {"title": contribution.title or _("the contribution")},
            "success",
        )
        return Redirect(back, status_code=303)

    @get("/words", cache=False)
    async def words(self, request: AnyRequest, db: Db) -> Template:
        return await _words_page(db, request)

    @post("/words")
    async def add_word(self, request: AnyRequest, db: Db, data: FormData) -> Template | Redirect:
        text, scope = data.get("word", ""), data.get("scope", "")
        process: Process | None = None
        remit = await guarded_scope(request)
        if scope or not remit.unrestricted:  # the list for all: only without a remit
            visible = await insults.visible_processes(db, remit)
            process = next((p for p in visible if p.slug == scope), None)
            if process is None:
                return await _words_page(
                    db,
                    request,
                    errors={"scope": _("Please choose a process from the list.")},
                    typed=data,
                    status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                )
        try:
            word = await insults.add_word(db, guarded_user(request), text, process)
        except ValidationFailed as failed:
            return await _words_page(
                db,
                request,
                errors=failed.errors,
                typed=data,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        flash(request, _("Added to the list: %(word)s") % {"word": word.word}, "success")
        return Redirect(WORDS_URL, status_code=303)

    @post("/words/{word_id:int}/delete")
    async def remove_word(self, request: AnyRequest, db: Db, word_id: FromPath[int]) -> Redirect:
        try:
            word = await insults.remove_word(db, word_id)
        except NotFound as exc:
            raise NotFoundException() from exc
        flash(request, _("Removed from the list: %(word)s") % {"word": word}, "success")
        return Redirect(WORDS_URL, status_code=303)
