"""Background jobs: heavy text analysis (clustering, retraining the theme tagger) off the
event loop, with its state in the database.

How it fits together:
- `submit()` writes an `AnalysisJob` row (queued) and hands its id to the queue. The row is
  the job's whole state: pages read "läuft seit …", "fertig", "fehlgeschlagen: …" from it,
  whichever app process serves them. What a job did or why it failed is stored as message
  ids with their parameters (`i18n.store_deferred`), so each reader sees it in their language.
- `execute_job()` runs one job by id: it claims the row (queued -> running), calls the
  handler for the job's kind and records done or failed with a message for people. Handlers
  do their CPU work in a worker thread (`anyio.to_thread.run_sync`), so even the process
  running the job keeps answering requests.
- `JobRunner` is the queue for one app process: an asyncio queue and one worker task, so one
  job at a time per process. The app's lifespan starts and stops it; at start, jobs left
  queued or running by a previous process (a restart, a crash) are marked failed.

Several app processes or hosts (REDIS_URL set): then `app.state.jobs` is a
`participation.saq_jobs.RedisJobQueue` instead, with the same `start()`, `stop()` and
`submit()` (the `JobQueue` protocol): `submit()` writes the row the same way and puts its id
on a Redis queue (SAQ), and a separate worker process (`participation worker`) runs the jobs
with `execute_job`. Only that worker marks interrupted jobs failed, at its start; the app
processes leave every job alone. Routes and pages call `submit()` and read the rows either
way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, Protocol

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.background import BackgroundLoop
from participation.db import SessionMaker
from participation.i18n import N_, Deferred, current_locale, store_deferred
from participation.models import AnalysisJob, JobKind, JobStatus, Process, User, utcnow
from participation.services import clusters, duplicates, tagging
from participation.services.cluster_scope import Scope
from participation.services.errors import ServiceError
from participation.services.triage import classifier
from participation.settings import Settings

log = logging.getLogger("participation")

ACTIVE: Final = (JobStatus.QUEUED, JobStatus.RUNNING)


@dataclass(frozen=True)
class JobContext:
    """What a job needs besides its row: sessions and settings, no request."""

    sessionmaker: SessionMaker
    settings: Settings


class JobQueue(Protocol):
    """Where routes hand jobs: `JobRunner` in one process, `saq_jobs.RedisJobQueue` with Redis."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def submit(
        self,
        session: AsyncSession,
        process_id: int,
        kind: JobKind,
        requested_by: User | None,
        params: dict[str, Any] | None = None,
    ) -> tuple[AnalysisJob, bool]: ...


class QueueUnavailable(ServiceError):
    """The queue could not take a new job (Redis unreachable); its row is marked failed."""


class JobFailed(Exception):
    """A job that cannot do its work, with the reason for people (translated when read)."""

    def __init__(self, reason: Deferred) -> None:
        super().__init__(reason.msgid)
        self.reason = reason


# A handler does the work of one kind of job and returns a summary for people: sentences
# kept untranslated, so each reader sees them in their language.
Handler = Callable[[AsyncSession, JobContext, AnalysisJob], Awaitable[Sequence[Deferred]]]


async def _cluster(
    session: AsyncSession, context: JobContext, job: AnalysisJob
) -> Sequence[Deferred]:
    try:
        params = job.params or {}
        k = params.get("k")
        run = await clusters.run_clustering(
            session,
            context.settings.var_dir,
            job.process_id,
            job_id=job.id,
            k=k if isinstance(k, int) else None,
            scope=Scope.from_json(params.get("scope")),
        )
    except clusters.ClusteringFailed as error:
        raise JobFailed(error.reason) from None
    return [clusters.describe_run(run)]


async def _retrain_themes(
    session: AsyncSession, context: JobContext, job: AnalysisJob
) -> Sequence[Deferred]:
    process = await session.get(Process, job.process_id)
    if process is None:
        raise JobFailed(Deferred(N_("This process does not exist.")))
    try:
        result = await tagging.retrain(session, context.settings.var_dir, process.slug)
    except tagging.NotEnoughTrainingData as error:
        raise JobFailed(error.reason) from None
    trained = (
        Deferred(
            N_("Trained on %(items)d contributions (%(themes)d action fields)."),
            {"items": result.items, "themes": result.themes},
        )
        if result.trained
        else Deferred(N_("The confirmed action fields have not changed since the last training."))
    )
    renewed = Deferred(
        N_("Suggestions renewed for %(n)d waiting contributions."), {"n": result.suggested}
    )
    return [trained, tagging.describe_choice(result.report.comparison), renewed]


