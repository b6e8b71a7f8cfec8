"""The participation dashboard at volume: the process "volumen" of bench/volume.py (N
published ideas with about 3 comments each, pending items, focus-group ideas, a firm survey
with 1,000 sent responses) with a known population entered for every WZ section and size
class.

In process: the median time to build every figure (services/dashboard.figures), the SQL
statements a page request runs when it counts the figures and when it finds them kept
(services/dashboard/kept.py), and the counting statements' plans (EXPLAIN; a plan that reads
the contribution table from end to end is flagged). Over real HTTP: the page and one CSV file
served by `participation serve` with two workers and loaded by Debian's `wrk` (-t2 -c64),
beside a bare Litestar app's ceiling on the same machine (bench/load.py's servers); with
nothing written meanwhile, each worker counts once and then serves the kept figures.

Usage: `python -m bench.dashboard [--ideas 10000] [--seconds 10] [--database-url URL]` (a
fresh SQLite file by default; an empty PostgreSQL database with --database-url). `make bench
BENCH_ARGS="--only dashboard"` runs it at 10,000 ideas on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select

from bench import load
from bench.volume import Volume, VolumeSpec, build
from participation import wz2008
from participation.app import create_app
from participation.db import create_engine, create_sessionmaker
from participation.models import KnownPopulation, PopulationDimension, Process
from participation.services import dashboard
from participation.services.dashboard.kept import FigureCache
from participation.settings import Settings

TIME_ZONE: Final = "Europe/Berlin"
# A full read of a table that grows with the contributions. (The survey's responses are read
# whole: the volume's process has the only survey, so its responses are the whole table.)
_FULL_SCAN: Final = re.compile(
    r"\bSCAN (contribution|contribution_theme)\b|Seq Scan on (contribution|contribution_theme)\b"
)


def _settings(tmp: Path, url: str) -> Settings:
    return replace(
        Settings.from_env(),
        var_dir=tmp,
        database_url=url,
        migrate_on_start=False,
        seed_demo=False,
        preload_nlp=False,
        page_cache_seconds=0,
    )


async def _enter_population(settings: Settings, slug: str) -> tuple[Process, list[float]]:
    """A population for every section and size class (as an admin would enter it), then the
    figures built five times: their times in ms."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            process = (await session.exec(select(Process).where(Process.slug == slug))).one()
            assert process.id is not None
            for n, (letter, _name) in enumerate(wz2008.SECTIONS):
                session.add(
                    KnownPopulation(
                        process_id=process.id,
                        dimension=PopulationDimension.SECTOR,
                        key=letter,
                        firms=100 + 173 * n,
                    )
                )
            for n, size in enumerate(wz2008.SIZE_CLASSES):
                session.add(
                    KnownPopulation(
                        process_id=process.id,
                        dimension=PopulationDimension.SIZE,
                        key=size,
                        firms=3000 // (n + 1),
                    )
                )
            await session.commit()
            times = []
            for _ in range(5):
                started = time.perf_counter()
                await dashboard.figures(session, process, TIME_ZONE)
                times.append((time.perf_counter() - started) * 1000)
        return process, times
    finally:
        await engine.dispose()


Statements = list[tuple[str, Any]]


async def _statements(
    settings: Settings, volume: Volume, path: str
) -> tuple[Statements, Statements]:
    """The statements a signed-in request for `path` runs, with their parameters: one that
    counts the figures, and one that finds them kept (services/dashboard/kept.py)."""
    counting: Statements = []
    kept: Statements = []
    seen = counting

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    app = create_app(settings)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # narrower scope types
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await client.get("/login")
            token = client.cookies.get("csrftoken", "")
            login = {"email": volume.admin.email, "password": volume.admin.password}
            answer = await client.post("/login", data={**login, "_csrf_token": token})
            assert answer.status_code == 303, answer.status_code
            (await client.get(path)).raise_for_status()  # templates compiled, caches warm
            app.state.dashboard_figures = FigureCache()  # the figures counted again
            event.listen(Engine, "after_cursor_execute", record)
            try:
                (await client.get(path)).raise_for_status()
                seen = kept
                (await client.get(path)).raise_for_status()
            finally:
                event.remove(Engine, "after_cursor_execute", record)
    return counting, kept


async def _plans(settings: Settings, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    engine = create_engine(settings)
    found = []
    try:
        async with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
                rows = list(await conn.exec_driver_sql(explain + statement, parameters))
                plan = "\n".join(str(tuple(row)[3 if sqlite else 0]) for row in rows)
                found.append(
                    {
                        "statement": " ".join(statement.split())[:160],
                        "plan": plan,
                        "full_scan": bool(_FULL_SCAN.search(plan)),
                    }
                )
    finally:
        await engine.dispose()
    return found


def measure(ideas: int, seconds: float, database_url: str | None = None) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: `make bench` installs it (apt-get install wrk)")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        url = database_url or f"sqlite+aiosqlite:///{var_dir}/bench.sqlite3"
        settings = _settings(var_dir, url)
        volume = build(url, VolumeSpec(ideas=ideas))
        _process, times = asyncio.run(_enter_population(settings, volume.process_slug))
        path = f"/admin/processes/{volume.process_slug}/beteiligung"
        counting, kept = asyncio.run(_statements(settings, volume, path))
        plans = asyncio.run(_plans(settings, counting))
        report: dict[str, Any] = {
            "ideas": ideas,
            "contributions": volume.rows.get("contribution"),
            "database": url.split(":", 1)[0],
            "fill_seconds": volume.seconds,
            "figures_median_ms": round(statistics.median(times), 1),
            "statements_counting": len(counting),
            "statements_kept": len(kept),
            "full_scans": [p["statement"] for p in plans if p["full_scan"]],
            "plans": plans,
        }
        pages = {"dashboard page": path, "CSV of the WZ sections": f"{path}/branchen.csv"}
        login = (volume.admin.email, volume.admin.password)
        with load.hello_and_app(url, var_dir) as (hello, base):
            admin = load.browser(base, login)
            chosen = {name: (page, admin) for name, page in pages.items()}
            report |= load.against_ceiling(hello, base, chosen, seconds)
    return report


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    report = measure(args.ideas, args.seconds, args.database_url)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
