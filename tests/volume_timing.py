"""Time the main pages in-process on a database filled by tests/volume_rows.py: for each page
the median time of a request, the number of SQL statements and the slowest statement's time.

For measuring by hand, not a test (the load benchmark over real HTTP is bench/volume.py):

    python -m tests.volume_rows sqlite+aiosqlite:////tmp/v.sqlite3 100000
    python -m tests.volume_timing sqlite+aiosqlite:////tmp/v.sqlite3 volumen-100000 [REPEATS]
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from participation.app import create_app
from participation.db import create_engine, create_sessionmaker
from participation.models import Role, User
from participation.services.users import create_user
from participation.settings import Settings
from tests.helpers import PASSWORD, login
from tests.sql_statements import recorded
from tests.volume_rows import Volume, public_pages, staff_pages


async def _volume(settings: Settings, slug: str) -> Volume:
    engine = create_engine(settings)
    async with engine.connect() as conn:
        process_id = (
            await conn.execute(text("SELECT id FROM process WHERE slug = :s"), {"s": slug})
        ).scalar_one()
        busy = (
            await conn.execute(
                text(
                    "SELECT id FROM contribution WHERE process_id = :p AND kind = 'idea'"
                    " ORDER BY comment_count DESC LIMIT 1"
                ),
                {"p": process_id},
            )
        ).scalar_one()
    async with create_sessionmaker(engine)() as session:
        email = "volume-timing@example.org"
        exists = await session.exec(select(User.id).where(User.email == email))
        if exists.first() is None:
            await create_user(session, email=email, password=PASSWORD, role=Role.ADMIN)
    await engine.dispose()
    return Volume(process_id, slug, 0, busy, [])


def main(url: str, slug: str, repeats: int) -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with TemporaryDirectory() as var_dir:
        settings = replace(
            Settings.from_env(),
            var_dir=Path(var_dir),
            database_url=url,
            migrate_on_start=False,
            seed_demo=False,
            preload_nlp=False,
        )
        volume = asyncio.run(_volume(settings, slug))
        app = create_app(settings)
        with TestClient(app, base_url="http://testserver.local") as client:
            anonymous = public_pages(volume)
            for name, path in anonymous.items():
                _time(client, name, path, repeats)
            login(client, "volume-timing@example.org")
            for name, path in staff_pages(volume).items():
                _time(client, name, path, repeats)


def _time(client: TestClient[Any], name: str, path: str, repeats: int) -> None:
    client.get(path)  # warm caches, as a running server has them
    times: list[float] = []
    with recorded(Engine) as statements:
        for _ in range(repeats):
            started = time.perf_counter()
            statements.runs.clear()
            statements.recording = True
            response = client.get(path)
            statements.recording = False
            times.append(time.perf_counter() - started)
    slowest = max(statements.runs, key=lambda run: run.seconds, default=None)
    slow = (slowest.seconds, slowest.statement) if slowest else (0.0, "")
    print(
        f"{name:24} {response.status_code} {statistics.median(times) * 1000:8.1f} ms"
        f"  {len(statements.runs):2} statements, slowest {slow[0] * 1000:7.1f} ms"
        f"  {' '.join(slow[1].split())[:90]}",
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5)
