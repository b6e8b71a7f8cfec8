"""The databases the tests run on: SQLite always, PostgreSQL when TEST_DATABASE_URL names a
server (its database is only the one to connect to; the tests make their own beside it).

Without TEST_DATABASE_URL the PostgreSQL variant of each test is reported as skipped, so a
run that covered SQLite only says so in its summary.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Final

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

_SKIP_POSTGRES: Final = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="PostgreSQL not tested: set TEST_DATABASE_URL, e.g. "
    "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
)
# Parameters for a fixture that gives one database per backend.
BACKENDS: Final = ["sqlite", pytest.param("postgresql", marks=_SKIP_POSTGRES)]
# PostgreSQL cuts identifiers at 63 bytes; names made here stay well below.
_NAME_LENGTH: Final = 60


def postgres_name(*parts: str) -> str:
    """A database name beside TEST_DATABASE_URL's own, unique per test worker and `parts`."""
    base = make_url(os.environ["TEST_DATABASE_URL"]).database or "test"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return re.sub(r"\W", "_", "_".join([base, *parts, worker]))[:_NAME_LENGTH]


def _server() -> URL:
    return make_url(os.environ["TEST_DATABASE_URL"])


def _run(statements: list[str]) -> None:
    """Run statements on the server's own database. In a thread of its own: the browser
    tests call this while Playwright's event loop runs in theirs."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _execute(statements)).result()


async def _execute(statements: list[str]) -> None:
    url = _server()
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """The database `name`, created empty (dropping one an interrupted run left) for the
    duration of the block and dropped after it; its URL."""
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    _run([drop, f'CREATE DATABASE "{name}"'])
    try:
        yield _server().set(database=name).render_as_string(hide_password=False)
    finally:
        _run([drop])
