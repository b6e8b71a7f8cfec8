"""The moderation queue (approve, reject with a reason, confirm or correct themes), one item's
page (hide, answer), the public reports and the moderation log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from textwrap import shorten
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.auth import current_user, requires_moderator
from participation.i18n import _
from participation.models import Contribution, ThemeSource, User
from participation.routes import Db, FormData, safe_next
from participation.services import moderation, reports
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
            "reported_items": len(await reports.open_reports(db)),
        },
        status_code=status_code,
    )


def _describe(contribution: Contribution) -> str:
    """How a message names an item: an idea by its title; a comment has none."""
    if contribution.title:
        return _("the idea “%(title)s”") % {"title": contribution.title}
    return _("the comment")


async def _existing(db: Db, contribution_id: int) -> Contribution:
    try:
        return await moderation.get_contribution(db, contribution_id)
    except NotFound as exc:
        raise NotFoundException() from exc


async def _item_page(
    db: Db,
    contribution_id: int,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    try:
        item = await moderation.moderated_item(db, contribution_id)
    except NotFound as exc:
        raise NotFoundException() from exc
    typed = typed or {}
    return Template(
        "pages/moderation/item.html",
        context={
            "item": item,
            "errors": errors or {},
            "answer": typed.get("answer", item.contribution.answer),
            "hide_reason": typed.get("reason", ""),
            "reason_label": reports.reason_label,
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

    @get("/reports", cache=False)
    async def reported(self, db: Db) -> Template:
        """Ideas and comments the public reported, the most reported first."""
        return Template(
            "pages/moderation/reports.html",
            context={
                "items": await reports.open_reports(db),
                "reason_label": reports.reason_label,
            },
        )

    @get("/contributions/{contribution_id:int}", cache=False)
    async def item(self, db: Db, contribution_id: FromPath[int]) -> Template:
        return await _item_page(db, contribution_id)

    @post("/contributions/{contribution_id:int}/hide")
    async def hide(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        """Take an idea or comment off the public pages (post-moderation, reports)."""
        back = safe_next(data.get("next"), f"/moderation/contributions/{contribution_id}")
        try:
            contribution = await moderation.hide(
                db, contribution_id, _actor(request), data.get("reason", "")
            )
        except NotFound as exc:
            raise NotFoundException() from exc
        except Conflict as exc:
            flash(request, str(exc), "error")
            return Redirect(back, status_code=303)
        except ValidationFailed as failed:
            return await _item_page(
                db,
                contribution_id,
                errors=failed.errors,
                typed={"reason": data.get("reason", "")},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        flash(request, _("Hidden: %(item)s.") % {"item": _describe(contribution)}, "success")
        return Redirect(back, status_code=303)

    @post("/contributions/{contribution_id:int}/dismiss-reports")
    async def dismiss_reports(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Redirect:
        """The item stays as it is; its open reports are closed."""
        contribution = await _existing(db, contribution_id)
        closed = await reports.dismiss_reports(db, contribution_id, _actor(request))
        text = _("Reports dismissed (%(n)d); %(item)s stays as it is.") % {
            "n": closed,
            "item": _describe(contribution),
        }
        flash(request, text, "success")
        return Redirect(safe_next(data.get("next"), "/moderation/reports"), status_code=303)

    @post("/contributions/{contribution_id:int}/answer")
    async def answer(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        """Write, change or remove the moderators' public answer to an idea."""
        text = data.get("answer", "")
        try:
            contribution = await moderation.set_answer(db, contribution_id, _actor(request), text)
        except NotFound as exc:
            raise NotFoundException() from exc
        except ValidationFailed as failed:
            return await _item_page(
                db,
                contribution_id,
                errors=failed.errors,
                typed={"answer": text},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        message = (
            _("The answer is published on the idea's page.")
            if contribution.answer
            else _("The answer is removed.")
        )
        flash(request, message, "success")
        return Redirect(f"/moderation/contributions/{contribution_id}", status_code=303)

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
        return await self._with_reason(
            request, db, contribution_id, data, moderation.reject, _("Rejected: “%(title)s”.")
        )

    @post("/contributions/{contribution_id:int}/request-changes")
    async def request_changes(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        return await self._with_reason(
            request,
            db,
            contribution_id,
            data,
            moderation.request_changes,
            _("Changes requested from the author of “%(title)s”."),
        )

    async def _with_reason(
        self,
        request: HTMXRequest,
        db: Db,
        contribution_id: int,
        data: FormData,
        decide: Callable[[AsyncSession, int, User, str], Awaitable[Contribution]],
        message: str,
    ) -> Template | Redirect:
        """A decision the author must be told the reason for: reject, ask for changes."""
        reason = data.get("reason", "")
        try:
            contribution = await decide(db, contribution_id, _actor(request), reason)
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
        return self._done(request, contribution, message)

    @post("/contributions/{contribution_id:int}/themes")
    async def decide_theme(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        """Confirm or reject one theme: a suggestion, a confirmed one, or one added from the
        list. With htmx the item's themes come back; without, the queue with a message."""
        try:
            _item, theme, source = await moderation.decide_theme(
                db,
                contribution_id,
                data.get("theme", ""),
                data.get("decision", ""),
                _actor(request),
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
        # A comment has no title: its first words stand in for one.
        text = message % {
            "title": contribution.title or shorten(contribution.body, 60, placeholder=" …")
        }
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
