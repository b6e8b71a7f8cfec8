"""What a working group does in the browser, through the staff API (documented at /schema):
create and save profiles (every save a revision; a save on top of a newer one is 409 with
the version to build on), move them in their workflow, link and unlink sources, and merge
two contributions.

Every request carries a personal access token (`Authorization: Bearer …`, see
participation/token_auth.py) and acts with its owner's role; the same rules as on the pages
decide what it may do (services/profiles/access.py), answered 403 otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request, post, put
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, JSONBody
from litestar.response import Response
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from participation.auth import guarded_user
from participation.models import Contribution, Profile, ProfileStatus, Role
from participation.routes import Db
from participation.services import merging, processes
from participation.services.errors import Conflict, NotFound, ValidationFailed
from participation.services.profiles import access, editing, sources
from participation.services.profiles.editing import ProfileConflict
from participation.services.profiles.fields import (
    IndicatorRow,
    OrganisationRow,
    ProfileForm,
    Snapshot,
    validate,
)
from participation.token_auth import STAFF_WRITE, staff_api

# Who may call at all; what each may do with a profile is checked per profile.
requires_staff_writer = staff_api(*Role)
requires_curator = staff_api(Role.MODERATOR)


@dataclass
class ProfileInput:
    """A profile's content as the edit form has it; action fields by their slugs."""

    title: str
    summary: str = ""
    problem: str = ""
    goal: str = ""
    measures: str = ""
    target_segments: list[str] = field(default_factory=list)
    target_groups: str = ""
    primary_theme: str | None = None
    further_themes: list[str] = field(default_factory=list)
    horizon: str | None = None  # short, medium, long
    cost_min: int | None = None  # euros
    cost_max: int | None = None
    funding: str = ""
    # As on the edit form: {name, kind, role} and {name, unit, baseline, target, due}.
    organisations: list[OrganisationRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)


@dataclass
class NewProfile(ProfileInput):
    source_ids: list[int] = field(default_factory=list)  # contributions it is built from


@dataclass
class ProfileUpdate(ProfileInput):
    version: int = 0  # the version this content was built on (409 if it is not the latest)


@dataclass(frozen=True)
class Saved:
    id: int
    version: int
    changed: list[str]  # the fields this save changed
    source_count: int


@dataclass
class StatusChange:
    status: ProfileStatus
    version: int


@dataclass
class SourceChange:
    ids: list[int]
    note: str = ""


@dataclass(frozen=True)
class SourcesChanged:
    changed: int  # links added or removed
    source_count: int


@dataclass
class MergeRequest:
    keep_id: int
    merged_id: int
    keep_version: int | None = None  # as read; a changed item is refused with 409
    merged_version: int | None = None


@dataclass(frozen=True)
class Merged:
    merge_id: int
    keep_id: int
    merged_id: int


def _errors(errors: dict[str, str]) -> Response[dict[str, Any]]:
    return Response({"errors": errors}, status_code=HTTP_422_UNPROCESSABLE_ENTITY)


def _conflict(conflict: ProfileConflict) -> Response[dict[str, Any]]:
    return Response(
        {
            "error": "conflict",
            "message": str(conflict),
            "current_version": conflict.current_version,
            "changed_since": sorted({f for r in conflict.since for f in r.changed_fields}),
        },
        status_code=HTTP_409_CONFLICT,
    )


async def _snapshot(
    db: Db, process_id: int, data: ProfileInput, status: str
) -> tuple[Snapshot, dict[str, str]]:
    """The snapshot the input describes and the errors by field (the edit form's checks);
    the snapshot is empty when there are errors."""
    slugs = {t.slug: t.id for t in await processes.list_themes(db, process_id) if t.id}
    errors: dict[str, str] = {}
    unknown = [s for s in [data.primary_theme or "", *data.further_themes] if s and s not in slugs]
    if unknown:
        errors["themes"] = f"Unknown action fields: {', '.join(sorted(unknown))[:200]}"
    form = ProfileForm(
        title=data.title,
        summary=data.summary,
        problem=data.problem,
        goal=data.goal,
        measures=data.measures,
        target_segments=list(data.target_segments),
        target_groups=data.target_groups,
        primary_theme=str(slugs.get(data.primary_theme or "", "")),
        further_themes=[str(slugs[s]) for s in data.further_themes if s in slugs],
        horizon=data.horizon or "",
        cost_min="" if data.cost_min is None else str(data.cost_min),
        cost_max="" if data.cost_max is None else str(data.cost_max),
        funding=data.funding,
        status=status,
        organisations=list(data.organisations),
        indicators=list(data.indicators),
    )
    snapshot = validate(form, set(slugs.values()))
    errors |= form.errors
    return ({} if errors else snapshot), errors


async def _profile_of(db: Db, slug: str, profile_id: int) -> Profile:
    overview = await processes.get_process(db, slug)
    profile = await db.get(Profile, profile_id)
    if overview is None or profile is None or profile.process_id != overview.process.id:
        raise NotFoundException("No such profile in this process")
    return profile


async def _editable(request: Request[Any, Any, Any], db: Db, slug: str, profile_id: int) -> Profile:
    profile = await _profile_of(db, slug, profile_id)
    if not await access.may_edit(db, guarded_user(request), profile_id):
        raise PermissionDeniedException("Only its working group edits this profile")
    return profile


