"""Taking part in a live session (/mitmachen): enter the code, choose a name (pupils: a
pseudonym and nothing else; other audiences may add their organisation, firms also its
sector and size), add ideas to the prompt shown now and give dots. No account: a random token
in a cookie scoped to the session's address is all that ties a browser to its member.

These pages are not under the write limit per address (a class shares its school's address);
joins are limited per address and session instead (focus_groups.joins_per_address), counted
in the rate-limit store, never in the database.

Pupils are addressed with "du" (the German catalogue does that for these texts); the texts
only adults read (organisation fields) say "Sie".
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie, State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.plugins.htmx import ClientRedirect, HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_404_NOT_FOUND,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)

from participation.i18n import _
from participation.models import FocusGroupMember, FocusGroupSession, utcnow
from participation.rate_limit import STORE, Counters, Window, client_address
from participation.routes import Db, FormData
from participation.services import focus_group_dots, focus_group_results, focus_groups
from participation.services.errors import NotFound, ValidationFailed
from participation.services.focus_groups import (
    HOURS_MAX,
    MEMBER_COOKIE,
    IdeaForm,
    JoinForm,
    SessionState,
)
from participation.wz2008 import SECTIONS, SIZE_CLASSES


def _join_window(session: FocusGroupSession) -> Window:
    """Longer than any session lasts: the count of joins covers a session's whole life."""
    return Window(HOURS_MAX * 3600, focus_groups.joins_per_address(session))


def _code_page(code: str = "", error: str | None = None, status_code: int = 200) -> Template:
    return Template(
        "pages/join/code.html",
        context={"code": code, "error": error},
        status_code=status_code,
    )


def _base(session: FocusGroupSession) -> str:
    return f"/mitmachen/{session.join_code}"


def _member_cookie(session: FocusGroupSession, token: str, secure: bool) -> Cookie:
    """Only for this session's pages (the path), and only until the session expires."""
    seconds = int((session.expires_at - utcnow()).total_seconds())
    return Cookie(
        key=MEMBER_COOKIE,
        value=token,
        path=_base(session),
        max_age=max(seconds, 60),
        httponly=True,
        samesite="lax",
        secure=secure,
    )


async def _session(db: Db, code: str) -> FocusGroupSession:
    session = await focus_groups.session_by_code(db, code)
    if session is None:
        raise NotFoundException()
    return session


async def _member(
    db: Db, request: Request[Any, Any, Any], session: FocusGroupSession
) -> FocusGroupMember | None:
    return await focus_groups.member_for(db, session, request.cookies.get(MEMBER_COOKIE))


def _join_page(
    session: FocusGroupSession, form: JoinForm | None = None, status_code: int = 200
) -> Template:
    return Template(
        "pages/join/pseudonym.html",
        context={
            "session": session,
            "open": focus_groups.session_state(session) is SessionState.OPEN,
            "ended": focus_groups.ended_message(session),
            "form": form or JoinForm(),
            "action": _base(session),
            "sectors": SECTIONS,
            "sizes": SIZE_CLASSES,
        },
        status_code=status_code,
    )


async def _ideas_context(
    db: Db,
    session: FocusGroupSession,
    member: FocusGroupMember,
    messages: dict[int, str] | None = None,
) -> dict[str, Any]:
    """What the list of the group's ideas needs (the page, and htmx after a dot)."""
    return {
        "base": _base(session),
        "open": focus_groups.session_state(session) is SessionState.OPEN,
        "ended": focus_groups.ended_message(session),
        "dots_max": focus_group_dots.dots_per_idea(session),
        "session": session,
        # Pupils are addressed with "du", everyone else with "Sie" (texts of their own).
        "formal": session.audience.gives_organisation,
        "member": member,
        "board": await focus_groups.board(db, session, member.id),
        "dot_messages": messages or {},
        "clicked": None,
    }


async def _ideas_page(
    db: Db,
    session: FocusGroupSession,
    member: FocusGroupMember,
    *,
    form: IdeaForm | None = None,
    messages: dict[int, str] | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        "pages/join/ideas.html",
        context={
            **await _ideas_context(db, session, member, messages),
            "form": form or IdeaForm(),
            "title_max": focus_groups.IDEA_TITLE_MAX,
            "body_max": focus_groups.IDEA_BODY_MAX,
        },
        status_code=status_code,
    )


def _join_counter(request: Request[Any, Any, Any], session: FocusGroupSession) -> str:
    address = client_address(request, request.app.state.settings.trusted_proxy)
    return f"fg-join:{session.id}:{address}"


