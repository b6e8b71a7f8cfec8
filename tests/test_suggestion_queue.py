"""The queue of theme suggestions after submitting: many arrivals make one batch, the backlog
drains, a full queue leaves ids to the sweep, and the sweep finds every contribution that
never got suggestions (and nothing it should leave alone)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.db import SessionMaker, create_engine, create_sessionmaker
from participation.models import Contribution, ContributionKind, Process
from participation.settings import Settings
from participation.suggestion_queue import SuggestionQueue
from tests.helpers import add_idea, add_process, add_themes

SUBMITTERS = 64


@pytest.fixture
async def sessionmaker(settings: Settings) -> AsyncIterator[SessionMaker]:
    engine = create_engine(settings)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _ideas(session: AsyncSession, process: Process, n: int) -> list[int]:
    ideas = [
        await add_idea(session, process, title=f"Idee {i}", body=f"Mehr Busse und Radwege {i}")
        for i in range(n)
    ]
    return [idea.id or 0 for idea in ideas]


async def _without_suggestions(session: AsyncSession) -> list[int]:
    session.expunge_all()
    rows = await session.exec(
        select(Contribution.id).where(col(Contribution.theme_uncertainty).is_(None))
    )
    return sorted(i or 0 for i in rows)


async def test_many_arrivals_are_tagged_as_one_batch_and_the_backlog_drains(
    session: AsyncSession, sessionmaker: SessionMaker, settings: Settings
) -> None:
    process = await add_process(session)
    await add_themes(session, process)
    queue = SuggestionQueue(sessionmaker, settings.var_dir)
    await queue.start()
    try:
        await queue.drained()  # the sweep at start: nothing to do
        ids = await _ideas(session, process, SUBMITTERS)
        for contribution_id in ids:  # one submission after another, as the routes add them
            queue.add(process.id or 0, [contribution_id])
        assert queue.backlog == SUBMITTERS
        await queue.drained()
    finally:
        await queue.stop()
    assert queue.backlog == 0
    assert queue.tagged == SUBMITTERS
    assert queue.batches == 1  # one tagger call for all that arrived meanwhile
    assert await _without_suggestions(session) == []


async def test_ids_past_the_limit_are_left_to_the_sweep(
    session: AsyncSession, sessionmaker: SessionMaker, settings: Settings
) -> None:
    process = await add_process(session)
    await add_themes(session, process)
    queue = SuggestionQueue(sessionmaker, settings.var_dir, limit=5)
    await queue.start()
    try:
        await queue.drained()
        ids = await _ideas(session, process, 20)
        queue.add(process.id or 0, ids)
        assert queue.backlog == 5  # the queue stays bounded
        assert queue.left_out == 15
        await queue.drained()
    finally:
        await queue.stop()
    assert queue.swept == 15
    assert queue.tagged == 20
    assert await _without_suggestions(session) == []


async def test_the_sweep_at_start_finds_what_never_got_suggestions(
    session: AsyncSession, sessionmaker: SessionMaker, settings: Settings
) -> None:
    """Ideas stored while no queue ran (a stop with ids waiting, a failed tagger) get their
    suggestions at the next start; comments and processes without action fields are left."""
    process = await add_process(session)
    await add_themes(session, process)
    waiting = await _ideas(session, process, 3)
    comment = await add_idea(
        session, process, kind=ContributionKind.COMMENT, parent_id=waiting[0], body="Genau!"
    )
    no_themes = await add_process(session, slug="ohne-handlungsfelder")
    untaggable = await add_idea(session, no_themes)
    queue = SuggestionQueue(sessionmaker, settings.var_dir)
    await queue.start()
    try:
        await queue.drained()
    finally:
        await queue.stop()
    assert queue.swept == 3
    assert await _without_suggestions(session) == sorted([comment.id or 0, untaggable.id or 0])
