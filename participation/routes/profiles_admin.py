"""Project profiles for staff: the list per process, creating and editing (every save a
revision, a save on top of a newer one answered 409 with what changed), the history with
restore, sources, the working group and its internal comments.

Every staff member may read; who may change what is decided per profile
(services/profiles/access.py) and answered 403 otherwise.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from participation.auth import guarded_scope, guarded_user, requires_staff
from participation.i18n import _, ngettext
from participation.inputs import parse_int
from participation.models import (
    PUBLIC_PROFILE_STATUSES,
    Horizon,
    OrganisationKind,
    OrganisationRole,
    Process,
    Profile,
    ProfileStatus,
    Segment,
    User,
)
from participation.routes import Db, FormData, chosen_ids, safe_next
from participation.routes.processes import load_process
from participation.services import processes, tracking
from participation.services.errors import NotFound, ValidationFailed
from participation.services.profiles import access, drafting, editing, history, listing, sources
from participation.services.profiles import working_group as group
from participation.services.profiles.editing import ProfileConflict
from participation.services.profiles.fields import (
    FIELD_LABELS,
    ProfileForm,
    Snapshot,
    apply_row_action,
    validate,
)


async def _process(db: Db, slug: str) -> Process:
    return (await load_process(db, slug)).process


async def _profile(db: Db, profile_id: int) -> Profile:
    try:
        return await editing.get_profile(db, profile_id)
    except NotFound as exc:
        raise NotFoundException() from exc


async def _editable(db: Db, request: Request[Any, Any, Any], profile_id: int) -> Profile:
    profile = await _profile(db, profile_id)
    if not await access.may_edit(db, guarded_user(request), profile_id):
        raise PermissionDeniedException(_("Only its working group edits this profile."))
    return profile


async def _process_of(db: Db, profile: Profile) -> Process:
    process = await db.get(Process, profile.process_id)
    assert process is not None  # a profile is deleted with its process
    return process


async def _reports_implementation(
    db: Db, user: User, profile: Profile, status: ProfileStatus
) -> bool:
    """A public profile moved on by those who report its implementation: an entry of its
    public timeline too (services/tracking), as on the implementation page."""
    public = profile.status in PUBLIC_PROFILE_STATUSES and status in PUBLIC_PROFILE_STATUSES
    return public and await tracking.may_track(db, user, profile.id or 0)


def _form_context(process: Process, themes: list[Any]) -> dict[str, Any]:
    return {
        "process": process,
        "themes": themes,
        "segments": list(Segment),
        "horizons": list(Horizon),
        "organisation_kinds": list(OrganisationKind),
        "organisation_roles": list(OrganisationRole),
        "field_labels": FIELD_LABELS,
    }


class ProfileAdminController(Controller):
    path = "/admin"
    guards = [requires_staff]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False

    # --- lists -------------------------------------------------------------------------

    @get("/steckbriefe", cache=False)
    async def overview(self, request: Request[Any, Any, Any], db: Db) -> Template:
        user = guarded_user(request)
        return Template(
            "pages/profiles_admin/overview.html",
            context={
                "mine": await listing.profiles_of_member(db, user.id or 0),
                "processes": await processes.list_processes(db, await guarded_scope(request)),
                "may_create": access.may_create(user),
                "tracked_statuses": sorted(PUBLIC_PROFILE_STATUSES),
            },
        )

    @get("/processes/{slug:str}/steckbriefe", cache=False)
    async def index(self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str]) -> Template:
        process = await _process(db, slug)
        assert process.id is not None
        filters = listing.ProfileFilters.from_query(request.query_params)
        themes = await processes.list_themes(db, process.id)
        return Template(
            "pages/profiles_admin/list.html",
            context={
                "process": process,
                "themes": themes,
                "theme_names": {t.id: t.name for t in themes},
                "filters": filters,
                "found": await listing.list_profiles(
                    db, process.id, filters, await guarded_scope(request)
                ),
                "members": await group.staff_in_groups(db, process.id),
                "statuses": list(ProfileStatus),
                "horizons": list(Horizon),
                "may_create": access.may_create(guarded_user(request)),
                "me": guarded_user(request).id,
            },
        )

    # --- creating and editing ---------------------------------------------------------------

    @get("/processes/{slug:str}/steckbriefe/new", cache=False)
    async def new(self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str]) -> Template:
        if not access.may_create(guarded_user(request)):
            raise PermissionDeniedException(_("Moderators and admins create profiles."))
        process = await _process(db, slug)
        return await self._form_page(db, process, ProfileForm(), None)

    @post("/processes/{slug:str}/steckbriefe/new")
    async def create(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str], data: FormData
    ) -> Template | Redirect:
        actor = guarded_user(request)
        if not access.may_create(actor):
            raise PermissionDeniedException(_("Moderators and admins create profiles."))
        process = await _process(db, slug)
        assert process.id is not None
        form = ProfileForm.from_form(data)
        form.status = ProfileStatus.DRAFT.value
        if apply_row_action(form, data.get("action", "save")):
            return await self._form_page(db, process, form, None)
        themes = await processes.list_themes(db, process.id)
        snapshot = validate(form, {t.id for t in themes if t.id is not None})
        if not snapshot:
            return await self._form_page(db, process, form, None, HTTP_422_UNPROCESSABLE_ENTITY)
        profile = await editing.create_profile(db, process.id, snapshot, actor)
        flash(request, _("Profile created: “%(title)s”.") % {"title": profile.title}, "success")
        return Redirect(f"/admin/steckbriefe/{profile.id}", status_code=303)

    @post("/clusters/{cluster_id:int}/steckbrief")
    async def from_cluster(
        self, request: Request[Any, Any, Any], db: Db, cluster_id: FromPath[int]
    ) -> Redirect:
        actor = guarded_user(request)
        if not access.may_create(actor):
            raise PermissionDeniedException(_("Moderators and admins create profiles."))
        try:
            profile = await drafting.from_cluster(db, cluster_id, actor)
        except NotFound as exc:
            raise NotFoundException(str(exc)) from exc
        flash(
            request,
            _("Draft profile started from the group: please check and rewrite it."),
            "success",
        )
        return Redirect(f"/admin/steckbriefe/{profile.id}/edit", status_code=303)

    @post("/processes/{slug:str}/steckbriefe/selection")
    async def selection(
        self, request: Request[Any, Any, Any], db: Db, slug: FromPath[str], data: FormData
    ) -> Redirect:
        """Contributions chosen in a list: a new profile from them, or added to one."""
        actor = guarded_user(request)
        process = await _process(db, slug)
        assert process.id is not None
        back = safe_next(data.get("back"), f"/admin/processes/{slug}/steckbriefe")
        chosen = chosen_ids(data)
        if not chosen:
            flash(request, _("Please choose at least one contribution."), "error")
            return Redirect(back, status_code=303)
        if data.get("action") == "add":
            profile_id = parse_int(data.get("profile"))
            profile = await _editable(db, request, profile_id or 0)
            if profile.process_id != process.id:
                raise NotFoundException()
            added = await sources.link(db, profile, chosen, actor)
            message = ngettext(
                "%(n)d contribution added to “%(title)s”.",
                "%(n)d contributions added to “%(title)s”.",
                added,
            ) % {"n": added, "title": profile.title}
            flash(request, message, "success")
            return Redirect(back, status_code=303)
        if not access.may_create(actor):
            raise PermissionDeniedException(_("Moderators and admins create profiles."))
        profile = await drafting.from_selection(
            db, process.id, chosen, data.get("title", ""), actor
        )
        flash(
            request,
            _("Draft profile started from your choice: please check and rewrite it."),
            "success",
        )
        return Redirect(f"/admin/steckbriefe/{profile.id}/edit", status_code=303)

    @get("/steckbriefe/{profile_id:int}/edit", cache=False)
    async def edit(
        self, request: Request[Any, Any, Any], db: Db, profile_id: FromPath[int]
    ) -> Template:
        profile = await _editable(db, request, profile_id)
        process = await _process_of(db, profile)
        snapshot = await editing.snapshot_of(db, profile)
        form = ProfileForm.from_snapshot(snapshot, profile.version)
        return await self._form_page(db, process, form, profile)

    @post("/steckbriefe/{profile_id:int}/edit")
    async def update(
        self, request: Request[Any, Any, Any], db: Db, profile_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        profile = await _editable(db, request, profile_id)
        process = await _process_of(db, profile)
        form = ProfileForm.from_form(data)
        form.status = profile.status.value  # the status moves on the profile's page only
        action = data.get("action", "save")
        if action == "take-draft" and profile.draft_summary:
            # The drawn sentences into the summary field, to be rewritten there.
            form.summary = " ".join(str(s["text"]) for s in profile.draft_summary)
            return await self._form_page(db, process, form, profile)
        if apply_row_action(form, action):
            return await self._form_page(db, process, form, profile)
        themes = await processes.list_themes(db, profile.process_id)
        snapshot = validate(form, {t.id for t in themes if t.id is not None})
        if not snapshot:
            return await self._form_page(db, process, form, profile, HTTP_422_UNPROCESSABLE_ENTITY)
        try:
            _saved, changed = await editing.save_profile(
                db, profile_id, snapshot, parse_int(form.version), guarded_user(request)
            )
        except ProfileConflict as conflict:
            # The form comes back with what this person typed and the version they have now
            # seen: saving again is a decision taken knowing the other change.
            form.version = str(conflict.current_version)
            return await self._form_page(
                db, process, form, profile, HTTP_409_CONFLICT, conflict=conflict, typed=snapshot
            )
        if changed:
            flash(request, _("Saved."), "success")
        else:
            flash(request, _("Nothing was changed."), "info")
        return Redirect(f"/admin/steckbriefe/{profile_id}", status_code=303)

    @staticmethod
    async def _form_page(
        db: Db,
        process: Process,
        form: ProfileForm,
        profile: Profile | None,
        status_code: int = 200,
        *,
        conflict: ProfileConflict | None = None,
        typed: Snapshot | None = None,
    ) -> Template:
        assert process.id is not None
        themes = await processes.list_themes(db, process.id)
        action = (
            f"/admin/steckbriefe/{profile.id}/edit"
            if profile
            else f"/admin/processes/{process.slug}/steckbriefe/new"
        )
        theirs: Snapshot = conflict.current if conflict else {}
        return Template(
            "pages/profiles_admin/form.html",
            context=_form_context(process, themes)
            | {
                "form": form,
                "profile": profile,
                "action": action,
                "conflict": conflict,
                "theirs": theirs,
                "conflict_fields": [
                    name
                    for name in FIELD_LABELS
                    if conflict
                    and typed
                    and name != "status"
                    and theirs.get(name) != typed.get(name)
                ],
                "theme_names": {t.id: t.name for t in themes},
            },
            status_code=status_code,
        )

    # --- one profile ------------------------------------------------------------------------

    @get("/steckbriefe/{profile_id:int}", cache=False)
    async def detail(
        self, request: Request[Any, Any, Any], db: Db, profile_id: FromPath[int]
    ) -> Template:
        return await self._detail_page(request, db, profile_id)

    @staticmethod
    async def _detail_page(
        request: Request[Any, Any, Any],
        db: Db,
        profile_id: int,
        *,
        comment: str = "",
        comment_error: str | None = None,
    ) -> Template:
        profile = await _profile(db, profile_id)
        process = await _process_of(db, profile)
        user = guarded_user(request)
        themes = await processes.list_themes(db, profile.process_id)
        page = parse_int(request.query_params.get("page"), minimum=1, maximum=100_000) or 1
        may_edit = await access.may_edit(db, user, profile_id)
        may_manage = access.may_create(user)
        return Template(
            "pages/profiles_admin/detail.html",
            context={
                "process": process,
                "profile": profile,
                "snapshot": await editing.snapshot_of(db, profile),
                "theme_names": {t.id: t.name for t in themes},
                "sources": await sources.page_of_sources(db, profile_id, page),
                "members": await group.members(db, profile_id),
                "candidates": await group.candidates(db, profile_id) if may_manage else [],
                "comments": await group.comments(db, profile_id),
                "comment": comment,
                "comment_error": comment_error,
                "may_edit": may_edit,
                "may_manage": may_manage,
                "may_track": await tracking.may_track(db, user, profile_id),
                "segments": list(Segment),
                "organisation_kinds": {k.value: k for k in OrganisationKind},
                "organisation_roles": {r.value: r for r in OrganisationRole},
                "next_statuses": [
                    s
                    for s in ProfileStatus
                    if s is not profile.status
                    and access.may_set_status(user, may_edit, profile.status, s)
                ],
            },
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if comment_error else 200,
        )

    @get("/steckbriefe/{profile_id:int}/suggestions", cache=False)
    async def suggestions(
        self, request: HTMXRequest, db: Db, state: State, profile_id: FromPath[int]
    ) -> Template:
        """ "Passende weitere Beiträge": computed apart from the profile's page, which stays
        quick while the similarity index is first built (htmx loads it into the page;
        without JavaScript it is a page of its own)."""
        profile = await _profile(db, profile_id)
        context = {
            "profile": profile,
            "process": await _process_of(db, profile),
            "matches": await sources.matching(db, state.settings.var_dir, profile),
            "may_edit": await access.may_edit(db, guarded_user(request), profile_id),
        }
        if request.htmx:
            return Template("partials/profiles/_suggestions.html", context=context)
        return Template("pages/profiles_admin/suggestions.html", context=context)

    @post("/steckbriefe/{profile_id:int}/status")
    async def set_status(
        self, request: Request[Any, Any, Any], db: Db, profile_id: FromPath[int], data: FormData
    ) -> Redirect:
        profile = await _profile(db, profile_id)
        user = guarded_user(request)
        may_edit = await access.may_edit(db, user, profile_id)
        if not may_edit:
            raise PermissionDeniedException(_("Only its working group edits this profile."))
        wanted = data.get("status", "")
        if wanted not in {s.value for s in ProfileStatus}:
            flash(request, _("Please choose a status from the list."), "error")
            return Redirect(f"/admin/steckbriefe/{profile_id}", status_code=303)
        status = ProfileStatus(wanted)
        if not access.may_set_status(user, may_edit, profile.status, status):
            raise PermissionDeniedException(_("Your role does not allow this step."))
        version = parse_int(data.get("version"))
        try:
            if await _reports_implementation(db, user, profile, status):
                await tracking.change_status(db, profile_id, user, status, version)
            else:
                await editing.set_status(db, profile_id, status, version, user)
        except ProfileConflict:
            flash(
                request,
                _("Someone else saved this profile meanwhile; here it is as it is now."),
                "error",
            )
        else:
            flash(request, _("Status set."), "success")
        return Redirect(f"/admin/steckbriefe/{profile_id}", status_code=303)

    @get("/steckbriefe/{profile_id:int}/history", cache=False)
    async def history(
        self, request: Request[Any, Any, Any], db: Db, profile_id: FromPath[int]
    ) -> Template:
        profile = await _profile(db, profile_id)
        process = await _process_of(db, profile)
        themes = await processes.list_themes(db, profile.process_id)
        page = parse_int(request.query_params.get("page"), minimum=1, maximum=100_000) or 1
        entries, older = await history.history(
            db, profile_id, {t.id or 0: t.name for t in themes}, page
        )
        return Template(
            "pages/profiles_admin/history.html",
            context={
                "process": process,
                "profile": profile,
                "entries": entries,
                "page": page,
                "older": older,
                "may_edit": await access.may_edit(db, guarded_user(request), profile_id),
            },
        )

    @post("/steckbriefe/{profile_id:int}/history/{version:int}/restore")
    async def restore(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        profile_id: FromPath[int],
        version: FromPath[int],
        data: FormData,
    ) -> Redirect:
        await _editable(db, request, profile_id)
        try:
            _saved, changed = await editing.restore(
                db, profile_id, version, parse_int(data.get("version")), guarded_user(request)
            )
        except ProfileConflict:
            flash(
                request,
                _("Someone else saved this profile meanwhile; look at the history again."),
                "error",
            )
            return Redirect(f"/admin/steckbriefe/{profile_id}/history", status_code=303)
        except NotFound as exc:
            raise NotFoundException() from exc
        if changed:
            flash(
                request,
                _("Version %(n)d restored as the newest version.") % {"n": version},
                "success",
            )
        else:
            flash(request, _("This version is the same as the current one."), "info")
        return Redirect(f"/admin/steckbriefe/{profile_id}", status_code=303)

    # --- sources, working group, comments ------------------------------------------------

    @post("/steckbriefe/{profile_id:int}/sources")
    async def add_sources(
        self, request: Request[Any, Any, Any], db: Db, profile_id: FromPath[int], data: FormData
    ) -> Redirect:
        profile = await _editable(db, request, profile_id)
        ids = sources.parse_ids(data.get("ids", ""))
        if not ids:
            flash(
                request, _("Please give the numbers of the contributions, e.g. 412, 415."), "error"
            )
        else:
            note = data.get("note", "")
            added = await sources.link(db, profile, ids, guarded_user(request), note=note)
            message = ngettext("%(n)d contribution added.", "%(n)d contributions added.", added) % {
                "n": added
            }
            flash(request, message, "success")
        return Redirect(f"/admin/steckbriefe/{profile_id}#sources", status_code=303)

    @post("/steckbriefe/{profile_id:int}/sources/remove")
    async def remove_source(
        self, request: Request[Any, Any, Any], db: Db, profile_id: FromPath[int], data: FormData
    ) -> Redirect:
        profile = await _editable(db, request, profile_id)
        contribution_id = parse_int(data.get("contribution"))
        if contribution_id is not None and await sources.unlink(db, profile, [contribution_id]):
            flash(
                request,
                _("Contribution #%(id)d removed from the sources.") % {"id": contribution_id},
                "success",
            )
        return Redirect(f"/admin/steckbriefe/{profile_id}#sources", status_code=303)

    @post("/steckbriefe/{profile_id:int}/members")
    async def add_member(
        self, request: Request[Any, Any, Any], db: Db, profile_id: FromPath[int], data: FormData
    ) -> Redirect:
        await _profile(db, profile_id)
        actor = guarded_user(request)
        if not access.may_create(actor):
            raise PermissionDeniedException(_("Moderators and admins form working groups."))
        user_id = parse_int(data.get("user"))
        if user_id is None or not await group.add_member(db, profile_id, user_id, actor):
            flash(request, _("Please choose a staff member who is not in the group yet."), "error")
        return Redirect(f"/admin/steckbriefe/{profile_id}#working-group", status_code=303)

    @post("/steckbriefe/{profile_id:int}/members/{user_id:int}/remove")
    async def remove_member(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        profile_id: FromPath[int],
        user_id: FromPath[int],
    ) -> Redirect:
        if not access.may_create(guarded_user(request)):
            raise PermissionDeniedException(_("Moderators and admins form working groups."))
        await _profile(db, profile_id)
        await group.remove_member(db, profile_id, user_id)
        return Redirect(f"/admin/steckbriefe/{profile_id}#working-group", status_code=303)

    @post("/steckbriefe/{profile_id:int}/comments")
    async def comment(
        self, request: Request[Any, Any, Any], db: Db, profile_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        await _editable(db, request, profile_id)
        body = data.get("body", "")
        try:
            await group.add_comment(db, profile_id, body, guarded_user(request))
        except ValidationFailed as exc:  # the page again, with the text as typed
            return await self._detail_page(
                request, db, profile_id, comment=body, comment_error=exc.errors["body"]
            )
        return Redirect(f"/admin/steckbriefe/{profile_id}#comments", status_code=303)