class JoinController(Controller):
    path = "/mitmachen"
    include_in_schema = False

    @get("/", cache=False)
    async def code_form(self) -> Template:
        return _code_page()

    @post("/")
    async def enter_code(self, db: Db, data: FormData) -> Template | Redirect:
        code = data.get("code", "")
        try:
            session = await focus_groups.open_session_by_code(db, code)
        except ValidationFailed as failed:
            return _code_page(code, failed.errors["code"], HTTP_422_UNPROCESSABLE_ENTITY)
        return Redirect(_base(session), status_code=303)

    @get("/{code:str}", cache=False)
    async def pseudonym_form(
        self, db: Db, request: Request[Any, Any, Any], code: FromPath[str]
    ) -> Template | Redirect:
        """The QR code's target: choose a pseudonym, or go on to the ideas with the cookie."""
        session = await focus_groups.session_by_code(db, code)
        if session is None:
            message = focus_groups.unknown_code_message()
            return _code_page(code, message, HTTP_404_NOT_FOUND)
        if code != session.join_code:  # the cookie's path is the canonical address
            return Redirect(_base(session), status_code=303)
        if await _member(db, request, session) is not None:
            return Redirect(_base(session) + "/ideen", status_code=303)
        return _join_page(session)

    @get("/{code:str}/ergebnis", cache=False, public_page=True)
    async def result(self, db: Db, code: FromPath[str]) -> Template | Redirect:
        """What became of the session's ideas, for the whole class: the same page for all,
        nothing personal on it; open with the code also after the session has ended."""
        found = await focus_group_results.session_result(db, code)
        if found is None:
            raise NotFoundException()
        if code != found.session.join_code:
            return Redirect(_base(found.session) + "/ergebnis", status_code=303)
        return Template("pages/join/result.html", context={"result": found})

    @post("/{code:str}")
    async def join(
        self,
        db: Db,
        request: Request[Any, Any, Any],
        state: State,
        code: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        session = await _session(db, code)
        if await _member(db, request, session) is not None:  # joined already: no second member
            return Redirect(_base(session) + "/ideen", status_code=303)
        form = JoinForm.from_form(data)
        store, counters = request.app.stores.get(STORE), request.app.state.counters
        assert isinstance(counters, Counters)
        counted = await counters.take(
            store, _join_counter(request, session), (_join_window(session),)
        )
        if counted is None:
            form.errors = {"pseudonym": focus_groups.too_many_joins_message(session)}
            return _join_page(session, form, HTTP_429_TOO_MANY_REQUESTS)
        try:
            token = await focus_groups.join(db, session, form)
        except ValidationFailed:
            await counters.give_back(store, counted)  # only joins count
            return _join_page(session, form, HTTP_422_UNPROCESSABLE_ENTITY)
        return Redirect(
            _base(session) + "/ideen",
            status_code=303,
            cookies=[_member_cookie(session, token, state.settings.secure_cookies)],
        )

    @get("/{code:str}/ideen", cache=False)
    async def ideas(
        self, db: Db, request: Request[Any, Any, Any], code: FromPath[str]
    ) -> Template | Redirect:
        session = await _session(db, code)
        member = await _member(db, request, session)
        if member is None or code != session.join_code:
            return Redirect(_base(session), status_code=303)
        return await _ideas_page(db, session, member)

    @post("/{code:str}/ideen")
    async def add_idea(
        self, db: Db, request: Request[Any, Any, Any], code: FromPath[str], data: FormData
    ) -> Template | Redirect:
        session = await _session(db, code)
        member = await _member(db, request, session)
        if member is None:
            return Redirect(_base(session), status_code=303)
        form = IdeaForm.from_form(data)
        try:
            idea = await focus_groups.add_idea(db, session, form, member)
        except ValidationFailed as failed:
            form.errors = failed.errors
            return await _ideas_page(
                db, session, member, form=form, status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        # Said once (a flash): a reload of the page must not thank again.
        if session.audience.gives_organisation:
            flash(request, _("Thank you, the idea is on the list."), "success")
        else:
            flash(request, _("Thank you, your idea is on the list."), "success")
        return Redirect(f"{_base(session)}/ideen#idea-{idea.id}", status_code=303)

    @post("/{code:str}/ideen/{idea_id:int}/punkte")
    async def dots(
        self,
        db: Db,
        request: HTMXRequest,
        code: FromPath[str],
        idea_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect | ClientRedirect:
        """Give a dot or take one back ("action"). htmx gets the idea's row back; without it,
        the ideas page (at this idea)."""
        session = await _session(db, code)
        member = await _member(db, request, session)
        if member is None:
            if request.htmx:
                return ClientRedirect(_base(session))
            return Redirect(_base(session), status_code=303)
        give = data.get("action") != "take"
        change = focus_group_dots.give_dot if give else focus_group_dots.take_dot
        message = ""
        try:
            await change(db, session, member, idea_id)
        except NotFound as exc:
            raise NotFoundException() from exc
        except ValidationFailed as failed:
            message = next(iter(failed.errors.values()))
        status = HTTP_422_UNPROCESSABLE_ENTITY if message else 200
        messages = {idea_id: message} if message else {}
        if request.htmx:
            # The whole list: giving the last dot disables every "Give a dot" button.
            context = await _ideas_context(db, session, member, messages)
            context["clicked"] = idea_id
            return Template("partials/join/_ideas.html", context=context, status_code=status)
        if message:
            return await _ideas_page(db, session, member, messages=messages, status_code=status)
        return Redirect(f"{_base(session)}/ideen#idea-{idea_id}", status_code=303)
