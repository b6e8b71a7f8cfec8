"""The analysis pages for staff: a process's clusters with their map, which tagger suggests
its action fields and how it scored, and the buttons that start clustering and retraining as
background jobs (participation/jobs.py)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.plugins.flash import flash
from litestar.plugins.htmx import ClientRefresh, HTMXRequest
from litestar.response import Redirect, Template

from nlp import clustering
from participation.auth import guarded_scope, guarded_user, requires_analyst, requires_moderator
from participation.i18n import _, ngettext
from participation.inputs import MAX_ID, parse_int
from participation.jobs import ACTIVE, JobQueue, QueueUnavailable, latest_jobs
from participation.models import Channel, JobKind, Segment, User
from participation.routes import Db, FormData, chosen_ids, safe_next
from participation.routes.processes import load_process
from participation.services import (
    cluster_edits,
    cluster_scope,
    clusters,
    group_contents,
    processes,
    provenance,
    survey_results,
    tagging,
)
from participation.services.accounts.remit import WHOLE_PROCESS
from participation.services.cluster_scope import Scope
from participation.services.errors import NotFound, ValidationFailed
from participation.services.processes import ProcessOverview
from participation.services.profiles import access, listing
from participation.services.profiles.breakdown import sector_label, size_label
from participation.settings import Settings

PageNumber = Annotated[int, QueryParameter(ge=1, le=100_000)]
MEMBERS_PER_PAGE = 20


def _jobs(state: State) -> JobQueue:
    jobs: JobQueue = state.jobs  # set by the app's lifespan
    return jobs


def _may_retrain(user: User) -> bool:
    # Retraining changes the suggestions in the moderation queue: the moderators' call.
    return requires_moderator.allows(user)


async def _status_context(db: Db, overview: ProcessOverview) -> dict[str, Any]:
    assert overview.process.id is not None
    jobs = await latest_jobs(db, overview.process.id)
    return {
        "process": overview.process,
        "jobs": jobs,
        "kinds": JobKind,
        "busy": any(job.status in ACTIVE for job in jobs.values()),
    }


class AnalysisController(Controller):
    path = "/analysis"
    guards = [requires_analyst]  # noqa: RUF012 - Litestar reads this class attribute
    # The groups and their maps cover all of a process: not for a remit of some action fields.
    opt = {WHOLE_PROCESS: True}  # noqa: RUF012
    include_in_schema = False

    @get("/", cache=False)
    async def index(self, request: Request[Any, Any, Any], db: Db) -> Template:
        remit = await guarded_scope(request)
        listed = await processes.list_processes(db, remit)
        overviews = [o for o in listed if remit.holds_whole(o.process.id or 0)]
        runs = await clusters.latest_runs(db, [o.process.id for o in overviews if o.process.id])
        surveys = await survey_results.list_surveys(db, remit)
        return Template(
            "pages/analysis/index.html",
            context={
                "overviews": overviews,
                "runs": runs,
                "surveys": [s for s in surveys if remit.holds_whole(s.process.id or 0)],
                # Processes the user works in only in some action fields: told why they are
                # not listed, and where their work is.
                "partly": [o.process for o in listed if not remit.holds_whole(o.process.id or 0)],
            },
        )

    @get("/{slug:str}", cache=False)
    async def detail(
        self, request: Request[Any, Any, Any], db: Db, state: State, slug: FromPath[str]
    ) -> Template:
        overview = await load_process(db, slug)
        assert overview.process.id is not None
        context = await _status_context(db, overview)
        settings: Settings = state.settings
        model = await anyio.to_thread.run_sync(tagging.model_status, settings.var_dir, slug)
        view = await clusters.latest_run_view(db, overview.process.id)
        # The form starts from the last run's scope, and "N are published now" counts in it.
        scope = Scope.from_json(view.run.scope if view else None)
        context.update(
            overview=overview,
            view=view,
            scope=scope,
            # Each group's card: whose, which channels and action fields, duplicates within.
            summaries=await group_contents.run_summaries(db, view.run) if view else {},
            to_cluster=await clusters.count_to_cluster(db, overview.process.id, scope),
            channels=list(Channel),
            segments=list(Segment),
            themes=await processes.list_themes(db, overview.process.id),
            may_retrain=_may_retrain(guarded_user(request)),
            model=model,
            model_choice=str(tagging.describe_choice(model.report.comparison))
            if model.report
            else "",
            min_training_items=tagging.MIN_TRAINING_ITEMS,
        )
        return Template("pages/analysis/detail.html", context=context)

    @get("/{slug:str}/status", cache=False)
    async def status(
        self, request: HTMXRequest, db: Db, slug: FromPath[str]
    ) -> Template | ClientRefresh:
        """The status line. htmx polls it while a job runs; once none does, the page reloads
        to show the new result."""
        overview = await load_process(db, slug)
        context = await _status_context(db, overview)
        if request.htmx and not context["busy"]:
            return ClientRefresh()
        return Template("partials/analysis/_status.html", context=context)

    @post("/{slug:str}/cluster")
    async def cluster(
        self, request: HTMXRequest, db: Db, state: State, slug: FromPath[str], data: FormData
    ) -> Redirect:
        overview = await load_process(db, slug)
        run = await clusters.latest_run(db, overview.process.id or 0)
        if run is not None and run.edited_at is not None and data.get("discard") != "on":
            # A new run replaces the groups a moderator renamed, merged or rearranged.
            message = _("The groups were changed by hand: tick “Discard my changes” to recompute.")
            flash(request, message, "error")
            return Redirect(f"/analysis/{slug}", status_code=303)
        # The number of groups the moderator asked for; empty: one chosen for the volume.
        typed = data.get("k", "").strip()
        k = parse_int(typed, minimum=2, maximum=clustering.K_MAX)
        if typed and k is None:
            message = _(
                "Please give the number of groups as a whole number from %(min)d to %(max)d."
            )
            flash(request, message % {"min": 2, "max": clustering.K_MAX}, "error")
            return Redirect(f"/analysis/{slug}", status_code=303)
        try:
            scope = await cluster_scope.parse_scope(db, overview.process.id or 0, data)
        except ValidationFailed as exc:
            flash(request, next(iter(exc.errors.values())), "error")
            return Redirect(f"/analysis/{slug}", status_code=303)
        params: dict[str, Any] = {}
        if k is not None:
            params["k"] = k
        if not scope.empty:
            params["scope"] = scope.to_json()
        return await self._submit(request, db, state, slug, JobKind.CLUSTER, params or None)

    @post("/{slug:str}/retrain", guards=[requires_moderator])
    async def retrain(
        self, request: HTMXRequest, db: Db, state: State, slug: FromPath[str]
    ) -> Redirect:
        return await self._submit(request, db, state, slug, JobKind.RETRAIN_THEMES)

    @get("/{slug:str}/groups/{number:int}", cache=False)
    async def group(
        self,
        request: HTMXRequest,
        db: Db,
        slug: FromPath[str],
        number: FromPath[int],
        page: PageNumber = 1,
        show: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
    ) -> Template:
        overview = await load_process(db, slug)
        assert overview.process.id is not None
        # show: a contribution whose page of the member list to open (the map's links).
        detail = await clusters.cluster_detail(
            db, overview.process.id, number, page, MEMBERS_PER_PAGE, show
        )
        if detail is None:
            raise NotFoundException()
        shown = [*detail.cluster.representatives, *detail.members.items]
        may_edit = access.may_create(guarded_user(request))
        groups = await cluster_edits.group_numbers(db, detail.run.id or 0) if may_edit else []
        cluster_id = detail.cluster.cluster.id or 0
        return Template(
            "pages/analysis/group.html",
            context={
                "process": overview.process,
                "detail": detail,
                "group": detail.cluster,
                "sources": await provenance.sources_of(db, shown),
                "groups": groups,
                # Moderators start profiles from here (services/profiles/drafting.py) and
                # rearrange the groups (services/cluster_edits.py).
                "profile_choices": await listing.choices(db, overview.process.id)
                if may_edit
                else None,
                "move_choices": [g for g in groups if g[0] != number] if may_edit else None,
                "move_url": f"/analysis/{slug}/groups/{number}/move",
                # What the group holds: whose, which action fields, what twice.
                "breakdown": await group_contents.group_breakdown(db, cluster_id),
                "themes": await group_contents.group_themes(db, cluster_id),
                "duplicates": await group_contents.group_duplicates(db, cluster_id)
                if may_edit
                else None,
                "split_max": cluster_edits.SPLIT_MAX,
                "sector_label": sector_label,
                "size_label": size_label,
            },
        )

    @post("/{slug:str}/groups/{number:int}/rename", guards=[requires_moderator])
    async def rename(
        self,
        request: HTMXRequest,
        db: Db,
        slug: FromPath[str],
        number: FromPath[int],
        data: FormData,
    ) -> Redirect:
        overview = await load_process(db, slug)
        try:
            await cluster_edits.rename(
                db, overview.process.id or 0, number, data.get("name", ""), guarded_user(request)
            )
        except ValidationFailed as exc:
            flash(request, exc.errors["name"], "error")
        except NotFound as exc:
            raise NotFoundException(str(exc)) from exc
        return Redirect(f"/analysis/{slug}/groups/{number}", status_code=303)

    @post("/{slug:str}/groups/{number:int}/merge", guards=[requires_moderator])
    async def merge(
        self,
        request: HTMXRequest,
        db: Db,
        slug: FromPath[str],
        number: FromPath[int],
        data: FormData,
    ) -> Redirect:
        overview = await load_process(db, slug)
        into = parse_int(data.get("into"))
        if into is None:
            flash(request, _("Please choose another group."), "error")
            return Redirect(f"/analysis/{slug}/groups/{number}", status_code=303)
        try:
            await cluster_edits.merge(
                db, overview.process.id or 0, number, into, guarded_user(request)
            )
        except ValidationFailed as exc:
            flash(request, exc.errors["into"], "error")
            return Redirect(f"/analysis/{slug}/groups/{number}", status_code=303)
        except NotFound as exc:
            raise NotFoundException(str(exc)) from exc
        message = _("Group %(from)d merged into group %(into)d.") % {"from": number, "into": into}
        flash(request, message, "success")
        return Redirect(f"/analysis/{slug}/groups/{into}", status_code=303)

    @post("/{slug:str}/groups/{number:int}/split", guards=[requires_moderator])
    async def split(
        self,
        request: HTMXRequest,
        db: Db,
        state: State,
        slug: FromPath[str],
        number: FromPath[int],
        data: FormData,
    ) -> Redirect:
        """Group the group's members anew among themselves (see cluster_edits.split)."""
        overview = await load_process(db, slug)
        back = f"/analysis/{slug}/groups/{number}"
        parts = parse_int(data.get("parts", "").strip() or "2")
        if parts is None:
            flash(request, _("Please give the number of parts as a whole number."), "error")
            return Redirect(back, status_code=303)
        settings: Settings = state.settings
        try:
            numbers = await cluster_edits.split(
                db, settings.var_dir, overview.process.id or 0, number, parts, guarded_user(request)
            )
        except ValidationFailed as exc:
            flash(request, exc.errors["parts"], "error")
            return Redirect(back, status_code=303)
        except NotFound as exc:
            raise NotFoundException(str(exc)) from exc
        message = _("Group %(n)d split into groups %(numbers)s.") % {
            "n": number,
            "numbers": ", ".join(str(n) for n in numbers),
        }
        flash(request, message, "success")
        return Redirect(back, status_code=303)

    @post("/{slug:str}/groups/{number:int}/move", guards=[requires_moderator])
    async def move(
        self,
        request: HTMXRequest,
        db: Db,
        slug: FromPath[str],
        number: FromPath[int],
        data: FormData,
    ) -> Redirect:
        """Chosen members (the group page's selection) to another group or out of all."""
        overview = await load_process(db, slug)
        chosen = chosen_ids(data)
        back = safe_next(data.get("back"), f"/analysis/{slug}/groups/{number}")
        if not chosen:
            flash(request, _("Please choose at least one contribution."), "error")
            return Redirect(back, status_code=303)
        to = None if data.get("to") == "none" else parse_int(data.get("to"))
        try:
            moved = await cluster_edits.move(
                db, overview.process.id or 0, number, chosen, to, guarded_user(request)
            )
        except NotFound as exc:
            raise NotFoundException(str(exc)) from exc
        message = ngettext("%(n)d contribution moved.", "%(n)d contributions moved.", moved) % {
            "n": moved
        }
        flash(request, message, "success")
        return Redirect(back, status_code=303)

    @staticmethod
    async def _submit(
        request: HTMXRequest,
        db: Db,
        state: State,
        slug: str,
        kind: JobKind,
        params: dict[str, Any] | None = None,
    ) -> Redirect:
        overview = await load_process(db, slug)
        assert overview.process.id is not None
        try:
            _job, created = await _jobs(state).submit(
                db, overview.process.id, kind, guarded_user(request), params
            )
        except QueueUnavailable as error:
            flash(request, str(error), "error")
            return Redirect(f"/analysis/{slug}", status_code=303)
        if created:
            flash(request, _("Started. This page shows when it is done."), "success")
        else:
            flash(request, _("This is already running; it was not started twice."), "info")
        return Redirect(f"/analysis/{slug}", status_code=303)
