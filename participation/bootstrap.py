"""Getting a database ready to serve: migrations first, then the demo on an empty database."""

from __future__ import annotations

import anyio

from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.services.seed import DemoLogin, DemoLogins, seed_demo
from participation.settings import Settings

DEMO_LOGIN_FILE = "demo-login.txt"


async def prepare_database(settings: Settings) -> DemoLogins | None:
    """Migrate (if enabled) and seed the demo (if enabled and the database is empty).

    Returns the new demo logins when this call seeded; they are also written to var/
    (`demo-login.txt`: the moderator's e-mail and password on lines 1 and 2, the admin's on
    lines 3 and 4).
    """
    if settings.migrate_on_start:
        # Alembic is synchronous and runs its own event loop: give it a thread.
        await anyio.to_thread.run_sync(upgrade_database, settings.database_url)
    if not settings.seed_demo:
        return None
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            login = await seed_demo(session)
    finally:
        await engine.dispose()
    if login is not None:
        path = settings.var_dir / DEMO_LOGIN_FILE
        lines = [login.moderator.email, login.moderator.password]
        if login.admin is not None:
            lines += [login.admin.email, login.admin.password]
        path.write_text("".join(f"{line}\n" for line in lines))
        path.chmod(0o600)
    return login


def read_demo_login(settings: Settings) -> DemoLogins | None:
    path = settings.var_dir / DEMO_LOGIN_FILE
    if not path.exists():
        return None
    lines = path.read_text().split("\n")
    admin = DemoLogin(email=lines[2], password=lines[3]) if len(lines) > 3 and lines[3] else None
    return DemoLogins(moderator=DemoLogin(email=lines[0], password=lines[1]), admin=admin)
