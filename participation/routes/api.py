"""The read-only JSON API (documented at /schema)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter

from participation.auth import requires_moderator
from participation.models import (
    ContributionPage,
    ContributionPublic,
    PhasePublic,
    ProcessPublic,
    QueueItemPublic,
)
from participation.routes import Db
from participation.services import moderation, processes
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

    @get("/processes", summary="All processes")
    async def list_processes(self, db: Db) -> list[ProcessPublic]:
        return [_process_public(o) for o in await processes.list_processes(db)]

    @get("/processes/{slug:str}", summary="One process")
    async def get_process(self, db: Db, slug: FromPath[str]) -> ProcessPublic:
        overview = await processes.get_process(db, slug)
        if overview is None:
            raise NotFoundException(f"No process with slug {slug!r}")
        return _process_public(overview)

    @get("/processes/{slug:str}/contributions", summary="Published ideas of a process")
    async def list_contributions(
        self,
        db: Db,
        slug: FromPath[str],
        page: Annotated[int, QueryParameter(ge=1)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> ContributionPage:
        overview = await processes.get_process(db, slug)
        if overview is None or overview.process.id is None:
            raise NotFoundException(f"No process with slug {slug!r}")
        ideas = await processes.published_ideas(db, overview.process.id, page, per_page)
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
            )
            for idea in ideas.items
        ]
        return ContributionPage(items=items, page=ideas.page, pages=ideas.pages, total=ideas.total)


class ModerationApiController(Controller):
    """Staff only: anonymous callers get 401, other roles 403."""

    path = "/api/v1/moderation"
    guards = [requires_moderator]  # noqa: RUF012
    tags = ["moderation"]  # noqa: RUF012

    @get("/queue", summary="Pending ideas, oldest first")
    async def queue(self, db: Db) -> list[QueueItemPublic]:
        items, _total = await moderation.pending_queue(db)
        return [
            QueueItemPublic(
                id=item.contribution.id or 0,
                process_slug=item.process.slug,
                title=item.contribution.title,
                body=item.contribution.body,
                segment=item.contribution.segment,
                channel=item.contribution.channel,
                created_at=item.contribution.created_at,
            )
            for item in items
        ]
