"""The published plan in the JSON API (documented at /schema): the priority groups in order
with their profiles (score and per-criterion means on the criteria's scale), the criteria with
their weights, and the scale. 404 while the plan is not published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from litestar import Controller, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from participation.models import Horizon, ProfileStatus
from participation.routes import Db
from participation.services import processes
from participation.services.errors import NotFound
from participation.services.evaluation import plan
from participation.services.profiles.notices import profile_path


@dataclass(frozen=True)
class CriterionMean:
    criterion_id: int
    mean: float
    spread: int  # highest minus lowest rating
    ratings: int


@dataclass(frozen=True)
class PlanProfileItem:
    id: int
    title: str
    url: str  # the profile's public page, relative to the site
    rank: int  # its place in the whole plan, 1 first
    score: float | None  # on the criteria's scale; None for one placed by hand without
    criteria: list[CriterionMean]
    action_fields: list[str]  # slugs, the primary one first
    horizon: Horizon | None
    lead: str | None  # the lead organisation
    status: ProfileStatus
    progress: int | None  # implementation progress in percent, when reported


@dataclass(frozen=True)
class PlanGroupItem:
    id: int
    name: str
    description: str  # Markdown
    profiles: list[PlanProfileItem]


@dataclass(frozen=True)
class PlanCriterionItem:
    id: int
    name: str
    description: str
    weight: float
    share_percent: int  # the weight's share of the score


@dataclass(frozen=True)
class PlanScaleItem:
    min: int
    max: int
    levels: list[str]  # what each level means, lowest first


@dataclass(frozen=True)
class PlanItem:
    published_at: datetime | None
    groups: list[PlanGroupItem]
    criteria: list[PlanCriterionItem]
    scale: PlanScaleItem
    evaluators: int  # distinct evaluators with submitted ratings in the plan's rounds
    rounds: int
    contributions: int  # distinct contributions behind the placed profiles


def _profile(slug: str, placed: plan.PlanProfile) -> PlanProfileItem:
    p = placed.profile
    return PlanProfileItem(
        id=placed.id,
        title=p.title,
        url=profile_path(slug, placed.id),
        rank=placed.rank,
        score=placed.score,
        criteria=[
            CriterionMean(cid, c.mean, c.spread, c.ratings) for cid, c in placed.criteria.items()
        ],
        action_fields=[t.slug for t in placed.themes],
        horizon=p.horizon,
        lead=placed.lead or None,
        status=p.status,
        progress=p.progress,
    )


class PlanApiController(Controller):
    path = "/api/v1/processes/{slug:str}/plan"
    tags = ["public"]  # noqa: RUF012

    @get("/", summary="The published plan of a process", public_page=True)
    async def get_plan(self, db: Db, slug: FromPath[str]) -> PlanItem:
        """The priority groups in order, each with its profiles best first; 404 while the
        plan is not published."""
        overview = await processes.get_process(db, slug)
        if overview is None or overview.process.id is None:
            raise NotFoundException(f"No process with slug {slug!r}")
        try:
            found = await plan.plan_of(db, overview.process.id)
        except NotFound as exc:
            raise NotFoundException("The plan of this process is not published") from exc
        method = found.method
        return PlanItem(
            published_at=found.published_at,
            groups=[
                PlanGroupItem(
                    id=g.group.id or 0,
                    name=g.group.name,
                    description=g.group.description,
                    profiles=[_profile(slug, p) for p in g.profiles],
                )
                for g in found.groups
            ],
            criteria=[
                PlanCriterionItem(c.id or 0, c.name, c.description, c.weight, method.share(c))
                for c in method.criteria
            ],
            scale=PlanScaleItem(
                method.setup.scale_min, method.setup.scale_max, list(method.setup.levels)
            ),
            evaluators=method.evaluators,
            rounds=method.rounds,
            contributions=method.contributions.total,
        )
