"""Many rows in one process, filled with bulk inserts: for tests that read query plans and
count statements at volume (tests/test_query_plans.py, tests/test_query_counts.py), and,
scaled up, for measuring the main queries by hand (`python -m tests.volume_rows URL N`).

The process has published ideas spread over segments, channels, municipalities and action
fields (a confirmed theme each), a pending share, comments with replies on every idea (one
idea with many), and supports. The kept counts come from the database's own triggers, as in
production. Statistics are refreshed at the end (ANALYZE; VACUUM ANALYZE on PostgreSQL), as
`participation db optimize` and autovacuum would leave them.
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Phase,
    PhaseKind,
    Process,
    Segment,
    Support,
    Theme,
    ThemeSource,
    utcnow,
)

VOLUME_SLUG: Final = "volumen"
MUNICIPALITIES: Final = ("Auetal", "Bückeburg", "Obernkirchen", "Rinteln", "Stadthagen")
CHUNK: Final = 2000
WORDS: Final = ("Radweg", "Bus", "Glasfaser", "Schule", "Spielplatz", "Ampel", "Bahnhof")


@dataclass(frozen=True)
class Volume:
    """What was filled: the process and a few rows tests ask for by id."""

    process_id: int
    slug: str
    ideas: int
    busy_idea_id: int  # the idea with `busy_comments` comments
    theme_slugs: Sequence[str]
    busy_last_comment_id: int = 0  # the busy idea's newest top-level comment (its last page)
    theme_ids: Sequence[int] = ()


async def _process(engine: AsyncEngine, slug: str) -> tuple[int, list[tuple[int, str]]]:
    now = utcnow()
    async with engine.begin() as conn:
        process_id = (
            await conn.execute(
                insert(Process).returning(col(Process.id)),
                {
                    "slug": slug,
                    "title": "Volumen",
                    "summary": "",
                    "description": "",
                    "open_channels": [Channel.IDEA_CALL.value],
                },
            )
        ).scalar_one()
        await conn.execute(
            insert(Phase),
            {
                "process_id": process_id,
                "kind": PhaseKind.IDEA_CALL.value,
                "title": "Ideenaufruf",
                "description": "",
                "starts_at": now - timedelta(days=30),
                "ends_at": now + timedelta(days=30),
                "position": 0,
            },
        )
        themes = []
        for i in range(6):
            theme_id = (
                await conn.execute(
                    insert(Theme).returning(col(Theme.id)),
                    {
                        "process_id": process_id,
                        "slug": f"feld-{i}",
                        "name": f"Feld {i}",
                        "description": "",
                        "keywords": [],
                        "position": i,
                    },
                )
            ).scalar_one()
            themes.append((theme_id, f"feld-{i}"))
    assert process_id is not None
    return process_id, [(t, s) for t, s in themes if t is not None]


async def _insert(engine: AsyncEngine, table: Any, rows: list[dict[str, Any]]) -> None:
    async with engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            await conn.execute(insert(table), rows[start : start + CHUNK])


def _contribution(process_id: int, n: int, rng: random.Random, **values: Any) -> dict[str, Any]:
    word = rng.choice(WORDS)
    row: dict[str, Any] = {
        "process_id": process_id,
        "kind": ContributionKind.IDEA.value,
        "parent_id": None,
        "reply_to_id": None,
        "title": f"Idee {n}: {word}",
        "body": f"Beitrag {n} über {word} und {rng.choice(WORDS)} in der Gemeinde.",
        "segment": rng.choice(list(Segment)).value,
        "channel": rng.choice([Channel.IDEA_CALL, Channel.SURVEY, Channel.WORKSHOP]).value,
        "municipality": rng.choice((*MUNICIPALITIES, None)),
        "status": ContributionStatus.PUBLISHED.value,
        "version": 0,
        "answer": "",
    }
    row.update(values)
    return row


async def fill_volume(
    engine: AsyncEngine,
    ideas: int,
    *,
    slug: str = VOLUME_SLUG,
    comments_per_idea: int = 2,
    supports_per_idea: int = 3,
    busy_comments: int = 200,
    seed: int = 0,
) -> Volume:
    """`ideas` published ideas (and 5% more pending) in a new process, with comments (every
    third one a reply), supports and one confirmed theme per idea."""
    rng = random.Random(seed)
    process_id, themes = await _process(engine, slug)
    now = utcnow()
    start = now - timedelta(minutes=ideas + 10)
    idea_rows = [
        _contribution(
            process_id,
            n,
            rng,
            created_at=start + timedelta(minutes=n),
            published_at=start + timedelta(minutes=n, seconds=30),
        )
        for n in range(ideas)
    ]
    idea_rows += [
        _contribution(
            process_id,
            n,
            rng,
            status=ContributionStatus.PENDING.value,
            created_at=now,
            published_at=None,
        )
        for n in range(ideas // 20)
    ]
    await _insert(engine, Contribution, idea_rows)
    async with engine.connect() as conn:
        idea_ids = [
            row[0]
            for row in await conn.execute(
                text(
                    "SELECT id FROM contribution WHERE process_id = :p AND status = 'published'"
                    " ORDER BY id"
                ),
                {"p": process_id},
            )
        ]
    busy = idea_ids[len(idea_ids) // 2]
    await _insert(
        engine,
        ContributionTheme,
        [
            {
                "contribution_id": idea_id,
                "theme_id": rng.choice(themes)[0],
                "source": ThemeSource.CONFIRMED.value,
            }
            for idea_id in idea_ids
        ],
    )
    last_comment = await _comments(
        engine, process_id, idea_ids, busy, comments_per_idea, busy_comments, rng
    )
    await _insert(
        engine,
        Support,
        [
            {"contribution_id": idea_id, "supporter_hash": f"{idea_id}-{k}", "created_at": now}
            for idea_id in idea_ids
            for k in range(rng.randint(0, 2 * supports_per_idea))
        ],
    )
    await analyze(engine)
    slugs, ids = [s for _i, s in themes], [i for i, _s in themes]
    return Volume(process_id, slug, ideas, busy, slugs, last_comment, ids)


async def _comments(
    engine: AsyncEngine,
    process_id: int,
    idea_ids: Sequence[int],
    busy: int,
    per_idea: int,
    busy_comments: int,
    rng: random.Random,
) -> int:
    """Fill the comments; the busy idea's newest top-level comment's id."""

    def comment(idea_id: int, n: int, reply_to: int | None = None) -> dict[str, Any]:
        return _contribution(
            process_id,
            n,
            rng,
            kind=ContributionKind.COMMENT.value,
            title="",
            parent_id=idea_id,
            reply_to_id=reply_to,
            municipality=None,
            created_at=utcnow(),
            published_at=utcnow(),
        )

    tops = [comment(i, n) for i in idea_ids for n in range(per_idea)]
    tops += [comment(busy, n) for n in range(busy_comments * 2 // 3)]
    await _insert(engine, Contribution, tops)
    async with engine.connect() as conn:
        busy_tops = [
            row[0]
            for row in await conn.execute(
                text("SELECT id FROM contribution WHERE parent_id = :p ORDER BY id"), {"p": busy}
            )
        ]
    replies = [comment(busy, n, rng.choice(busy_tops)) for n in range(busy_comments // 3)]
    await _insert(engine, Contribution, replies)
    return busy_tops[-1] if busy_tops else 0


async def analyze(engine: AsyncEngine) -> None:
    """Fresh planner statistics (and on PostgreSQL the visibility map index-only scans use)."""
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(
            text("ANALYZE" if engine.dialect.name == "sqlite" else "VACUUM ANALYZE")
        )


async def _main(url: str, ideas: int) -> None:
    from participation.db import create_engine
    from participation.settings import Settings

    engine = create_engine(replace(Settings.from_env(), database_url=url))
    volume = await fill_volume(engine, ideas, slug=f"{VOLUME_SLUG}-{ideas}")
    await engine.dispose()
    print(volume)


if __name__ == "__main__":
    from participation.db import upgrade_database

    upgrade_database(sys.argv[1])
    asyncio.run(_main(sys.argv[1], int(sys.argv[2])))


def public_pages(volume: Volume) -> dict[str, str]:
    """The main public pages and API lists of the filled process, by a short name."""
    slug = volume.slug
    ideas = f"/processes/{slug}/ideen"
    api = f"/api/v1/processes/{slug}/contributions"
    variants = {
        "default": "",
        "supported": "?sort=supported",
        "discussed": "?sort=discussed",
        "search": "?q=radwege",
        "search newest": "?q=radwege&sort=newest",
        "theme": "?theme=feld-1",
        "segment": "?segment=firm",
        "channel": "?channel=survey",
        "municipality": "?municipality=rinteln",
        "segment supported": "?segment=firm&sort=supported",
        "page 500": "?page=500",
    }
    pages = {"home": "/", "process": f"/processes/{slug}"}
    pages |= {f"ideas {name}": ideas + query for name, query in variants.items()}
    pages |= {f"api {name}": api + query for name, query in variants.items()}
    idea = f"/processes/{slug}/ideas/{volume.busy_idea_id}"
    last = volume.busy_last_comment_id
    pages["idea with comments"] = idea
    pages["idea comments page 4"] = f"{idea}?page=4"
    pages["idea comment shown"] = f"{idea}?show={last}"
    pages["idea reply form"] = f"{idea}?reply={last}"
    pages["api comments"] = f"/api/v1/processes/{slug}/ideas/{volume.busy_idea_id}/comments"
    return pages


def staff_pages(volume: Volume) -> dict[str, str]:
    """The main staff pages of the filled process (a moderator signed in)."""
    return {
        "analysis": f"/analysis/{volume.slug}",
        "moderation queue": "/moderation/",
        # Every facet of the queue narrowed at once, and the combinations counted beside.
        "moderation queue, narrowed": (
            f"/moderation/?process={volume.slug}&channel=idea_call&segment=resident&age=2"
            f"&theme={volume.theme_ids[0]}&suggested={volume.theme_ids[1]}&reported=1"
            "&duplicate=1&assigned=me"
        ),
        "moderation queue, my items": "/moderation/?assigned=none&order=informative",
        "duplicates": f"/moderation/duplicates?process={volume.slug}",
        "admin processes": "/admin/processes/",
        "participation dashboard": f"/admin/processes/{volume.slug}/beteiligung",
    }
