"""Merge suggestions: pairs of a process's contributions that read alike, found in the
background and worked through by moderators on /moderation/duplicates.

`compute_pairs` (the `duplicates` job, participation/jobs.py) reads the process's ideas and
survey answers that are waiting or published (not comments; across channels), scores every
pair in a worker thread (nlp/duplicates.py `best_pairs`: centred cosine on char n-grams, each
item's best few partners above the threshold; above 3,000 items the partners are picked
among each item's 40 nearest in a low-rank copy and scored exactly) and replaces the
process's open pairs with the new ones. `python -m bench.duplicate_queue` measures it at
10,000 ideas; on resampled real texts the low-rank pick kept 97 % of the best 5,000 exact
pairs, in 19 s instead of 44 s (idle 2-core machine).
Pairs a moderator marked "kein Duplikat" keep their row with `dismissed_at` and are never
offered again. Pages read stored pairs only: a fixed number of queries, each on an index.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final

import anyio.to_thread
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    delete,
    insert,
    or_,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp.duplicates import DUPLICATE_THRESHOLD, SimilarityIndex, shared_terms, term_weights
from nlp.text import join_fields
from participation.i18n import _
from participation.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    DuplicatePair,
    JobKind,
    Process,
    User,
    utcnow,
)
from participation.services.accounts.remit import EVERYWHERE, Scope
from participation.services.errors import NotFound, ServiceError
from participation.services.tagging import analyzer

log = logging.getLogger("participation")

# Contributions that may be merged or kept: waiting for a moderator or the author, or public.
LIVE_STATES: Final = (
    ContributionStatus.PENDING,
    ContributionStatus.AWAITING_CHANGES,
    ContributionStatus.PUBLISHED,
)
PAIR_KINDS: Final = (ContributionKind.IDEA, ContributionKind.SURVEY_ANSWER)
# Each item's best partners, and the most pairs kept per process: a moderator wants each
# item's likeliest twin, not every pair on a shared topic (a homogeneous process of 10,000
# has hundreds of thousands above the threshold).
PER_ITEM: Final = 3
MAX_PAIRS: Final = 5000
SHARED_WORDS: Final = 8
INSERT_CHUNK: Final = 500
PAIRS_PER_PAGE: Final = 10
LAST_PAGE: Final = MAX_PAIRS // PAIRS_PER_PAGE + 1
MAX_SKIPPED: Final = 50  # pairs skipped on the page, carried in the address


@dataclass(frozen=True)
class FoundPair:
    first_id: int
    second_id: int
    score: float
    shared_words: list[str]


@dataclass(frozen=True)
class PairRun:
    items: int  # contributions compared
    pairs: int  # pairs stored (dismissed ones not offered again)
    seconds: float  # the comparison in the worker thread


def find_pairs(
    var_dir: Path, texts: Sequence[tuple[int, str]], per_item: int = PER_ITEM
) -> list[FoundPair]:
    """The pairs above the threshold among (id, text), strongest first, with their shared
    words. CPU-bound: run it in a worker thread."""
    if len(texts) < 2:
        return []
    docs = analyzer(var_dir).analyse([text for _id, text in texts])
    index = SimilarityIndex(docs, [id_ for id_, _text in texts], approximate=False)
    found = index.best_pairs(DUPLICATE_THRESHOLD, per_item, MAX_PAIRS)
    by_id = {id_: doc for (id_, _text), doc in zip(texts, docs, strict=True)}
    weights = term_weights(docs)
    return [
        FoundPair(p.a, p.b, p.score, shared_terms(by_id[p.a], by_id[p.b], weights, SHARED_WORDS))
        for p in found
    ]


async def compute_pairs(session: AsyncSession, var_dir: Path, process_id: int) -> PairRun:
    """Find the process's pairs again and store them in place of its open ones."""
    rows = await session.exec(
        select(Contribution.id, Contribution.title, Contribution.body).where(
            col(Contribution.status).in_(LIVE_STATES),
            col(Contribution.process_id) == process_id,
            col(Contribution.kind).in_(PAIR_KINDS),
        )
    )
    texts = sorted((id_, join_fields([title, body])) for id_, title, body in rows if id_)
    started = time.perf_counter()
    found = await anyio.to_thread.run_sync(
        partial(find_pairs, var_dir, texts), abandon_on_cancel=True
    )
    seconds = time.perf_counter() - started
    dismissed = {
        (first, second)
        for first, second in await session.exec(
            select(DuplicatePair.first_id, DuplicatePair.second_id).where(
                DuplicatePair.process_id == process_id,
                col(DuplicatePair.dismissed_at).is_not(None),
            )
        )
    }
    await session.exec(
        delete(DuplicatePair).where(
            col(DuplicatePair.process_id) == process_id,
            col(DuplicatePair.dismissed_at).is_(None),
        )
    )
    now = utcnow()
    fresh = [
        {
            "process_id": process_id,
            "first_id": p.first_id,
            "second_id": p.second_id,
            "score": p.score,
            "shared_words": p.shared_words,
            "computed_at": now,
        }
        for p in found
        if (p.first_id, p.second_id) not in dismissed
    ]
    for start in range(0, len(fresh), INSERT_CHUNK):  # bounded statements (SQLite's limits)
        await session.exec(insert(DuplicatePair).values(fresh[start : start + INSERT_CHUNK]))
    await session.commit()
    # The pages read the pairs in score order through an index and stop after one page; a
    # planner that still thinks the table empty sorts all of a process's pairs instead
    # (PostgreSQL, measured: 55 ms for 5,000 before ANALYZE).
    await (await session.connection()).execute(text("ANALYZE duplicate_pair"))
    await session.commit()
    return PairRun(items=len(texts), pairs=len(fresh), seconds=round(seconds, 2))


