"""The public profile page at volume: a profile condensed from 500 contributions of a process
with 10,000 ideas (bench/volume.py), through the full ASGI stack in one process, beside the
bare framework's ceiling (the same measure as bench/pages.py).

The profile gets 500 published ideas as sources and 100 that have no public page (waiting
for moderation, survey answers), two action fields, organisations and indicators. Timed:
the profile page (its breakdown counts all 600 sources, it lists the first 20 published
ones), a later page of its sources, the list of profiles, its JSON, and its PDF (rendered
with WeasyPrint in a worker thread). Kept pages are off (PAGE_CACHE_SECONDS=0): every
request builds its page.

Usage: `python -m bench.profiles [--ideas 10000] [--seconds 3]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bench.pages import _rate, hello
from bench.volume import VolumeSpec, fill_volume
from participation.app import create_app
from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    Horizon,
    OrganisationKind,
    OrganisationRole,
    Process,
    Profile,
    ProfileIndicator,
    ProfileOrganisation,
    ProfileSource,
    ProfileStatus,
    ProfileTheme,
    Theme,
)
from participation.settings import Settings

PUBLISHED_SOURCES: Final = 500
UNPUBLISHED_SOURCES: Final = 100
PDF_RUNS: Final = 5
TITLE: Final = "Digitale Lernorte in allen Schulen"


async def add_bench_profile(engine: AsyncEngine, slug: str) -> int:
    """A published profile of the process `slug` with its sources; its id."""
    async with create_sessionmaker(engine)() as session:
        process = (await session.exec(select(Process).where(Process.slug == slug))).one()
        assert process.id is not None

        async def ids(*where: Any, limit: int) -> list[int]:
            query = (
                select(Contribution.id)
                .where(Contribution.process_id == process.id, *where)
                .order_by(col(Contribution.id))
                .limit(limit)
            )
            return [i for i in await session.exec(query) if i is not None]

        published = await ids(
            Contribution.kind == ContributionKind.IDEA,
            Contribution.status == ContributionStatus.PUBLISHED,
            limit=PUBLISHED_SOURCES,
        )
        hidden = await ids(
            Contribution.status != ContributionStatus.PUBLISHED, limit=UNPUBLISHED_SOURCES
        )
        themes = list(
            await session.exec(select(Theme).where(Theme.process_id == process.id).limit(2))
        )
        profile = Profile(
            process_id=process.id,
            title=TITLE,
            summary="Ein **Netz** digitaler Lernorte, gemeinsam mit Betrieben der Region.",
            problem="Viele Schulen haben kein stabiles WLAN.",
            goal="Bis 2028 hat jede Schule einen digitalen Lernort.",
            measures="- WLAN\n- Geräte\n- Fortbildung",
            horizon=Horizon.MEDIUM,
            cost_min=250_000,
            cost_max=400_000,
            status=ProfileStatus.PUBLISHED,
            source_count=len(published) + len(hidden),
        )
        session.add(profile)
        await session.flush()
        assert profile.id is not None
        session.add_all(
            ProfileTheme(profile_id=profile.id, theme_id=t.id or 0, is_primary=i == 0)
            for i, t in enumerate(themes)
        )
        session.add_all(
            [
                ProfileOrganisation(
                    profile_id=profile.id, name="Landkreis", kind=OrganisationKind.ADMINISTRATION,
                    role=OrganisationRole.LEAD,
                ),
                ProfileOrganisation(
                    profile_id=profile.id, name="IHK", kind=OrganisationKind.CHAMBER,
                    role=OrganisationRole.PARTNER,
                ),
                ProfileIndicator(
                    profile_id=profile.id, name="Schulen mit Lernort", baseline="3", target="40"
                ),
            ]
        )  # fmt: skip
        session.add_all(
            ProfileSource(profile_id=profile.id, contribution_id=i) for i in published + hidden
        )
        await session.commit()
        return profile.id


async def _timings(app: Litestar, path: str, runs: int) -> dict[str, float]:
    """Median and slowest of `runs` requests one at a time, in milliseconds."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # narrower scope types
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        (await client.get(path)).raise_for_status()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            (await client.get(path)).raise_for_status()
            times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


async def measure(ideas: int, seconds: float) -> dict[str, Any]:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        settings = replace(
            Settings.from_env(),
            var_dir=Path(tmp),
            database_url=url,
            migrate_on_start=False,
            seed_demo=False,
            preload_nlp=False,
            page_cache_seconds=0,
        )
        await asyncio.to_thread(upgrade_database, url)  # it runs an event loop of its own
        engine = create_engine(settings)
        try:
            volume = await fill_volume(engine, VolumeSpec(ideas=ideas))
            profile_id = await add_bench_profile(engine, volume.process_slug)
        finally:
            await engine.dispose()
        base = f"/processes/{volume.process_slug}/steckbriefe"
        pages = {
            # For comparison: a page of the same process that has no profile in it.
            "process page": f"/processes/{volume.process_slug}",
            "profile page": f"{base}/{profile_id}",
            "profile page, sources page 20": f"{base}/{profile_id}?page=20",
            "profiles list": base,
            "profile API": f"/api/v1/processes/{volume.process_slug}/profiles/{profile_id}",
        }
        app = create_app(settings)
        ceiling_app = Litestar([hello])
        async with app.lifespan(), ceiling_app.lifespan():
            ceiling = await _rate(ceiling_app, "/", seconds)
            rates = {name: await _rate(app, path, seconds) for name, path in pages.items()}
            pdf = await _timings(app, f"{base}/{profile_id}/pdf", PDF_RUNS)
    return {
        "ideas": ideas,
        "sources": {"published": PUBLISHED_SOURCES, "without_public_page": UNPUBLISHED_SOURCES},
        "seconds_per_measurement": seconds,
        "bare_litestar_requests_per_second": round(ceiling),
        "pages": {
            name: {"requests_per_second": round(rate), "share_of_ceiling": round(rate / ceiling, 3)}
            for name, rate in rates.items()
        },
        "pdf_one_at_a_time": pdf,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.ideas, args.seconds)), indent=2))


def ensure_bench_profile(database_url: str, slug: str) -> int:
    """The bench profile of the process `slug` in a filled database, added once (the load
    benchmark reuses its databases); its id. A blocking call for scripts."""

    async def run() -> int:
        engine = create_engine(replace(Settings.from_env(), database_url=database_url))
        try:
            async with create_sessionmaker(engine)() as session:
                found = (
                    await session.exec(
                        select(Profile.id)
                        .join(Process, col(Process.id) == Profile.process_id)
                        .where(Process.slug == slug, Profile.title == TITLE)
                    )
                ).first()
            return found if found is not None else await add_bench_profile(engine, slug)
        finally:
            await engine.dispose()

    return asyncio.run(run())
