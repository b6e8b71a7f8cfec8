"""A live session under load over real HTTP: 60 participants in one firms workshop, each
joining (with an organisation and a WZ section), adding 2 ideas and spending 3 dots within 2
minutes, against one app process (`participation serve`, one worker) on SQLite (or the
PostgreSQL database --database-url names).

Meanwhile the facilitator's browser refreshes the board every 3 s and the projector every 5 s
(the htmx fragments), types in a card every 10 s and moves to the second prompt at half time,
as in the room. Each participant's steps fall at random moments of the window: joining in its
first third, the ideas in the middle, the dots (after loading the ideas page) in the last
third, so the whole session happens within `--seconds`.

Reported: errors (answers that are not what the step should get, 5xx, failed connections;
expected none), p50/p95/max latency per step, the board's and the projector's refresh time
under that load, how long the session took, and whether the database holds exactly what was
acknowledged (members, ideas, dots: each participant's budget, no more).

All participants come from one address, as on a venue's wifi: an adults' session admits
focus_groups.ADULT_JOINS_PER_ADDRESS joins from one address.

Usage: `python -m bench.live_session [--participants 60] [--seconds 120] [--database-url URL]`
(make bench: `--only live_session`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import httpx
import sqlalchemy as sa

from bench import load
from participation.db import create_engine, create_sessionmaker, upgrade_database
from participation.models import Phase, PhaseKind, Process, Role, utcnow
from participation.services import focus_groups
from participation.services.focus_groups import SessionForm
from participation.services.users import create_user
from participation.settings import Settings

FACILITATOR: Final = ("moderation@bench.example.org", "bench-live-session-password")
PROMPTS: Final = "Was hindert Ihren Betrieb an der Digitalisierung?\nWas würde Ihnen helfen?"
IDEAS_EACH: Final = 2
DOTS_EACH: Final = 3
HTMX: Final = {"HX-Request": "true"}
_IDEA_ID: Final = re.compile(r'id="idea-(\d+)"')


# --- the session's rows ------------------------------------------------------------------------


async def _fill(settings: Settings) -> tuple[int, str]:
    """A process, the facilitator and an open firms workshop with two prompts: its id and
    join code."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as db:
            now = utcnow()
            process = Process(slug="live-bench", title="Digitale Region", summary="Lasttest")
            db.add(process)
            await db.flush()
            assert process.id is not None
            db.add(
                Phase(
                    process_id=process.id,
                    kind=PhaseKind.IDEA_CALL,
                    title="Ideenaufruf",
                    starts_at=now,
                    ends_at=now.replace(year=now.year + 1),
                )
            )
            user = await create_user(
                db, email=FACILITATOR[0], password=FACILITATOR[1], role=Role.FACILITATOR
            )
            form = SessionForm(
                process_id=str(process.id),
                title="Workshop Handwerk digital",
                audience="firms",
                format="workshop",
                prompts=PROMPTS,
                hours="2",
                dots=str(DOTS_EACH),
            )
            session = await focus_groups.create_session(db, form, user)
            assert session.id is not None
            return session.id, session.join_code
    finally:
        await engine.dispose()


async def _stored(settings: Settings, session_id: int) -> dict[str, Any]:
    """What the database holds for the session: members, ideas (from members and typed in),
    dots in all and each member's kept count."""
    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:

            async def scalar(sql: str) -> int:
                params = {"s": session_id, "budget": DOTS_EACH}
                return int(await conn.scalar(sa.text(sql), params) or 0)

            return {
                "members": await scalar(
                    "SELECT count(*) FROM focus_group_member WHERE session_id = :s"
                ),
                "ideas_from_members": await scalar(
                    "SELECT count(*) FROM focus_group_idea"
                    " WHERE session_id = :s AND member_id IS NOT NULL"
                ),
                "cards": await scalar(
                    "SELECT count(*) FROM focus_group_idea"
                    " WHERE session_id = :s AND member_id IS NULL"
                ),
                "dots": await scalar(
                    "SELECT coalesce(sum(d.dots), 0) FROM focus_group_dot d"
                    " JOIN focus_group_idea i ON i.id = d.idea_id WHERE i.session_id = :s"
                ),
                "members_over_budget": await scalar(
                    "SELECT count(*) FROM focus_group_member"
                    " WHERE session_id = :s AND dots_given > :budget"
                ),
            }
    finally:
        await engine.dispose()


