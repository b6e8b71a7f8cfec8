"""The calibration view at the size of a real plan: 200 profiles rated by 10 evaluators on 4
criteria (8,000 ratings, a few conflicts of interest), the preset priority groups proposed,
through the full ASGI stack in one process as a signed-in admin, beside the bare framework's
ceiling (the same measure as bench/pages.py). Also the service alone (scores, groups,
sensitivity) and the number of SQL statements per page.

Usage: `python -m bench.calibration [--seconds 3]` (make bench: `--only calibration`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import httpx
from litestar import Litestar
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.pages import hello
from participation.app import create_app
from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.models import (
    ConflictOfInterest,
    Process,
    Profile,
    ProfileStatus,
    Rating,
    Role,
    utcnow,
)
from participation.services.evaluation import criteria, groups, publication, rounds
from participation.services.evaluation.calibration import calibration
from participation.services.evaluation.rounds import Assignment
from participation.services.users import create_user, get_by_email
from participation.settings import Settings

PROFILES: Final = 200
EVALUATORS: Final = 10
CONFLICTS: Final = 20
ADMIN: Final = ("bench-admin@example.org", "bench-admin-passwort-lang")


async def fill(engine: AsyncEngine) -> int:
    """The process, its profiles, criteria, evaluators, round and ratings; the round's id."""
    rnd = random.Random(0)  # noqa: S311 - test data, repeatable by its seed
    async with create_sessionmaker(engine)() as session:
        process = Process(slug="bewertung", title="Digitalisierungsplan")
        session.add(process)
        await session.commit()
        assert process.id is not None
        admin = await create_user(session, email=ADMIN[0], password=ADMIN[1], role=Role.ADMIN)
        evaluators = [
            await create_user(
                session, email=f"jury{n}@example.org", password=ADMIN[1], role=Role.EVALUATOR
            )
            for n in range(EVALUATORS)
        ]
        made = await criteria.apply_preset(session, process.id, admin)
        criterion_ids = [c.id or 0 for c in made]
        session.add_all(
            Profile(process_id=process.id, title=f"Projekt {n:03d}", status=ProfileStatus.READY)
            for n in range(PROFILES)
        )
        await session.commit()
        round_ = await rounds.open_round(
            session, process.id, "Runde 1", [Assignment(e.id or 0) for e in evaluators], admin
        )
        profiles = await rounds.assigned_profiles(session, round_.id or 0, evaluators[0].id or 0)
        now = utcnow()
        # Each profile has a quality; evaluators rate around it, sometimes two levels apart.
        for profile in profiles:
            quality = rnd.uniform(0.5, 3.5)
            session.add_all(
                Rating(
                    round_id=round_.id or 0,
                    profile_id=profile.id or 0,
                    evaluator_id=evaluator.id or 0,
                    criterion_id=criterion_id,
                    value=max(0, min(4, round(quality + rnd.gauss(0, 0.8)))),
                    submitted_at=now,
                )
                for evaluator in evaluators
                for criterion_id in criterion_ids
            )
        session.add_all(
            ConflictOfInterest(
                round_id=round_.id or 0,
                profile_id=profiles[n * 7].id or 0,
                evaluator_id=evaluators[n % EVALUATORS].id or 0,
            )
            for n in range(CONFLICTS)
        )
        await session.commit()
        await groups.apply_preset(session, process.id)
        await groups.propose(session, round_.id or 0, admin)
        return round_.id or 0


async def _signed_in(client: httpx.AsyncClient) -> None:
    await client.get("/login")
    token = client.cookies.get("csrftoken", "")
    answer = await client.post(
        "/login", data={"email": ADMIN[0], "password": ADMIN[1], "_csrf_token": token}
    )
    assert answer.status_code == 303, answer.status_code


async def _rate(app: Litestar, path: str, seconds: float, sign_in: bool) -> float:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # narrower scope types
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        if sign_in:
            await _signed_in(client)
        for _ in range(5):
            (await client.get(path)).raise_for_status()
        count = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            (await client.get(path)).raise_for_status()
            count += 1
    return count / elapsed


async def statements_of_one(app: Litestar, path: str, *, sign_in: bool = True) -> int:
    """The SQL statements one request for `path` runs (signed in: the session's user
    included)."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # narrower scope types
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        if sign_in:
            await _signed_in(client)
        event.listen(Engine, "before_cursor_execute", count)
        try:
            (await client.get(path)).raise_for_status()
        finally:
            event.remove(Engine, "before_cursor_execute", count)
    return len(seen)


def bench_settings(tmp: str) -> Settings:
    """The app on a fresh SQLite file in `tmp`, without demo, NLP model or page cache."""
    return replace(
        Settings.from_env(),
        var_dir=Path(tmp),
        database_url=f"sqlite+aiosqlite:///{tmp}/bench.sqlite3",
        migrate_on_start=False,
        seed_demo=False,
        preload_nlp=False,
        page_cache_seconds=0,
    )


async def fill_and_publish(engine: AsyncEngine) -> int:
    """`fill`, then the plan published by the admin; the round's id."""
    round_id = await fill(engine)
    async with create_sessionmaker(engine)() as session:
        round_ = await rounds.get_round(session, round_id)
        admin = await get_by_email(session, ADMIN[0])
        assert admin is not None
        await publication.publish_plan(session, round_.process_id, admin)
    return round_id


async def measure(seconds: float) -> dict[str, Any]:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        settings = bench_settings(tmp)
        url = settings.database_url
        await asyncio.to_thread(upgrade_database, url)  # it runs an event loop of its own
        engine = create_engine(settings)
        try:
            round_id = await fill(engine)
            service = []
            async with create_sessionmaker(engine)() as session:
                for _ in range(5):
                    start = time.perf_counter()
                    view = await calibration(session, round_id)
                    service.append((time.perf_counter() - start) * 1000)
        finally:
            await engine.dispose()
        path = f"/admin/bewertung/runden/{round_id}/kalibrierung"
        app = create_app(settings)
        ceiling_app = Litestar([hello])
        async with app.lifespan(), ceiling_app.lifespan():
            ceiling = await _rate(ceiling_app, "/", seconds, sign_in=False)
            page = await _rate(app, path, seconds, sign_in=True)
            statements = await statements_of_one(app, path)
    return {
        "profiles": PROFILES,
        "evaluators": EVALUATORS,
        "criteria": len(view.scores.criteria),
        "ratings": PROFILES * EVALUATORS * len(view.scores.criteria),
        "flagged_profiles": view.flagged,
        "sensitive_profiles": sum(1 for row in view.rows if row.sensitive),
        "service_median_ms": round(statistics.median(service), 1),
        "bare_litestar_requests_per_second": round(ceiling),
        "calibration_page": {
            "requests_per_second": round(page, 1),
            "share_of_ceiling": round(page / ceiling, 4),
            "statements_per_request": statements,
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.seconds)), indent=2))
