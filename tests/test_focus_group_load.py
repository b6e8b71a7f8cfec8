"""A class of 40 pupils at once against a real server (uvicorn in a thread, on SQLite and on
PostgreSQL), all from one address: everybody joins, adds an idea and clicks dots at the same
moment. No request may fail, and every idea and dot must be counted exactly: no pupil above
their three dots in all, none on their own idea, however fast the clicks come. And one
participant sending 20 dots at once gets exactly their budget counted, no more.

The benchmark of a whole live session (60 participants over two minutes, with the board's
refresh time) is bench/live_session.py."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Coroutine, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
import uvicorn
from bs4 import BeautifulSoup
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.app import create_app
from participation.models import (
    FocusGroupDot,
    FocusGroupIdea,
    FocusGroupMember,
    FocusGroupSession,
    Process,
)
from participation.settings import Settings
from tests.focus_group_helpers import CODE, add_member, rows, stored_session
from tests.helpers import in_db

PUPILS = 40
BASE = f"/mitmachen/{CODE}"
HTMX = {"HX-Request": "true"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server_url(settings: Settings) -> Iterator[str]:
    # The real write limits: pupils of one class share the school's address, and /mitmachen
    # must not be throttled by them.
    app = create_app(
        replace(
            settings,
            write_rate_limit_per_minute=Settings.write_rate_limit_per_minute,
            write_rate_limit_per_hour=Settings.write_rate_limit_per_hour,
        )
    )
    port = _free_port()
    # Keep-alive longer than the class takes: uvicorn closes a connection idle for 5 s, and a
    # request sent on it at that moment fails in httpx, which (unlike a browser) does not send
    # it again. On a busy machine a pupil's connection can sit idle that long between phases.
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            timeout_keep_alive=60,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        assert time.monotonic() < deadline, "the server did not start in time"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


class Pupil:
    def __init__(self, url: str, number: int) -> None:
        self.client = httpx.AsyncClient(base_url=url, timeout=60)
        self.name = f"Pinguin {number}"
        self.title = f"Idee Nummer {number}"
        self.statuses: list[int] = []

    async def post(self, path: str, data: dict[str, str], htmx: bool = False) -> httpx.Response:
        form = {**data, "_csrf_token": self.client.cookies["csrftoken"]}
        response = await self.client.post(path, data=form, headers=HTMX if htmx else None)
        self.statuses.append(response.status_code)
        return response

    async def join_and_add_idea(self) -> None:
        response = await self.client.get(BASE)
        self.statuses.append(response.status_code)
        await self.post(BASE, {"pseudonym": self.name})
        await self.post(f"{BASE}/ideen", {"title": self.title, "body": "Damit es besser wird."})


async def _class_at_work(url: str, idea_ids: dict[str, int] | None = None) -> list[Pupil]:
    pupils = [Pupil(url, n) for n in range(PUPILS)]
    try:
        await asyncio.gather(*(p.join_and_add_idea() for p in pupils))
        ideas = await _ideas(pupils[0])  # the ids as the pupils' page shows them
        # Two quick clicks on each neighbour's idea (only three of the four may count: the
        # budget) and one on one's own (refused).
        clicks: list[Coroutine[Any, Any, httpx.Response]] = []
        for n, pupil in enumerate(pupils):
            neighbours = [ideas[pupils[(n + k) % PUPILS].title] for k in (1, 2)]
            own = ideas[pupil.title]
            clicks += [
                pupil.post(f"{BASE}/ideen/{idea}/punkte", {"action": "give"}, htmx=True)
                for idea in neighbours * 2
            ]
            clicks.append(pupil.post(f"{BASE}/ideen/{own}/punkte", {"action": "give"}, htmx=True))
        await asyncio.gather(*clicks)
        if idea_ids is not None:
            idea_ids.update(ideas)
        return pupils
    finally:
        await asyncio.gather(*(p.client.aclose() for p in pupils))


async def _ideas(pupil: Pupil) -> dict[str, int]:
    """The ideas listed on the pupils' page: title -> id (from the row's anchor)."""
    page = BeautifulSoup((await pupil.client.get(f"{BASE}/ideen")).text, "html.parser")
    found = {}
    for row in page.select("li.fg-idea"):
        heading = row.select_one("h3")
        assert heading is not None
        found[heading.get_text(strip=True)] = int(str(row["id"]).removeprefix("idea-"))
    return found


def test_forty_pupils_at_once(server_url: str, settings: Settings, process: Process) -> None:
    stored_session(settings, process)
    ideas: dict[str, int] = {}
    pupils = asyncio.run(_class_at_work(server_url, ideas))

    statuses = Counter(s for p in pupils for s in p.statuses)
    assert all(code < 500 for code in statuses), statuses
    # Per pupil: the join page, two redirects (join, idea), 3 accepted dots, a refused 4th
    # (the budget) and the refused one on their own idea.
    assert statuses == Counter({200: PUPILS * 4, 303: PUPILS * 2, 422: PUPILS * 2}), statuses

    found = rows(settings)
    assert len(found.members) == PUPILS
    assert len({m.pseudonym_key for m in found.members}) == PUPILS
    assert len(found.ideas) == PUPILS
    assert len(ideas) == PUPILS
    members = {m.id: m.pseudonym for m in found.members}
    for idea in found.ideas:
        assert isinstance(idea, FocusGroupIdea)
        assert members[idea.member_id] == "Pinguin " + idea.title.removeprefix("Idee Nummer ")
    dots = found.dots
    assert all(isinstance(d, FocusGroupDot) and 1 <= d.dots <= 2 for d in dots)
    given = Counter[int]()
    for d in dots:
        assert isinstance(d, FocusGroupDot)
        given[d.member_id] += d.dots
        assert members[d.member_id] != "Pinguin " + _idea_number(found.ideas, d.idea_id)
    # Three from every pupil, 120 in all, and each pupil's kept count says the same.
    assert given == Counter(dict.fromkeys(members, 3))
    assert sum(d.dots for d in dots) == PUPILS * 3
    assert all(isinstance(m, FocusGroupMember) and m.dots_given == 3 for m in found.members)


def _idea_number(ideas: list[FocusGroupIdea], idea_id: int) -> str:
    (idea,) = [i for i in ideas if i.id == idea_id]
    return idea.title.removeprefix("Idee Nummer ")


# --- one participant, 20 dots at once ---------------------------------------------------------

PARALLEL_DOTS = 20


async def _others_ideas(db: AsyncSession, session: FocusGroupSession, count: int) -> list[int]:
    """`count` ideas of another member, to give dots to."""
    other = await add_member(db, session, "Rotfuchs")
    ideas = [
        FocusGroupIdea(session_id=session.id or 0, member_id=other.id, title=f"Idee {n}")
        for n in range(count)
    ]
    db.add_all(ideas)
    await db.commit()
    return [idea.id or 0 for idea in ideas]


async def _twenty_dots_at_once(url: str, idea_ids: list[int]) -> list[int]:
    """Join, then send 20 dots at the same moment (two on each of ten ideas, over as many
    connections as a browser with several tabs, or a script, would open); the statuses."""
    pupil = Pupil(url, 1)
    try:
        await pupil.join_and_add_idea()
        clicks = [
            pupil.post(
                f"{BASE}/ideen/{idea_ids[n % len(idea_ids)]}/punkte", {"action": "give"}, True
            )
            for n in range(PARALLEL_DOTS)
        ]
        return [r.status_code for r in await asyncio.gather(*clicks)]
    finally:
        await pupil.client.aclose()


def test_twenty_dots_at_once_give_at_most_the_budget(
    server_url: str, settings: Settings, process: Process
) -> None:
    session = stored_session(settings, process)
    idea_ids = in_db(settings, lambda db: _others_ideas(db, session, 10))
    statuses = asyncio.run(_twenty_dots_at_once(server_url, idea_ids))
    budget = session.dots_per_member
    assert Counter(statuses) == Counter({200: budget, 422: PARALLEL_DOTS - budget}), statuses
    found = rows(settings)
    (member,) = [m for m in found.members if m.pseudonym == "Pinguin 1"]
    mine = [d for d in found.dots if d.member_id == member.id]
    assert sum(d.dots for d in mine) == budget
    assert member.dots_given == budget
