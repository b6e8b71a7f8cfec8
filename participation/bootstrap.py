"""Getting a database ready to serve: migrations first, then the demo on an empty database."""

from __future__ import annotations

import anyio

from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.services.seed import DemoLogin, seed_demo
from participation.settings import Settings

DEMO_LOGIN_FILE = "demo-login.txt"


async def prepare_database(settings: Settings) -> DemoLogin | None:
    """Migrate (if enabled) and seed the demo (if enabled and the database is empty).

    Returns the new demo login when this call seeded; it is also written to var/.
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
        path.write_text(f"{login.email}\n{login.password}\n")
        path.chmod(0o600)
    return login


def read_demo_login(settings: Settings) -> DemoLogin | None:
    path = settings.var_dir / DEMO_LOGIN_FILE
    if not path.exists():
        return None
    email, password = path.read_text().split("\n")[:2]
    return DemoLogin(email=email, password=password)
