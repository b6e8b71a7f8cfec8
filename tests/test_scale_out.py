"""Several app processes share sessions and rate-limit counters through Redis (REDIS_URL).

Runs when TEST_REDIS_URL points at a Redis server (`.ci/run` sets it), like the PostgreSQL
runs with TEST_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from redis.asyncio import Redis

from participation.app import create_app
from participation.models import User
from participation.settings import Settings
from tests.helpers import Client, login, post_form

REDIS_URL = os.environ.get("TEST_REDIS_URL")
BASE = "http://testserver.local"
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="set TEST_REDIS_URL to test with Redis")


async def _flush(url: str) -> None:
    client = Redis.from_url(url)
    await client.flushdb()
    await client.aclose()


async def _count_keys(url: str, pattern: str) -> int:
    client = Redis.from_url(url)
    keys = await client.keys(pattern)
    await client.aclose()
    return len(keys)


@pytest.fixture
def redis_settings(settings: Settings) -> Settings:
    assert REDIS_URL is not None
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
    url = f"{REDIS_URL.rstrip('/').rsplit('/', 1)[0]}/{10 + int(worker)}"  # a db per worker
    asyncio.run(_flush(url))
    return replace(settings, redis_url=url)


def _apps(settings: Settings, tmp_path: Path) -> tuple[TestClient[Litestar], TestClient[Litestar]]:
    """Two app instances with nothing on disk in common, as two hosts behind a proxy would be:
    whatever they share, they share through Redis."""
    return (
        TestClient(create_app(replace(settings, var_dir=tmp_path / "a")), base_url=BASE),
        TestClient(create_app(replace(settings, var_dir=tmp_path / "b")), base_url=BASE),
    )


@pytest.fixture
def two_processes(redis_settings: Settings, tmp_path: Path) -> Iterator[tuple[Client, Client]]:
    first, second = _apps(redis_settings, tmp_path)
    with first, second:
        yield first, second


def test_a_session_started_on_one_process_is_valid_on_another(
    two_processes: tuple[Client, Client], moderator: User, redis_settings: Settings
) -> None:
    first, second = two_processes
    assert login(first, moderator.email).status_code == 303
    second.cookies.update(first.cookies)
    assert second.get("/moderation", follow_redirects=False).status_code == 200
    assert asyncio.run(_count_keys(redis_settings.redis_url or "", "*sessions*")) == 1


def test_the_write_limit_counts_across_processes(redis_settings: Settings, tmp_path: Path) -> None:
    first, second = _apps(replace(redis_settings, write_rate_limit_per_minute=2), tmp_path)
    with first, second:
        assert post_form(first, "/login", {"email": "a@example.org"}).status_code == 400
        assert post_form(second, "/login", {"email": "a@example.org"}).status_code == 400
        assert post_form(first, "/login", {"email": "a@example.org"}).status_code == 429