async def _duplicates(
    session: AsyncSession, context: JobContext, job: AnalysisJob
) -> Sequence[Deferred]:
    run = await duplicates.compute_pairs(session, context.settings.var_dir, job.process_id)
    return [
        Deferred(
            N_("Compared %(items)d contributions in %(seconds)s s: %(pairs)d likely duplicates."),
            {"items": run.items, "seconds": f"{run.seconds:.1f}", "pairs": run.pairs},
        )
    ]


async def _retrain_spam(
    session: AsyncSession, context: JobContext, job: AnalysisJob
) -> Sequence[Deferred]:
    try:
        result = await classifier.retrain(session, context.settings.var_dir, job.process_id)
    except classifier.NotEnough as error:
        raise JobFailed(
            Deferred(
                N_(
                    "Not enough decisions to learn from yet: %(spam)d rejected as spam or "
                    "abuse and %(accepted)d published; at least %(n)d of each are needed."
                ),
                {
                    "spam": error.examples.spam,
                    "accepted": error.examples.accepted,
                    "n": classifier.MIN_EACH_CLASS,
                },
            )
        ) from None
    return [
        Deferred(
            N_("Spam classifier trained on %(spam)d rejected and %(accepted)d published items.")
            if result.trained
            else N_("The moderators' decisions have not changed since the last training."),
            {"spam": result.examples.spam, "accepted": result.examples.accepted},
        ),
        Deferred(N_("Waiting contributions scored again: %(n)d."), {"n": result.rescored}),
    ]


HANDLERS: Final[Mapping[JobKind, Handler]] = {
    JobKind.CLUSTER: _cluster,
    JobKind.RETRAIN_THEMES: _retrain_themes,
    JobKind.DUPLICATES: _duplicates,
    JobKind.RETRAIN_SPAM: _retrain_spam,
}


# --- job rows ---------------------------------------------------------------------------------


async def active_job(session: AsyncSession, process_id: int, kind: JobKind) -> AnalysisJob | None:
    return (
        await session.exec(
            select(AnalysisJob).where(
                AnalysisJob.process_id == process_id,
                AnalysisJob.kind == kind,
                col(AnalysisJob.status).in_(ACTIVE),
            )
        )
    ).first()


async def create_job(
    session: AsyncSession,
    process_id: int,
    kind: JobKind,
    requested_by: User | None,
    params: dict[str, Any] | None = None,
) -> tuple[AnalysisJob, bool]:
    """A new queued job, or the one of this kind already queued or running for the process
    (asking twice must not run the same work twice). True when the job is new."""
    existing = await active_job(session, process_id, kind)
    if existing is not None:
        return existing, False
    job = AnalysisJob(
        process_id=process_id,
        kind=kind,
        params=params,
        requested_by_id=requested_by.id if requested_by else None,
    )
    session.add(job)
    await session.commit()
    return job, True


async def latest_jobs(session: AsyncSession, process_id: int) -> dict[JobKind, AnalysisJob]:
    """The newest job of each kind for a process."""
    found: dict[JobKind, AnalysisJob] = {}
    for kind in JobKind:
        job = (
            await session.exec(
                select(AnalysisJob)
                .where(AnalysisJob.process_id == process_id, AnalysisJob.kind == kind)
                .order_by(col(AnalysisJob.id).desc())
                .limit(1)
            )
        ).first()
        if job is not None:
            found[kind] = job
    return found


async def _finish(
    context: JobContext,
    job_id: int,
    status: JobStatus,
    *,
    summary: Sequence[Deferred] = (),
    error: Sequence[Deferred] = (),
) -> None:
    async with context.sessionmaker() as session:
        await session.exec(
            update(AnalysisJob)
            .where(col(AnalysisJob.id) == job_id)
            .values(
                status=status,
                summary=store_deferred(summary),
                error=store_deferred(error),
                finished_at=utcnow(),
            )
        )
        await session.commit()


