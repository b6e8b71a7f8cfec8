"""`participation backup` and `participation restore`: a consistent copy while the app runs,
put back over changed data, an older backup migrated to head; every bad input refused with a
message and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result
from sqlalchemy import text
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.backup import libpq_connection
from participation.cli import main as cli
from participation.db import alembic_config, upgrade_database
from participation.models import Contribution, Process
from participation.settings import Settings
from tests.databases import postgres_database, postgres_name
from tests.helpers import add_idea, add_process, in_db

HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _settings(url: str, var_dir: Path) -> Settings:
    # For the rows the tests write (tests/helpers.in_db); the commands read the environment.
    return Settings(var_dir=var_dir, database_url=url, secret_key="test-secret-" + "x" * 32)


def _use(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands read their database from the environment, as in production."""
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)


@pytest.fixture(scope="module")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to head once, for each test to copy."""
    path = tmp_path_factory.mktemp("migrated") / "participation.sqlite3"
    upgrade_database(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def app_db(migrated_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The app's SQLite file under its var/, migrated, named by DATABASE_URL."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    shutil.copy(migrated_file, var_dir / "participation.sqlite3")
    settings = _settings(f"sqlite+aiosqlite:///{var_dir / 'participation.sqlite3'}", var_dir)
    _use(settings, monkeypatch)
    return settings


def _database_file(settings: Settings) -> Path:
    return settings.var_dir / "participation.sqlite3"


async def _add_ideas(session: AsyncSession, *titles: str) -> None:
    process = (await session.exec(select(Process))).first() or await add_process(session)
    for title in titles:
        await add_idea(session, process, title=title)


async def _titles(session: AsyncSession) -> list[str]:
    return list(await session.exec(select(Contribution.title).order_by(col(Contribution.id))))


async def _replace_ideas(session: AsyncSession) -> None:
    await session.exec(delete(Contribution))
    await session.commit()
    await _add_ideas(session, "Danach")


async def _revision(session: AsyncSession) -> str:
    found = await session.exec(text("SELECT version_num FROM alembic_version"))  # type: ignore[call-overload]
    return str(found.scalar_one())


def _run(*arguments: str) -> Result:
    return CliRunner().invoke(cli, list(arguments))


def _refused(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert "Traceback" not in result.output


def _journal_mode(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


# --- SQLite ----------------------------------------------------------------------------------


def test_a_backup_made_during_a_read_is_restored_over_changed_data(
    app_db: Settings, tmp_path: Path
) -> None:
    in_db(app_db, lambda s: _add_ideas(s, "Radweg", "Busspur"))
    backup = tmp_path / "backup.sqlite3"
    with closing(sqlite3.connect(_database_file(app_db))) as reader:
        # A reader keeps its snapshot open, and a writer commits into the WAL meanwhile:
        # the backup waits for neither and holds everything committed.
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM contribution").fetchone() == (2,)
        in_db(app_db, lambda s: _add_ideas(s, "Im WAL"))
        result = _run("backup", str(backup))
        assert reader.execute("SELECT count(*) FROM contribution").fetchone() == (2,)
    assert result.exit_code == 0, result.output
    assert f"to {backup}" in result.output
    assert backup.read_bytes().startswith(b"SQLite format 3\x00")
    assert backup.stat().st_mode & 0o777 == 0o600  # it holds personal data
    assert _journal_mode(backup) == "delete"  # one file, no -wal beside it
    assert not list(tmp_path.glob(".backup.sqlite3.*"))  # no partial file left

    in_db(app_db, _replace_ideas)
    _refused(_run("restore", str(backup)), "holds data")
    assert in_db(app_db, _titles) == ["Danach"]

    result = _run("restore", str(backup), "--force")
    assert result.exit_code == 0, result.output
    assert "must be stopped" in result.output
    assert f"migrated to {HEAD}" in result.output
    assert in_db(app_db, _titles) == ["Radweg", "Busspur", "Im WAL"]
    assert in_db(app_db, _revision) == HEAD
    assert _journal_mode(_database_file(app_db)) == "wal"
    # The app goes on writing to the restored file.
    in_db(app_db, lambda s: _add_ideas(s, "Nachher"))
    assert in_db(app_db, _titles)[-1] == "Nachher"


def test_an_older_backup_is_migrated_to_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older = tmp_path / "older.sqlite3"
    command.upgrade(alembic_config(f"sqlite+aiosqlite:///{older}"), "0019")
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    settings = _settings(f"sqlite+aiosqlite:///{var_dir / 'participation.sqlite3'}", var_dir)
    _use(settings, monkeypatch)

    # No database yet (a new machine): nothing to protect, no --force needed.
    result = _run("restore", str(older))
    assert result.exit_code == 0, result.output
    assert "(migration 0019)" in result.output
    assert in_db(settings, _revision) == HEAD
    assert _database_file(settings).stat().st_mode & 0o777 == 0o600
    assert _journal_mode(_database_file(settings)) == "wal"


def test_an_empty_database_is_replaced_without_force(
    app_db: Settings, migrated_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_db(app_db, lambda s: _add_ideas(s, "Radweg"))
    backup = tmp_path / "backup.sqlite3"
    assert _run("backup", str(backup)).exit_code == 0
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(migrated_file, other / "participation.sqlite3")  # migrated, but no rows
    empty = _settings(f"sqlite+aiosqlite:///{other / 'participation.sqlite3'}", other)
    _use(empty, monkeypatch)

    result = _run("restore", str(backup))
    assert result.exit_code == 0, result.output
    assert in_db(empty, _titles) == ["Radweg"]


def _sqlite_without_alembic(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.commit()


def _sqlite_from_the_future(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.execute("INSERT INTO alembic_version VALUES ('9999_later')")
        conn.commit()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: path.write_text("id,title\n1,Radweg\n"), "is not a SQLite database"),
        (lambda path: path.write_bytes(b""), "is not a SQLite database"),
        (_sqlite_without_alembic, "not one of this app (it has no alembic_version table)"),
        (_sqlite_from_the_future, "made by a newer version of the app (migration 9999_later)"),
        (lambda path: None, "There is no file"),
        (lambda path: path.mkdir(), "is not a file"),
    ],
)
def test_restore_refuses_what_is_no_backup_of_this_app(
    app_db: Settings, tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    in_db(app_db, lambda s: _add_ideas(s, "Radweg"))
    path = tmp_path / "backup.sqlite3"
    make(path)
    _refused(_run("restore", str(path), "--force"), message)
    assert in_db(app_db, _titles) == ["Radweg"]


def test_backup_refuses_a_place_it_cannot_write(app_db: Settings, tmp_path: Path) -> None:
    _refused(_run("backup", str(tmp_path / "missing" / "b.sqlite3")), "does not exist")
    _refused(_run("backup", str(tmp_path)), "is a folder")
    taken = tmp_path / "taken.sqlite3"
    taken.write_text("an older backup")
    _refused(_run("backup", str(taken)), "exists already")
    assert taken.read_text() == "an older backup"
    _refused(_run("backup", str(_database_file(app_db)), "--force"), "is the database itself")

    assert _run("backup", str(taken), "--force").exit_code == 0
    assert taken.read_bytes().startswith(b"SQLite format 3\x00")


def test_backup_without_a_database_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(_settings(f"sqlite+aiosqlite:///{tmp_path / 'none.sqlite3'}", tmp_path), monkeypatch)
    _refused(_run("backup", str(tmp_path / "b.sqlite3")), "nothing to back up")


# --- PostgreSQL ------------------------------------------------------------------------------


def test_the_programs_get_a_libpq_url_and_the_password_apart() -> None:
    url, environment = libpq_connection(
        "postgresql+asyncpg://app:s%40cret@db.example:5433/beteiligung?ssl=require"
    )
    assert url == "postgresql://app@db.example:5433/beteiligung?sslmode=require"
    assert environment["PGPASSWORD"] == "s@cret"


def test_missing_client_programs_are_named_and_the_password_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://app:geheim-42@127.0.0.1/beteiligung")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump, no pg_restore
    dump = tmp_path / "backup.dump"
    dump.write_bytes(b"PGDMP")
    for result, program in [
        (_run("backup", str(tmp_path / "new.dump")), "pg_dump"),
        (_run("restore", str(dump)), "pg_restore"),
    ]:
        _refused(result, f"{program} was not found: install PostgreSQL's client programs")
        assert "geheim-42" not in result.output


@pytest.fixture
def postgres_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("PostgreSQL not tested: set TEST_DATABASE_URL")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    with postgres_database(postgres_name("backup")) as url:
        upgrade_database(url)
        settings = _settings(url, tmp_path)
        _use(settings, monkeypatch)
        yield settings


async def _set_revision(session: AsyncSession) -> None:
    await session.exec(text("UPDATE alembic_version SET version_num = '0019'"))  # type: ignore[call-overload]
    await session.commit()


def test_a_postgres_backup_is_restored_over_changed_data(
    postgres_db: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_db(postgres_db, lambda s: _add_ideas(s, "Radweg", "Busspur"))
    backup = tmp_path / "backup.dump"
    result = _run("backup", str(backup))
    assert result.exit_code == 0, result.output
    assert backup.read_bytes().startswith(b"PGDMP")
    assert backup.stat().st_mode & 0o777 == 0o600

    in_db(postgres_db, _replace_ideas)
    _refused(_run("restore", str(backup)), "holds data")
    result = _run("restore", str(backup), "--force")
    assert result.exit_code == 0, result.output
    assert in_db(postgres_db, _titles) == ["Radweg", "Busspur"]
    assert in_db(postgres_db, _revision) == HEAD
    in_db(postgres_db, lambda s: _add_ideas(s, "Nachher"))  # the sequences go on after the rows
    assert in_db(postgres_db, _titles)[-1] == "Nachher"

    # pg_restore --clean cannot undo later migrations: another migration is refused.
    in_db(postgres_db, _set_revision)
    _refused(_run("restore", str(backup), "--force"), "restore it into a new, empty database")

    # A new, empty database takes it without --force.
    with postgres_database(postgres_name("backup_new")) as url:
        fresh = _settings(url, tmp_path)
        _use(fresh, monkeypatch)
        result = _run("restore", str(backup))
        assert result.exit_code == 0, result.output
        assert in_db(fresh, _titles) == ["Radweg", "Busspur"]
        assert in_db(fresh, _revision) == HEAD

    _refused(_run("restore", str(tmp_path / "backup.txt")), "There is no file")
    (tmp_path / "notes.dump").write_text("keine Sicherung")
    _refused(_run("restore", str(tmp_path / "notes.dump")), "is not a PostgreSQL backup")
