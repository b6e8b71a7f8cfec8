"""Working the queue together: bulk actions on the items chosen on a queue page, giving an
item to a colleague, internal notes, and the daily digest's setting. Plain forms that work
without JavaScript; each answers with a redirect and a message, or with the page and the
message at the field (nothing typed is lost)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_scope, guarded_user, requires_moderator
from participation.i18n import _, ngettext
from participation.routes import Db, FormData, safe_next
from participation.routes.moderation import item_view, query_of, queue_view
from participation.services import queue_digest, queue_work
from participation.services.duplicates import PAIR_KINDS, submit_duplicates_job
from participation.services.errors import NotFound, ValidationFailed
from participation.services.moderation_queue import QueueFilters
from participation.services.queue_work import BulkResult
from participation.services.triage import classifier as triage_classifier
from participation.settings import Settings


def _item_url(contribution_id: int) -> str:
    return f"/moderation/contributions/{contribution_id}"


def _bulk_message(action: str, result: BulkResult) -> tuple[str, str]:
    """What a bulk action did, for the flash message, and its kind."""
    done = len(result.done)
    texts = {
        "approve": ngettext("%(num)d approved.", "%(num)d approved.", done),
        "reject": ngettext("%(num)d rejected.", "%(num)d rejected.", done),
        "theme": ngettext(
            "Action field confirmed on %(num)d contribution.",
            "Action field confirmed on %(num)d contributions.",
            done,
        ),
        "assign": ngettext("%(num)d assigned.", "%(num)d assigned.", done),
    }
    parts = [texts[action] % {"num": done}]
    if result.stale:
        stale = ngettext(
            "%(num)d of %(total)d was handled by someone else meanwhile and left as it is: "
            "%(ids)s.",
            "%(num)d of %(total)d were handled by someone else meanwhile and left as they "
            "are: %(ids)s.",
            len(result.stale),
        )
        parts.append(
            stale % {"num": len(result.stale), "total": result.chosen, "ids": _ids(result.stale)}
        )
    if result.refused:
        refused = ngettext(
            "%(num)d does not allow this (%(ids)s).",
            "%(num)d do not allow this (%(ids)s).",
            len(result.refused),
        )
        parts.append(refused % {"num": len(result.refused), "ids": _ids(result.refused)})
    kind = "success" if not (result.stale or result.refused) else "info"
    return " ".join(parts), kind


def _ids(ids: list[int]) -> str:
    return ", ".join(f"#{n}" for n in ids)


class QueueWorkController(Controller):
    path = "/moderation"
    guards = [requires_moderator]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @post("/bulk")
    async def bulk(
        self, request: Request[Any, Any, Any], db: Db, data: FormData
    ) -> Template | Redirect:
        """The chosen items of a queue page (or all on it) approved, rejected with one
        reason, given an action field or a colleague."""
        actor = guarded_user(request)
        back = safe_next(data.get("next"), "/moderation")
        action = data.get("action", "")
        versions = queue_work.chosen_versions(data, whole_page=data.get("scope") == "page")
        # The kind of rejection ("spam", "abuse") teaches the spam classifier (triage).
        code = triage_classifier.reason_code(data.get("bulk_reason_code", ""))
        try:
            result = await queue_work.bulk(
                db,
                action,
                versions,
                actor,
                reason=data.get("bulk_reason", ""),
                theme=data.get("bulk_theme", ""),
                assignee=data.get("bulk_assignee", ""),
                code=code,
                remit=await guarded_scope(request),
            )
        except ValidationFailed as failed:
            return await queue_view(
                db,
                QueueFilters.from_params(query_of(back)),
                user=actor,
                bulk_errors=failed.errors,
                typed={k: v for k, v in data.items() if k.startswith("bulk_")},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        if action == "approve":
            # Newly approved ideas may repeat others: the pairs are found again.
            settings: Settings = request.app.state.settings
            if settings.duplicates_after_approval:
                for process_id in {c.process_id for c in result.done if c.kind in PAIR_KINDS}:
                    await submit_duplicates_job(request.app.state, db, process_id)
        if action == "reject":
            # One retraining per process, once it has enough decisions.
            for first in {c.process_id: c for c in result.done}.values():
                await triage_classifier.after_rejection(request.app.state, db, first, code)
        message, kind = _bulk_message(action, result)
        flash(request, message, kind)
        return Redirect(back, status_code=303)

    @post("/contributions/{contribution_id:int}/assign")
    async def assign(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        contribution_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        """Give the item to a colleague, or take it back ("none")."""
        back = safe_next(data.get("next"), _item_url(contribution_id))
        try:
            assignee = await queue_work.assign(
                db,
                contribution_id,
                queue_work.parse_assignee(data.get("assignee")),
                guarded_user(request),
            )
        except NotFound as exc:
            raise NotFoundException() from exc
        except ValidationFailed as failed:
            return await item_view(
                db, contribution_id, errors=failed.errors, status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        message = (
            _("Assigned to %(name)s.") % {"name": assignee.display_name or assignee.email}
            if assignee
            else _("Nobody is assigned now.")
        )
        flash(request, message, "success")
        return Redirect(back, status_code=303)

    @post("/contributions/{contribution_id:int}/notes")
    async def note(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        contribution_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        text = data.get("note", "")
        try:
            await queue_work.add_note(db, contribution_id, guarded_user(request), text)
        except NotFound as exc:
            raise NotFoundException() from exc
        except ValidationFailed as failed:
            return await item_view(
                db,
                contribution_id,
                errors=failed.errors,
                typed={"note": text},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        flash(request, _("Note saved; only staff see it."), "success")
        return Redirect(f"{_item_url(contribution_id)}#notes", status_code=303)

    @get(queue_digest.SETTINGS_PATH.removeprefix("/moderation"), cache=False)
    async def digest(self, request: Request[Any, Any, Any], db: Db) -> Template:
        user = guarded_user(request)
        return Template(
            "pages/moderation/digest.html",
            context={
                "subscribed": await queue_digest.is_subscribed(db, user.id or 0),
                "overdue_days": queue_digest.OVERDUE.days,
                "mail_on": request.app.state.settings.mail is not None,
            },
        )

    @post(queue_digest.SETTINGS_PATH.removeprefix("/moderation"))
    async def set_digest(self, request: Request[Any, Any, Any], db: Db, data: FormData) -> Redirect:
        wanted = data.get("digest") == "on"
        await queue_digest.subscribe(db, guarded_user(request), wanted)
        message = (
            _("You will get the daily digest.")
            if wanted
            else _("You will no longer get the daily digest.")
        )
        flash(request, message, "success")
        return Redirect(safe_next(data.get("next"), queue_digest.SETTINGS_PATH), status_code=303)
