"""`participation backup` and `participation restore`: a consistent copy of the database while
the app runs, and putting one back.

SQLite goes through its online backup API, which copies one snapshot (a read transaction;
in WAL mode writers go on meanwhile) page by page, and writes a restored copy through
SQLite's own locking, so the -wal and -shm files always belong to the file they sit beside.
PostgreSQL goes through pg_dump and pg_restore (its custom format), when they are installed.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import exists, inspect, or_, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel

import participation.models  # noqa: F401 - every table in SQLModel.metadata, for the emptiness check
from participation.bootstrap import describe_database
from participation.db import (
    _sqlite_file,
    alembic_config,
    create_engine,
    error_text,
    secure_sqlite_file,
    upgrade_database,
)
from participation.settings import Settings

SQLITE_HEADER: Final = b"SQLite format 3\x00"
PG_DUMP_HEADER: Final = b"PGDMP"  # pg_dump's custom format
# pg_restore --list names the table as "TABLE <schema> alembic_version <owner>".
_PG_ALEMBIC_TABLE: Final = re.compile(r"^\d+; \d+ \d+ TABLE \S+ alembic_version\b", re.MULTILINE)
_PG_REVISION: Final = re.compile(
    r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(\S+)\n", re.MULTILINE
)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in one line."""


@dataclass(frozen=True)
class Restored:
    revision: str  # the backup's migration
    head: str  # the migration the database is at now


# --- what both backends share ----------------------------------------------------------------


def _check_destination(path: Path, force: bool) -> None:
    if path.is_dir():
        raise BackupError(f"{path} is a folder: give a file name, e.g. {path / 'backup.dump'}.")
    if path.exists() and not force:
        raise BackupError(f"{path} exists already: choose another name, or --force to replace it.")
    folder = path.parent
    if not folder.is_dir():
        raise BackupError(f"The folder {folder} does not exist.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupError(f"Cannot write into the folder {folder}: no permission.")


@contextmanager
def _partial_file(path: Path) -> Iterator[Path]:
    """An empty file beside `path`, readable by this user alone (it will hold personal data),
    that becomes `path` only once complete: a failed backup leaves no half file behind."""
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise BackupError(
            f"Cannot write into the folder {path.parent}: {error.strerror}."
        ) from None
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _check_source(path: Path, header: bytes, kind: str) -> None:
    if not path.exists():
        raise BackupError(f"There is no file {path}.")
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    try:
        with path.open("rb") as file:
            start = file.read(len(header))
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.") from None
    if start != header:
        raise BackupError(f"{path} is not {kind}.")


def _known_revision(database_url: str, revision: str | None, path: Path) -> str:
    """`revision` when it is one of this app's migrations."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    known = {each.revision for each in script.walk_revisions()}
    if revision is None:
        raise BackupError(f"{path} holds no migration number: it is not a backup of this app.")
    if revision not in known:
        raise BackupError(
            f"{path} was made by a newer version of the app (migration {revision}): "
            "update the app first, then restore."
        )
    return revision


async def _database_state(settings: Settings) -> tuple[str | None, bool]:
    """The database's migration (None before the first) and whether any table of the app
    holds a row."""
    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
            revision = None
            if "alembic_version" in names:
                found = await conn.execute(text("SELECT version_num FROM alembic_version"))
                revision = found.scalar()
            tables = [t for t in SQLModel.metadata.sorted_tables if t.name in names]
            if not tables:
                return revision, False
            # One statement, each table asked for one row at most.
            query = select(or_(*(exists().select_from(table) for table in tables)))
            return revision, bool((await conn.execute(query)).scalar())
    finally:
        await engine.dispose()


def _target_state(settings: Settings) -> tuple[str | None, bool]:
    try:
        return asyncio.run(_database_state(settings))
    except (SQLAlchemyError, OSError) as error:
        raise BackupError(
            f"Cannot read the database {describe_database(settings)}: {error_text(error)}"
        ) from None


def _migrate(settings: Settings) -> str:
    try:
        upgrade_database(settings.database_url)
    except (SQLAlchemyError, CommandError, OSError) as error:
        raise BackupError(
            f"The backup is restored, but migrating it failed: {error_text(error)}"
        ) from None
    head = ScriptDirectory.from_config(alembic_config(settings.database_url)).get_current_head()
    return head or ""


def _refuse_data(settings: Settings, force: bool) -> str | None:
    """The database's migration; refuses a database that holds data, unless `force`."""
    revision, has_rows = _target_state(settings)
    if has_rows and not force:
        raise BackupError(
            f"The database {describe_database(settings)} holds data: restoring replaces all of "
            "it. Back it up first, then restore with --force."
        )
    return revision


def backup(settings: Settings, path: Path, *, force: bool = False) -> None:
    """Write a consistent copy of the database to `path` (replaced only with `force`)."""
    _check_destination(path, force)
    if settings.is_sqlite:
        _sqlite_backup(_sqlite_path(settings), path)
    else:
        _postgres_backup(settings, path)


def restore(settings: Settings, path: Path, *, force: bool = False) -> Restored:
    """Replace the database's content with the backup in `path`, then migrate it to head.
    Refuses a database that holds data unless `force`."""
    if settings.is_sqlite:
        revision = _sqlite_restore(settings, path, force)
    else:
        revision = _postgres_restore(settings, path, force)
    return Restored(revision=revision, head=_migrate(settings))


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_path(settings: Settings) -> Path:
    path = _sqlite_file(settings.database_url)
    if path is None:
        raise BackupError("The database lives in memory: there is no file to back up.")
    return path


def _read_only(path: Path) -> sqlite3.Connection:
    # mode=ro: never creates the file, never writes to it.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def _sqlite_backup(database: Path, path: Path) -> None:
    if not database.is_file():
        raise BackupError(f"There is no database file {database}: nothing to back up.")
    if path.exists() and path.samefile(database):
        raise BackupError(f"{path} is the database itself.")
    with _partial_file(path) as partial:
        try:
            with closing(_read_only(database)) as source, closing(sqlite3.connect(partial)) as copy:
                # In one step (pages=-1): one read transaction, so one consistent snapshot.
                source.backup(copy)
                # The copy as a single file, without a -wal beside it; restore turns WAL on.
                copy.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.Error as error:
            raise BackupError(f"Could not copy the database {database}: {error}") from None


def _sqlite_revision(path: Path) -> str | None:
    """The migration of the SQLite database in `path`, after checking it is whole."""
    try:
        with closing(_read_only(path)) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if "alembic_version" not in tables:
                raise BackupError(
                    f"{path} is a SQLite database, but not one of this app "
                    "(it has no alembic_version table)."
                )
            problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise BackupError(f"{path} is damaged: {problems[0]}")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error as error:
        raise BackupError(f"Cannot read {path} as a SQLite database: {error}") from None
    return row[0] if row else None


def _sqlite_restore(settings: Settings, path: Path, force: bool) -> str:
    database = _sqlite_path(settings)
    _check_source(path, SQLITE_HEADER, "a SQLite database")
    if database.exists() and path.samefile(database):
        raise BackupError(f"{path} is the database itself.")
    revision = _known_revision(settings.database_url, _sqlite_revision(path), path)
    if database.exists() and not force:
        _refuse_data(settings, force)
    if not database.parent.is_dir():
        raise BackupError(f"The folder {database.parent} of the database does not exist.")
    try:
        secure_sqlite_file(settings.database_url)  # a missing database file made 0600 first
        with closing(_read_only(path)) as source, closing(_connect(settings, database)) as target:
            # Written through SQLite's locks as one transaction: all of it or none, and the
            # target's -wal and -shm files stay consistent with it.
            source.backup(target)
            mode = target.execute("PRAGMA journal_mode=WAL").fetchone()
    except (sqlite3.Error, OSError) as error:
        raise BackupError(f"Could not restore into {database}: {error}") from None
    if not mode or mode[0] != "wal":
        raise BackupError(f"Restored, but {database} could not be put into WAL mode.")
    return revision


def _connect(settings: Settings, database: Path) -> sqlite3.Connection:
    return sqlite3.connect(database, timeout=max(settings.sqlite_busy_timeout, 30))


# --- PostgreSQL ------------------------------------------------------------------------------


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found: install PostgreSQL's client programs (e.g. the package "
            "postgresql-client, of the server's major version or newer) and put them on PATH."
        )
    return found