async def fail_unfinished(context: JobContext) -> int:
    """Mark jobs left queued or running by a process that stopped as failed; how many."""
    error = store_deferred(
        [Deferred(N_("Interrupted by a restart of the app. Please start it again."))]
    )
    async with context.sessionmaker() as session:
        result = await session.exec(
            update(AnalysisJob)
            .where(col(AnalysisJob.status).in_(ACTIVE))
            .values(status=JobStatus.FAILED, error=error, finished_at=utcnow())
        )
        await session.commit()
        return int(result.rowcount)


@contextmanager
def site_language(context: JobContext) -> Iterator[None]:
    """gettext in the site's default language, for what a job's code translates itself (a
    service's error text): jobs run outside any request."""
    token = current_locale.set(context.settings.default_locale)
    try:
        yield
    finally:
        current_locale.reset(token)


async def execute_job(
    context: JobContext, job_id: int, handlers: Mapping[JobKind, Handler] = HANDLERS
) -> JobStatus | None:
    """Run one queued job and record how it went; None if it was not queued (any more).
    Messages are stored untranslated; a service's own error text, already translated, in
    the site's default language (see `site_language`)."""
    async with context.sessionmaker() as session:
        claimed = await session.exec(
            update(AnalysisJob)
            .where(col(AnalysisJob.id) == job_id, col(AnalysisJob.status) == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, started_at=utcnow())
        )
        await session.commit()
        if claimed.rowcount != 1:
            return None
        job = await session.get(AnalysisJob, job_id)
        assert job is not None
        with site_language(context):
            summary, status, error = await _attempt(session, context, job, handlers)
    await _finish(context, job_id, status, summary=summary, error=error)
    return status


async def _attempt(
    session: AsyncSession,
    context: JobContext,
    job: AnalysisJob,
    handlers: Mapping[JobKind, Handler],
) -> tuple[Sequence[Deferred], JobStatus, Sequence[Deferred]]:
    """Run the handler: (summary, status, error)."""
    try:
        return await handlers[job.kind](session, context, job), JobStatus.DONE, ()
    except asyncio.CancelledError:
        # The app is shutting down: say so instead of leaving the job "running" for ever.
        assert job.id is not None
        stopped = Deferred(N_("Stopped because the app shut down. Please start it again."))
        await _finish(context, job.id, JobStatus.FAILED, error=[stopped])
        raise
    except JobFailed as error:
        return (), JobStatus.FAILED, [error.reason]
    except ServiceError as error:  # a text of its own, in the site's language
        return (), JobStatus.FAILED, [Deferred(str(error))]
    except Exception as error:
        log.exception("Analysis job %s (%s) failed", job.id, job.kind)
        message = N_("Unexpected error (%(kind)s); the server log has the details.")
        return (), JobStatus.FAILED, [Deferred(message, {"kind": type(error).__name__})]


class JobRunner(BackgroundLoop):
    """The in-process queue: one worker task, one job at a time, for this app process; the
    default for one process (no REDIS_URL; with it, `saq_jobs.RedisJobQueue` takes its place).
    Stopping it records a job still running as failed (see execute_job).

    In tests, `wait_idle()` returns once every submitted job has finished, so a test can
    submit, wait, and look at the result without sleeping."""

    name = "analysis-jobs"

    def __init__(self, context: JobContext, handlers: Mapping[JobKind, Handler] = HANDLERS) -> None:
        super().__init__()
        self.context = context
        self.handlers = handlers
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self.running: int | None = None  # the id of the job being run, if any

    async def start(self) -> None:
        interrupted = await fail_unfinished(self.context)
        if interrupted:
            log.warning("Marked %d interrupted analysis jobs as failed", interrupted)
        await super().start()

    async def submit(
        self,
        session: AsyncSession,
        process_id: int,
        kind: JobKind,
        requested_by: User | None,
        params: dict[str, Any] | None = None,
    ) -> tuple[AnalysisJob, bool]:
        """Queue a job (see `create_job`); True when it is new."""
        job, created = await create_job(session, process_id, kind, requested_by, params)
        if created:
            assert job.id is not None
            self._queue.put_nowait(job.id)
        return job, created

    async def wait_idle(self) -> None:
        await self._queue.join()

    async def _work(self) -> None:
        while True:
            job_id = await self._queue.get()
            self.running = job_id
            try:
                await execute_job(self.context, job_id, self.handlers)
            except asyncio.CancelledError:
                raise
            except Exception:  # recording the outcome failed (database gone?): keep serving
                log.exception("Could not run analysis job %d", job_id)
            finally:
                self.running = None
                self._queue.task_done()
