"""Background jobs through Redis (SAQ) for several app processes and hosts (REDIS_URL set).

- The app processes use `RedisJobQueue` instead of the in-process `JobRunner`: `submit()`
  writes the job's row as before (`create_job`) and puts its id on the SAQ queue in Redis.
  An app process never runs a job and never marks one failed, so starting or stopping it
  leaves every job alone, whichever process asked for it.
- The worker process (`participation worker`, see `run_worker`) takes the ids off the queue
  and runs them one at a time with `execute_job`, the code the in-process runner uses. At its
  start it marks the jobs it left running (a crash, a deploy) as failed and queues again the
  queued ones not waiting in Redis (a Redis restarted without its data).

The database row stays the job's whole state: pages read it, and `execute_job` claims it
(queued -> running) in one UPDATE, so an id delivered twice still runs once. Run one worker
per installation: at its start it takes every job left running as its own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from redis.exceptions import RedisError
from saq import Queue, Worker
from saq.job import Status as SaqStatus
from saq.types import Context
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import EngineUse, create_engine, create_sessionmaker
from participation.i18n import N_, Deferred, store_deferred
from participation.jobs import (
    HANDLERS,
    Handler,
    JobContext,
    QueueUnavailable,
    create_job,
    execute_job,
)
from participation.models import AnalysisJob, JobKind, JobStatus, User, utcnow
from participation.settings import Settings

log = logging.getLogger("participation")

QUEUE_NAME: Final = "participation-jobs"
FUNCTION: Final = "run_analysis_job"


# Said to the person who asked (now) and stored on the job's row (for later readers).
UNREACHABLE: Final = N_("The job queue cannot be reached just now. Please try again later.")


def make_queue(redis_url: str) -> Queue:
    return Queue.from_url(redis_url, name=QUEUE_NAME)


def job_key(job_id: int) -> str:
    """SAQ's key for a job row: SAQ keeps one queued or active job per key."""
    return f"analysis-job-{job_id}"


async def enqueue(queue: Queue, job_id: int) -> bool:
    """Put a job row's id on the queue; False when it is there already."""
    saq_job = await queue.enqueue(
        FUNCTION,
        job_id=job_id,
        key=job_key(job_id),
        timeout=0,  # clustering 100,000 ideas takes minutes: no time limit
        retries=1,  # one attempt: a job that stopped halfway is failed, not rerun
        ttl=24 * 3600,  # how long SAQ keeps its own record once the job has finished
    )
    return saq_job is not None


class RedisJobQueue:
    """The app processes' side: the same `start()`, `stop()` and `submit()` as `JobRunner`."""

    def __init__(self, context: JobContext, redis_url: str) -> None:
        self.context = context
        self.queue = make_queue(redis_url)

    async def start(self) -> None:
        # Nothing is marked failed here: the worker runs the jobs and checks them at its start.
        await self.queue.connect()

    async def stop(self) -> None:
        try:
            await self.queue.disconnect()
        except (RedisError, OSError) as error:  # Redis gone: the app still shuts down
            log.warning("Could not disconnect from the job queue: %s", error)

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
            try:
                await enqueue(self.queue, job.id)
            except Exception as error:  # Redis gone: say so rather than wait for ever
                log.exception("Could not queue analysis job %d", job.id)
                # Failed, not left queued: a queued row would block asking again.
                job.status = JobStatus.FAILED
                job.error = store_deferred([Deferred(UNREACHABLE)])
                job.finished_at = utcnow()
                session.add(job)
                await session.commit()
                raise QueueUnavailable(str(Deferred(UNREACHABLE))) from error
        return job, created


# --- the worker process -------------------------------------------------------------------------


