"""create_app(): plugins, middleware and the list of controllers. The only wiring file."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from litestar import Litestar, Request
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXPlugin, HTMXRequest
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.auth import SessionConfig, SessionUserMiddleware
from participation.bootstrap import prepare_database
from participation.db import EngineUse, create_engine, create_sessionmaker
from participation.errors import exception_handlers
from participation.health import HealthCheck
from participation.jobs import JobContext, JobQueue, JobRunner
from participation.mail_sender import MailSender
from participation.middleware import (
    add_security_headers,
    clean_input_middleware,
    locale_middleware,
)
from participation.page_cache import PageCache, PageCacheMiddleware
from participation.rate_limit import Counters, WriteLimitMiddleware
from participation.retention_task import RetentionPurge
from participation.routes.account import AccountController
from participation.routes.account_links import AccountLinkController
from participation.routes.admin import ProcessAdminController
from participation.routes.admin_import import ImportAdminController
from participation.routes.analysis import AnalysisController
from participation.routes.api import (
    ApiController,
    IdeaSubmitApiController,
    ModerationApiController,
)
from participation.routes.auth import AuthController
from participation.routes.contribution_export import ContributionExportController
from participation.routes.contributions import ContributionController
from participation.routes.dashboard import DashboardController
from participation.routes.duplicates import DuplicatesController
from participation.routes.engagement import EngagementController
from participation.routes.evaluation import EvaluationController
from participation.routes.evaluation_admin import EvaluationAdminController
from participation.routes.evaluation_plan import PlanAdminController
from participation.routes.events import EventController
from participation.routes.events_admin import EventAdminController, SiteAdminController
from participation.routes.focus_groups import FocusGroupController
from participation.routes.follow import FollowController
from participation.routes.join import JoinController
from participation.routes.moderation import ModerationController
from participation.routes.open_data import OpenDataController
from participation.routes.plain_language import PlainLanguageController
from participation.routes.plan import PlanController
from participation.routes.plan_api import PlanApiController
from participation.routes.processes import ProcessController
from participation.routes.profiles import ProfileController, ProfileExportController
from participation.routes.profiles_admin import ProfileAdminController
from participation.routes.profiles_api import ProfileApiController, StaffApiController
from participation.routes.queue_work import QueueWorkController
from participation.routes.rating_sheets import EvaluatorSheetController, MySheetController
from participation.routes.ratings_staff_api import RatingStaffApiController
from participation.routes.session_place import SessionPlaceController
from participation.routes.staff_scope_admin import StaffScopeController
from participation.routes.survey_admin import SurveyAdminController
from participation.routes.survey_conditions import SurveyConditionController
from participation.routes.survey_panel import PanelOptOutController, SurveyPanelController
from participation.routes.survey_results import SurveyResultsController
from participation.routes.surveys import SurveyController
from participation.routes.system import SystemController
from participation.routes.tokens import TokenController
from participation.routes.tracking import TrackingAdminController
from participation.routes.triage import TriageController
from participation.routes.unsubscribe import UnsubscribeController
from participation.routes.users_admin import UsersAdminController
from participation.services import survey_results
from participation.services.dashboard.kept import FigureCache
from participation.services.tagging import preload_analyzer
from participation.services.triage import scoring as triage
from participation.settings import PROJECT_ROOT, Settings
from participation.suggestion_queue import SuggestionQueue
from participation.templating import create_template_config
from participation.tracking_task import ModerationDigest, TrackingDigest
from participation.write_turns import WriteTurns

log = logging.getLogger("participation")


async def provide_db(
    state: State, request: Request[Any, Any, Any]
) -> AsyncGenerator[AsyncSession, None]:
    # A request that may write waits for its turn first, holding no connection meanwhile.
    async with state.write_turns.turn(request), state.sessionmaker() as session:
        yield session


def _stores(settings: Settings) -> dict[str, Store]:
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        root = RedisStore.with_client(url=settings.redis_url)
        return {
            "sessions": root.with_namespace("sessions"),
            "rate_limit": root.with_namespace("rl"),
        }
    # Sessions on disk survive a restart; rate-limit counters hold addresses, so memory only.
    return {
        "sessions": FileStore(settings.var_dir / "sessions", create_directories=True),
        "rate_limit": MemoryStore(),
    }


def _job_queue(context: JobContext) -> JobQueue:
    """With REDIS_URL, jobs go to Redis for `participation worker` (every app process and
    host shares them); without, clustering and retraining run in this process, one job at a
    time, off the event loop."""
    if context.settings.redis_url:
        from participation.saq_jobs import RedisJobQueue

        return RedisJobQueue(context, context.settings.redis_url)
    return JobRunner(context)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        login = await prepare_database(settings)
        if login is not None:
            log.warning(
                "Seeded the demo process; demo moderator: %s, demo admin: %s",
                login.moderator.email,
                login.admin.email if login.admin else "-",
            )
        # The German analyser loads in a worker thread while the app already serves.
        app.state.nlp_warmup = (
            asyncio.create_task(preload_analyzer(settings.var_dir), name="nlp-warmup")
            if settings.preload_nlp
            else None
        )
        # Requests get a pool with short timeouts; background work an engine of its own, so
        # neither starves the other, and its statements may run longer.
        engine = create_engine(settings, EngineUse.WEB)
        app.state.sessionmaker = create_sessionmaker(engine)
        # New contributions are scored for spam and personal data as they are stored.
        triage.enable(
            app.state.sessionmaker,
            triage.TriageContext(settings.var_dir, settings.spam_hold_threshold),
        )
        background_engine = create_engine(settings, EngineUse.BACKGROUND)
        background = create_sessionmaker(background_engine)
        app.state.health = HealthCheck(settings, engine)
        # Clustering and retraining: here, one job at a time, off the event loop; or, with
        # REDIS_URL, queued for `participation worker`.
        app.state.jobs = _job_queue(JobContext(background, settings))
        await app.state.jobs.start()
        # E-mail to residents who asked for it, from the outbox; idle unless SMTP_HOST is set.
        # With the requests' sessionmaker: it makes their sessions queue mails (services/mail.py).
        app.state.mail = MailSender(settings, app.state.sessionmaker)
        await app.state.mail.start()
        # News of profiles' progress for their sources' authors: at most a mail a day each.
        app.state.tracking = TrackingDigest(settings, app.state.sessionmaker)
        await app.state.tracking.start()
        # The moderators' daily digest of the queue, for those who turned it on.
        app.state.moderation_digest = ModerationDigest(settings, app.state.sessionmaker)
        await app.state.moderation_digest.start()
        # Theme suggestions for new contributions, in batches after the answers went out.
        app.state.suggestions = SuggestionQueue(background, settings.var_dir)
        await app.state.suggestions.start()
        # Personal data past RETENTION_DAYS goes now (after the migrations) and then daily.
        app.state.retention = RetentionPurge(background, settings.retention_days)
        await app.state.retention.start()
        try:
            yield
        finally:
            await app.state.retention.stop()
            await app.state.suggestions.stop()
            await app.state.moderation_digest.stop()
            await app.state.tracking.stop()
            await app.state.mail.stop()
            if app.state.nlp_warmup is not None:
                app.state.nlp_warmup.cancel()
                with suppress(asyncio.CancelledError):
                    await app.state.nlp_warmup
            await app.state.jobs.stop()
            await app.state.health.close()
            await background_engine.dispose()
            await engine.dispose()

    template_config = create_template_config(settings)
    session_config = SessionConfig(
        secure=settings.secure_cookies, httponly=True, samesite="lax", max_age=8 * 3600
    )
    csrf_config = CSRFConfig(
        secret=settings.secret_key, cookie_secure=settings.secure_cookies, cookie_samesite="lax"
    )
    page_cache = PageCache(ttl=settings.page_cache_seconds)
    return Litestar(
        route_handlers=[
            SystemController,
            ProcessController,
            ContributionController,
            PlainLanguageController,
            EngagementController,
            FollowController,
            UnsubscribeController,
            ImportAdminController,
            AuthController,
            ModerationController,
            QueueWorkController,
            TriageController,
            DuplicatesController,
            AnalysisController,
            SurveyResultsController,
            SurveyAdminController,
            SurveyConditionController,
            SurveyPanelController,
            PanelOptOutController,
            SurveyController,
            ProcessAdminController,
            SiteAdminController,
            EventAdminController,
            EventController,
            SessionPlaceController,
            ProfileAdminController,
            TrackingAdminController,
            PlanAdminController,
            EvaluationAdminController,
            EvaluationController,
            MySheetController,
            EvaluatorSheetController,
            ApiController,
            ModerationApiController,
            IdeaSubmitApiController,
            ProfileController,
            ProfileExportController,
            ContributionExportController,
            OpenDataController,
            DashboardController,
            ProfileApiController,
            PlanController,
            PlanApiController,
            StaffApiController,
            RatingStaffApiController,
            TokenController,
            StaffScopeController,
            AccountController,
            AccountLinkController,
            UsersAdminController,
            FocusGroupController,
            JoinController,
            create_static_files_router(
                path="/static",
                directories=[PROJECT_ROOT / "static"],
                include_in_schema=False,
                cache_control=None,
            ),
        ],
        dependencies={"db": Provide(provide_db)},
        middleware=[
            # First: no route, middleware or service below sees uncleaned input.
            clean_input_middleware,
            DefineMiddleware(locale_middleware, default_locale=settings.default_locale),
            session_config.middleware,
            DefineMiddleware(SessionUserMiddleware, exclude=["^/static"]),
            # Writes per address (a budget for shared addresses), checks and survey pages
            # apart, refused requests not counted: see participation/rate_limit.py.
            WriteLimitMiddleware(settings),
            # Last: it reads the session and the user (participation/page_cache.py).
            DefineMiddleware(
                PageCacheMiddleware,
                cache=page_cache,
                csrf=csrf_config,
                session_key=session_config.key,
            ),
        ],
        plugins=[HTMXPlugin()],
        before_send=[add_security_headers],
        request_class=HTMXRequest,
        template_config=template_config,
        csrf_config=csrf_config,
        stores=_stores(settings),
        openapi_config=OpenAPIConfig(
            title="Participation API",
            version="1",
            description="Read-only access to processes and their published contributions.",
            path="/schema",
            # JSON only: a UI page would load scripts from a CDN.
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"])],
        ),
        exception_handlers=exception_handlers(),
        lifespan=[lifespan],
        # The rate-limit counters' lock (one per process); the focus-group joins use it too.
        # The survey results' counts, kept per process (services/survey_results.py).
        # The dashboard's figures, kept per process (services/dashboard/kept.py).
        state=State(
            {
                "settings": settings,
                "counters": Counters(),
                "write_turns": WriteTurns(settings),
                "page_cache": page_cache,
                "survey_tallies": survey_results.new_results_cache(),
                "dashboard_figures": FigureCache(),
            }
        ),
        debug=settings.debug,
    )
