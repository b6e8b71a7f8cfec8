"""Getting a database ready to serve: migrations first, then the demo on an empty database,
then a check that it takes writes."""

from __future__ import annotations

from contextlib import suppress

import anyio
from sqlalchemy.exc import DBAPIError

from participation.db import (
    create_engine,
    create_sessionmaker,
    error_text,
    probe_write,
    upgrade_database,
)
from participation.services.maintenance import optimize
from participation.services.seed import DemoLogin, DemoLogins, seed_demo
from participation.settings import Settings

DEMO_LOGIN_FILE = "demo-login.txt"


async def prepare_database(settings: Settings) -> DemoLogins | None:
    """Migrate (if enabled) and seed the demo (if enabled and the database is empty).

    Returns the new demo logins when this call seeded; they are also written to var/
    (`demo-login.txt`: the moderator's e-mail and password on lines 1 and 2, the admin's on
    lines 3 and 4).
    """
    # Sessions, uploads, the secret key and the SQLite file: for this user alone.
    settings.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(PermissionError):  # a folder another user owns keeps its permissions
        settings.var_dir.chmod(0o700)
    if settings.migrate_on_start:
        # Alembic is synchronous and runs its own event loop: give it a thread.
        await anyio.to_thread.run_sync(upgrade_database, settings.database_url)
    if settings.is_sqlite:
        # SQLite gathers planner statistics only when asked (PostgreSQL's autovacuum does).
        engine = create_engine(settings)
        try:
            await optimize(engine)
        finally:
            await engine.dispose()
    if not settings.seed_demo:
        return None
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            login = await seed_demo(session, with_plan=settings.demo_plan)
    finally:
        await engine.dispose()
    if login is not None:
        path = settings.var_dir / DEMO_LOGIN_FILE
        lines = [login.moderator.email, login.moderator.password]
        if login.admin is not None:
            lines += [login.admin.email, login.admin.password]
        for juror in login.jurors:
            lines += [juror.email, juror.password]
        path.write_text("".join(f"{line}\n" for line in lines))
        path.chmod(0o600)
    return login


class DatabaseNotReady(Exception):
    """The database cannot be used; the message says which one and why, in one line."""


def describe_database(settings: Settings) -> str:
    """The database for people to read: the SQLite file, or PostgreSQL's host and name (never
    the password)."""
    if settings.is_sqlite:
        return settings.database_url.split("///", 1)[-1]
    return settings.database_url.split("@")[-1]


async def check_database(settings: Settings) -> None:
    """Raises DatabaseNotReady unless the database takes a write (rolled back)."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            await probe_write(session)
    finally:
        await engine.dispose()


async def ready_database(settings: Settings) -> DemoLogins | None:
    """`prepare_database`, then `check_database`; a database that is missing, unreachable or
    read-only raises DatabaseNotReady naming it and the cause, instead of a long traceback."""
    try:
        login = await prepare_database(settings)
        await check_database(settings)
    except (DBAPIError, OSError) as error:
        raise DatabaseNotReady(
            f"Cannot use the database {describe_database(settings)}: {error_text(error)}"
        ) from error
    return login


def read_demo_login(settings: Settings) -> DemoLogins | None:
    path = settings.var_dir / DEMO_LOGIN_FILE
    if not path.exists():
        return None
    lines = path.read_text().split("\n")
    admin = DemoLogin(email=lines[2], password=lines[3]) if len(lines) > 3 and lines[3] else None
    pairs = [lines[i : i + 2] for i in range(4, len(lines) - 1, 2)]
    jurors = tuple(DemoLogin(email=e, password=p) for e, p in pairs if e and p)
    return DemoLogins(
        moderator=DemoLogin(email=lines[0], password=lines[1]), admin=admin, jurors=jurors
    )
