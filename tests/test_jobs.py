"""The background-job runner: job rows and their states, one job at a time, restarts and
shutdown. Handlers here are stand-ins; tests/test_analysis.py runs the real clustering."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import create_engine, create_sessionmaker
from participation.i18n import Deferred, show_stored, translations_for
from participation.jobs import (
    Handler,
    JobContext,
    JobRunner,
    create_job,
    execute_job,
    latest_jobs,
)
from participation.models import AnalysisJob, JobKind, JobStatus, Process, utcnow
from participation.services.errors import ServiceError
from participation.settings import Settings
from tests.helpers import add_actor, add_process, german, in_locale


@pytest.fixture
async def context(settings: Settings) -> AsyncIterator[JobContext]:
    engine = create_engine(settings)
    yield JobContext(create_sessionmaker(engine), settings)
    await engine.dispose()


async def job_rows(session: AsyncSession) -> list[AnalysisJob]:
    session.expire_all()  # the runner wrote them through other sessions
    return list(await session.exec(select(AnalysisJob).order_by(col(AnalysisJob.id))))


def handlers(handler: Handler) -> dict[JobKind, Handler]:
    return dict.fromkeys(JobKind, handler)


async def summary(
    session: AsyncSession, context: JobContext, job: AnalysisJob
) -> Sequence[Deferred]:
    return [Deferred(f"did {job.kind.value}")]


def shown(stored: str, locale: str = "de") -> str:
    """A stored job message as a reader in `locale` sees it."""
    with in_locale(locale):
        return show_stored(stored)


async def queued(session: AsyncSession, process: Process, kind: JobKind = JobKind.CLUSTER) -> int:
    job, created = await create_job(session, process.id or 0, kind, None)
    assert created
    assert job.id is not None
    return job.id


async def test_a_job_runs_and_records_its_summary(
    session: AsyncSession, context: JobContext
) -> None:
    process = await add_process(session)
    job_id = await queued(session, process)

    assert await execute_job(context, job_id, handlers(summary)) is JobStatus.DONE

    [job] = await job_rows(session)
    assert job.status is JobStatus.DONE
    assert shown(job.summary) == "did cluster"
    assert job.error == ""
    assert job.started_at is not None
    assert job.finished_at is not None
    assert job.created_at <= job.started_at <= job.finished_at


async def test_a_job_runs_only_once(session: AsyncSession, context: JobContext) -> None:
    process = await add_process(session)
    job_id = await queued(session, process)
    await execute_job(context, job_id, handlers(summary))

    assert await execute_job(context, job_id, handlers(summary)) is None


async def failed_job(session: AsyncSession, context: JobContext, error: Exception) -> AnalysisJob:
    """The row of a job whose handler raised `error`."""

    async def fail(
        session: AsyncSession, context: JobContext, job: AnalysisJob
    ) -> Sequence[Deferred]:
        raise error

    job_id = await queued(session, await add_process(session))
    assert await execute_job(context, job_id, handlers(fail)) is JobStatus.FAILED
    [job] = await job_rows(session)
    assert (job.status, job.summary) == (JobStatus.FAILED, "")
    return job


async def test_a_failing_job_keeps_the_message_for_people(
    session: AsyncSession, context: JobContext
) -> None:
    job = await failed_job(session, context, ServiceError("Zu wenige Ideen."))

    assert shown(job.error) == shown(job.error, "en") == "Zu wenige Ideen."


async def test_an_unexpected_error_is_named_but_not_detailed(
    session: AsyncSession, context: JobContext
) -> None:
    job = await failed_job(session, context, RuntimeError("/secret/path/in/a/traceback"))

    message = "Unexpected error (%(kind)s); the server log has the details."
    assert shown(job.error) == german(message) % {"kind": "RuntimeError"}
    assert "/secret" not in job.error


async def test_messages_are_shown_in_the_readers_language(
    session: AsyncSession, context: JobContext
) -> None:
    """A job's record keeps message ids and their numbers, not the text of one language."""

    forms = ("%(num)d group from %(items)d ideas.", "%(num)d groups from %(items)d ideas.")

    async def counted(
        session: AsyncSession, context: JobContext, job: AnalysisJob
    ) -> Sequence[Deferred]:
        return [Deferred.counted(forms, 2, items=37)]

    job_id = await queued(session, await add_process(session))
    await execute_job(context, job_id, handlers(counted))

    [job] = await job_rows(session)
    assert shown(job.summary, "en") == "2 groups from 37 ideas."
    in_german = translations_for("de").ungettext(*forms, 2) % {"num": 2, "items": 37}
    assert in_german != "2 groups from 37 ideas."
    assert shown(job.summary, "de") == in_german