# --- timing ------------------------------------------------------------------------------------


@dataclass
class Timings:
    """Each step's latencies (ms) and what went wrong."""

    steps: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    async def time(
        self, step: str, request: Coroutine[Any, Any, httpx.Response], expected: int
    ) -> httpx.Response | None:
        """Send the request (a coroutine not yet awaited) and note its time and status."""
        started = time.perf_counter()
        try:
            response = await request
        except httpx.HTTPError as exc:
            self.errors.append(f"{step}: {type(exc).__name__}")
            return None
        self.steps.setdefault(step, []).append((time.perf_counter() - started) * 1000)
        if response.status_code != expected:
            self.errors.append(f"{step}: {response.status_code}")
        return response

    def summary(self) -> dict[str, dict[str, float]]:
        return {step: _percentiles(values) for step, values in sorted(self.steps.items())}


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {"count": len(ordered), "p50_ms": at(0.5), "p95_ms": at(0.95), "max_ms": at(1.0)}


def _client(base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base, timeout=60)


def _csrf(client: httpx.AsyncClient) -> str:
    return str(client.cookies.get("csrftoken", ""))


# --- the people in the room ----------------------------------------------------------------------


async def _participant(
    base: str, code: str, number: int, seconds: float, rng: random.Random, timings: Timings
) -> None:
    path = f"/mitmachen/{code}"
    start = time.monotonic()

    async def until(share: float) -> None:
        await asyncio.sleep(max(0.0, start + share * seconds - time.monotonic()))

    async with _client(base) as client:
        await until(rng.uniform(0.0, 0.3))
        await timings.time("join page", client.get(path), 200)
        joined = {
            "_csrf_token": _csrf(client),
            "pseudonym": f"Betrieb {number}",
            "organisation_name": f"Tischlerei {number}",
            "organisation_sector": "CFG"[number % 3],
            "organisation_size": "10-49",
        }
        await timings.time("join", client.post(path, data=joined), 303)
        mine: set[int] = set()
        for moment in sorted(rng.uniform(0.3, 0.6) for _ in range(IDEAS_EACH)):
            await until(moment)
            idea = {
                "_csrf_token": _csrf(client),
                "title": f"Idee {number}-{moment:.3f}",
                "body": "Schnelles Internet im Gewerbegebiet und Schulungen vor Ort.",
            }
            added = await timings.time("idea", client.post(f"{path}/ideen", data=idea), 303)
            if added is not None and "#idea-" in added.headers.get("location", ""):
                mine.add(int(added.headers["location"].rsplit("#idea-", 1)[1]))
        await until(rng.uniform(0.6, 0.8))
        page = await timings.time("ideas page", client.get(f"{path}/ideen"), 200)
        if page is None:
            return
        # The others' ideas: one's own take no dots in this session.
        choices = [int(i) for i in _IDEA_ID.findall(page.text) if int(i) not in mine]
        for idea_id in rng.sample(choices, min(DOTS_EACH, len(choices))):
            await until(rng.uniform(0.8, 0.95))
            dot = {"_csrf_token": _csrf(client), "action": "give"}
            url = f"{path}/ideen/{idea_id}/punkte"
            await timings.time("dot", client.post(url, data=dot, headers=HTMX), 200)


