"""Focus groups for pupils (/mitmachen): enter the code, choose a pseudonym, add ideas and
give dots. No account and nothing personal: a random token in a cookie scoped to the session's
address is all that ties a browser to its pseudonym.

Pupils are addressed with "du" (the German catalogue does that for these texts).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie, State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import ClientRedirect, HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_404_NOT_FOUND, HTTP_422_UNPROCESSABLE_ENTITY

from participation.models import FocusGroupMember, FocusGroupSession, utcnow
from participation.routes import Db, FormData
from participation.services import focus_groups
from participation.services.errors import NotFound, ValidationFailed
from participation.services.focus_groups import (
    DOTS_PER_IDEA,
    MEMBER_COOKIE,
    IdeaForm,
    JoinForm,
    SessionState,
)


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
        },
        status_code=status_code,
    )


def _idea_context(session: FocusGroupSession) -> dict[str, Any]:
    return {
        "base": _base(session),
        "open": focus_groups.session_state(session) is SessionState.OPEN,
        "ended": focus_groups.ended_message(session),
        "dots_max": DOTS_PER_IDEA,
    }


async def _ideas_page(
    db: Db,
    session: FocusGroupSession,
    member: FocusGroupMember,
    *,
    form: IdeaForm | None = None,
    messages: dict[int, str] | None = None,
    added: bool = False,
    status_code: int = 200,
) -> Template:
    return Template(
        "pages/join/ideas.html",
        context={
            **_idea_context(session),
            "session": session,
            "member": member,
            "board": await focus_groups.board(db, session, member.id),
            "form": form or IdeaForm(),
            "dot_messages": messages or {},
            "added": added,
            "title_max": focus_groups.IDEA_TITLE_MAX,
            "body_max": focus_groups.IDEA_BODY_MAX,
        },
        status_code=status_code,
    )


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

    @post("/{code:str}")
    async def join(
        self, db: Db, state: State, code: FromPath[str], data: FormData
    ) -> Template | Redirect:
        session = await _session(db, code)
        form = JoinForm.from_form(data)
        try:
            token = await focus_groups.join(db, session, form)
        except ValidationFailed:
            return _join_page(session, form, HTTP_422_UNPROCESSABLE_ENTITY)
        return Redirect(
            _base(session) + "/ideen",
            status_code=303,
            cookies=[_member_cookie(session, token, state.settings.secure_cookies)],
        )

    @get("/{code:str}/ideen", cache=False)
    async def ideas(
        self,
        db: Db,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        added: FromQuery[bool] = False,
    ) -> Template | Redirect:
        session = await _session(db, code)
        member = await _member(db, request, session)
        if member is None or code != session.join_code:
            return Redirect(_base(session), status_code=303)
        return await _ideas_page(db, session, member, added=added)

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
        return Redirect(f"{_base(session)}/ideen?added=1#idea-{idea.id}", status_code=303)

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
        change = focus_groups.take_dot if data.get("action") == "take" else focus_groups.give_dot
        message = ""
        try:
            await change(db, session, member, idea_id)
        except NotFound as exc:
            raise NotFoundException() from exc
        except ValidationFailed as failed:
            message = next(iter(failed.errors.values()))
        status_code = HTTP_422_UNPROCESSABLE_ENTITY if message else 200
        if request.htmx:
            row = await focus_groups.idea_row(db, session, idea_id, member.id)
            return Template(
                "partials/join/_idea.html",
                context={**_idea_context(session), "row": row, "message": message},
                status_code=status_code,
            )
        if message:
            return await _ideas_page(
                db, session, member, messages={idea_id: message}, status_code=status_code
            )
        return Redirect(f"{_base(session)}/ideen#idea-{idea_id}", status_code=303)