def test_a_plain_text_from_before_is_shown_as_it_is() -> None:
    assert shown("2 Gruppen aus 37 Ideen.", "en") == "2 Gruppen aus 37 Ideen."
    assert shown("", "en") == ""


async def test_asking_twice_does_not_queue_the_same_work_twice(session: AsyncSession) -> None:
    process = await add_process(session)
    other = await add_process(session, slug="andere")
    moderator = await add_actor(session, "mod@example.org")
    assert process.id is not None
    assert other.id is not None

    first, created = await create_job(session, process.id, JobKind.CLUSTER, moderator)
    again, created_again = await create_job(session, process.id, JobKind.CLUSTER, moderator)
    retrain, created_retrain = await create_job(
        session, process.id, JobKind.RETRAIN_THEMES, moderator
    )
    elsewhere, created_elsewhere = await create_job(session, other.id, JobKind.CLUSTER, None)

    assert (created, created_again, created_retrain, created_elsewhere) == (
        True,
        False,
        True,
        True,
    )
    assert again.id == first.id
    assert len({first.id, retrain.id, elsewhere.id}) == 3
    assert first.requested_by_id == moderator.id
    assert (await latest_jobs(session, process.id)).keys() == {
        JobKind.CLUSTER,
        JobKind.RETRAIN_THEMES,
    }


async def test_start_marks_jobs_interrupted_by_a_restart_as_failed(
    session: AsyncSession, context: JobContext
) -> None:
    process = await add_process(session)
    assert process.id is not None
    for status in JobStatus:
        session.add(AnalysisJob(process_id=process.id, kind=JobKind.CLUSTER, status=status))
    await session.commit()

    runner = JobRunner(context, handlers(summary))
    await runner.start()
    await runner.stop()

    statuses = [(job.status, shown(job.error)) for job in await job_rows(session)]
    interrupted = german("Interrupted by a restart of the app. Please start it again.")
    assert statuses == [
        (JobStatus.FAILED, interrupted),  # was queued
        (JobStatus.FAILED, interrupted),  # was running
        (JobStatus.DONE, ""),
        (JobStatus.FAILED, ""),
    ]


async def test_the_runner_runs_one_job_at_a_time_in_order(
    session: AsyncSession, context: JobContext
) -> None:
    running = 0
    most = 0
    order: list[int] = []

    async def slow(
        session: AsyncSession, context: JobContext, job: AnalysisJob
    ) -> Sequence[Deferred]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)  # give another job the chance to start, if it could
        order.append(job.process_id)
        running -= 1
        return [Deferred("ok")]

    processes = [await add_process(session, slug=f"verfahren-{i}") for i in range(3)]
    runner = JobRunner(context, handlers(slow))
    await runner.start()
    try:
        for process in processes:
            assert process.id is not None
            await runner.submit(session, process.id, JobKind.CLUSTER, None)
        await runner.wait_idle()
    finally:
        await runner.stop()

    assert most == 1
    assert order == [p.id for p in processes]
    assert [job.status for job in await job_rows(session)] == [JobStatus.DONE] * 3


async def test_stopping_records_the_running_job_as_failed(
    session: AsyncSession, context: JobContext
) -> None:
    started = asyncio.Event()

    async def forever(
        session: AsyncSession, context: JobContext, job: AnalysisJob
    ) -> Sequence[Deferred]:
        started.set()
        await asyncio.Event().wait()
        return [Deferred("never")]

    process = await add_process(session)
    assert process.id is not None
    runner = JobRunner(context, handlers(forever))
    await runner.start()
    await runner.submit(session, process.id, JobKind.CLUSTER, None)
    await asyncio.wait_for(started.wait(), timeout=30)
    assert runner.running is not None

    await runner.stop()

    [job] = await job_rows(session)
    assert job.status is JobStatus.FAILED
    assert shown(job.error) == german("Stopped because the app shut down. Please start it again.")
    assert job.finished_at is not None
    assert job.finished_at <= utcnow()
