"""Each main page runs a fixed, small number of SQL statements whatever the volume: the same
pages of a process with few ideas and of one with five times as many (tests/volume_rows.py)
run the same number of statements, so nothing is loaded or counted per row."""

from __future__ import annotations

import asyncio
from typing import Final

from participation.db import create_engine
from participation.models import Role
from participation.settings import Settings
from tests.helpers import Client, add_staff, in_db, login
from tests.sql_statements import recorded
from tests.volume_rows import Volume, fill_volume, public_pages, staff_pages

SMALL: Final = 200
LARGE: Final = 1000
# The most statements a main page may run (a signed-in page also reads its session's user).
MOST: Final = 12
# The participation dashboard: one grouped statement per figure (over time, segment × channel,
# field × segment, site × segment, municipalities, surveys, firms by sector and by size, the
# population).
DASHBOARD_MOST: Final = 16


def _fill(settings: Settings) -> tuple[Volume, Volume]:
    async def fill() -> tuple[Volume, Volume]:
        engine = create_engine(settings)
        try:
            small = await fill_volume(engine, SMALL, slug="wenige", seed=1)
            large = await fill_volume(engine, LARGE, slug="viele", seed=2)
        finally:
            await engine.dispose()
        return small, large

    return asyncio.run(fill())


def _counts(client: Client, volume: Volume, *, staff: bool) -> dict[str, int]:
    pages = staff_pages(volume) if staff else public_pages(volume)
    counts = {}
    for name, path in pages.items():
        with recorded() as statements:
            response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(statements.runs)
    return counts


def test_main_pages_run_the_same_few_statements_at_any_volume(
    client: Client, settings: Settings
) -> None:
    small, large = _fill(settings)
    in_db(settings, lambda s: add_staff(s, "admin@example.org", Role.ADMIN))
    few = _counts(client, small, staff=False)
    many = _counts(client, large, staff=False)
    assert login(client, "admin@example.org").status_code == 303
    few |= _counts(client, small, staff=True)
    many |= _counts(client, large, staff=True)

    assert many == few
    dashboard = many.pop("participation dashboard")
    assert dashboard <= DASHBOARD_MOST
    assert max(many.values()) <= MOST, many
    # The ideas list: process (with its count of published ideas), themes, the municipality
    # choices, page, themes of the page's ideas (and the app's own reads); a narrowed list
    # counts its matches, and a municipality is matched among the choices once more.
    assert many["ideas supported"] == many["ideas page 500"] == many["ideas default"]
    narrowed = ("search", "search newest", "theme", "segment", "channel", "segment supported")
    assert {many[f"ideas {name}"] for name in narrowed} == {many["ideas default"] + 1}
    assert many["ideas municipality"] == many["ideas default"] + 2
    # The idea with 200 comments: one page of threads, whichever page; finding the page of a
    # comment to show or answer reads it and counts the threads before it.
    assert many["idea comments page 4"] == many["idea with comments"]
    assert many["idea comment shown"] == many["idea reply form"] == many["idea with comments"] + 2
