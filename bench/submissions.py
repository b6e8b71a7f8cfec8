"""Writes under load: many people sending ideas through the API at once, over real HTTP,
against `participation serve --workers 2` on a fresh database with the demo process.

Reports the answers by status, p50/p99 latency, whether every acknowledged idea is stored,
and the theme-suggestion backlog: acknowledged ideas without suggestions when the load
stops, and how long until there are none. The write rate limit is raised for the run.

Usage: `python -m bench.submissions [--seconds 60] [--connections 64] [--workers 2]
[--database-url postgresql+asyncpg://…]` (without it a SQLite file in a temporary folder;
a PostgreSQL database must exist and be empty, it is migrated and seeded).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, Final

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from participation import demo_content
from participation.db import create_engine, create_sessionmaker
from participation.models import Contribution
from participation.settings import Settings

SLUG: Final = demo_content.PROCESS["slug"]
TEXTS: Final = [c["body"] for c in demo_content.CONTRIBUTIONS]
BACKLOG_WAIT: Final = 300.0  # seconds to wait for the suggestions to catch up


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(
    var_dir: Path, database_url: str, port: int, workers: int, log: IO[bytes]
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "SEED_DEMO": "true",
        "WRITE_RATE_LIMIT_PER_MINUTE": "1000000",
        "WRITE_RATE_LIMIT_PER_HOUR": "100000000",
    }
    command = [sys.executable, "-m", "participation.cli", "serve", "--port", str(port)]
    # This interpreter, this package: nothing from outside.
    return subprocess.Popen(  # noqa: S603
        [*command, "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=log
    )


async def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(600):
            if server.poll() is not None:
                raise RuntimeError("the server stopped; see serve.log")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start within two minutes")


async def _submitter(
    client: httpx.AsyncClient,
    deadline: float,
    rng: random.Random,
    latencies: list[float],
    statuses: Counter[str],
    acknowledged: list[int],
) -> None:
    while time.perf_counter() < deadline:
        idea = {
            "title": f"Idee {rng.randrange(10**6)}",
            "body": rng.choice(TEXTS),
            "segment": "resident",
            "municipality": "Kornbach",
            "consent": True,
        }
        began = time.perf_counter()
        try:
            response = await client.post(f"/api/v1/processes/{SLUG}/ideas", json=idea)
        except httpx.HTTPError as error:
            statuses[type(error).__name__] += 1
            continue
        latencies.append(time.perf_counter() - began)
        statuses[str(response.status_code)] += 1
        if response.status_code == 201:
            acknowledged.append(int(response.json()["id"]))


async def _load(base: str, seconds: float, connections: int) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    acknowledged: list[int] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        deadline = time.perf_counter() + seconds
        rngs = [random.Random(n) for n in range(connections)]  # noqa: S311 (sample texts)
        await asyncio.gather(
            *(_submitter(client, deadline, rng, latencies, statuses, acknowledged) for rng in rngs)
        )
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / seconds, 1),
        "statuses": dict(statuses),
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(1000 * quantiles[98], 1),
        "acknowledged": acknowledged,
    }


async def _backlog(settings: Settings, ids: list[int]) -> tuple[int, int, int]:
    """Acknowledged ideas stored, and of them those without suggestions."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            stored = untagged = 0
            for start in range(0, len(ids), 5000):
                chunk = ids[start : start + 5000]
                where = col(Contribution.id).in_(chunk)
                stored += (
                    await session.exec(select(func.count()).select_from(Contribution).where(where))
                ).one()
                untagged += (
                    await session.exec(
                        select(func.count())
                        .select_from(Contribution)
                        .where(where, col(Contribution.theme_uncertainty).is_(None))
                    )
                ).one()
    finally:
        await engine.dispose()
    return len(ids), stored, untagged


async def measure(
    seconds: float, connections: int, workers: int, database_url: str | None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        url = database_url or f"sqlite+aiosqlite:///{var_dir / 'bench.sqlite3'}"
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = (var_dir / "serve.log").open("wb")
        server = _serve(var_dir, url, port, workers, log)
        try:
            await _wait_until_up(base, server)
            load = await _load(base, seconds, connections)
            ids = load.pop("acknowledged")
            settings = replace(Settings.from_env(), var_dir=var_dir, database_url=url)
            acknowledged, stored, at_end = await _backlog(settings, ids)
            waited = time.perf_counter()
            left = at_end
            while left and time.perf_counter() - waited < BACKLOG_WAIT:
                await asyncio.sleep(0.5)
                left = (await _backlog(settings, ids))[2]
            caught_up = round(time.perf_counter() - waited, 1) if left == 0 else None
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
    return {
        "database": "sqlite" if url.startswith("sqlite") else "postgresql",
        "workers": workers,
        "connections": connections,
        "seconds": seconds,
        **load,
        "acknowledged": acknowledged,
        "acknowledged_and_stored": stored,
        "without_suggestions_when_the_load_stopped": at_end,
        "without_suggestions_at_the_end": left,
        "seconds_until_all_had_suggestions": caught_up,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    report = asyncio.run(measure(args.seconds, args.connections, args.workers, args.database_url))
    print(json.dumps(report, indent=2))