async def submit_duplicates_job(state: Any, session: AsyncSession, process_id: int) -> None:
    """Queue the job that finds a process's pairs again, unless one is queued or running
    already (`state.jobs`: the app's job queue). A queue that is down costs only the fresh
    suggestions, never the moderator's decision: it is logged."""
    try:
        await state.jobs.submit(session, process_id, JobKind.DUPLICATES, None)
    except ServiceError:
        log.warning("Could not queue the duplicates job for process %s", process_id)


# --- the duplicates page -------------------------------------------------------------------


@dataclass(frozen=True)
class PairView:
    """A pair with both contributions as they are now."""

    pair: DuplicatePair
    first: Contribution
    second: Contribution

    def other(self, contribution_id: int) -> Contribution:
        return self.second if contribution_id == self.first.id else self.first


@dataclass(frozen=True)
class PairPage:
    pairs: list[PairView]
    processes: list[Process]  # for the filter and the items' names
    process: Process | None  # the chosen one; None for all
    page: int
    has_next: bool
    skipped: tuple[int, ...]  # pair ids skipped meanwhile, left out of the list

    @property
    def process_titles(self) -> dict[int, str]:
        return {p.id: p.title for p in self.processes if p.id is not None}


def _pairs_with_contributions() -> tuple[type[Contribution], type[Contribution]]:
    return aliased(Contribution), aliased(Contribution)


async def pair_page(
    session: AsyncSession,
    *,
    process_slug: str = "",
    page: int = 1,
    skipped: Sequence[int] = (),
    per_page: int = PAIRS_PER_PAGE,
    scope: Scope = EVERYWHERE,
) -> PairPage:
    """One page of open pairs, strongest first. Both sides are waiting or public: a merge,
    a rejection or hiding deletes the item's open pairs, an author's deletion cascades.
    Two statements: the processes, the page (one more row tells whether another follows),
    read in score order from the index and stopped after the page."""
    processes = list(
        await session.exec(
            select(Process).where(scope.processes_in(Process.id)).order_by(col(Process.title))
        )
    )
    chosen = next((p for p in processes if p.slug == process_slug), None)
    where: list[ColumnElement[bool]] = [col(DuplicatePair.dismissed_at).is_(None)]
    if not scope.unrestricted:
        # Both ideas of a pair in the scope: a merge changes both.
        in_scope = select(Contribution.id).where(scope.contributions_in())
        where += [
            col(DuplicatePair.first_id).in_(in_scope),
            col(DuplicatePair.second_id).in_(in_scope),
        ]
    if chosen is not None:
        where.append(col(DuplicatePair.process_id) == chosen.id)
    skipped = tuple(skipped)[:MAX_SKIPPED]
    if skipped:
        where.append(col(DuplicatePair.id).not_in(skipped))
    page = max(1, min(page, LAST_PAGE))
    rows = await pair_views(
        session,
        where,
        order_by=(col(DuplicatePair.score).desc(), col(DuplicatePair.id).desc()),
        offset=(page - 1) * per_page,
        limit=per_page + 1,
    )
    return PairPage(
        pairs=rows[:per_page],
        processes=processes,
        process=chosen,
        page=page,
        has_next=len(rows) > per_page,
        skipped=skipped,
    )


