"""The moderation queue (filters and pages in the address; approve, reject with a reason, ask
for changes, confirm or correct themes), one item's page (the same decisions, hide, answer),
the public reports and the moderation log.

Every decision form carries the item's version; a decision on an item that changed since
answers 409 with the item as it is now, what changed, and what the moderator typed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from textwrap import shorten
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.auth import guarded_scope, guarded_user, requires_moderator
from participation.i18n import _
from participation.inputs import parse_int
from participation.models import Contribution, ContributionKind, ThemeSource, User
from participation.routes import Db, FormData, safe_next
from participation.services import (
    dashboard,
    merging,
    moderation,
    moderation_queue,
    processes,
    queue_work,
    reports,
)
from participation.services.accounts.remit import Scope
from participation.services.duplicates import PAIR_KINDS, submit_duplicates_job
from participation.services.errors import Conflict, NotFound, ValidationFailed
from participation.services.moderation_log import LogEntry, moderation_log
from participation.services.moderation_queue import QueueFilters
from participation.services.profiles import listing as profile_listing
from participation.services.profiles import sources as profile_sources
from participation.services.queue_scope import colleagues
from participation.services.triage import classifier as triage_classifier
from participation.settings import Settings

# How many of an item's latest log entries a conflict shows.
CONFLICT_ENTRIES = 5


class Decide(Protocol):
    """A decision as the services take it (approve ignores the reason)."""

    def __call__(
        self,
        session: AsyncSession,
        contribution_id: int,
        actor: User,
        reason: str,
        /,
        *,
        version: int,
    ) -> Awaitable[Contribution]: ...


async def _approve(
    session: AsyncSession, contribution_id: int, actor: User, _reason: str, *, version: int
) -> Contribution:
    return await moderation.approve(session, contribution_id, actor, version=version)


def _version(data: FormData) -> int:
    """The version the form was rendered from; -1 (never current) if missing or garbled."""
    version = parse_int(data.get("version", ""))
    return -1 if version is None else version


def _item_url(contribution_id: int) -> str:
    return f"/moderation/contributions/{contribution_id}"


def _name(contribution: Contribution) -> str:
    """How a message names an item: an idea by its title, others by their first words."""
    if contribution.kind is ContributionKind.IDEA:
        return contribution.title
    return shorten(contribution.body, 60, placeholder=" …")


def _describe(contribution: Contribution) -> str:
    """How a message names an item without quoting it (hidden ones are often offensive)."""
    if contribution.kind is ContributionKind.IDEA:
        return _("the idea “%(title)s”") % {"title": contribution.title}
    if contribution.kind is ContributionKind.SURVEY_ANSWER:
        return _("the survey answer")
    return _("the comment")


@dataclass(frozen=True)
class ConflictView:
    """What a moderator sees when their decision met a changed item."""

    message: str
    contribution: Contribution  # as it is now
    entries: list[LogEntry]  # its latest log entries, newest first
    typed_answer: str | None = None  # the answer the moderator typed, if that was the form


async def _conflict_view(
    db: Db, contribution_id: int, message: str, typed_answer: str | None = None
) -> ConflictView:
    contribution = await moderation.get_contribution(db, contribution_id)
    entries = await moderation_log(db, contribution_id=contribution_id, limit=CONFLICT_ENTRIES)
    return ConflictView(message, contribution, list(entries), typed_answer)


async def queue_view(
    db: Db,
    filters: QueueFilters,
    *,
    user: User,
    bulk_errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    errors: dict[int, dict[str, str]] | None = None,
    reasons: dict[int, str] | None = None,
    status_code: int = 200,
    remit: Scope | None = None,
) -> Template:
    queue = await moderation_queue.queue_page(db, filters, user=user, remit=remit)
    # Narrowed to one process, the queue offers the profile selection for its items.
    overview = await processes.get_process(db, filters.process) if filters.process else None
    return Template(
        "pages/moderation/queue.html",
        context={
            "queue": queue,
            "next_url": queue.filters.url(page=queue.page),
            "errors": errors or {},
            "reasons": reasons or {},
            "bulk_errors": bulk_errors or {},
            "typed": typed or {},
            "selection_process": overview.process if overview else None,
            "may_see_dashboard": overview is not None
            and dashboard.may_view(user, overview.process, queue.remit),
            "profile_choices": await profile_listing.choices(db, overview.process.id or 0)
            if overview
            else None,
        },
        status_code=status_code,
    )


async def item_view(
    db: Db,
    contribution_id: int,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    conflict: ConflictView | None = None,
    status_code: int = 200,
) -> Template:
    try:
        moderated = await moderation_queue.moderated_item(db, contribution_id)
    except NotFound as exc:
        raise NotFoundException() from exc
    typed = typed or {}
    return Template(
        "pages/moderation/item.html",
        context={
            "moderated": moderated,
            "item": moderated.item,
            "errors": errors or {},
            "answer": typed.get("answer", moderated.contribution.answer),
            "reason": typed.get("reason", ""),
            "conflict": conflict,
            "next_url": _item_url(contribution_id),
            "reason_label": reports.reason_label,
            # Provenance both ways: the profiles built from it, and adding it to one.
            "holding": await profile_sources.profiles_of(db, contribution_id),
            # Working together: its internal notes, and whom it can be given to.
            "notes": await queue_work.notes_of(db, contribution_id),
            "note": typed.get("note", ""),
            "colleagues": await colleagues(db),
            "profile_choices": await profile_listing.choices(db, moderated.item.process.id or 0),
        },
        status_code=status_code,
    )


async def _queue_item(
    db: Db,
    contribution_id: int,
    next_url: str,
    *,
    error: dict[str, str] | None = None,
    reason: str = "",
    conflict: ConflictView | None = None,
    status_code: int,
) -> Template:
    """One queue item again, for htmx: with the message at its field or what changed."""
    return Template(
        "partials/moderation/_queue_item.html",
        context={
            "item": await moderation_queue.queue_item(db, contribution_id),
            "error": error or {},
            "reason": reason,
            "conflict": conflict,
            "next_url": next_url,
        },
        status_code=status_code,
    )


class ModerationController(Controller):
    path = "/moderation"
    guards = [requires_moderator]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/", cache=False)
    async def queue(self, request: Request[Any, Any, Any], db: Db) -> Template:
        return await queue_view(
            db,
            QueueFilters.from_params(request.query_params),
            user=guarded_user(request),
            remit=await guarded_scope(request),
        )

    @get("/log", cache=False)
    async def log(self, request: Request[Any, Any, Any], db: Db) -> Template:
        entries = await moderation_log(db, limit=200, scope=await guarded_scope(request))
        merges = await merging.open_merges(db, [e.event.id for e in entries if e.event.id])
        return Template("pages/moderation/log.html", context={"entries": entries, "merges": merges})

    @get("/reports", cache=False)
    async def reported(self, request: Request[Any, Any, Any], db: Db) -> Template:
        """Ideas and comments the public reported, the most reported first."""
        return Template(
            "pages/moderation/reports.html",
            context={
                "items": await reports.open_reports(db, await guarded_scope(request)),
                "reason_label": reports.reason_label,
            },
        )

    @get("/contributions/{contribution_id:int}", cache=False)
    async def item(self, db: Db, contribution_id: FromPath[int]) -> Template:
        return await item_view(db, contribution_id)

    @post("/contributions/{contribution_id:int}/dismiss-reports")
    async def dismiss_reports(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Redirect:
        """The item stays as it is; its open reports are closed."""
        try:
            contribution = await moderation.get_contribution(db, contribution_id)
        except NotFound as exc:
            raise NotFoundException() from exc
        closed = await reports.dismiss_reports(db, contribution_id, guarded_user(request))
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
            contribution = await moderation.set_answer(
                db, contribution_id, guarded_user(request), text, version=_version(data)
            )
        except NotFound as exc:
            raise NotFoundException() from exc
        except Conflict as exc:
            return await item_view(
                db,
                contribution_id,
                typed={"answer": text},
                conflict=await _conflict_view(db, contribution_id, str(exc), typed_answer=text),
                status_code=HTTP_409_CONFLICT,
            )
        except ValidationFailed as failed:
            return await item_view(
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
        return Redirect(_item_url(contribution_id), status_code=303)

    @post("/contributions/{contribution_id:int}/approve")
    async def approve(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        async def look_for_duplicates(contribution: Contribution) -> None:
            # A newly approved idea or answer may repeat one already there: the pairs are
            # found again in the background (one job per process at a time).
            settings: Settings = request.app.state.settings
            if settings.duplicates_after_approval and contribution.kind in PAIR_KINDS:
                await submit_duplicates_job(request.app.state, db, contribution.process_id)

        return await self._decide(
            request, db, contribution_id, data, _approve, None, after=look_for_duplicates
        )

    @post("/contributions/{contribution_id:int}/reject")
    async def reject(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        # The kind of rejection ("spam", "abuse") teaches the spam classifier (triage).
        code = triage_classifier.reason_code(data.get("reason_code", ""))

        async def reject_as(
            session: AsyncSession, cid: int, actor: User, reason: str, *, version: int
        ) -> Contribution:
            return await moderation.reject(session, cid, actor, reason, version=version, code=code)

        async def learn(contribution: Contribution) -> None:
            await triage_classifier.after_rejection(request.app.state, db, contribution, code)

        return await self._decide(
            request,
            db,
            contribution_id,
            data,
            reject_as,
            _("Rejected: “%(title)s”."),
            after=learn,
        )

    @post("/contributions/{contribution_id:int}/request-changes")
    async def request_changes(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        return await self._decide(
            request,
            db,
            contribution_id,
            data,
            moderation.request_changes,
            _("Changes requested from the author of “%(title)s”; it waits for them now."),
        )

    @post("/contributions/{contribution_id:int}/hide")
    async def hide(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        """Take an idea or comment off the public pages (post-moderation, reports)."""
        return await self._decide(
            request, db, contribution_id, data, moderation.hide, _("Hidden: %(title)s."), _describe
        )

    async def _decide(
        self,
        request: HTMXRequest,
        db: Db,
        contribution_id: int,
        data: FormData,
        decide: Decide,
        message: str | None,
        describe: Callable[[Contribution], str] = _name,
        *,
        after: Callable[[Contribution], Awaitable[None]] | None = None,
    ) -> Template | Redirect:
        """A decision from the queue or an item's page; `next` says which one to go back to."""
        reason = data.get("reason", "")
        back = safe_next(data.get("next"), "/moderation")
        try:
            contribution = await decide(
                db, contribution_id, guarded_user(request), reason, version=_version(data)
            )
        except NotFound as exc:
            raise NotFoundException() from exc
        except Conflict as exc:
            conflict = await _conflict_view(db, contribution_id, str(exc))
            if request.htmx:
                return await _queue_item(
                    db,
                    contribution_id,
                    back,
                    reason=reason,
                    conflict=conflict,
                    status_code=HTTP_409_CONFLICT,
                )
            return await item_view(
                db,
                contribution_id,
                typed={"reason": reason},
                conflict=conflict,
                status_code=HTTP_409_CONFLICT,
            )
        except ValidationFailed as failed:
            if request.htmx:
                return await _queue_item(
                    db,
                    contribution_id,
                    back,
                    error=failed.errors,
                    reason=reason,
                    status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                )
            if back == _item_url(contribution_id):
                return await item_view(
                    db,
                    contribution_id,
                    errors=failed.errors,
                    typed={"reason": reason},
                    status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                )
            return await queue_view(
                db,
                QueueFilters.from_params(query_of(back)),
                user=guarded_user(request),
                errors={contribution_id: failed.errors},
                reasons={contribution_id: reason},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        if after is not None:
            await after(contribution)
        if message is None:  # approved
            message = (
                _("Approved: “%(title)s” counts in the analysis now.")
                if contribution.kind is ContributionKind.SURVEY_ANSWER
                else _("Approved and published: “%(title)s”.")
            )
        text = message % {"title": describe(contribution)}
        if request.htmx:
            return Template(
                "partials/moderation/_queue_item_done.html",
                context={"contribution": contribution, "message": text},
            )
        flash(request, text, "success")
        return Redirect(back, status_code=303)

    @post("/contributions/{contribution_id:int}/themes")
    async def decide_theme(
        self, request: HTMXRequest, db: Db, contribution_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        """Confirm or reject one theme: a suggestion, a confirmed one, or one added from the
        list. With htmx the item's themes come back; without, the page it was sent from."""
        back = safe_next(data.get("next"), "/moderation")
        seen = data.get("source")
        seen = seen if seen in moderation.THEME_STATES else None  # garbled: no check
        try:
            _item, theme, source = await moderation.decide_theme(
                db,
                contribution_id,
                data.get("theme", ""),
                data.get("decision", ""),
                guarded_user(request),
                seen=seen,
            )
        except NotFound as exc:
            raise NotFoundException() from exc
        except Conflict as exc:
            if not request.htmx:
                return await item_view(
                    db,
                    contribution_id,
                    conflict=await _conflict_view(db, contribution_id, str(exc)),
                    status_code=HTTP_409_CONFLICT,
                )
            message, status, kind = str(exc), HTTP_409_CONFLICT, "conflict"
        except ValidationFailed as failed:
            if not request.htmx:
                return await self._theme_error(
                    db, contribution_id, back, failed, guarded_user(request)
                )
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
                    "item": await moderation_queue.queue_item(db, contribution_id),
                    "theme_message": message,
                    "theme_message_kind": kind,
                    "theme_error": None,
                    "next_url": back,
                },
                status_code=status,
            )
        flash(request, message, kind)
        return Redirect(f"{back}#item-{contribution_id}", status_code=303)

    @staticmethod
    async def _theme_error(
        db: Db, contribution_id: int, back: str, failed: ValidationFailed, user: User
    ) -> Template:
        """Without JavaScript: the page the form came from, the message at the list."""
        errors = {"theme": " ".join(failed.errors.values())}
        if back == _item_url(contribution_id):
            return await item_view(
                db, contribution_id, errors=errors, status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        return await queue_view(
            db,
            QueueFilters.from_params(query_of(back)),
            user=user,
            errors={contribution_id: errors},
            status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        )


def query_of(url: str) -> dict[str, str]:
    """The query parameters of a local address (the queue page a form came from)."""
    return dict(parse_qsl(urlsplit(url).query))
