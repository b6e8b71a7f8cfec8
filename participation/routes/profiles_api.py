"""Project profiles in the JSON API (documented at /schema).

- `ProfileApiController`: the published profiles of a process, for everyone.
- `StaffApiController`: for staff, signed in with a personal access token
  (`Authorization: Bearer …`, see participation/token_auth.py) or, for reading, their
  session: every profile of a process whatever its status, and the latest clustering; and
  the writes (create, save, status, sources, merge: routes/profiles_staff_api.py), which
  take a token only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, QueryParameter
from sqlalchemy import ColumnElement

from participation.auth import guarded_scope
from participation.models import (
    PUBLIC_PROFILE_STATUSES,
    Channel,
    Horizon,
    OrganisationKind,
    OrganisationRole,
    Profile,
    ProfileStatus,
    Role,
    Segment,
)
from participation.routes import Db
from participation.routes.profiles_staff_api import StaffProfileWrites
from participation.services import clusters, processes
from participation.services.accounts.remit import WHOLE_PROCESS
from participation.services.cluster_scope import Scope
from participation.services.profiles import public
from participation.services.profiles.breakdown import source_breakdown
from participation.token_auth import staff_api

PageParam = Annotated[int, QueryParameter(ge=1, le=public.PAGE_MAX)]
PerPageParam = Annotated[int, QueryParameter(ge=1, le=100)]

# Staff who read profiles: the working groups (editors), evaluators, moderators, admins.
requires_profile_reader = staff_api(Role.MODERATOR, Role.EVALUATOR, Role.EDITOR)
requires_cluster_reader = staff_api(Role.MODERATOR, Role.EVALUATOR)


@dataclass(frozen=True)
class ProfileSummary:
    id: int
    title: str
    summary: str
    status: ProfileStatus
    horizon: Horizon | None
    themes: list[str]  # action-field slugs, the primary one first
    source_count: int  # every source, published or not
    updated_at: datetime
    published_at: datetime | None


@dataclass(frozen=True)
class ProfileListPage:
    items: list[ProfileSummary]
    page: int
    pages: int
    total: int
    per_page: int


@dataclass(frozen=True)
class OrganisationItem:
    name: str
    kind: OrganisationKind
    role: OrganisationRole


@dataclass(frozen=True)
class IndicatorItem:
    name: str
    unit: str
    baseline: str
    target: str
    due: str


@dataclass(frozen=True)
class SegmentCount:
    segment: Segment
    count: int


@dataclass(frozen=True)
class ChannelCount:
    channel: Channel
    count: int


@dataclass(frozen=True)
class ProfileDetailItem:
    id: int
    title: str
    status: ProfileStatus
    summary: str  # Markdown, as the other text fields
    problem: str
    goal: str
    measures: str
    target_groups: str
    target_segments: list[str]
    horizon: Horizon | None
    cost_min: int | None  # euros
    cost_max: int | None
    funding: str
    themes: list[str]
    organisations: list[OrganisationItem]
    indicators: list[IndicatorItem]
    source_count: int  # every source, published or not
    sources_by_segment: list[SegmentCount]
    sources_by_channel: list[ChannelCount]
    published_source_ids: list[int]  # the sources with a public page (published ideas)
    updated_at: datetime
    published_at: datetime | None


@dataclass(frozen=True)
class ClusterItem:
    id: int
    number: int  # 1 is the largest
    name: str
    top_terms: list[str]
    size: int
    representative_ids: list[int]
    member_ids: list[int]


@dataclass(frozen=True)
class ClusterScopeItem:
    """What a run grouped: empty lists and no action field mean everything."""

    channels: list[str]
    segments: list[str]
    action_field_id: int | None
    action_field_name: str


@dataclass(frozen=True)
class ClusterRunItem:
    id: int
    created_at: datetime
    items: int
    k: int
    silhouette: float
    scope: ClusterScopeItem
    clusters: list[ClusterItem]


async def _process_id(db: Db, slug: str) -> int:
    overview = await processes.get_process(db, slug)
    if overview is None or overview.process.id is None:
        raise NotFoundException(f"No process with slug {slug!r}")
    return overview.process.id


def _summary(listed: public.ListedProfile) -> ProfileSummary:
    p = listed.profile
    return ProfileSummary(
        id=p.id or 0,
        title=p.title,
        summary=p.summary,
        status=p.status,
        horizon=p.horizon,
        themes=[t.slug for t in listed.themes],
        source_count=p.source_count,
        updated_at=p.updated_at,
        published_at=p.published_at,
    )


async def _list(
    db: Db,
    slug: str,
    page: int,
    per_page: int,
    statuses: list[ProfileStatus],
    in_remit: ColumnElement[bool] | None = None,
) -> ProfileListPage:
    process_id = await _process_id(db, slug)
    found = await public.profiles_page(db, process_id, page, per_page, statuses, in_remit)
    return ProfileListPage(
        items=[_summary(item) for item in found.items],
        page=found.page,
        pages=found.pages,
        total=found.total,
        per_page=per_page,
    )


async def _detail(db: Db, slug: str, profile_id: int, *, public_only: bool) -> ProfileDetailItem:
    process_id = await _process_id(db, slug)
    detail = await public.profile_detail(db, process_id, profile_id, public_only=public_only)
    if detail is None:
        shown = "published profile" if public_only else "profile"
        raise NotFoundException(f"No {shown} {profile_id} in this process")
    p: Profile = detail.profile
    breakdown = await source_breakdown(db, profile_id)
    return ProfileDetailItem(
        id=p.id or 0,
        title=p.title,
        status=p.status,
        summary=p.summary,
        problem=p.problem,
        goal=p.goal,
        measures=p.measures,
        target_groups=p.target_groups,
        target_segments=list(p.target_segments),
        horizon=p.horizon,
        cost_min=p.cost_min,
        cost_max=p.cost_max,
        funding=p.funding,
        themes=[t.slug for t in detail.themes],
        organisations=[OrganisationItem(o.name, o.kind, o.role) for o in detail.organisations],
        indicators=[
            IndicatorItem(i.name, i.unit, i.baseline, i.target, i.due) for i in detail.indicators
        ],
        source_count=breakdown.total,
        sources_by_segment=[SegmentCount(s, n) for s, n in breakdown.by_segment],
        sources_by_channel=[ChannelCount(c, n) for c, n in breakdown.by_channel],
        published_source_ids=await public.public_source_ids(db, p),
        updated_at=p.updated_at,
        published_at=p.published_at,
    )


class ProfileApiController(Controller):
    path = "/api/v1/processes/{slug:str}/profiles"
    tags = ["public"]  # noqa: RUF012

    @get("/", summary="Published project profiles of a process", public_page=True)
    async def list_profiles(
        self, db: Db, slug: FromPath[str], page: PageParam = 1, per_page: PerPageParam = 20
    ) -> ProfileListPage:
        """Published, in implementation and completed profiles, by title."""
        return await _list(db, slug, page, per_page, sorted(PUBLIC_PROFILE_STATUSES))

    @get("/{profile_id:int}", summary="One published project profile", public_page=True)
    async def get_profile(
        self, db: Db, slug: FromPath[str], profile_id: FromPath[int]
    ) -> ProfileDetailItem:
        """The profile with its sources counted by segment and channel, and the ids of the
        sources that are published ideas; other sources are only counted."""
        return await _detail(db, slug, profile_id, public_only=True)


class StaffApiController(StaffProfileWrites, Controller):
    """Staff only: 401 without a valid token or session, 403 for a role that may not read."""

    path = "/api/v1/staff/processes/{slug:str}"
    tags = ["staff"]  # noqa: RUF012

    @get("/profiles", summary="All project profiles of a process", guards=[requires_profile_reader])
    async def list_profiles(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        slug: FromPath[str],
        page: PageParam = 1,
        per_page: PerPageParam = 20,
        status: Annotated[
            str, QueryParameter(description="draft, working_group, ready, published, …")
        ] = "",
    ) -> ProfileListPage:
        """Profiles in every status (or one), by title; authorised with a bearer token. A
        caller limited to some action fields gets the profiles in those."""
        statuses = list(ProfileStatus)
        if status:
            if status not in {s.value for s in ProfileStatus}:
                message = f"Unknown status {status[:40]!r}"
                raise ValidationException(detail=message, extra={"status": message})
            statuses = [ProfileStatus(status)]
        remit = await guarded_scope(request)
        return await _list(db, slug, page, per_page, statuses, remit.profiles_in())

    @get(
        "/profiles/{profile_id:int}",
        summary="One project profile, any status",
        guards=[requires_profile_reader],
    )
    async def get_profile(
        self, db: Db, slug: FromPath[str], profile_id: FromPath[int]
    ) -> ProfileDetailItem:
        return await _detail(db, slug, profile_id, public_only=False)

    @get(
        "/clusters",
        summary="The latest clustering of a process's ideas",
        guards=[requires_cluster_reader],
        opt={WHOLE_PROCESS: True},  # the groups cover all of the process
    )
    async def latest_clusters(self, db: Db, slug: FromPath[str]) -> ClusterRunItem:
        """The newest run's clusters, largest first, each with all its members' ids; 404 if
        the process was never clustered."""
        run = await clusters.latest_run(db, await _process_id(db, slug))
        if run is None or run.id is None:
            raise NotFoundException("This process has not been clustered yet")
        groups = await clusters.clusters_with_members(db, run.id)
        scope = Scope.from_json(run.scope)
        return ClusterRunItem(
            id=run.id,
            created_at=run.created_at,
            items=run.items,
            k=run.k,
            silhouette=run.silhouette,
            scope=ClusterScopeItem(
                channels=[c.value for c in scope.channels],
                segments=[s.value for s in scope.segments],
                action_field_id=scope.theme_id,
                action_field_name=scope.theme_name,
            ),
            clusters=[
                ClusterItem(
                    id=c.id or 0,
                    number=c.position + 1,
                    name=c.name,
                    top_terms=list(c.top_terms),
                    size=c.size,
                    representative_ids=list(c.representative_ids),
                    member_ids=members,
                )
                for c, members in groups
            ],
        )
