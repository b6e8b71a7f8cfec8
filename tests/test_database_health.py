"""A database that is missing, unreachable or read-only: one clear line at start, a 503 from
/healthz, and a 503 page (not a 500) for writes; the SQLite file for this user alone."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy.engine import make_url

from participation import cli
from participation.app import create_app
from participation.bootstrap import ready_database
from participation.db import create_engine, create_sessionmaker
from participation.health import HealthCheck
from participation.models import Process
from participation.settings import Settings
from tests.helpers import SLUG, Client, german, html, one, post_form, text_of, valid_idea


async def _set_read_only(database_url: str, read_only: bool) -> None:
    """PostgreSQL: new connections to the test database start read-only transactions (as on a
    standby, or a database an administrator made read-only)."""
    url = make_url(database_url)
    conn = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        await conn.execute("SET default_transaction_read_only = off")
        setting = "SET default_transaction_read_only = on" if read_only else "RESET ALL"
        await conn.execute(f'ALTER DATABASE "{url.database}" {setting}')
    finally:
        await conn.close()


@contextmanager
def read_only(settings: Settings) -> Iterator[Settings]:
    """Settings for the test database, which takes no writes from connections opened from now
    on (SQLite: opened read-only; PostgreSQL: read-only transactions)."""
    if settings.is_sqlite:
        path = settings.database_url.split("///", 1)[1]
        yield replace(settings, database_url=f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
        return
    asyncio.run(_set_read_only(settings.database_url, True))
    try:
        yield settings
    finally:
        asyncio.run(_set_read_only(settings.database_url, False))


@pytest.fixture
def read_only_client(settings: Settings, process: Process) -> Iterator[Client]:
    """The app, started on a writable database that turned read-only since (the background
    jobs write at start): its requests get sessions of an engine opened after the change."""
    with (
        TestClient(create_app(settings), base_url="http://testserver.local") as client,
        read_only(settings) as changed,
    ):
        engine = create_engine(changed)
        client.app.state.sessionmaker = create_sessionmaker(engine)
        started_health = client.app.state.health
        client.app.state.health = HealthCheck(changed, engine)
        yield client
        client.blocking_portal.call(client.app.state.health.close)
        client.app.state.health = started_health
        client.blocking_portal.call(engine.dispose)


def test_healthz_checks_that_the_database_takes_writes(read_only_client: Client) -> None:
    response = read_only_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] == "read-only"


def test_writes_to_a_read_only_database_get_a_503_page(read_only_client: Client) -> None:
    client = read_only_client
    assert client.get(f"/processes/{SLUG}").status_code == 200  # reading goes on
    response = post_form(client, f"/processes/{SLUG}/ideas", valid_idea())
    assert response.status_code == 503
    assert response.headers["retry-after"] == "120"
    page = html(response.text)
    assert text_of(one(page, "h1")) == german("Saving is not possible right now")
    api = client.post(f"/api/v1/processes/{SLUG}/ideas", json={**valid_idea(), "consent": True})
    assert api.status_code == 503
    assert api.json()["detail"] == "Database unavailable: read-only"


# --- at start ---------------------------------------------------------------------------------


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """uvicorn.run replaced: the app it would serve, once per start."""
    apps: list[str] = []
    monkeypatch.setattr("participation.cli.uvicorn.run", lambda app, **_options: apps.append(app))
    return apps


def _serve(tmp_path: Path, database_url: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli.main,
        ["serve"],
        env={
            "VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": database_url,
            "SEED_DEMO": "false",
            "PRELOAD_NLP": "false",
            # serve sets it for its app processes; listed here, the runner restores it after.
            "MIGRATE_ON_START": "true",
        },
    )
    return result.exit_code, result.output


def _unknown_postgres_database() -> str:
    base = make_url(os.environ.get("TEST_DATABASE_URL") or "postgresql+asyncpg://postgres@x/x")
    return base.set(database="gibt_es_nicht_0").render_as_string(hide_password=False)


@pytest.mark.parametrize(
    ("database", "cause"),
    [
        ("sqlite+aiosqlite:///{tmp}/fehlt/db.sqlite3", "No such file or directory"),
        ("postgresql+asyncpg://postgres@127.0.0.1:1/beteiligung", "Connect call failed"),
        pytest.param(
            _unknown_postgres_database(),
            'database "gibt_es_nicht_0" does not exist',
            marks=pytest.mark.skipif(
                "TEST_DATABASE_URL" not in os.environ, reason="needs a PostgreSQL server"
            ),
        ),
    ],
)
def test_a_missing_database_is_named_in_one_line(
    tmp_path: Path, started: list[str], database: str, cause: str
) -> None:
    code, output = _serve(tmp_path, database.format(tmp=tmp_path))
    assert code == 1
    [line] = output.strip().splitlines()
    where = database.format(tmp=tmp_path).split("///")[-1].split("@")[-1]
    assert line.startswith(f"Error: Cannot use the database {where}: ")
    assert cause in line
    assert started == []


def test_a_read_only_database_is_named_in_one_line(tmp_path: Path, started: list[str]) -> None:
    path = tmp_path / "db.sqlite3"
    assert _serve(tmp_path, f"sqlite+aiosqlite:///{path}")[0] == 0  # migrated
    assert started == ["participation.app:create_app"]
    code, output = _serve(tmp_path, f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    assert code == 1
    assert started == ["participation.app:create_app"]  # not a second time
    [line] = output.strip().splitlines()
    assert line == (
        f"Error: Cannot use the database file:{path}?mode=ro&uri=true: "
        "attempt to write a readonly database"
    )


# --- the SQLite file --------------------------------------------------------------------------


@pytest.fixture
def fresh(tmp_path: Path) -> Settings:
    var = tmp_path / "var"
    return Settings(
        var_dir=var,
        database_url=f"sqlite+aiosqlite:///{var / 'participation.sqlite3'}",
        secret_key="x" * 40,
        seed_demo=False,
        preload_nlp=False,
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_sqlite_file_is_for_this_user_alone(fresh: Settings) -> None:
    await ready_database(fresh)  # migrates: the WAL files exist now
    database = fresh.var_dir / "participation.sqlite3"
    assert _mode(fresh.var_dir) == 0o700
    assert _mode(database) == 0o600
    for suffix in ("-wal", "-shm"):
        sidecar = database.with_name(database.name + suffix)
        if sidecar.exists():
            assert _mode(sidecar) == 0o600


async def test_an_older_world_readable_database_is_narrowed(fresh: Settings) -> None:
    await ready_database(fresh)
    database = fresh.var_dir / "participation.sqlite3"
    database.chmod(0o644)
    fresh.var_dir.chmod(0o755)
    await ready_database(fresh)
    assert _mode(database) == 0o600
    assert _mode(fresh.var_dir) == 0o700
