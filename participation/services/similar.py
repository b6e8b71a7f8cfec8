"""Contributions similar to a text: published ideas similar to a draft, shown while a
resident writes ("maybe support this one instead?"), and, for staff building a profile, the
screened contributions of every channel most like it ("Passende weitere Beiträge").

Each process's published ideas (and, apart, its screened contributions) are indexed once
(char n-gram TF-IDF, in a worker thread) and kept in memory. Every query first asks the
database for a fingerprint of the published set (count, newest publication, sum of ids);
when it differs from the index's, the index is built again. Moderation also drops the index
when it publishes or removes an idea. Queries run in a worker thread too: the event loop
only waits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
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


class Scope(StrEnum):
    IDEAS = "ideas"  # published ideas: what residents may support instead
    # Published ideas, approved survey answers and the screened ideas of focus groups and
    # workshops (every channel; not comments): what a profile may be built from.
    SCREENED = "screened"


_KINDS: Final = {
    Scope.IDEAS: (ContributionKind.IDEA,),
    Scope.SCREENED: (ContributionKind.IDEA, ContributionKind.SURVEY_ANSWER),
}
# How a contribution without a title (a survey answer) is named in a list.
_NAME_CHARS: Final = 120


@dataclass(frozen=True)
class _Snapshot:
    fingerprint: Fingerprint
    index: SimilarityIndex
    titles: dict[int, str]


_Key = tuple[int, Scope]
_snapshots: dict[_Key, _Snapshot] = {}
_build_locks: dict[_Key, threading.Lock] = {}
_lock = threading.Lock()


def _published(process_id: int, scope: Scope = Scope.IDEAS) -> ColumnElement[bool]:
    return and_(
        col(Contribution.process_id) == process_id,
        col(Contribution.kind).in_(_KINDS[scope]),
        col(Contribution.status) == ContributionStatus.PUBLISHED,
    )


async def _fingerprint(session: AsyncSession, key: _Key) -> Fingerprint:
    count, newest, id_sum = (
        await session.exec(
            select(
                func.count(), func.max(Contribution.published_at), func.sum(Contribution.id)
            ).where(_published(*key))
        )
    ).one()
    return int(count), newest, int(id_sum or 0)


def invalidate(process_id: int) -> None:
    """Forget a process's indexes: its published contributions have changed."""
    with _lock:
        for scope in Scope:
            _snapshots.pop((process_id, scope), None)


def _cached(key: _Key, fingerprint: Fingerprint) -> _Snapshot | None:
    with _lock:
        snapshot = _snapshots.get(key)
    return snapshot if snapshot is not None and snapshot.fingerprint == fingerprint else None


def _name(title: str, body: str) -> str:
    return title or (body[:_NAME_CHARS] + ("…" if len(body) > _NAME_CHARS else ""))


def _build(
    var_dir: Path, key: _Key, fingerprint: Fingerprint, rows: Sequence[tuple[int, str, str]]
) -> _Snapshot:
    with _lock:
        build_lock = _build_locks.setdefault(key, threading.Lock())
    with build_lock:  # many drafts at once after a change: one build, the others wait for it
        snapshot = _cached(key, fingerprint)
        if snapshot is None:
            docs = analyzer(var_dir).analyse([join_fields([t, b]) for _id, t, b in rows])
            index = SimilarityIndex(docs, [id_ for id_, _t, _b in rows])
            snapshot = _Snapshot(fingerprint, index, {id_: _name(t, b) for id_, t, b in rows})
            with _lock:
                _snapshots[key] = snapshot
        return snapshot


async def _snapshot(
    session: AsyncSession, var_dir: Path, process_id: int, scope: Scope = Scope.IDEAS
) -> _Snapshot | None:
    """The process's index, built again if its contributions changed; None without any."""
    key = (process_id, scope)
    fingerprint = await _fingerprint(session, key)
    if fingerprint[0] == 0:
        return None
    snapshot = _cached(key, fingerprint)
    if snapshot is not None:
        return snapshot
    rows = list(
        await session.exec(
            select(Contribution.id, Contribution.title, Contribution.body)
            .where(_published(process_id, scope))
            .order_by(col(Contribution.id))
        )
    )
    texts = [(id_, title, body) for id_, title, body in rows if id_ is not None]
    return await anyio.to_thread.run_sync(partial(_build, var_dir, key, fingerprint, texts))


def draft_text(title: str, body: str) -> str:
    """Title and body as the index reads them, or "" when there is too little to compare."""
    text = join_fields([title, body])[:DRAFT_MAX_CHARS]
    return text if len(text) >= DRAFT_MIN_CHARS and len(text.split()) >= 2 else ""


def _query(
    var_dir: Path,
    snapshot: _Snapshot,
    text: str,
    limit: int,
    exclude: Collection[int] = frozenset(),
) -> list[SimilarIdea]:
    doc = analyzer(var_dir).analyse_one(text)
    matches = snapshot.index.most_similar(doc, limit + len(exclude), SIMILAR_MIN_SCORE)
    return [
        SimilarIdea(match.id, snapshot.titles[match.id], match.score)
        for match in matches
        if match.id not in exclude
    ][:limit]


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


# The text a profile is compared by: its own fields and its first sources, cut here.
PROFILE_TEXT_MAX: Final = 20_000
# Sources beyond this many add little to what a profile is about, and the exclusion list of a
# query grows with them.
EXCLUDE_MAX: Final = 2_000


async def similar_to_text(
    session: AsyncSession,
    var_dir: Path,
    process_id: int,
    text: str,
    *,
    exclude: Collection[int] = frozenset(),
    limit: int = SIMILAR_LIMIT,
) -> list[SimilarIdea]:
    """Up to `limit` screened contributions of every channel most like `text` and not in
    `exclude`, best first (for staff: contributions a profile may still take in)."""
    text = text[:PROFILE_TEXT_MAX]
    if not draft_text(text, ""):
        return []
    snapshot = await _snapshot(session, var_dir, process_id, Scope.SCREENED)
    if snapshot is None:
        return []
    excluded = frozenset(list(exclude)[:EXCLUDE_MAX])
    return await anyio.to_thread.run_sync(partial(_query, var_dir, snapshot, text, limit, excluded))
