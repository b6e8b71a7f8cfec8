"""Full-text search in German: prefixes for inflected words, relevance, and queries that
cannot break (SQLite FTS5 and PostgreSQL's german configuration)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import ContributionStatus
from participation.services.idea_list import IdeaFilters, Sort, list_ideas
from participation.services.search import fts5_query, query_prefixes, tsquery
from tests.helpers import add_idea, add_process


def test_prefixes_cut_german_endings() -> None:
    assert query_prefixes("Radweg") == ["radweg"]
    assert query_prefixes("Radwegen") == ["radweg"]
    assert query_prefixes("Radwege, RADWEG!") == ["radweg"]
    assert query_prefixes("Bus") == ["bus"]  # too short to cut


def test_syntax_is_never_passed_through() -> None:
    prefixes = query_prefixes('"Rad" OR weg* NEAR(a b) -x ^y col:z')
    assert all(p.isalnum() for p in prefixes)
    assert '"' not in "".join(prefixes)
    assert fts5_query(["rad", "weg"]) == '"rad"* AND "weg"*'
    assert tsquery(["rad", "weg"]) == "rad:* & weg:*"
    assert query_prefixes("!!! --- ***") == []


async def _titles(session: AsyncSession, process_id: int, q: str, **kw: Any) -> list[str]:
    page = await list_ideas(session, process_id, IdeaFilters(q=q, **kw), per_page=50)
    return [item.contribution.title for item in page.items]


async def test_inflected_forms_find_each_other(session: AsyncSession) -> None:
    process = await add_process(session)
    assert process.id is not None
    await add_idea(session, process, title="Mehr Radwege", body="Im Süden fehlen sichere Wege.")
    await add_idea(session, process, title="Busse", body="Mit den Radwegen ist es schlecht.")
    await add_idea(session, process, title="Schule", body="Ein Radweg zur Grundschule fehlt.")
    await add_idea(session, process, title="Bäcker", body="Frische Brötchen am Bahnhof bitte.")
    for query in ("Radweg", "radwege", "Radwegen"):
        assert sorted(await _titles(session, process.id, query)) == [
            "Busse",
            "Mehr Radwege",
            "Schule",
        ], query
    # Diacritics do not matter: "Suden" finds "Süden", "backer" finds "Bäcker".
    assert await _titles(session, process.id, "suden") == ["Mehr Radwege"]
    assert await _titles(session, process.id, "Backer") == ["Bäcker"]
    # All words must match.
    assert await _titles(session, process.id, "Radweg Grundschule") == ["Schule"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        'Rad"weg',
        "AND",
        "OR NOT",
        "NEAR(",
        "*",
        "title:Rad",
        "'; DROP TABLE contribution; --",
        "(((",
        "a & b | !c <-> d:*",
        "ß" * 300,
        "\x00",
    ],
)
async def test_any_query_is_safe(session: AsyncSession, query: str) -> None:
    process = await add_process(session)
    assert process.id is not None
    await add_idea(session, process)
    await _titles(session, process.id, query)  # no error is the test


async def test_relevance_and_other_sorts(session: AsyncSession) -> None:
    process = await add_process(session)
    assert process.id is not None
    await add_idea(
        session,
        process,
        title="Radweg Radweg",
        body="Der Radweg nach Kornbach: ein Radweg, viele Radwege.",
    )
    await add_idea(
        session, process, title="Parkplätze", body="Am Rathaus fehlen Parkplätze, kein Radweg."
    )
    # With a query and no sort chosen: the best match first, although it is older.
    assert await _titles(session, process.id, "Radweg") == ["Radweg Radweg", "Parkplätze"]
    newest = await _titles(session, process.id, "Radweg", sort=Sort.NEWEST.value)
    assert newest == ["Parkplätze", "Radweg Radweg"]


async def test_index_follows_edits_and_deletes(session: AsyncSession) -> None:
    process = await add_process(session)
    assert process.id is not None
    idea = await add_idea(session, process, title="Spielplatz", body="Ein neuer Spielplatz bitte.")
    assert await _titles(session, process.id, "Spielplatz") == ["Spielplatz"]
    idea.title = "Bolzplatz"
    idea.body = "Ein Bolzplatz für Jugendliche."
    session.add(idea)
    await session.commit()
    assert await _titles(session, process.id, "Spielplatz") == []
    assert await _titles(session, process.id, "Bolzplatz") == ["Bolzplatz"]
    await session.delete(idea)
    await session.commit()
    assert await _titles(session, process.id, "Bolzplatz") == []


async def test_search_shows_only_published_ideas(session: AsyncSession) -> None:
    process = await add_process(session)
    assert process.id is not None
    await add_idea(session, process, title="Radweg offen")
    await add_idea(session, process, title="Radweg wartet", status=ContributionStatus.PENDING)
    other = await add_process(session, slug="anderes")
    await add_idea(session, other, title="Radweg anderswo")
    assert await _titles(session, process.id, "Radweg") == ["Radweg offen"]
