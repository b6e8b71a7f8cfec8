"""The read-only JSON API (documented at /schema)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_415_UNSUPPORTED_MEDIA_TYPE

from participation.auth import guarded_user, requires_moderator
from participation.models import (
    CommentPage,
    ContributionPage,
    ContributionPublic,
    PhasePublic,
    ProcessPublic,
    QueueItemPublic,
    utcnow,
)
from participation.routes import Db, suggest_later
from participation.services import contributions, idea_list, moderation_queue, processes
from participation.services.comments import public_comment_page
from participation.services.contributions import IdeaForm
from participation.services.errors import ValidationFailed
from participation.services.events.sites import list_sites
from participation.services.processes import ProcessOverview


def _process_public(overview: ProcessOverview) -> ProcessPublic:
    phase = overview.current_phase
    return ProcessPublic(
        slug=overview.process.slug,
        title=overview.process.title,
        summary=overview.process.summary,
        description=overview.process.description,
        current_phase=PhasePublic.model_validate(phase, from_attributes=True) if phase else None,
        deadline=overview.deadline,
        accepts_ideas=overview.accepts_ideas,
        published_ideas=overview.published_ideas,
    )


class ApiController(Controller):
    path = "/api/v1"
    tags = ["public"]  # noqa: RUF012

    @get("/processes", summary="All processes", public_page=True)
    async def list_processes(self, db: Db) -> list[ProcessPublic]:
        return [_process_public(o) for o in await processes.list_processes(db)]

    @get("/processes/{slug:str}", summary="One process", public_page=True)
    async def get_process(self, db: Db, slug: FromPath[str]) -> ProcessPublic:
        overview = await processes.get_process(db, slug)
        if overview is None:
            raise NotFoundException(f"No process with slug {slug!r}")
        return _process_public(overview)

    @get(
        "/processes/{slug:str}/contributions",
        summary="Published ideas of a process",
        public_page=True,
    )
    async def list_contributions(
        self,
        db: Db,
        slug: FromPath[str],
        page: Annotated[int, QueryParameter(ge=1, le=idea_list.PAGE_MAX)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        theme: Annotated[str, QueryParameter(description="an action field's slug")] = "",
        segment: Annotated[str, QueryParameter(description="resident, pupil, firm, …")] = "",
        channel: Annotated[str, QueryParameter(description="idea_call, survey, …")] = "",
        municipality: FromQuery[str] = "",
        site: Annotated[str, QueryParameter(description="a site's id (as in site_id)")] = "",
        q: Annotated[str, QueryParameter(description="full-text search, in German")] = "",
        sort: Annotated[
            str, QueryParameter(description="relevance (with q), newest, supported, discussed")
        ] = "",
    ) -> ContributionPage:
        """The filters, search and sorting of the ideas list; an unknown value is a 400."""
        overview = await processes.get_process(db, slug)
        if overview is None or overview.process.id is None:
            raise NotFoundException(f"No process with slug {slug!r}")
        themes = await processes.list_themes(db, overview.process.id)
        params = {
            "theme": theme,
            "segment": segment,
            "channel": channel,
            "municipality": municipality,
            "site": site,
            "q": q,
            "sort": sort,
            "page": str(page),
        }
        sites = await list_sites(db, overview.process.id)
        filters, errors = idea_list.parse_filters(
            params, [t.slug for t in themes], [str(s.id) for s in sites]
        )
        if errors:
            raise ValidationException(detail=" ".join(errors.values()), extra=errors)
        ideas = await idea_list.list_ideas(
            db, overview.process.id, filters, per_page, overview.published_ideas
        )
        items = [
            ContributionPublic(
                id=idea.contribution.id or 0,
                kind=idea.contribution.kind,
                title=idea.contribution.title,
                body=idea.contribution.body,
                segment=idea.contribution.segment,
                channel=idea.contribution.channel,
                municipality=idea.contribution.municipality,
                themes=[theme.slug for theme in idea.themes],
                created_at=idea.contribution.created_at,
                published_at=idea.contribution.published_at,
                site_id=idea.contribution.site_id,
                supports=idea.supports,
                comments=idea.comments,
            )
            for idea in ideas.items
        ]
        return ContributionPage(
            items=items, page=ideas.page, pages=ideas.pages, total=ideas.total, per_page=per_page
        )

    @get(
        "/processes/{slug:str}/ideas/{idea_id:int}/comments",
        summary="Published comments on an idea, with their replies",
    )
    async def list_comments(
        self,
        db: Db,
        slug: FromPath[str],
        idea_id: FromPath[int],
        page: Annotated[int, QueryParameter(ge=1, le=idea_list.PAGE_MAX)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> CommentPage:
        """Top-level comments oldest first, each with its replies; paged by top comment."""
        overview = await processes.get_process(db, slug)
        if overview is None or overview.process.id is None:
            raise NotFoundException(f"No process with slug {slug!r}")
        found = await public_comment_page(db, overview.process.id, idea_id, page, per_page)
        if found is None:
            raise NotFoundException(f"No published idea {idea_id} in this process")
        return found


class ModerationApiController(Controller):
    """Staff only: anonymous callers get 401, other roles 403."""

    path = "/api/v1/moderation"
    guards = [requires_moderator]  # noqa: RUF012
    tags = ["moderation"]  # noqa: RUF012

    @get("/queue", summary="Pending ideas, comments and survey answers, oldest first")
    async def queue(self, request: Request[Any, Any, Any], db: Db) -> list[QueueItemPublic]:
        """One page of the moderation queue, with the page's query parameters: `state`
        (`pending`, `awaiting_changes`), `process` (a slug), `kind` (`idea`, `comment`,
        `survey_answer`), `order` (`oldest`, `informative`), `page`."""
        filters = moderation_queue.QueueFilters.from_params(request.query_params)
        page = await moderation_queue.queue_page(db, filters, user=guarded_user(request))
        return [
            QueueItemPublic(
                id=item.contribution.id or 0,
                kind=item.contribution.kind,
                version=item.contribution.version,
                process_slug=item.process.slug,
                title=item.contribution.title,
                body=item.contribution.body,
                segment=item.contribution.segment,
                channel=item.contribution.channel,
                created_at=item.contribution.created_at,
            )
            for item in page.items
        ]


# --- submitting an idea (the one write endpoint for the public) -----------------------------


@dataclass(frozen=True)
class IdeaCreated:
    id: int
    status: str  # "pending" until a moderator approves it (pre-moderation), else "published"
    follow_url: str  # the private link to the idea's status; shown only now


async def _submit_idea(
    request: Request[Any, Any, Any],
    db: Db,
    state: State,
    slug: str,
    data: dict[str, Any],
) -> Response[Any]:
    overview = await processes.get_process(db, slug)
    if overview is None or overview.process.id is None:
        raise NotFoundException(f"No process with slug {slug!r}")
    form = IdeaForm.from_form(
        {
            key: ("on" if value is True else "" if value in (None, False) else str(value))
            for key, value in data.items()
        }
    )
    try:
        processes.ensure_accepting(overview, utcnow(), state.settings.time_zone)
        submitted = await contributions.submit_idea(db, overview, form)
    except processes.IdeasNotAccepted as closed:
        reason = closed.state.closure.value if closed.state.closure else "closed"
        return Response({"error": reason, "message": closed.message}, status_code=409)
    except ValidationFailed as failed:
        return Response({"errors": failed.errors}, status_code=422)
    idea = submitted.contribution
    base = state.settings.base_url or str(request.base_url).rstrip("/")
    created = IdeaCreated(
        id=idea.id or 0,
        status=idea.status.value,
        follow_url=f"{base}/follow/{submitted.follow_token}",
    )
    suggest_later(state, overview.process.id or 0, [idea.id or 0])
    return Response(created, status_code=HTTP_201_CREATED)


def requires_json(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """415 unless the body is declared JSON. The endpoint takes no CSRF token, so it must not
    take what a form on any other site can send without asking (text/plain, form data):
    a browser sends application/json to another site only after a CORS preflight we refuse."""
    media_type = connection.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="Send the idea as JSON with the header Content-Type: application/json.",
        )


class IdeaSubmitApiController(Controller):
    """POST an idea as JSON: the same fields and rules as the idea form (`title`, `body`,
    `segment`, `municipality`, `consent`). 201 with the new idea; 422 with a message per
    field; 409 with the reason when the process takes no ideas (deadline passed, call not
    yet open, online channel closed); 415 unless sent as `application/json`."""

    path = "/api"
    tags = ["public"]  # noqa: RUF012
    guards = [requires_json]  # noqa: RUF012 - Litestar reads this class attribute

    # No account, no session: nothing for a forged request to ride on, so no CSRF token.
    @post(
        "/v1/processes/{slug:str}/ideas",
        summary="Submit an idea",
        exclude_from_csrf=True,
        status_code=HTTP_201_CREATED,
    )
    async def submit_idea(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        slug: FromPath[str],
        data: JSONBody[dict[str, Any]],
    ) -> Response[Any]:
        return await _submit_idea(request, db, state, slug, data)

    # The same without the version prefix (the address the issue names); not in the schema,
    # which lists the versioned API only.
    @post(
        "/processes/{slug:str}/ideas",
        exclude_from_csrf=True,
        status_code=HTTP_201_CREATED,
        include_in_schema=False,
    )
    async def submit_idea_unversioned(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        state: State,
        slug: FromPath[str],
        data: JSONBody[dict[str, Any]],
    ) -> Response[Any]:
        return await _submit_idea(request, db, state, slug, data)
