"""Background jobs through Redis (REDIS_URL): the app processes queue them, one worker process
(`participation worker`) runs them. See participation/saq_jobs.py.

The first tests use the queue classes in this process with stand-in handlers; the last one
starts real processes (two app processes and a worker) and a real clustering job.

Runs when TEST_REDIS_URL points at a Redis server (`.ci/run` sets it), on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL. It uses the queue's keys in TEST_REDIS_URL's database and
deletes them before each test; all of it lives in this one module, so that one test worker
runs it and no two tests share the queue at once.
"""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from redis import Redis
from redis.exceptions import RedisError
from saq.job import Status as SaqStatus
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.app import create_app
from participation.cli import main
from participation.db import create_engine, create_sessionmaker
from participation.i18n import Deferred, show_stored
from participation.jobs import Handler, JobContext, JobRunner, QueueUnavailable, create_job
from participation.models import AnalysisJob, ClusterRun, JobKind, JobStatus, User
from participation.saq_jobs import (
    QUEUE_NAME,
    RedisJobQueue,
    job_key,
    make_queue,
    make_worker,
    recover,
    run_worker,
)
from participation.settings import Settings
from tests.helpers import (
    PASSWORD,
    SLUG,
    add_process,
    german,
    in_db,
    in_locale,
    login,
    post_form,
)
from tests.test_analysis import add_topic_ideas

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(
    not TEST_REDIS_URL, reason="Redis not tested: set TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/0"
)
# Generous: a busy machine with four test runs on two cores starts a process slowly.
PROCESS_START = 120.0
JOB_TIMEOUT = 180.0


@pytest.fixture
def redis_url() -> str:
    """TEST_REDIS_URL, with the job queue's keys deleted; skips when Redis does not answer."""
    assert TEST_REDIS_URL is not None
    client = Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except RedisError as error:
        pytest.skip(f"Redis at TEST_REDIS_URL does not answer: {error}")
    for pattern in (f"saq:{QUEUE_NAME}:*", f"saq:job:{QUEUE_NAME}:*"):
        keys = list(client.scan_iter(match=pattern))
        if keys:
            client.delete(*keys)
    client.close()
    return TEST_REDIS_URL


@pytest.fixture
def redis_settings(settings: Settings, redis_url: str) -> Settings:
    return replace(settings, redis_url=redis_url)


@pytest.fixture
async def context(redis_settings: Settings) -> AsyncIterator[JobContext]:
    engine = create_engine(redis_settings)
    yield JobContext(create_sessionmaker(engine), redis_settings)
    await engine.dispose()


@pytest.fixture
async def job_queue(context: JobContext, redis_url: str) -> AsyncIterator[RedisJobQueue]:
    jobs = RedisJobQueue(context, redis_url)
    await jobs.start()
    yield jobs
    await jobs.stop()


async def job_rows(session: AsyncSession) -> list[AnalysisJob]:
    session.expire_all()  # the worker wrote them through other sessions
    return list(await session.exec(select(AnalysisJob).order_by(col(AnalysisJob.id))))


async def saq_queued(redis_url: str) -> int:
    jobs = make_queue(redis_url)
    await jobs.connect()
    try:
        return await jobs.count("queued")
    finally:
        await jobs.disconnect()


def recording(seen: list[int]) -> dict[JobKind, Handler]:
    async def handler(
        session: AsyncSession, context: JobContext, job: AnalysisJob
    ) -> Sequence[Deferred]:
        assert job.id is not None
        seen.append(job.id)
        return [Deferred(f"ran {job.id}")]

    return dict.fromkeys(JobKind, handler)


# --- the queue and the worker in this process ---------------------------------------------------


async def test_submit_writes_the_row_and_queues_its_id_once(
    session: AsyncSession, job_queue: RedisJobQueue, redis_url: str
) -> None:
    process = await add_process(session)
    assert process.id is not None

    job, created = await job_queue.submit(session, process.id, JobKind.CLUSTER, None)
    again, created_again = await job_queue.submit(session, process.id, JobKind.CLUSTER, None)

    assert (created, created_again) == (True, False)
    assert again.id == job.id
    assert [row.status for row in await job_rows(session)] == [JobStatus.QUEUED]
    assert await saq_queued(redis_url) == 1
    assert job.id is not None
    saq_job = await job_queue.queue.job(job_key(job.id))
    assert saq_job is not None
    assert saq_job.kwargs == {"job_id": job.id}
    assert (saq_job.timeout, saq_job.retries) == (0, 1)


