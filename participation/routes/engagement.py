"""The idea page and what the public does there: comment and reply, support, report."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie, State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.i18n import _
from participation.inputs import parse_int
from participation.models import ContributionStatus, ModerationMode, ReportReason
from participation.routes import Db, FormData
from participation.routes.processes import load_process
from participation.services import comments, merging, reports, supports
from participation.services.contributions import PUBLIC_SEGMENTS, published_idea
from participation.services.errors import NotFound, ValidationFailed
from participation.services.evaluation import outcomes
from participation.services.processes import ProcessOverview, PublishedIdea
from participation.settings import Settings


@dataclass(frozen=True)
class SupportWidget:
    """The support button with its count, as the idea page and the htmx answer show it."""

    action: str  # where "Support" posts; "Withdraw support" posts to action + "/withdraw"
    count: int
    supported: bool  # this browser supports the idea already
    accepted: bool | None = None  # after a click: True counted, False was counted before
    withdrawn: bool = False  # after "Withdraw support"


def _idea_url(overview: ProcessOverview, idea_id: int) -> str:
    return f"/processes/{overview.process.slug}/ideas/{idea_id}"


def _browser_hash(request: Request[Any, Any, Any], settings: Settings) -> str | None:
    browser_id = supports.read_browser_id(
        settings.secret_key, request.cookies.get(supports.BROWSER_COOKIE)
    )
    return supports.browser_hash(browser_id) if browser_id else None


def _browser(request: Request[Any, Any, Any], settings: Settings) -> tuple[str, list[Cookie]]:
    """This browser's hash, and the cookie to set when it has no (valid) id yet."""
    known = _browser_hash(request, settings)
    if known is not None:
        return known, []
    browser_id = supports.new_browser_id()
    cookie = Cookie(
        key=supports.BROWSER_COOKIE,
        value=supports.sign_browser_id(settings.secret_key, browser_id),
        max_age=supports.BROWSER_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return supports.browser_hash(browser_id), [cookie]


async def _support_widget(
    db: Db, overview: ProcessOverview, idea_id: int, supporter_hash: str | None
) -> SupportWidget:
    return SupportWidget(
        action=_idea_url(overview, idea_id) + "/support",
        count=await supports.support_count(db, idea_id),
        supported=await supports.has_supported(db, idea_id, supporter_hash),
    )


def _ratings(idea: PublishedIdea) -> list[tuple[str, int]]:
    """Ratings from an earlier platform in words, e.g. ("dafür", 56)."""
    words = {"pro": _("in favour"), "neutral": _("neutral"), "contra": _("against")}
    ratings = idea.contribution.imported_ratings or {}
    known = [(words[key], ratings[key]) for key in words if key in ratings]
    return known + [(key, n) for key, n in ratings.items() if key not in words]


async def _load_idea(db: Db, overview: ProcessOverview, idea_id: int) -> PublishedIdea:
    assert overview.process.id is not None
    found = await published_idea(db, overview.process.id, idea_id)
    if found is None:
        raise NotFoundException()
    return found


async def _idea_page(
    db: Db,
    request: Request[Any, Any, Any],
    overview: ProcessOverview,
    idea: PublishedIdea,
    *,
    page: int | None = None,
    show: int | None = None,
    reply: int | None = None,
    comment_form: comments.CommentForm | None = None,
    posted: str = "",
    status_code: int = 200,
    threads_only: bool = False,
) -> Template:
    """The idea page (with `threads_only`, the htmx answer to a page link: that page of
    threads alone) with one page of its comment threads. `show` (a comment's id) picks the
    page that holds it when no page is given; `reply` (a comment's id) opens the reply form
    under its thread, on its page. After a failed comment or reply, the page shows that form
    (under its thread for a reply) with its messages and what was typed."""
    idea_id = idea.contribution.id
    assert idea_id is not None
    settings: Settings = request.app.state.settings
    form = comment_form or comments.CommentForm()
    if form.reply_to is not None:
        reply = form.reply_to
    place = None
    if reply is not None or show is not None:
        place = await comments.thread_place(db, idea_id, reply if reply is not None else show or 0)
    if page is None and place is not None:
        page = place.page
    threads = await comments.comment_threads(db, idea_id, page or 1)
    # The reply form appears under its thread only, and only on the page that shows it.
    replying = (
        place.top_id
        if reply is not None
        and place is not None
        and any(t.comment.id == place.top_id for t in threads.items)
        else None
    )
    # One address, two answers: caches must tell them apart.
    vary = {"Vary": "HX-Request, HX-Target"}
    return Template(
        "partials/contributions/_comment_threads.html"
        if threads_only
        else "pages/contributions/idea.html",
        headers=vary,
        context={
            "process": overview.process,
            "overview": overview,
            "idea": idea,
            "idea_url": _idea_url(overview, idea_id),
            "threads": threads.items,
            "thread_page": threads,
            "threads_per_page": comments.THREADS_PER_PAGE,
            # Kept by the database with the idea: published comments and replies.
            "comment_total": idea.contribution.comment_count,
            "comments_open": comments.comments_open(overview),
            "pre_moderation": overview.process.moderation_mode is ModerationMode.BEFORE_PUBLISHING,
            "new_comment": form if form.reply_to is None else comments.CommentForm(),
            "replying": replying,
            "reply_form": form if form.reply_to is not None else comments.CommentForm(),
            "segments": PUBLIC_SEGMENTS,
            "posted": posted,
            "ratings": _ratings(idea),
            "merged": None if threads_only else await merging.merged_into(db, idea_id),
            # What became of it once the plan is published (nothing before).
            "outcome": None if threads_only else await outcomes.outcome_of(db, idea.contribution),
            # The support widget is not part of a page of threads.
            "support": None
            if threads_only
            else await _support_widget(db, overview, idea_id, _browser_hash(request, settings)),
        },
        status_code=status_code,
    )


class EngagementController(Controller):
    include_in_schema = False

    @get("/processes/{slug:str}/ideas/{idea_id:int}", cache=False, public_page=True)
    async def idea(
        self,
        db: Db,
        request: HTMXRequest,
        slug: FromPath[str],
        idea_id: FromPath[int],
        comment: FromQuery[str] = "",
    ) -> Template | Redirect:
        """One published idea with its answer, supports and a page of its comments. The query
        may name the comments' page (`page`), a comment to show (`show`, its page is found) and
        a thread to answer (`reply`, its form opens under the thread); garbled values are
        left out, so a mangled link still shows the idea."""
        overview = await load_process(db, slug)
        assert overview.process.id is not None
        try:
            idea = await _load_idea(db, overview, idea_id)
        except NotFoundException:
            # A merged idea's address leads to the idea it was merged into (links to it
            # were shared while it was public).
            kept = await merging.kept_id(db, overview.process.id, idea_id)
            if kept is None:
                raise
            return Redirect(_idea_url(overview, kept), status_code=302)  # undo may come
        posted = comment if comment in {"pending", "published"} else ""
        query = request.query_params
        htmx = request.htmx
        threads_only = bool(
            htmx and not htmx.history_restore_request and htmx.target == "comment-threads"
        )
        return await _idea_page(
            db,
            request,
            overview,
            idea,
            page=parse_int(query.get("page")),
            show=parse_int(query.get("show")),
            reply=parse_int(query.get("reply")),
            posted=posted,
            threads_only=threads_only,
        )

    @post("/processes/{slug:str}/ideas/{idea_id:int}/comments")
    async def comment(
        self,
        db: Db,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        idea_id: FromPath[int],
        data: FormData,
    ) -> Redirect | Template:
        overview = await load_process(db, slug)
        idea = await _load_idea(db, overview, idea_id)
        form = comments.CommentForm.from_form(data)
        try:
            stored = await comments.submit_comment(db, overview, idea.contribution, form)
        except ValidationFailed as failed:
            form.errors = failed.errors
            return await _idea_page(db, request, overview, idea, comment_form=form, status_code=422)
        url = _idea_url(overview, idea_id)
        # Back to the page of threads that holds the new comment (or, while it waits for a
        # moderator, the thread it answers), so the link's anchor lands; the notice that a
        # comment waits stands at the top of the comments.
        published = stored.status is ContributionStatus.PUBLISHED
        shown = stored.id if published else stored.reply_to_id
        place = await comments.thread_place(db, idea_id, shown) if shown is not None else None
        page = f"&page={place.page}" if place is not None and place.page > 1 else ""
        if published:
            return Redirect(f"{url}?comment=published{page}#comment-{stored.id}", status_code=303)
        return Redirect(f"{url}?comment=pending{page}#comments", status_code=303)

    @post("/processes/{slug:str}/ideas/{idea_id:int}/support")
    async def support(
        self,
        db: Db,
        request: HTMXRequest,
        state: State,
        slug: FromPath[str],
        idea_id: FromPath[int],
    ) -> Redirect | Template:
        """One support per browser. htmx gets the widget back; without it, the idea page."""
        overview = await load_process(db, slug)
        await _load_idea(db, overview, idea_id)
        supporter, cookies = _browser(request, state.settings)
        accepted = await supports.add_support(db, idea_id, supporter)
        return await _support_answer(
            db, request, overview, idea_id, supporter, cookies, accepted=accepted
        )

    @post("/processes/{slug:str}/ideas/{idea_id:int}/support/withdraw")
    async def withdraw_support(
        self,
        db: Db,
        request: HTMXRequest,
        state: State,
        slug: FromPath[str],
        idea_id: FromPath[int],
    ) -> Redirect | Template:
        """The same browser takes its support back; another browser has none to take."""
        overview = await load_process(db, slug)
        await _load_idea(db, overview, idea_id)
        supporter = _browser_hash(request, state.settings)
        if supporter is not None:
            await supports.withdraw_support(db, idea_id, supporter)
        return await _support_answer(db, request, overview, idea_id, supporter, [], withdrawn=True)

    @get("/processes/{slug:str}/contributions/{contribution_id:int}/report", cache=False)
    async def report_form(
        self, db: Db, slug: FromPath[str], contribution_id: FromPath[int]
    ) -> Template:
        overview = await load_process(db, slug)
        item = await _reportable(db, overview, contribution_id)
        return _report_page(overview, item, reports.ReportForm())

    @post("/processes/{slug:str}/contributions/{contribution_id:int}/report")
    async def report(
        self,
        db: Db,
        request: Request[Any, Any, Any],
        state: State,
        slug: FromPath[str],
        contribution_id: FromPath[int],
        data: FormData,
    ) -> Template:
        overview = await load_process(db, slug)
        item = await _reportable(db, overview, contribution_id)
        form = reports.ReportForm.from_form(data)
        reporter, cookies = _browser(request, state.settings)
        try:
            await reports.submit_report(db, contribution_id, form, reporter)
        except ValidationFailed as failed:
            form.errors = failed.errors
            return _report_page(overview, item, form, status_code=HTTP_422_UNPROCESSABLE_ENTITY)
        # A repeated report gets the same thanks: it was counted the first time.
        return _report_page(overview, item, form, sent=True, cookies=cookies)


async def _support_answer(
    db: Db,
    request: HTMXRequest,
    overview: ProcessOverview,
    idea_id: int,
    supporter: str | None,
    cookies: list[Cookie],
    *,
    accepted: bool | None = None,
    withdrawn: bool = False,
) -> Redirect | Template:
    """After a click on the support button: htmx gets the widget back (saying what changed);
    without it, the idea page."""
    if request.htmx:
        widget = await _support_widget(db, overview, idea_id, supporter)
        return Template(
            "partials/contributions/_support.html",
            context={"support": replace(widget, accepted=accepted, withdrawn=withdrawn)},
            cookies=cookies,
        )
    return Redirect(_idea_url(overview, idea_id) + "#support", status_code=303, cookies=cookies)


async def _reportable(
    db: Db, overview: ProcessOverview, contribution_id: int
) -> reports.Reportable:
    assert overview.process.id is not None
    try:
        return await reports.reportable(db, overview.process.id, contribution_id)
    except NotFound as exc:
        raise NotFoundException() from exc


def _report_page(
    overview: ProcessOverview,
    item: reports.Reportable,
    form: reports.ReportForm,
    *,
    sent: bool = False,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
) -> Template:
    return Template(
        "pages/contributions/report.html",
        context={
            "process": overview.process,
            "item": item,
            "idea_url": _idea_url(overview, item.idea.id or 0),
            "form": form,
            "reasons": [(r.value, reports.reason_label(r)) for r in ReportReason],
            "note_max": reports.NOTE_MAX,
            "sent": sent,
        },
        status_code=status_code,
        cookies=cookies or [],
    )
