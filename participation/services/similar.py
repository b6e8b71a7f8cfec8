"""Published ideas similar to a draft, shown while a resident writes ("maybe support this one
instead?").

Each process's published ideas are indexed once (char n-gram TF-IDF, in a worker thread) and
kept in memory. Every query first asks the database for a fingerprint of the published set
(count, newest publication, sum of ids); when it differs from the index's, the index is built
again. Moderation also drops the index when it publishes or removes an idea. Queries run in a
worker thread too: the event loop only waits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Final

import anyio.to_thread
from sqlalchemy import ColumnElement, and_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp.duplicates import SIMILAR_MIN_SCORE, SimilarityIndex
from nlp.text import join_fields
from participation.models import Contribution, ContributionKind, ContributionStatus
from participation.services.tagging import analyzer

log = logging.getLogger("participation")

SIMILAR_LIMIT: Final = 5
# A draft shorter than this says too little to compare: two words at least.
DRAFT_MIN_CHARS: Final = 8
# Drafts are cut here: the form allows a 120-character title and a 5,000-character body.
DRAFT_MAX_CHARS: Final = 5200

Fingerprint = tuple[int, datetime | None, int]


@dataclass(frozen=True)
class SimilarIdea:
    id: int
    title: str
    score: float  # cosine similarity, 0..1


@dataclass(frozen=True)
class _Snapshot:
    fingerprint: Fingerprint
    index: SimilarityIndex
    titles: dict[int, str]


_snapshots: dict[int, _Snapshot] = {}
_build_locks: dict[int, threading.Lock] = {}
_lock = threading.Lock()


def _published(process_id: int) -> ColumnElement[bool]:
    return and_(
        col(Contribution.process_id) == process_id,
        col(Contribution.kind) == ContributionKind.IDEA,
        col(Contribution.status) == ContributionStatus.PUBLISHED,
    )


async def _fingerprint(session: AsyncSession, process_id: int) -> Fingerprint:
    count, newest, id_sum = (
        await session.exec(
            select(
                func.count(), func.max(Contribution.published_at), func.sum(Contribution.id)
            ).where(_published(process_id))
        )
    ).one()
    return int(count), newest, int(id_sum or 0)


def invalidate(process_id: int) -> None:
    """Forget a process's index: its published ideas have changed."""
    with _lock:
        _snapshots.pop(process_id, None)


def _cached(process_id: int, fingerprint: Fingerprint) -> _Snapshot | None:
    with _lock:
        snapshot = _snapshots.get(process_id)
    return snapshot if snapshot is not None and snapshot.fingerprint == fingerprint else None


def _build(
    var_dir: Path, process_id: int, fingerprint: Fingerprint, rows: Sequence[tuple[int, str, str]]
) -> _Snapshot:
    with _lock:
        build_lock = _build_locks.setdefault(process_id, threading.Lock())
    with build_lock:  # many drafts at once after a change: one build, the others wait for it
        snapshot = _cached(process_id, fingerprint)
        if snapshot is None:
            docs = analyzer(var_dir).analyse([join_fields([t, b]) for _id, t, b in rows])
            index = SimilarityIndex(docs, [id_ for id_, _t, _b in rows])
            snapshot = _Snapshot(fingerprint, index, {id_: t for id_, t, _b in rows})
            with _lock:
                _snapshots[process_id] = snapshot
        return snapshot


async def _snapshot(session: AsyncSession, var_dir: Path, process_id: int) -> _Snapshot | None:
    """The process's index, built again if its published ideas changed; None without any."""
    fingerprint = await _fingerprint(session, process_id)
    if fingerprint[0] == 0:
        return None
    snapshot = _cached(process_id, fingerprint)
    if snapshot is not None:
        return snapshot
    rows = list(
        await session.exec(
            select(Contribution.id, Contribution.title, Contribution.body)
            .where(_published(process_id))
            .order_by(col(Contribution.id))
        )
    )
    texts = [(id_, title, body) for id_, title, body in rows if id_ is not None]
    return await anyio.to_thread.run_sync(partial(_build, var_dir, process_id, fingerprint, texts))


def draft_text(title: str, body: str) -> str:
    """Title and body as the index reads them, or "" when there is too little to compare."""
    text = join_fields([title, body])[:DRAFT_MAX_CHARS]
    return text if len(text) >= DRAFT_MIN_CHARS and len(text.split()) >= 2 else ""


def _query(var_dir: Path, snapshot: _Snapshot, text: str, limit: int) -> list[SimilarIdea]:
    doc = analyzer(var_dir).analyse_one(text)
    return [
        SimilarIdea(match.id, snapshot.titles[match.id], match.score)
        for match in snapshot.index.most_similar(doc, limit, SIMILAR_MIN_SCORE)
    ]


async def similar_ideas(
    session: AsyncSession,
    var_dir: Path,
    process_id: int,
    title: str,
    body: str,
    limit: int = SIMILAR_LIMIT,
) -> list[SimilarIdea]:
    """Up to `limit` published ideas of the process most like a draft, best first; none for
    an empty or very short draft, nor when the comparison fails (the panel is a help: it
    must never stand between a resident and the form)."""
    text = draft_text(title, body)
    if not text:
        return []
    try:
        snapshot = await _snapshot(session, var_dir, process_id)
        if snapshot is None:
            return []
        return await anyio.to_thread.run_sync(partial(_query, var_dir, snapshot, text, limit))
    except Exception:
        log.exception("Could not look for ideas similar to a draft in process %s", process_id)
        return []
