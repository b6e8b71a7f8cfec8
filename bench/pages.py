"""Page throughput against the bare framework ceiling, in one process, in one run.

Each page is requested through the full ASGI stack (middleware, database, templates) with
httpx's in-process transport, so the network and the server loop are left out on both
sides of the ratio.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx
from litestar import Litestar, get

from participation.app import create_app
from participation.bootstrap import prepare_database
from participation.settings import Settings

PAGES = {
    "home": "/",
    "process page": "/processes/digitalstrategie-auetal",
    "process page 3": "/processes/digitalstrategie-auetal?page=3",
    "api contributions": "/api/v1/processes/digitalstrategie-auetal/contributions",
    "healthz": "/healthz",
}


@get("/", sync_to_thread=False)
def hello() -> str:
    return "hello"


async def _rate(app: Litestar, path: str, seconds: float) -> float:
    """Requests per second for one path, after a short warm-up."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # narrower scope types
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(20):
            response = await client.get(path)
            response.raise_for_status()
        count = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            await client.get(path)
            count += 1
    return count / elapsed


async def measure(seconds: float) -> dict[str, object]:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(
            Settings.from_env(),
            var_dir=Path(tmp),
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.sqlite3",
            write_rate_limit_per_minute=10**6,
        )
        await prepare_database(settings)
        app = create_app(replace(settings, migrate_on_start=False, seed_demo=False))
        ceiling_app = Litestar([hello])
        async with app.lifespan(), ceiling_app.lifespan():
            ceiling = await _rate(ceiling_app, "/", seconds)
            pages = {name: await _rate(app, path, seconds) for name, path in PAGES.items()}
    return {
        "seconds_per_measurement": seconds,
        "bare_litestar_requests_per_second": round(ceiling),
        "pages": {
            name: {"requests_per_second": round(rate), "share_of_ceiling": round(rate / ceiling, 3)}
            for name, rate in pages.items()
        },
    }