async def pair_views(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    *,
    order_by: Sequence[ColumnElement[Any]] = (),
    offset: int = 0,
    limit: int | None = None,
) -> list[PairView]:
    """The pairs matching `where`, each with both contributions: one statement."""
    first, second = _pairs_with_contributions()
    rows = await session.exec(
        select(DuplicatePair, first, second)
        .join(first, col(first.id) == DuplicatePair.first_id)
        .join(second, col(second.id) == DuplicatePair.second_id)
        .where(*where)
        .order_by(*order_by)
        .offset(offset)
        .limit(limit)
    )
    return [PairView(pair, a, b) for pair, a, b in rows]


async def pair_view(session: AsyncSession, pair_id: int) -> PairView:
    """One pair with both sides; NotFound for an unknown id."""
    found = await pair_views(session, [col(DuplicatePair.id) == pair_id])
    if not found:
        raise NotFound(_("This pair is no longer suggested."))
    return found[0]


async def dismiss_pair(session: AsyncSession, pair_id: int, actor: User) -> PairView:
    """ "Kein Duplikat": the pair stays stored as dismissed and is never offered again, also
    after the next run of the job. Dismissing twice changes nothing."""
    view = await pair_view(session, pair_id)
    await session.exec(
        update(DuplicatePair)
        .where(col(DuplicatePair.id) == pair_id, col(DuplicatePair.dismissed_at).is_(None))
        .values(dismissed_at=utcnow(), dismissed_by_id=actor.id)
    )
    await session.commit()
    await session.refresh(view.pair)
    return view


async def forget_open_pairs(session: AsyncSession, contribution_id: int) -> None:
    """A merged contribution is no one's twin any more (the caller commits); dismissed
    pairs stay, so they do not come back after the merge is undone."""
    await session.exec(
        delete(DuplicatePair).where(
            or_(
                col(DuplicatePair.first_id) == contribution_id,
                col(DuplicatePair.second_id) == contribution_id,
            ),
            col(DuplicatePair.dismissed_at).is_(None),
        )
    )


# --- the hint in the moderation queue --------------------------------------------------------


@dataclass(frozen=True)
class DuplicateHint:
    """ "Wahrscheinlich dasselbe wie #412 (0,83)": an item's strongest open pair."""

    pair_id: int
    other_id: int
    other_title: str
    score: float


async def hints_for(
    session: AsyncSession, contribution_ids: Sequence[int]
) -> dict[int, DuplicateHint]:
    """Each item's strongest open pair: one statement per page."""
    ids = [i for i in contribution_ids if i]
    if not ids:
        return {}
    first, second = _pairs_with_contributions()
    is_open = col(DuplicatePair.dismissed_at).is_(None)
    # Two index lookups (by first_id, by second_id), never a walk over every open pair: no
    # ORDER BY for the planner to serve from the score index; a page's few are sorted here.
    pair_ids: CompoundSelect[tuple[int]] = union_all(
        select(DuplicatePair.id).where(col(DuplicatePair.first_id).in_(ids), is_open),
        select(DuplicatePair.id).where(col(DuplicatePair.second_id).in_(ids), is_open),
    )
    rows = sorted(
        await session.exec(
            select(DuplicatePair, first.title, second.title)
            .join(first, col(first.id) == DuplicatePair.first_id)
            .join(second, col(second.id) == DuplicatePair.second_id)
            .where(col(DuplicatePair.id).in_(pair_ids))
        ),
        key=lambda row: (-row[0].score, -(row[0].id or 0)),
    )
    wanted = set(ids)
    hints: dict[int, DuplicateHint] = {}
    for pair, first_title, second_title in rows:
        assert pair.id is not None
        for mine, other, title in (
            (pair.first_id, pair.second_id, second_title),
            (pair.second_id, pair.first_id, first_title),
        ):
            if mine in wanted and mine not in hints:  # strongest first: the first one wins
                hints[mine] = DuplicateHint(pair.id, other, title, pair.score)
    return hints