class StaffProfileWrites:
    """Creating and changing profiles with a personal access token: the write handlers of
    the staff API's controller (routes/profiles_api.py), which shares their path (one
    controller per path: Litestar answers OPTIONS for each)."""

    @post(
        "/profiles",
        summary="Create a project profile (a draft) from contributions",
        guards=[requires_curator],
        status_code=HTTP_201_CREATED,
        **STAFF_WRITE,
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        slug: FromPath[str],
        data: JSONBody[NewProfile],
    ) -> Response[Any]:
        overview = await processes.get_process(db, slug)
        if overview is None or overview.process.id is None:
            raise NotFoundException(f"No process with slug {slug!r}")
        snapshot, errors = await _snapshot(db, overview.process.id, data, ProfileStatus.DRAFT.value)
        if errors:
            return _errors(errors)
        profile = await editing.create_profile(
            db, overview.process.id, snapshot, guarded_user(request), data.source_ids
        )
        saved = Saved(profile.id or 0, profile.version, [], profile.source_count)
        return Response(saved, status_code=HTTP_201_CREATED)

    @put(
        "/profiles/{profile_id:int}",
        summary="Save a project profile's content as its next version",
        guards=[requires_staff_writer],
        **STAFF_WRITE,
    )
    async def update(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        slug: FromPath[str],
        profile_id: FromPath[int],
        data: JSONBody[ProfileUpdate],
    ) -> Response[Any]:
        """The whole content, as on the edit page; the status stays (see `/status`)."""
        profile = await _editable(request, db, slug, profile_id)
        snapshot, errors = await _snapshot(db, profile.process_id, data, profile.status.value)
        if errors:
            return _errors(errors)
        try:
            saved, changed = await editing.save_profile(
                db, profile_id, snapshot, data.version, guarded_user(request)
            )
        except ProfileConflict as conflict:
            return _conflict(conflict)
        return Response(Saved(profile_id, saved.version, changed, saved.source_count))

    @post(
        "/profiles/{profile_id:int}/status",
        summary="Move a project profile in its workflow",
        guards=[requires_staff_writer],
        status_code=200,
        **STAFF_WRITE,
    )
    async def set_status(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        slug: FromPath[str],
        profile_id: FromPath[int],
        data: JSONBody[StatusChange],
    ) -> Response[Any]:
        profile = await _editable(request, db, slug, profile_id)
        user = guarded_user(request)
        if not access.may_set_status(user, True, profile.status, data.status):
            raise PermissionDeniedException("Your role does not allow this step")
        try:
            saved, changed = await editing.set_status(
                db, profile_id, data.status, data.version, user
            )
        except ProfileConflict as conflict:
            return _conflict(conflict)
        return Response(Saved(profile_id, saved.version, changed, saved.source_count))

    @post(
        "/profiles/{profile_id:int}/sources",
        summary="Link contributions to a project profile as its sources",
        guards=[requires_staff_writer],
        status_code=200,
        **STAFF_WRITE,
    )
    async def link(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        slug: FromPath[str],
        profile_id: FromPath[int],
        data: JSONBody[SourceChange],
    ) -> SourcesChanged:
        """Contributions of other processes, unknown ids and links already there are
        skipped; `changed` says how many were added."""
        profile = await _editable(request, db, slug, profile_id)
        added = await sources.link(db, profile, data.ids, guarded_user(request), note=data.note)
        return SourcesChanged(added, profile.source_count)

    @post(
        "/profiles/{profile_id:int}/sources/remove",
        summary="Unlink sources from a project profile",
        guards=[requires_staff_writer],
        status_code=200,
        **STAFF_WRITE,
    )
    async def unlink(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        slug: FromPath[str],
        profile_id: FromPath[int],
        data: JSONBody[SourceChange],
    ) -> SourcesChanged:
        profile = await _editable(request, db, slug, profile_id)
        removed = await sources.unlink(db, profile, data.ids)
        return SourcesChanged(removed, profile.source_count)

    @post(
        "/merges",
        summary="Merge one contribution into another (undone from the moderation log)",
        guards=[requires_curator],
        status_code=HTTP_201_CREATED,
        **STAFF_WRITE,
    )
    async def merge(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        slug: FromPath[str],
        data: JSONBody[MergeRequest],
    ) -> Response[Any]:
        overview = await processes.get_process(db, slug)
        keep = await db.get(Contribution, data.keep_id)
        if overview is None or keep is None or keep.process_id != overview.process.id:
            raise NotFoundException("No such contribution in this process")
        try:
            merge = await merging.merge_contributions(
                db,
                keep_id=data.keep_id,
                merged_id=data.merged_id,
                actor=guarded_user(request),
                keep_version=data.keep_version,
                merged_version=data.merged_version,
            )
        except NotFound as exc:
            raise NotFoundException(str(exc)) from exc
        except ValidationFailed as exc:
            return _errors(exc.errors)
        except Conflict as exc:
            return Response(
                {"error": "conflict", "message": str(exc)}, status_code=HTTP_409_CONFLICT
            )
        merged = Merged(merge.id or 0, data.keep_id, data.merged_id)
        return Response(merged, status_code=HTTP_201_CREATED)