async def test_the_worker_runs_each_queued_job_once(
    session: AsyncSession, job_queue: RedisJobQueue, redis_settings: Settings
) -> None:
    processes = [await add_process(session, slug=f"verfahren-{i}") for i in range(2)]
    ids = []
    for process in processes:
        assert process.id is not None
        job, _created = await job_queue.submit(session, process.id, JobKind.CLUSTER, None)
        ids.append(job.id)
    seen: list[int] = []

    await run_worker(redis_settings, recording(seen), burst=True)
    await run_worker(redis_settings, recording(seen), burst=True)  # nothing left to run

    assert seen == ids
    jobs = await job_rows(session)
    assert [job.status for job in jobs] == [JobStatus.DONE, JobStatus.DONE]
    assert all(job.started_at and job.finished_at for job in jobs)


async def test_a_job_running_when_the_worker_stops_is_failed_and_not_run_again(
    session: AsyncSession, job_queue: RedisJobQueue, redis_settings: Settings
) -> None:
    started = asyncio.Event()
    runs = 0

    async def forever(
        session: AsyncSession, context: JobContext, job: AnalysisJob
    ) -> Sequence[Deferred]:
        nonlocal runs
        runs += 1
        started.set()
        await asyncio.Event().wait()
        return [Deferred("never")]

    process = await add_process(session)
    assert process.id is not None
    await job_queue.submit(session, process.id, JobKind.CLUSTER, None)
    worker = make_worker(redis_settings, dict.fromkeys(JobKind, forever))
    await worker.queue.connect()
    working = asyncio.create_task(worker.start())
    await asyncio.wait_for(started.wait(), timeout=JOB_TIMEOUT)

    worker.event.set()  # what SIGTERM does
    await asyncio.wait_for(working, timeout=JOB_TIMEOUT)
    await worker.queue.disconnect()
    # SAQ puts a cancelled job back on its queue; the next worker finds its row failed.
    await run_worker(redis_settings, dict.fromkeys(JobKind, forever), burst=True)

    assert runs == 1
    [job] = await job_rows(session)
    assert job.status is JobStatus.FAILED
    with in_locale("de"):
        assert show_stored(job.error) == german(
            "Stopped because the app shut down. Please start it again."
        )


async def test_starting_an_app_process_leaves_jobs_alone(
    session: AsyncSession, redis_settings: Settings
) -> None:
    """Another process may be running them: only the worker decides they were interrupted."""
    process = await add_process(session)
    assert process.id is not None
    for status in JobStatus:
        session.add(AnalysisJob(process_id=process.id, kind=JobKind.CLUSTER, status=status))
    await session.commit()

    app = create_app(redis_settings)
    async with app.lifespan():
        assert isinstance(app.state.jobs, RedisJobQueue)

    assert [job.status for job in await job_rows(session)] == list(JobStatus)


def test_without_redis_the_app_runs_jobs_itself(settings: Settings) -> None:
    app = create_app(settings)

    async def start_and_stop() -> object:
        async with app.lifespan():
            return app.state.jobs

    assert isinstance(asyncio.run(start_and_stop()), JobRunner)


async def test_the_worker_fails_jobs_it_left_running_and_queues_lost_ones_again(
    session: AsyncSession, context: JobContext, job_queue: RedisJobQueue, redis_url: str
) -> None:
    process = await add_process(session)
    other = await add_process(session, slug="andere")
    assert process.id is not None
    assert other.id is not None
    # A job the worker was running when it died: queued in Redis, taken off by the worker.
    running, _ = await job_queue.submit(session, process.id, JobKind.CLUSTER, None)
    saq_job = await job_queue.queue.dequeue()
    assert saq_job is not None
    await saq_job.update(status=SaqStatus.ACTIVE)
    running.status = JobStatus.RUNNING
    session.add(running)
    # A queued job whose id Redis lost (a Redis restarted without its data).
    lost, _ = await create_job(session, other.id, JobKind.RETRAIN_THEMES, None)
    # A queued job the worker took off the queue but stopped before it started it.
    taken, _ = await job_queue.submit(session, other.id, JobKind.CLUSTER, None)
    saq_taken = await job_queue.queue.dequeue()
    assert saq_taken is not None
    await saq_taken.update(status=SaqStatus.ACTIVE)
    done = AnalysisJob(process_id=process.id, kind=JobKind.RETRAIN_THEMES, status=JobStatus.DONE)
    session.add(done)
    await session.commit()

    assert await recover(context, job_queue.queue) == (1, 2)
    assert await recover(context, job_queue.queue) == (0, 0)  # already queued once

    statuses = {job.id: job.status for job in await job_rows(session)}
    assert statuses == {
        running.id: JobStatus.FAILED,
        lost.id: JobStatus.QUEUED,
        taken.id: JobStatus.QUEUED,
        done.id: JobStatus.DONE,
    }
    assert await job_queue.queue.count("active") == 0
    assert await saq_queued(redis_url) == 2
    [failed] = [job for job in await job_rows(session) if job.id == running.id]
    with in_locale("de"):
        assert show_stored(failed.error) == german(
            "Interrupted by a restart of the job worker. Please start it again."
        )