async def recover(context: JobContext, queue: Queue) -> tuple[int, int]:
    """At the worker's start: fail the jobs it left running; queue again the queued jobs not
    waiting in Redis (Redis lost them, or the stopped worker had taken them but not started
    them). (interrupted, requeued)"""
    error = store_deferred(
        [Deferred(N_("Interrupted by a restart of the job worker. Please start it again."))]
    )
    async with context.sessionmaker() as session:
        running = list(
            await session.exec(
                select(AnalysisJob.id).where(col(AnalysisJob.status) == JobStatus.RUNNING)
            )
        )
        await session.exec(
            update(AnalysisJob)
            .where(col(AnalysisJob.id).in_(running))
            .values(status=JobStatus.FAILED, error=error, finished_at=utcnow())
        )
        await session.commit()
        queued = list(
            await session.exec(
                select(AnalysisJob.id)
                .where(col(AnalysisJob.status) == JobStatus.QUEUED)
                .order_by(col(AnalysisJob.id))
            )
        )
    for job_id in [*running, *queued]:
        assert job_id is not None
        await _release(queue, job_id)
    requeued = 0
    for job_id in queued:
        assert job_id is not None
        requeued += await enqueue(queue, job_id)
    return len(running), requeued


async def _release(queue: Queue, job_id: int) -> None:
    """Close SAQ's record of a job the stopped worker had taken: it would stay on SAQ's active
    list for ever, and SAQ would not take the job's key again."""
    saq_job = await queue.job(job_key(job_id))
    if saq_job is not None and saq_job.status == SaqStatus.ACTIVE:
        await queue.finish(saq_job, SaqStatus.ABORTED, error="interrupted")


class JobWorker:
    """What the SAQ worker calls: its startup and shutdown hooks and the job function."""

    def __init__(self, settings: Settings, handlers: Mapping[JobKind, Handler] = HANDLERS) -> None:
        self.engine = create_engine(settings, EngineUse.BACKGROUND)
        self.context = JobContext(create_sessionmaker(self.engine), settings)
        self.handlers = handlers

    async def startup(self, ctx: Context) -> None:
        interrupted, requeued = await recover(self.context, ctx["worker"].queue)
        if interrupted:
            log.warning("Marked %d interrupted analysis jobs as failed", interrupted)
        if requeued:
            log.warning("Queued %d analysis jobs again that Redis no longer held", requeued)
        log.info("Job worker ready")

    async def shutdown(self, ctx: Context) -> None:
        await self.engine.dispose()

    async def run(self, ctx: Context, *, job_id: int) -> str | None:
        status = await execute_job(self.context, job_id, self.handlers)
        outcome = status.value if status else "not queued (any more)"
        log.info("Analysis job %d finished: %s", job_id, outcome)
        return status.value if status else None


def make_worker(
    settings: Settings, handlers: Mapping[JobKind, Handler] = HANDLERS, *, burst: bool = False
) -> Worker[Any]:
    """A SAQ worker for the jobs: one at a time (each one's CPU work takes a core). With
    `burst` it stops once the queue is empty."""
    assert settings.redis_url, "the job worker needs REDIS_URL"
    jobs = JobWorker(settings, handlers)
    return Worker(
        make_queue(settings.redis_url),
        functions=[(FUNCTION, jobs.run)],
        concurrency=1,
        startup=jobs.startup,
        shutdown=jobs.shutdown,
        # Let a job that is running when the worker is stopped record that it was stopped.
        cancellation_hard_deadline_s=10.0,
        burst=burst,
        dequeue_timeout=1.0 if burst else 0.0,
    )


async def run_worker(
    settings: Settings, handlers: Mapping[JobKind, Handler] = HANDLERS, *, burst: bool = False
) -> None:
    """Run jobs until SIGINT or SIGTERM (or, with `burst`, until none is queued)."""
    worker = make_worker(settings, handlers, burst=burst)
    await worker.queue.connect()
    try:
        await worker.start()
    finally:
        await worker.queue.disconnect()


async def check_worker(redis_url: str) -> int:
    """0 when a worker has reported to Redis in the last few seconds, 1 when none has."""
    queue = make_queue(redis_url)
    await queue.connect()
    try:
        info = await queue.info()
    finally:
        await queue.disconnect()
    return 0 if info.get("workers") else 1
