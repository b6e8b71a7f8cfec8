"""The published plan at the size of a real one: the 200 profiles × 4 criteria × 10 evaluators
of bench/calibration.py, placed in the preset groups and published; the public plan page (both
views) through the full ASGI stack in one process beside the bare framework's ceiling (the
same measure as bench/calibration.py), its SQL statements, and the time to render the plan's
PDF (8 profile pages of Premium+ and the tables of all 200).

Usage: `python -m bench.plan [--seconds 3]` (make bench: `BENCH_ARGS="--only plan"`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import time
from typing import Any

import httpx
from litestar import Litestar
from sqlmodel import select

from bench.calibration import (
    EVALUATORS,
    PROFILES,
    _rate,
    bench_settings,
    fill_and_publish,
    statements_of_one,
)
from bench.pages import hello
from participation.app import create_app
from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.models import Process
from participation.services.profiles import sheet
from participation.settings import Settings


async def _publish(settings: Settings) -> str:
    """Fill as bench/calibration.py does, publish the plan; the process's slug."""
    engine = create_engine(settings)
    try:
        await fill_and_publish(engine)
        async with create_sessionmaker(engine)() as session:
            return (await session.exec(select(Process.slug))).one()
    finally:
        await engine.dispose()


async def _pdf_seconds(app: Litestar, path: str, times: int = 3) -> tuple[list[float], int]:
    """Each rendering anew (the kept PDFs cleared), and the PDF's size."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # narrower scope types
    spent, size = [], 0
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(times):
            sheet._RENDERED.clear()
            start = time.perf_counter()
            response = await client.get(path, timeout=120)
            spent.append(time.perf_counter() - start)
            response.raise_for_status()
            size = len(response.content)
    return spent, size


async def measure(seconds: float) -> dict[str, Any]:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        settings = bench_settings(tmp)
        await asyncio.to_thread(
            upgrade_database, settings.database_url
        )  # it runs an event loop of its own
        slug = await _publish(settings)
        page = f"/processes/{slug}/plan"
        app = create_app(settings)
        ceiling_app = Litestar([hello])
        async with app.lifespan(), ceiling_app.lifespan():
            ceiling = await _rate(ceiling_app, "/", seconds, sign_in=False)
            by_group = await _rate(app, page, seconds, sign_in=False)
            by_field = await _rate(app, f"{page}?ansicht=handlungsfelder", seconds, sign_in=False)
            statements = await statements_of_one(app, page, sign_in=False)
            api = await _rate(app, f"/api/v1/processes/{slug}/plan", seconds, sign_in=False)
            pdf, pdf_bytes = await _pdf_seconds(app, f"{page}.pdf")
    return {
        "profiles": PROFILES,
        "evaluators": EVALUATORS,
        "criteria": 4,
        "bare_litestar_requests_per_second": round(ceiling),
        "plan_page": {
            "requests_per_second": round(by_group, 1),
            "share_of_ceiling": round(by_group / ceiling, 4),
            "statements_per_request": statements,
        },
        "plan_by_action_field": {
            "requests_per_second": round(by_field, 1),
            "share_of_ceiling": round(by_field / ceiling, 4),
        },
        "plan_api_requests_per_second": round(api, 1),
        "plan_pdf": {
            "median_seconds": round(statistics.median(pdf), 2),
            "runs": [round(s, 2) for s in pdf],
            "bytes": pdf_bytes,
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.seconds)), indent=2))