async def test_a_job_redis_cannot_take_is_failed_with_a_message(
    session: AsyncSession, context: JobContext
) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    jobs = RedisJobQueue(context, f"redis://127.0.0.1:{port}/0")
    await jobs.start()
    process = await add_process(session)
    process_id = process.id
    assert process_id is not None

    with pytest.raises(QueueUnavailable):
        await jobs.submit(session, process_id, JobKind.CLUSTER, None)
    await jobs.stop()

    [job] = await job_rows(session)
    assert job.status is JobStatus.FAILED
    with in_locale("de"):
        assert show_stored(job.error) == german(
            "The job queue cannot be reached just now. Please try again later."
        )
    # Not left queued: asking again makes a new job.
    _again, created = await create_job(session, process_id, JobKind.CLUSTER, None)
    assert created


def test_the_analysis_page_says_when_the_queue_cannot_take_a_job(
    redis_settings: Settings, moderator: User
) -> None:
    """Redis answers for the session but the job queue does not: a message, not a 500."""
    process_id = in_db(redis_settings, add_process).id
    app = create_app(redis_settings)
    with TestClient(app, base_url="http://testserver.local") as client:
        unreachable = RedisJobQueue(app.state.jobs.context, f"redis://127.0.0.1:{free_port()}/0")
        app.state.jobs = unreachable
        assert login(client, moderator.email).status_code == 303

        response = post_form(client, f"/analysis/{SLUG}/cluster")
        assert response.status_code == 303
        page = client.get(response.headers["location"])

    assert page.status_code == 200
    assert german("The job queue cannot be reached just now. Please try again later.") in page.text

    async def job_states(session: AsyncSession) -> list[tuple[int, JobStatus]]:
        return [(job.process_id, job.status) for job in await job_rows(session)]

    assert in_db(redis_settings, job_states) == [(process_id, JobStatus.FAILED)]


