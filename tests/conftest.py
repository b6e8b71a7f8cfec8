"""Fixtures: a real database per backend (SQLite always, PostgreSQL when TEST_DATABASE_URL
is set, see tests/databases.py), migrated once per test worker and emptied before every
test; the app on it; a staff user.

Every test that uses the database runs once per backend; without TEST_DATABASE_URL its
PostgreSQL run is reported as skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.app import create_app
from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.models import Process, Role, User
from participation.services.users import create_user
from participation.settings import Settings
from tests.databases import BACKENDS, postgres_database, postgres_name
from tests.helpers import PASSWORD, Client, add_process, in_db, login


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database migrated to head with the real Alembic migrations, once per worker (a
    PostgreSQL database of its own per worker, so parallel workers never share tables)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        upgrade_database(url)
        yield url
        return
    with postgres_database(postgres_name("participation")) as url:
        upgrade_database(url)
        yield url


async def _empty_tables(url: str) -> None:
    engine = create_engine(replace(Settings.from_env(), database_url=url))
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            quoted = ", ".join(f'"{t}"' for t in tables)
            await conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(text(f'DELETE FROM "{table}"'))
    await engine.dispose()


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    asyncio.run(_empty_tables(migrated_url))
    return Settings(
        var_dir=tmp_path,
        database_url=migrated_url,
        secret_key="test-secret-" + "x" * 32,
        migrate_on_start=False,
        seed_demo=False,
        write_rate_limit_per_minute=1000,
        preload_nlp=False,  # tests/test_similar.py checks the preload on its own
        # Tests change the database behind the app's back and look at once; kept pages are
        # tested on their own (tests/test_page_cache.py).
        page_cache_seconds=0,
        # The duplicates job is tested on its own (tests/test_duplicates.py), not after
        # every approval of every test.
        duplicates_after_approval=False,
    )


@pytest.fixture
async def session(settings: Settings) -> AsyncIterator[AsyncSession]:
    engine = create_engine(settings)
    async with create_sessionmaker(engine)() as db_session:
        yield db_session
    await engine.dispose()


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app, base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
def moderator(settings: Settings) -> User:
    """A moderator account in the test database (created outside the app's event loop)."""

    async def make() -> User:
        engine = create_engine(settings)
        async with create_sessionmaker(engine)() as db_session:
            user = await create_user(
                db_session, email="mod@example.org", password=PASSWORD, role=Role.MODERATOR
            )
        await engine.dispose()
        return user

    return asyncio.run(make())


@pytest.fixture
def process(settings: Settings) -> Process:
    """An open idea call with pre-moderation (ideas wait for a moderator)."""
    return in_db(settings, add_process)


@pytest.fixture
def staff_client(client: Client, moderator: User) -> Client:
    """The client, signed in as the moderator."""
    response = login(client, moderator.email)
    assert response.status_code == 303, response.text
    return client
