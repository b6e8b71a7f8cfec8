"""The staff page where a profile's working group reports its implementation
(`/admin/steckbriefe/<id>/umsetzung`): progress, status, milestones, indicator values and
notes, each a form that works without JavaScript. Each write goes through
services/tracking and becomes an entry of the public timeline.

Who may: admins and the editors of the profile's working group (services/tracking/access.py);
everyone else gets 403, the page included. A mistake shows the page again with the message at
its field and what was typed (422).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.auth import guarded_user, requires_staff
from participation.i18n import N_, _, gettext
from participation.inputs import parse_int
from participation.models import PUBLIC_PROFILE_STATUSES, Process, Profile, ProfileStatus, User
from participation.routes import Db, FormData
from participation.services import tracking
from participation.services.errors import NotFound, ValidationFailed
from participation.services.profiles import editing
from participation.services.profiles.editing import ProfileConflict
from participation.services.profiles.notices import profile_path
from participation.services.tracking import timeline
from participation.services.tracking.access import is_tracked

# The public statuses in their order, for the status form.
STATUSES: Final = [s for s in ProfileStatus if s in PUBLIC_PROFILE_STATUSES]

Change = Callable[[User], Awaitable[Any]]
Field = Callable[[str], str]  # a field of the submitted form by its name within the form
Service = Callable[[AsyncSession, int, User, Field], Awaitable[Any]]

# The forms of the page by the last part of their address: the form's name (its fields are
# "<name>-<field>"), the service call, and the message after it.
FORMS: Final[dict[str, tuple[str, Service, str]]] = {
    "fortschritt": (
        "progress",
        lambda db, pid, user, f: tracking.record_progress(db, pid, user, f("progress"), f("text")),
        N_("Progress saved."),
    ),
    "status": (
        "status",
        lambda db, pid, user, f: tracking.change_status(
            db, pid, user, f("status"), parse_int(f("version"))
        ),
        N_("Status set."),
    ),
    "meilensteine": (
        "milestone",
        lambda db, pid, user, f: tracking.add_milestone(
            db, pid, user, f("title"), f("planned_on"), f("reached_on")
        ),
        N_("Milestone added."),
    ),
    "werte": (
        "value",
        lambda db, pid, user, f: tracking.record_value(
            db, pid, f("indicator"), user, f("value"), f("measured_on"), f("note")
        ),
        N_("Value recorded."),
    ),
    "notizen": (
        "note",
        lambda db, pid, user, f: tracking.add_note(db, pid, user, f("text")),
        N_("Note published."),
    ),
}


async def _trackable(db: Db, request: Request[Any, Any, Any], profile_id: int) -> Profile:
    try:
        profile = await editing.get_profile(db, profile_id)
    except NotFound as exc:
        raise NotFoundException() from exc
    if not await tracking.may_track(db, guarded_user(request), profile_id):
        raise PermissionDeniedException(
            _("Only admins and the profile's working group record its progress.")
        )
    return profile


class TrackingAdminController(Controller):
    path = "/admin/steckbriefe/{profile_id:int}/umsetzung"
    guards = [requires_staff]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    @get("/", cache=False)
    async def page(
        self, request: Request[Any, Any, Any], db: Db, profile_id: FromPath[int]
    ) -> Template:
        profile = await _trackable(db, request, profile_id)
        return await _page(db, profile)

    @post("/{form_path:str}")
    async def change(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        profile_id: FromPath[int],
        form_path: FromPath[str],
        data: FormData,
    ) -> Template | Redirect:
        """Progress, status, a new milestone, a value, a note: one form each (FORMS)."""
        if form_path not in FORMS:
            raise NotFoundException()
        form, service, done = FORMS[form_path]

        def field(name: str) -> str:
            return data.get(f"{form}-{name}", "")

        call: Change = lambda user: service(db, profile_id, user, field)  # noqa: E731
        return await _change(request, db, profile_id, data, form, call, gettext(done))

    @post("/meilenstein/{milestone_id:int}")
    async def change_milestone(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        profile_id: FromPath[int],
        milestone_id: FromPath[int],
        data: FormData,
    ) -> Template | Redirect:
        """One milestone's form: save, mark as reached (today unless a day is given), remove."""
        form = f"ms-{milestone_id}"

        def field(name: str) -> str:
            return data.get(f"{form}-{name}", "")

        action = data.get("action", "save")
        if action == "remove":
            call: Change = lambda user: tracking.remove_milestone(  # noqa: E731
                db, profile_id, milestone_id, user
            )
            done = _("Milestone removed.")
        elif action == "reached":
            call = lambda user: tracking.reach_milestone(  # noqa: E731
                db, profile_id, milestone_id, user, field("reached_on")
            )
            done = _("Milestone marked as reached.")
        else:
            call = lambda user: tracking.change_milestone(  # noqa: E731
                db,
                profile_id,
                milestone_id,
                user,
                field("title"),
                field("planned_on"),
                field("reached_on"),
            )
            done = _("Milestone saved.")
        return await _change(request, db, profile_id, data, form, call, done)


async def _change(
    request: Request[Any, Any, Any],
    db: Db,
    profile_id: int,
    data: FormData,
    form: str,
    call: Change,
    done: str,
) -> Template | Redirect:
    """Run one change; the page again with the messages at the form's fields (named
    "<form>-<field>") and what was typed, or back to the page with a message."""
    await _trackable(db, request, profile_id)
    here = f"/admin/steckbriefe/{profile_id}/umsetzung"
    try:
        update = await call(guarded_user(request))
    except ValidationFailed as failed:
        await db.rollback()
        errors = {f"{form}-{field}": message for field, message in failed.errors.items()}
        fresh = await editing.get_profile(db, profile_id)
        return await _page(db, fresh, errors, data, HTTP_422_UNPROCESSABLE_ENTITY)
    except ProfileConflict:
        flash(
            request,
            _("Someone else saved this profile meanwhile; here it is as it is now."),
            "error",
        )
        return Redirect(here, status_code=303)
    except NotFound as exc:
        raise NotFoundException() from exc
    except tracking.NotAllowed as exc:
        raise PermissionDeniedException(str(exc)) from exc
    if update is None:
        flash(request, _("Nothing was changed."), "info")
    else:
        flash(request, done, "success")
    return Redirect(f"{here}#{form}", status_code=303)


async def _page(
    db: Db,
    profile: Profile,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    assert profile.id is not None
    process = await db.get(Process, profile.process_id)
    assert process is not None  # a profile is deleted with its process
    indicators = await timeline.indicators_of(db, profile.id)
    return Template(
        "pages/tracking/page.html",
        context={
            "process": process,
            "profile": profile,
            "tracked": is_tracked(profile),
            "tracking": await timeline.tracking_of(db, profile.id, indicators),
            "indicators": indicators,
            "describe": timeline.describe,
            "number": timeline.number,
            "statuses": STATUSES,
            "errors": errors or {},
            "typed": typed or {},
            "public_path": profile_path(process.slug, profile.id),
        },
        status_code=status_code,
    )