async def _facilitator(
    base: str, session_id: int, seconds: float, timings: Timings, done: asyncio.Event
) -> None:
    board = f"/focus-groups/{session_id}"
    async with _client(base) as client:
        await client.get("/login")
        login = {"_csrf_token": _csrf(client), "email": FACILITATOR[0], "password": FACILITATOR[1]}
        response = await client.post("/login", data=login)
        if response.status_code != 303:
            timings.errors.append(f"facilitator sign-in: {response.status_code}")
            return
        await timings.time("board page", client.get(board), 200)
        start = time.monotonic()
        next_board = next_projector = next_card = start
        moved = False
        cards = 0
        while not done.is_set():
            now = time.monotonic()
            if now >= next_board:
                next_board += 3
                await timings.time("board refresh", client.get(f"{board}/board", headers=HTMX), 200)
            if now >= next_projector:
                next_projector += 5
                await timings.time(
                    "projector refresh", client.get(f"{board}/projector", headers=HTMX), 200
                )
            if now >= next_card:
                next_card += 10
                cards += 1
                card = {"_csrf_token": _csrf(client), "title": f"Karte {cards}", "body": ""}
                await timings.time("card", client.post(f"{board}/ideas", data=card), 303)
            if not moved and now - start >= seconds / 2:
                moved = True
                move = {"_csrf_token": _csrf(client), "position": "1"}
                await timings.time("next prompt", client.post(f"{board}/prompt", data=move), 303)
            await asyncio.sleep(0.2)


async def _run(
    base: str, session_id: int, code: str, participants: int, seconds: float, seed: int
) -> tuple[Timings, float]:
    timings = Timings()
    done = asyncio.Event()
    rng = random.Random(seed)  # noqa: S311 - the moments of a benchmark, no secret
    room = asyncio.create_task(_facilitator(base, session_id, seconds, timings, done))
    started = time.monotonic()
    await asyncio.gather(
        *(
            _participant(base, code, n, seconds, random.Random(rng.random()), timings)  # noqa: S311
            for n in range(participants)
        )
    )
    took = time.monotonic() - started
    done.set()
    await room
    return timings, took


def measure(
    participants: int = 60,
    seconds: float = 120.0,
    database_url: str | None = None,
    seed: int = 22,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        url = database_url or f"sqlite+aiosqlite:///{var_dir}/live.sqlite3"
        settings = replace(Settings.from_env(), var_dir=var_dir, database_url=url)
        upgrade_database(url)
        session_id, code = asyncio.run(_fill(settings))
        env = load.app_env(url, var_dir)
        command = [str(Path(sys.executable).parent / "participation"), "serve", "--port", "{port}"]
        with load.serving(command, env, "/healthz", var_dir / "app.log") as base:
            timings, took = asyncio.run(_run(base, session_id, code, participants, seconds, seed))
        stored = asyncio.run(_stored(settings, session_id))
    expected = {
        "members": participants,
        "ideas_from_members": participants * IDEAS_EACH,
        "dots": participants * DOTS_EACH,
        "members_over_budget": 0,
    }
    wrong = {k: stored[k] for k, v in expected.items() if stored[k] != v}
    return {
        "participants": participants,
        "window_seconds": seconds,
        "app_processes": 1,
        "database": url.split(":", 1)[0],
        "took_seconds": round(took, 1),
        "within_window": took <= seconds + 5,
        "errors": len(timings.errors),
        "error_kinds": sorted(set(timings.errors)),
        "steps": timings.summary(),
        "stored": stored,
        "stored_as_expected": not wrong,
    }


def print_table(report: dict[str, Any]) -> None:
    print(
        f"\nlive session: {report['participants']} participants in {report['took_seconds']} s"
        f" (window {report['window_seconds']:.0f} s), {report['errors']} errors,"
        f" stored as expected: {report['stored_as_expected']}",
        file=sys.stderr,
    )
    print(f"{'step':<20}{'count':>7}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}", file=sys.stderr)
    for step, row in report["steps"].items():
        print(
            f"{step:<20}{row['count']:>7}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['max_ms']:>10}",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    if (
        shutil.which("participation") is None
        and not (Path(sys.executable).parent / "participation").exists()
    ):
        raise SystemExit("the participation command is missing: run `make install-dev`")
    report = measure(args.participants, args.seconds, args.database_url)
    print_table(report)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