def test_the_worker_command_needs_redis(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    monkeypatch.delenv("REDIS_URL", raising=False)

    result = CliRunner().invoke(main, ["worker"])

    assert result.exit_code == 1
    assert "REDIS_URL is not set" in result.output


# --- real processes: two app processes and a worker ---------------------------------------------

BIN = Path(sys.executable).parent / "participation"


class Process:
    """A command run in the background; its output read line by line as it comes, so a test
    waits for what it says (an event) instead of sleeping."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._popen: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self._lines = queue.Queue()
        self._popen = subprocess.Popen(
            self.args,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, args=(self._popen, self._lines), daemon=True).start()

    def _read(self, popen: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
        assert popen.stdout is not None
        for line in popen.stdout:
            self.log.append(f"[{self.name}] {line.rstrip()}")
            lines.put(line)
        lines.put(None)  # the process ended

    def wait_for(self, pattern: str, timeout: float) -> str:
        """The first line from now on that matches `pattern`; fails when the process ends or
        says nothing of the kind in `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self._lines.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                line = None
                remaining = 0
            if line is not None and re.search(pattern, line):
                return line
            if line is None:
                what = "ended" if remaining > 0 else f"said no {pattern!r} in {timeout} s"
                raise AssertionError(f"{self.name} {what}:\n" + "\n".join(self.log[-60:]))

    def stop(self) -> None:
        if self._popen is None or self._popen.poll() is not None:
            return
        self._popen.send_signal(signal.SIGTERM)
        try:
            self._popen.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            self._popen.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class AppProcess(Process):
    """`participation serve` on a free port."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        super().__init__(name, [str(BIN), "serve", "--port", str(port)], env)

    def ready(self) -> None:
        self.wait_for(r"Application startup complete", PROCESS_START)

    def restart(self) -> None:
        self.stop()
        self.start()
        self.ready()


@pytest.fixture
def processes(
    redis_settings: Settings, tmp_path: Path
) -> Iterator[tuple[AppProcess, AppProcess, Process]]:
    """Two app processes and a worker (not started), on the test's database and Redis. They
    share the var/ folder (the models a job saves) as hosts would share a volume."""
    env = {
        **os.environ,
        "DATABASE_URL": redis_settings.database_url,
        "REDIS_URL": redis_settings.redis_url or "",
        "VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": redis_settings.secret_key,
        "MIGRATE_ON_START": "false",
        "SEED_DEMO": "false",
        "PRELOAD_NLP": "false",
        "PYTHONUNBUFFERED": "1",
    }
    # One uvicorn worker each (create_app is the same with --workers N): uvicorn's supervisor
    # kills a child that does not answer its ping within 5 s, as a start on a busy machine may.
    first, second = AppProcess("app-a", env), AppProcess("app-b", env)
    worker = Process("worker", [str(BIN), "worker"], env)
    try:
        yield first, second, worker
    finally:
        for each in (first, second, worker):
            each.stop()


def sign_in(client: httpx.Client, app: AppProcess, email: str) -> None:
    client.get(f"{app.url}/login")
    response = post(client, f"{app.url}/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 303, response.text


def post(client: httpx.Client, url: str, data: dict[str, str]) -> httpx.Response:
    form = {**data, "_csrf_token": str(client.cookies["csrftoken"])}
    return client.post(url, data=form, follow_redirects=False)


def shown_status(client: httpx.Client, app: AppProcess) -> str:
    """The state of the newest grouping job, as this app process's status line shows it."""
    response = client.get(f"{app.url}/analysis/{SLUG}/status")
    assert response.status_code == 200, response.text
    found = re.search(r"job-status__item--(\w+)", response.text)
    assert found is not None, response.text
    return found.group(1)


def jobs_and_runs(settings: Settings) -> list[tuple[int, JobStatus, int]]:
    """Each job row: (id, status, how many clustering runs it made)."""

    async def read(session: AsyncSession) -> list[tuple[int, JobStatus, int]]:
        jobs = await session.exec(select(AnalysisJob).order_by(col(AnalysisJob.id)))
        found = []
        for job in jobs:
            assert job.id is not None
            runs = (
                await session.exec(
                    select(func.count()).select_from(ClusterRun).where(ClusterRun.job_id == job.id)
                )
            ).one()
            found.append((job.id, job.status, runs))
        return found

    return in_db(settings, read)


def test_a_job_asked_for_on_one_app_process_runs_once_in_the_worker(
    processes: tuple[AppProcess, AppProcess, Process],
    redis_settings: Settings,
    moderator: User,
) -> None:
    first, second, worker = processes

    async def ideas(session: AsyncSession) -> None:
        await add_topic_ideas(session, await add_process(session))

    in_db(redis_settings, ideas)
    first.start()
    second.start()
    first.ready()
    second.ready()
    with httpx.Client(timeout=60) as client:  # one cookie jar: the session is in Redis
        sign_in(client, first, moderator.email)

        response = post(client, f"{first.url}/analysis/{SLUG}/cluster", {})
        assert response.status_code == 303, response.text
        [(job_id, status, runs)] = jobs_and_runs(redis_settings)
        assert (status, runs) == (JobStatus.QUEUED, 0)
        assert (shown_status(client, first), shown_status(client, second)) == ("queued",) * 2

        # No worker yet: the job waits in Redis while either app process restarts.
        first.restart()
        second.restart()
        assert jobs_and_runs(redis_settings) == [(job_id, JobStatus.QUEUED, 0)]
        assert (shown_status(client, first), shown_status(client, second)) == ("queued",) * 2

        worker.start()
        worker.wait_for(rf"Analysis job {job_id} finished: done", JOB_TIMEOUT)
        assert jobs_and_runs(redis_settings) == [(job_id, JobStatus.DONE, 1)]
        assert (shown_status(client, first), shown_status(client, second)) == ("done",) * 2

        # Asked for again through the other process, with the worker running.
        response = post(client, f"{second.url}/analysis/{SLUG}/cluster", {})
        assert response.status_code == 303, response.text
        [_first, (again_id, _status, _runs)] = jobs_and_runs(redis_settings)
        worker.wait_for(rf"Analysis job {again_id} finished: done", JOB_TIMEOUT)
        assert jobs_and_runs(redis_settings) == [
            (job_id, JobStatus.DONE, 1),
            (again_id, JobStatus.DONE, 1),
        ]
        assert (shown_status(client, first), shown_status(client, second)) == ("done",) * 2