def libpq_connection(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL in libpq's form (postgresql://, no password) for pg_dump and pg_restore, and
    the environment to run them in, with the password as PGPASSWORD: out of the command
    line, which other users of the machine can see."""
    url = make_url(database_url)
    query = dict(url.query)
    ssl = query.pop("ssl", None)  # asyncpg's name for libpq's sslmode
    if ssl is not None:
        query["sslmode"] = ssl
    # Built anew: URL.set(password=None) keeps the password.
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=query,
    )
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), environment


def _run(settings: Settings, program: str, *arguments: str, connect: bool = False) -> str:
    """Run a PostgreSQL client program (on the database when `connect`); its output, or
    BackupError with its last words."""
    conninfo, environment = libpq_connection(settings.database_url)
    command = [program, *([f"--dbname={conninfo}"] if connect else []), *arguments]
    try:
        done = subprocess.run(  # noqa: S603 - a program found by shutil.which, no shell
            command, env=environment, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise BackupError(f"Could not run {program}: {error.strerror}") from None
    if done.returncode != 0:
        words = [line for line in done.stderr.splitlines() if line.strip()]
        message = words[-1] if words else f"exit code {done.returncode}"
        password = make_url(settings.database_url).password
        if password:
            message = message.replace(str(password), "***")
        raise BackupError(f"{Path(program).name} failed: {message}")
    return done.stdout


def _postgres_backup(settings: Settings, path: Path) -> None:
    pg_dump = _program("pg_dump")
    with _partial_file(path) as partial:
        # pg_dump takes a snapshot: one consistent state while the app goes on writing.
        _run(settings, pg_dump, "--format=custom", f"--file={partial}", connect=True)


def _postgres_restore(settings: Settings, path: Path, force: bool) -> str:
    pg_restore = _program("pg_restore")
    _check_source(path, PG_DUMP_HEADER, "a PostgreSQL backup (pg_dump --format=custom)")
    if not _PG_ALEMBIC_TABLE.search(_run(settings, pg_restore, "--list", str(path))):
        raise BackupError(
            f"{path} is a PostgreSQL backup, but not one of this app (it has no alembic_version)."
        )
    data = _run(
        settings, pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)
    )
    found = _PG_REVISION.search(data)
    revision = _known_revision(settings.database_url, found[1] if found else None, path)
    current = _refuse_data(settings, force)
    if current is not None and current != revision:
        # --clean drops only what the backup holds: tables of later migrations would stay.
        raise BackupError(
            f"The database is at migration {current}, the backup at {revision}: restore it "
            "into a new, empty database (createdb, and DATABASE_URL naming it)."
        )
    # One transaction: a restore that fails leaves the database as it was. Owners and grants
    # of the source server are left out: the restoring user owns what it creates.
    _run(
        settings,
        pg_restore,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        str(path),
        connect=True,
    )
    return revision
