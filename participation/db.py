"""Engine and sessions: SQLite (WAL) under var/ by default, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import QueuePool
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.settings import Settings

SessionMaker = async_sessionmaker[AsyncSession]


def _sqlite_pragmas(busy_timeout: float) -> Callable[[Any, Any], None]:
    def configure(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers go on while one writer commits; foreign keys are off in SQLite
        # unless asked; a writer waits `busy_timeout` for another's lock, then gets "busy".
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    return configure


def _sqlite_file(database_url: str) -> Path | None:
    url = make_url(database_url)
    name = url.database or ""
    if not url.drivername.startswith("sqlite") or name in {"", ":memory:"}:
        return None
    return Path(name.removeprefix("file:").split("?")[0])


def secure_sqlite_file(database_url: str) -> None:
    """The SQLite file readable and writable by this user alone (0600): it holds e-mail
    addresses and everything people wrote. SQLite gives its -wal and -shm files the database
    file's permissions; files from before are narrowed too."""
    path = _sqlite_file(database_url)
    if path is None:
        return
    if not path.exists() and "mode=ro" not in database_url:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # an empty file is a new database
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


class EngineUse(StrEnum):
    """Who uses an engine, which decides its pool and its timeouts."""

    WEB = "web"  # requests: DB_POOL_SIZE, a short wait for a connection, STATEMENT_TIMEOUT
    BACKGROUND = "background"  # the app's jobs, suggestions, purge: 5 at most, long statements
    HEALTH = "health"  # /healthz: one connection of its own, HEALTH_TIMEOUT for everything
    COMMAND = "command"  # the commands, start-up and scripts: long statements


@dataclass(frozen=True)
class _Limits:
    pool_size: int
    max_overflow: int
    pool_timeout: float  # seconds to wait for a free connection
    statement_timeout: float  # PostgreSQL, seconds; 0 = none
    busy_timeout: float  # SQLite, seconds
    connect_timeout: float  # PostgreSQL, seconds


def _limits(settings: Settings, use: EngineUse) -> _Limits:
    if use is EngineUse.WEB:
        return _Limits(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_overflow,
            pool_timeout=settings.db_pool_timeout,
            statement_timeout=settings.statement_timeout,
            busy_timeout=settings.sqlite_busy_timeout,
            connect_timeout=10,
        )
    if use is EngineUse.HEALTH:
        wait = settings.health_timeout
        return _Limits(1, 0, wait, wait, wait, wait)
    # The app's background tasks hold a few connections at most (one job at a time, one
    # suggestion consumer, the purge); commands get SQLAlchemy's defaults.
    background = use is EngineUse.BACKGROUND
    return _Limits(
        pool_size=2 if background else 5,
        max_overflow=3 if background else 10,
        pool_timeout=60 if background else 30,
        statement_timeout=settings.background_statement_timeout,
        busy_timeout=max(settings.sqlite_busy_timeout, 30),
        connect_timeout=60,
    )


def create_engine(settings: Settings, use: EngineUse = EngineUse.COMMAND) -> AsyncEngine:
    """An engine for `use`: the app's requests, its background work, its health check, or
    (by default) a command."""
    limits = _limits(settings, use)
    # Statement parameters stay out of error messages and logs: they hold what people typed,
    # e-mail addresses and invitation tokens.
    options: dict[str, Any] = {
        "hide_parameters": not settings.debug,
        "pool_size": limits.pool_size,
        "max_overflow": limits.max_overflow,
        "pool_timeout": limits.pool_timeout,
    }
    if settings.is_sqlite:
        settings.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        secure_sqlite_file(settings.database_url)
        engine = create_async_engine(
            settings.database_url, connect_args={"timeout": limits.busy_timeout}, **options
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(limits.busy_timeout))
        return engine
    server_settings = {}
    if limits.statement_timeout > 0:
        # Counted on the server, so a statement waiting for a lock is cancelled as well.
        server_settings["statement_timeout"] = str(int(limits.statement_timeout * 1000))
    connect_args = {"server_settings": server_settings, "timeout": limits.connect_timeout}
    return create_async_engine(
        settings.database_url, pool_pre_ping=True, connect_args=connect_args, **options
    )


def connections_in_use(engine: AsyncEngine) -> int:
    """Connections of the engine's pool checked out now."""
    pool = engine.pool
    return pool.checkedout() if isinstance(pool, QueuePool) else 0


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    # expire_on_commit=False: objects stay readable after commit, e.g. while a template renders.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def upgrade_database(database_url: str) -> None:
    """Apply all migrations. Blocking: call it from a thread or before the event loop starts."""
    secure_sqlite_file(database_url)  # before Alembic creates it with the default permissions
    command.upgrade(alembic_config(database_url), "head")


# --- can the database take writes? -----------------------------------------------------------

# The cause for a database that works but could not answer in time (see unavailable_cause).
BUSY: Final = "busy"
# One row every migrated database has, written back unchanged and rolled back.
_WRITE_PROBE: Final = text("UPDATE alembic_version SET version_num = version_num")
# SQLite's primary result codes that mean the file cannot be used now, by cause.
_SQLITE_CAUSES: Final = {
    3: "no permission",  # SQLITE_PERM
    5: BUSY,  # SQLITE_BUSY: another writer held the lock past the busy timeout
    6: BUSY,  # SQLITE_LOCKED
    8: "read-only",  # SQLITE_READONLY
    10: "input/output error",  # SQLITE_IOERR
    13: "disk full",  # SQLITE_FULL
    14: "cannot open the file",  # SQLITE_CANTOPEN
}
# PostgreSQL's SQLSTATE codes (or their classes) for the same, by cause.
_POSTGRES_CAUSES: Final = {
    "25006": "read-only",  # read_only_sql_transaction (default_transaction_read_only, standby)
    "53100": "disk full",
    "57014": BUSY,  # query_canceled: ran past statement_timeout
    "55P03": BUSY,  # lock_not_available
    "08": "unreachable",  # connection exceptions
    "28": "unreachable",  # invalid authorization
    "3D": "unreachable",  # the database does not exist
    "53": "overloaded",  # insufficient resources
    "57P": "unreachable",  # shutting down, starting up
}


def unavailable_cause(error: BaseException) -> str | None:
    """Why the database cannot take this request now ("read-only", "unreachable", …), or None
    when `error` is not about the database's state (a bug, a broken constraint)."""
    if isinstance(error, exc.TimeoutError):  # no connection of the pool free in time
        return BUSY
    if isinstance(error, ConnectionError):  # refused
        return "unreachable"
    if not isinstance(error, exc.DBAPIError):
        return None
    original = error.orig
    code = getattr(original, "sqlite_errorcode", None)
    if isinstance(code, int):
        return _SQLITE_CAUSES.get(code & 0xFF)
    sqlstate = str(getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or "")
    for prefix in (sqlstate, sqlstate[:3], sqlstate[:2]):
        if prefix and prefix in _POSTGRES_CAUSES:
            return _POSTGRES_CAUSES[prefix]
    return "unreachable" if error.connection_invalidated else None


def error_text(error: BaseException) -> str:
    """The database's own words for an error, on one line (no SQL, no parameters)."""
    original = getattr(error, "orig", None) or error
    words = str(original).strip().splitlines()
    return words[0] if words else type(error).__name__


async def probe_write(session: AsyncSession) -> None:
    """Write one row and roll it back: raises when the database takes no writes (a read-only
    file or transaction, a full disk, a lost connection), so the health check and the start
    find out before a person's submission does."""
    try:
        await session.exec(_WRITE_PROBE)  # type: ignore[call-overload]
    finally:
        await session.rollback()
