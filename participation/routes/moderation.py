"""The moderation queue (approve, reject with a reason, confirm or correct themes) and the
moderation log."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import current_user, requires_moderator
from participation.i18n import _
from participation.models import Contribution, ThemeSource, User
from participation.routes import Db, FormData
from participation.services import moderation
from participation.services.errors import Conflict, NotFound, ValidationFailed


def _actor(request: Request[Any, Any, Any]) -> User:
    user = current_user(request)
    assert user is not None  # the controller's guard lets only staff through
    return user


async def _queue_page(
    db: Db,
    *,
    order: str = "oldest",
    errors: dict[int, dict[str, str]] | None = None,
    reasons: dict[int, str] | None = None,
    status_code: int = 200,
) -> Template:
    chosen: moderation.QueueOrder = "informative" if order == "informative" else "oldest"
    items, total = await moderation.pending_queue(db, order=chosen)
    return Template(
        "pages/moderation/queue.html",
        context={
            "items": items,
            "total": total,
            "order": chosen,
            "errors": errors or {},
            "reasons": reasons or {},
        },
        status_code=status_code,
    )


class ModerationController(Controller):
    path = "/moderation"
    guards = [requires_moderator]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/", cache=False)
    async def queue(self, db: Db, order: FromQuery[str] = "oldest") -> Template:
        return await _queue_page(db, order=order)

    @get("/log", cache=False)
    async def log(self, db: Db) -> Template:
        return Template(
            "pages/moderation/log.html",
            context={"entries": await moderation.moderation_log(db, limit=200)},
        )

    @post("/contributions/{contribution_id:int}/approve")
    async def approve(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int]
    ) -> Template | Redirect:
        try:
            contribution = await moderation.approve(db, contribution_id, _actor(request))
        except NotFound as exc:
            raise NotFoundException() from exc
        except Conflict as exc:
            return await self._conflict(request, db, contribution_id, str(exc))
        return self._done(request, contribution, _("Approved and published: “%(title)s”."))

    @post("/contributions/{contribution_id:int}/reject")
    async def reject(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        reason = data.get("reason", "")
        try:
            contribution = await moderation.reject(db, contribution_id, _actor(request), reason)
        except NotFound as exc:
            raise NotFoundException() from exc
        except Conflict as exc:
            return await self._conflict(request, db, contribution_id, str(exc))
        except ValidationFailed as failed:
            if request.htmx:
                item = await moderation.queue_item(db, contribution_id)
                return Template(
                    "partials/moderation/_queue_item.html",
                    context={"item": item, "error": failed.errors, "reason": reason},
                    status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                )
            return await _queue_page(
                db,
                errors={contribution_id: failed.errors},
                reasons={contribution_id: reason},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return self._done(request, contribution, _("Rejected: “%(title)s”."))

    @post("/contributions/{contribution_id:int}/themes")
    async def decide_theme(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        """Confirm or reject one theme: a suggestion, a confirmed one, or one added from the
        list. With htmx the item's themes come back; without, the queue with a message."""
        try:
            _item, theme, source = await moderation.decide_theme(
                db, contribution_id, data.get("theme", ""), data.get("decision", "")
            )
        except NotFound as exc:
            raise NotFoundException() from exc
        except ValidationFailed as failed:
            message, status = " ".join(failed.errors.values()), HTTP_422_UNPROCESSABLE_ENTITY
            kind = "error"
        else:
            text = (
                _("Action field confirmed: %(theme)s.")
                if source is ThemeSource.CONFIRMED
                else _("Action field rejected: %(theme)s.")
            )
            message, status, kind = text % {"theme": theme.name}, 200, "success"
        if request.htmx:
            return Template(
                "partials/moderation/_item_themes.html",
                context={
                    "item": await moderation.queue_item(db, contribution_id),
                    "theme_message": message,
                    "theme_message_kind": kind,
                },
                status_code=status,
            )
        flash(request, message, kind)
        return Redirect(f"/moderation#item-{contribution_id}", status_code=303)

    @staticmethod
    def _done(
        request: HTMXRequest, contribution: Contribution, message: str
    ) -> Template | Redirect:
        text = message % {"title": contribution.title}
        if request.htmx:
            return Template(
                "partials/moderation/_queue_item_done.html",
                context={"contribution": contribution, "message": text},
            )
        flash(request, text, "success")
        return Redirect("/moderation", status_code=303)

    @staticmethod
    async def _conflict(
        request: HTMXRequest, db: Db, contribution_id: FromPath[int], message: str
    ) -> Template | Redirect:
        if request.htmx:
            contribution = await moderation.get_contribution(db, contribution_id)
            return Template(
                "partials/moderation/_queue_item_done.html",
                context={"contribution": contribution, "message": message},
                status_code=HTTP_409_CONFLICT,
            )
        flash(request, message, "error")
        return Redirect("/moderation", status_code=303)
