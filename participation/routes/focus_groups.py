"""Live sessions for facilitators (focus groups, workshops, expert talks, conference tables;
the address keeps its old name /focus-groups): their sessions, the board (join code, QR code,
the prompt shown now, ideas by prompt, the members, cards and spoken input typed in), the
projector view, moving between prompts, removing a member, and closing a session.

The board and the projector view poll a partial with htmx; without JavaScript the board is a
page to reload and the projector view reloads itself (meta refresh).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_scope, guarded_user, requires_facilitator
from participation.i18n import _, ngettext
from participation.inputs import parse_int
from participation.models import FocusGroupSession, LiveAudience, LiveFormat
from participation.qr import qr_svg
from participation.routes import Db, FormData, suggest_later
from participation.services import focus_groups, live_prompts
from participation.services.errors import NotFound, ValidationFailed
from participation.services.events.session_place import place_of
from participation.services.focus_groups import IdeaForm, SessionForm
from participation.settings import Settings


def join_url(request: Request[Any, Any, Any], settings: Settings, path: str) -> str:
    """An absolute address for pupils' phones: BASE_URL when set, else this request's host."""
    return (settings.base_url or str(request.base_url).rstrip("/")) + path


async def _session(db: Db, request: Request[Any, Any, Any], session_id: int) -> FocusGroupSession:
    try:
        return await focus_groups.session_for(db, session_id, guarded_user(request))
    except NotFound as exc:
        raise NotFoundException() from exc


async def _index_page(
    db: Db, request: Request[Any, Any, Any], form: SessionForm, status_code: int = 200
) -> Template:
    scope = await guarded_scope(request)
    return Template(
        "pages/focus_groups/index.html",
        context={
            "sessions": await focus_groups.list_sessions(db, guarded_user(request), scope),
            "processes": await focus_groups.process_choices(db, scope),
            "form": form,
            "hours": range(focus_groups.HOURS_MIN, focus_groups.HOURS_MAX + 1),
            "dots": range(focus_groups.DOTS_MIN, focus_groups.DOTS_MAX + 1),
            "audiences": list(LiveAudience),
            "formats": list(LiveFormat),
            "prompts_max": live_prompts.PROMPTS_MAX,
        },
        status_code=status_code,
    )


async def _board_page(
    db: Db,
    request: Request[Any, Any, Any],
    state: State,
    session: FocusGroupSession,
    form: IdeaForm | None = None,
    status_code: int = 200,
    *,
    prompt_error: str | None = None,
    prompt_text: str = "",
) -> Template:
    assert session.id is not None
    board = await focus_groups.board(db, session, by_dots=True)
    if form is None:  # the next card goes to the prompt shown now
        form = IdeaForm(prompt_id=str(board.prompt.id) if board.prompt else "")
    return Template(
        "pages/focus_groups/board.html",
        context={
            **_join_context(request, state, session),
            "board": board,
            "members": await focus_groups.members_of(db, session.id),
            "place": await place_of(db, session),
            "form": form,
            "title_max": focus_groups.IDEA_TITLE_MAX,
            "body_max": focus_groups.IDEA_BODY_MAX,
            # Just added a card: the title field takes the focus for the next one.
            "typing": "karte" in request.query_params,
            "prompt_error": prompt_error,
            "prompt_text": prompt_text,
            "prompt_max": live_prompts.PROMPT_MAX,
        },
        status_code=status_code,
    )


def _join_context(
    request: Request[Any, Any, Any], state: State, session: FocusGroupSession
) -> dict[str, str]:
    """How pupils join, for the board and the projector view."""
    return {
        "join_page": join_url(request, state.settings, "/mitmachen"),
        "join_link": join_url(request, state.settings, f"/mitmachen/{session.join_code}"),
    }


class FocusGroupController(Controller):
    path = "/focus-groups"
    guards = [requires_facilitator]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/", cache=False)
    async def index(self, db: Db, request: Request[Any, Any, Any]) -> Template:
        return await _index_page(db, request, SessionForm())

    @post("/")
    async def create(
        self, db: Db, request: Request[Any, Any, Any], data: FormData
    ) -> Template | Redirect:
        form = SessionForm.from_form(data)
        try:
            session = await focus_groups.create_session(db, form, guarded_user(request))
        except ValidationFailed:
            return await _index_page(db, request, form, HTTP_422_UNPROCESSABLE_ENTITY)
        return Redirect(f"/focus-groups/{session.id}", status_code=303)

    @get("/{session_id:int}", cache=False)
    async def show(
        self, db: Db, request: Request[Any, Any, Any], state: State, session_id: FromPath[int]
    ) -> Template:
        """The live board for the projector."""
        session = await _session(db, request, session_id)
        return await _board_page(db, request, state, session)

    @get("/{session_id:int}/board", cache=False)
    async def board(
        self, db: Db, request: Request[Any, Any, Any], session_id: FromPath[int]
    ) -> Template:
        """The ideas and counts, polled by the board page every few seconds."""
        session = await _session(db, request, session_id)
        return Template(
            "partials/focus_groups/_board.html",
            context={"board": await focus_groups.board(db, session, by_dots=True)},
        )

    @get("/{session_id:int}/projector", cache=False)
    async def projector(
        self, db: Db, request: HTMXRequest, state: State, session_id: FromPath[int]
    ) -> Template:
        """Full screen for the projector: join code, QR code, counts and the ideas with their
        dots in large type, no controls. htmx asks for the changing part every few seconds."""
        session = await _session(db, request, session_id)
        context = {
            **_join_context(request, state, session),
            "board": await focus_groups.board(db, session, by_dots=True),
        }
        if request.htmx:
            return Template("partials/focus_groups/_projector.html", context=context)
        return Template("pages/focus_groups/projector.html", context=context)

    @get("/{session_id:int}/members/{member_id:int}/remove", cache=False)
    async def confirm_remove_member(
        self,
        db: Db,
        request: Request[Any, Any, Any],
        session_id: FromPath[int],
        member_id: FromPath[int],
    ) -> Template:
        session = await _session(db, request, session_id)
        try:
            member = await focus_groups.member_in(db, session, member_id)
        except NotFound as exc:
            raise NotFoundException() from exc
        return Template(
            "pages/focus_groups/remove_member.html",
            context={
                "session": session,
                "member": member,
                "ideas": await focus_groups.ideas_of_member(db, member_id),
            },
        )

    @post("/{session_id:int}/members/{member_id:int}/remove")
    async def remove_member(
        self,
        db: Db,
        request: Request[Any, Any, Any],
        session_id: FromPath[int],
        member_id: FromPath[int],
    ) -> Redirect:
        session = await _session(db, request, session_id)
        try:
            pseudonym = await focus_groups.remove_member(db, session, member_id)
        except NotFound as exc:
            raise NotFoundException() from exc
        except ValidationFailed as failed:
            flash(request, next(iter(failed.errors.values())), "error")
            return Redirect(f"/focus-groups/{session_id}", status_code=303)
        message = _("Removed “%(name)s”: their ideas and dots are off the board.")
        flash(request, message % {"name": pseudonym}, "success")
        return Redirect(f"/focus-groups/{session_id}#members", status_code=303)

    @get("/{session_id:int}/qr.svg", cache=False)
    async def qr(
        self, db: Db, request: Request[Any, Any, Any], state: State, session_id: FromPath[int]
    ) -> Response[bytes]:
        session = await _session(db, request, session_id)
        link = join_url(request, state.settings, f"/mitmachen/{session.join_code}")
        return Response(qr_svg(link), media_type="image/svg+xml")

    @post("/{session_id:int}/ideas")
    async def add_idea(
        self,
        db: Db,
        request: Request[Any, Any, Any],
        state: State,
        session_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        """An idea from a paper card or said aloud, typed in by the facilitator (filed under
        the prompt chosen, by default the one shown now)."""
        session = await _session(db, request, session_id)
        form = IdeaForm.from_form(data)
        try:
            await focus_groups.add_idea(db, session, form, None)
        except ValidationFailed as failed:
            form.errors = failed.errors
            return await _board_page(
                db, request, state, session, form, HTTP_422_UNPROCESSABLE_ENTITY
            )
        flash(request, _("Added: “%(title)s”.") % {"title": form.title}, "success")
        # No fragment: a target in the address would keep the browser from autofocusing.
        return Redirect(f"/focus-groups/{session_id}?karte=1", status_code=303)

    @post("/{session_id:int}/prompt")
    async def show_prompt(
        self, db: Db, request: Request[Any, Any, Any], session_id: FromPath[int], data: FormData
    ) -> Redirect:
        """Show another prompt (the next or the previous one) on the board, the projector and
        the members' phones."""
        session = await _session(db, request, session_id)
        position = parse_int(data.get("position", ""))
        try:
            await live_prompts.show_prompt(db, session, -1 if position is None else position)
        except ValidationFailed as failed:
            flash(request, next(iter(failed.errors.values())), "error")
        return Redirect(f"/focus-groups/{session_id}#prompt", status_code=303)

    @post("/{session_id:int}/prompts")
    async def add_prompt(
        self,
        db: Db,
        request: Request[Any, Any, Any],
        state: State,
        session_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        """A prompt added at the end of the session's prompts."""
        session = await _session(db, request, session_id)
        text = data.get("prompt", "")
        try:
            await live_prompts.add_prompt(db, session, text)
        except ValidationFailed as failed:
            return await _board_page(
                db,
                request,
                state,
                session,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                prompt_error=failed.errors["prompt"],
                prompt_text=text,
            )
        flash(request, _("Prompt added."), "success")
        return Redirect(f"/focus-groups/{session_id}#prompt", status_code=303)

    @get("/{session_id:int}/close", cache=False)
    async def confirm_close(
        self, db: Db, request: Request[Any, Any, Any], session_id: FromPath[int]
    ) -> Template:
        session = await _session(db, request, session_id)
        return Template(
            "pages/focus_groups/close.html",
            context={"board": await focus_groups.board(db, session)},
        )

    @post("/{session_id:int}/close")
    async def close(
        self, db: Db, request: Request[Any, Any, Any], state: State, session_id: FromPath[int]
    ) -> Redirect:
        session = await _session(db, request, session_id)
        ids = await focus_groups.close_session(db, session)
        url = f"/focus-groups/{session_id}"
        if not ids:
            flash(request, _("The session is closed."), "success")
            return Redirect(url, status_code=303)
        flash(
            request,
            ngettext(
                "The session is closed; %(num)d idea went to the moderation queue.",
                "The session is closed; %(num)d ideas went to the moderation queue.",
                len(ids),
            )
            % {"num": len(ids)},
            "success",
        )
        # After the commit: the tagger may fail or be slow, the ideas are safe already.
        suggest_later(state, session.process_id, ids)
        return Redirect(url, status_code=303)
