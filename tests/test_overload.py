"""Under load the app says it is busy instead of hanging or failing: a request that gets no
database connection in time, a PostgreSQL statement past its timeout and a SQLite writer
kept waiting for the lock all get the "busy" page (503 with Retry-After); /healthz answers
at once on a connection of its own and tells a busy pool from a database that is down."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import asyncpg
import pytest
from litestar.testing import AsyncTestClient, TestClient
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from participation.app import create_app
from participation.models import Contribution, Process
from participation.settings import Settings
from tests.helpers import (
    SLUG,
    Client,
    count,
    german,
    html,
    in_db,
    one,
    post_form,
    text_of,
    valid_idea,
)

# Seconds; only so that a hang fails the test. The timeouts under test are a fraction of it.
GENEROUS = 20.0
BUSY_TITLE = "The site is very busy right now"


@pytest.fixture
def busy_settings(settings: Settings) -> Settings:
    """One request connection, and short waits for it, for statements and for SQLite's lock."""
    return replace(
        settings,
        db_pool_size=1,
        db_pool_overflow=0,
        db_pool_timeout=0.2,
        statement_timeout=0.3,
        sqlite_busy_timeout=0.3,
    )


@pytest.fixture
def busy_client(busy_settings: Settings, process: Process) -> Iterator[Client]:
    with TestClient(create_app(busy_settings), base_url="http://testserver.local") as client:
        yield client


@contextmanager
def held_connection(client: Client) -> Iterator[None]:
    """The app's only request connection taken (as by a slow request) for the block."""
    engine: AsyncEngine = client.app.state.sessionmaker.kw["bind"]

    async def take() -> AsyncConnection:
        return await engine.connect().start()

    connection = client.blocking_portal.call(take)
    try:
        yield
    finally:
        client.blocking_portal.call(connection.close)


def assert_busy_page(response: object) -> None:
    assert getattr(response, "status_code", None) == 503
    page = html(response.text)  # type: ignore[attr-defined]
    assert text_of(one(page, "h1")) == german(BUSY_TITLE)
    assert response.headers["retry-after"] == "10"  # type: ignore[attr-defined]


def test_a_request_without_a_free_connection_gets_the_busy_page(busy_client: Client) -> None:
    client = busy_client
    assert client.get(f"/processes/{SLUG}").status_code == 200
    with held_connection(client):
        began = time.monotonic()
        assert_busy_page(client.get(f"/processes/{SLUG}"))
        assert_busy_page(post_form(client, f"/processes/{SLUG}/ideas", valid_idea()))
        api = client.get("/api/v1/processes")
        assert api.status_code == 503
        assert api.headers["retry-after"] == "10"
        assert api.json()["detail"] == "Database unavailable: busy"
        assert time.monotonic() - began < GENEROUS  # each waited DB_POOL_TIMEOUT, not 30 s
    assert client.get(f"/processes/{SLUG}").status_code == 200  # served again once it is free


def test_healthz_answers_at_once_while_the_pool_is_exhausted(busy_client: Client) -> None:
    client = busy_client
    with held_connection(client):
        began = time.monotonic()
        response = client.get("/healthz")
        assert time.monotonic() - began < GENEROUS
    assert response.status_code == 200  # the database is fine, the app only busy
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "connections": {"in_use": 1, "limit": 1, "busy": True},
    }
    free = client.get("/healthz").json()["connections"]
    assert free["busy"] is False


@contextmanager
def locked_contributions(client: Client, settings: Settings) -> Iterator[None]:
    """Another connection holds a lock on the contributions for the block: PostgreSQL's
    exclusive table lock (reads wait, until the statement timeout cancels them); SQLite's
    write lock (writers wait, until the busy timeout)."""
    if settings.is_sqlite:
        other = sqlite3.connect(settings.database_url.split("///", 1)[1], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    url = make_url(settings.database_url)

    async def lock() -> asyncpg.Connection:
        connection = await asyncpg.connect(
            host=url.host, port=url.port or 5432, user=url.username, database=url.database
        )
        await connection.execute("BEGIN")
        await connection.execute("LOCK TABLE contribution IN ACCESS EXCLUSIVE MODE")
        return connection

    connection = client.blocking_portal.call(lock)
    try:
        yield
    finally:
        client.blocking_portal.call(connection.close)


def test_a_statement_kept_waiting_gets_the_busy_page(
    busy_client: Client, busy_settings: Settings
) -> None:
    """PostgreSQL cancels a statement past STATEMENT_TIMEOUT; SQLite gives up on the write
    lock after SQLITE_BUSY_TIMEOUT. Either way: the busy page, nothing half stored."""
    client = busy_client
    with locked_contributions(client, busy_settings):
        began = time.monotonic()
        if not busy_settings.is_sqlite:  # SQLite's readers do not wait for a writer
            assert_busy_page(client.get(f"/processes/{SLUG}"))
        assert_busy_page(post_form(client, f"/processes/{SLUG}/ideas", valid_idea()))
        api = client.post(f"/api/v1/processes/{SLUG}/ideas", json={**valid_idea(), "consent": True})
        assert api.status_code == 503
        assert api.json()["detail"] == "Database unavailable: busy"
        assert time.monotonic() - began < GENEROUS
    assert in_db(busy_settings, lambda s: count(s, Contribution)) == 0
    assert post_form(client, f"/processes/{SLUG}/ideas", valid_idea()).status_code == 303


def test_a_burst_of_writers_takes_turns_instead_of_failing(
    settings: Settings, process: Process
) -> None:
    """SQLite: 24 submissions at once, with a busy timeout that lets no writer wait for
    another's lock: each waits for its turn instead, and all are stored. (PostgreSQL's writers
    queue in the server; the same burst passes there as well.)"""
    impatient = replace(settings, sqlite_busy_timeout=0.001)
    idea = {**valid_idea(), "consent": True}

    async def burst() -> list[int]:
        app = create_app(impatient)
        async with AsyncTestClient(app, base_url="http://testserver.local") as client:
            responses = await asyncio.gather(
                *(client.post(f"/api/v1/processes/{SLUG}/ideas", json=idea) for _ in range(24))
            )
            assert app.state.write_turns.waiting == 0
        return [r.status_code for r in responses]

    assert asyncio.run(burst()) == [201] * 24
    assert in_db(settings, lambda s: count(s, Contribution)) == 24
