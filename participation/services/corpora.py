"""Readers for the two real corpora in ../shared/data, imported as contributions of a process.

- FreiRaum Ottensen (`freiraum-ottensen/contributions.csv`): suggestions with 12 0/1 label
  columns coded by annotators. The labels become the process's action fields (created if
  missing) and are confirmed on the items, so the tagger can learn from them at once.
- Tempelhofer Feld (`tempelhofer-feld/proposals.json`): proposals with threaded comments
  and pro/neutral/contra ratings. Proposals become ideas with their author's category as a
  confirmed action field; the comment threads are flattened to this platform's one level of
  replies (a reply to a reply answers the same top comment); ratings go to
  `Contribution.imported_ratings`.

nlp/datasets.py reads the same files for evaluation, but joins title and text and drops
urls, dates and the threads' shape; here each row keeps them. Its `TRUE_VALUES` and
`DatasetError` are shared. The texts are CC BY 4.0 by their authors: `source_ref` keeps the
contribution's URL (Ottensen) or its id in the earlier platform (Tempelhofer Feld).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp.datasets import TRUE_VALUES, DatasetError
from participation.db import create_engine, create_sessionmaker
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Process,
    Segment,
    Theme,
    ThemeSource,
    utcnow,
)
from participation.services import similar
from participation.services.errors import ServiceError
from participation.services.processes import get_process
from participation.settings import Settings

CORPORA: Final = ("ottensen", "tempelhofer")
TITLE_MAX: Final = 200
# The Ottensen label columns, with the name the action field gets in German.
OTTENSEN_LABELS: Final[dict[str, str]] = {
    "motorized transport": "Motorisierter Verkehr",
    "non-motorized transport": "Nicht motorisierter Verkehr",
    "cycling": "Radverkehr",
    "walking": "Fußverkehr",
    "scooters": "E-Scooter",
    "public transport (local)": "ÖPNV (Nahverkehr)",
    "public transport (long-distance)": "Fernverkehr",
    "commercial transport": "Wirtschaftsverkehr",
    "stationary traffic (parking)": "Ruhender Verkehr (Parken)",
    "moving traffic": "Fließender Verkehr",
    "inter- and multimodality": "Inter- und Multimodalität",
    "new services": "Neue Mobilitätsangebote",
}
OTTENSEN_PREFIX: Final = "freiraum-ottensen:"
TEMPELHOFER_PREFIX: Final = "tempelhofer-feld:"


class CorpusError(ServiceError):
    """The file is not the corpus asked for, or it was imported into the process already."""


@dataclass(frozen=True)
class CorpusResult:
    ideas: int
    comments: int
    themes_created: int


def slugify(name: str) -> str:
    text = name.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80] or "thema"


async def ensure_themes(
    session: AsyncSession, process: Process, wanted: Sequence[tuple[str, str]]
) -> tuple[dict[str, int], int]:
    """The theme id for each (key, name): an existing theme with that slug or name, else a
    new one. Returns the ids by key and how many themes were created. Does not commit."""
    assert process.id is not None
    themes = list(await session.exec(select(Theme).where(Theme.process_id == process.id)))
    by_key = {t.slug: t for t in themes} | {t.name.strip().lower(): t for t in themes}
    position = max((t.position for t in themes), default=-1)
    ids: dict[str, int] = {}
    created = 0
    for key, name in wanted:
        slug = slugify(key)
        theme = by_key.get(slug) or by_key.get(name.lower()) or by_key.get(key.lower())
        if theme is None:
            position += 1
            theme = Theme(
                process_id=process.id, slug=slug, name=name, keywords=[key], position=position
            )
            session.add(theme)
            await session.flush()
            by_key[slug] = theme
            created += 1
        assert theme.id is not None
        ids[key] = theme.id
    return ids, created


async def _refuse_second_import(session: AsyncSession, process: Process, prefix: str) -> None:
    found = (
        await session.exec(
            select(func.count())
            .select_from(Contribution)
            .where(
                Contribution.process_id == process.id,
                col(Contribution.source_ref).startswith(prefix),
            )
        )
    ).one()
    if found:
        raise CorpusError(
            f"{found} contributions of this corpus are in process {process.slug} already"
        )


def _confirmed(
    contribution_id: int | None, theme_ids: Sequence[int]
) -> Iterator[ContributionTheme]:
    for theme_id in theme_ids:
        yield ContributionTheme(
            contribution_id=contribution_id or 0, theme_id=theme_id, source=ThemeSource.CONFIRMED
        )


# --- FreiRaum Ottensen -----------------------------------------------------------------------


def read_ottensen(path: Path) -> list[dict[str, Any]]:
    """The rows: id, title, text, url and the labels set on it (English column names)."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        header = reader.fieldnames or []
        missing = [c for c in ("document_id", "title", "text", *OTTENSEN_LABELS) if c not in header]
        if missing:
            raise DatasetError(f"{path} is not the Ottensen corpus: no column(s) {missing}")
        return [
            {
                "id": row["document_id"],
                "title": (row["title"] or "").strip(),
                "text": (row["text"] or "").strip(),
                "url": (row.get("url") or "").strip(),
                "labels": [
                    c for c in OTTENSEN_LABELS if (row[c] or "").strip().lower() in TRUE_VALUES
                ],
            }
            for row in reader
        ]


async def import_ottensen(session: AsyncSession, process: Process, path: Path) -> CorpusResult:
    """All 697 suggestions as published ideas from the import channel, in one transaction."""
    assert process.id is not None
    rows = read_ottensen(path)
    await _refuse_second_import(session, process, OTTENSEN_PREFIX)
    try:
        theme_ids, created = await ensure_themes(session, process, list(OTTENSEN_LABELS.items()))
        now = utcnow()
        ideas = [
            Contribution(
                process_id=process.id,
                kind=ContributionKind.IDEA,
                title=row["title"][:TITLE_MAX],
                body=row["text"] or row["title"],
                segment=Segment.RESIDENT,
                channel=Channel.IMPORT,
                status=ContributionStatus.PUBLISHED,
                source_ref=(OTTENSEN_PREFIX + (row["url"] or row["id"]))[:200],
                created_at=now,
                published_at=now,
            )
            for row in rows
        ]
        session.add_all(ideas)
        await session.flush()
        for idea, row in zip(ideas, rows, strict=True):
            session.add_all(_confirmed(idea.id, [theme_ids[label] for label in row["labels"]]))
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    similar.invalidate(process.id)
    return CorpusResult(ideas=len(ideas), comments=0, themes_created=created)


# --- Tempelhofer Feld ------------------------------------------------------------------------


def read_tempelhofer(path: Path) -> dict[str, dict[str, Any]]:
    """The proposals by id, as the JSON holds them."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        proposals = data["instance"]["tempelhofer-feld"]["proposals"]
    except (KeyError, TypeError, ValueError) as error:
        raise DatasetError(f"{path} is not the Tempelhofer Feld proposals file") from error
    if not isinstance(proposals, dict):
        raise DatasetError(f"{path} is not the Tempelhofer Feld proposals file")
    return proposals


def _ratings(item: dict[str, Any]) -> dict[str, int]:
    return {
        "pro": int(item.get("rate_pro") or 0),
        "neutral": int(item.get("rate_neutral") or 0),
        "contra": int(item.get("rate_contra") or 0),
    }


def _created(item: dict[str, Any], zone: ZoneInfo, default: datetime) -> datetime:
    raw = item.get("create_time")
    if not raw:
        return default
    try:
        parsed = datetime.fromisoformat(str(raw))
    except ValueError:
        return default
    # The platform ran in Berlin and wrote local times without a zone.
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(UTC)


def _thread(tree: dict[str, Any] | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every comment below one top comment, at any depth, oldest first per level."""
    for key, comment in (tree or {}).items():
        yield str(key), comment
        yield from _thread(comment.get("comments"))


async def import_tempelhofer(
    session: AsyncSession, process: Process, path: Path, *, time_zone: str = "Europe/Berlin"
) -> CorpusResult:
    """All 340 proposals as published ideas with their 1,389 comments, in one transaction."""
    assert process.id is not None
    proposals = read_tempelhofer(path)
    await _refuse_second_import(session, process, TEMPELHOFER_PREFIX)
    zone = ZoneInfo(time_zone)
    now = utcnow()
    try:
        categories = sorted({str(p["category"]) for p in proposals.values() if p.get("category")})
        theme_ids, created = await ensure_themes(session, process, [(c, c) for c in categories])

        def contribution(
            key: str,
            item: dict[str, Any],
            kind: ContributionKind,
            parent_id: int | None = None,
            reply_to_id: int | None = None,
        ) -> Contribution:
            when = _created(item, zone, now)
            is_idea = kind is ContributionKind.IDEA
            return Contribution(
                process_id=process.id or 0,
                kind=kind,
                title=str(item.get("title") or "")[:TITLE_MAX] if is_idea else "",
                body=str((item.get("description") if is_idea else item.get("text")) or ""),
                segment=Segment.RESIDENT,
                channel=Channel.IMPORT,
                status=ContributionStatus.PUBLISHED,
                source_ref=f"{TEMPELHOFER_PREFIX}{kind.value}:{key}",
                imported_ratings=_ratings(item),
                created_at=when,
                published_at=when,
                parent_id=parent_id,
                reply_to_id=reply_to_id,
            )

        ideas = {key: contribution(key, p, ContributionKind.IDEA) for key, p in proposals.items()}
        session.add_all(ideas.values())
        await session.flush()
        for key, proposal in proposals.items():
            category = proposal.get("category")
            if category:
                session.add_all(_confirmed(ideas[key].id, [theme_ids[str(category)]]))

        # Top comments first (their ids are needed), then every deeper comment as a reply.
        tops: list[tuple[str, Contribution, dict[str, Any]]] = []
        for key, proposal in proposals.items():
            for top_key, top in (proposal.get("comments") or {}).items():
                row = contribution(
                    str(top_key), top, ContributionKind.COMMENT, parent_id=ideas[key].id
                )
                tops.append((key, row, top))
        session.add_all(row for _key, row, _top in tops)
        await session.flush()
        replies = [
            contribution(
                reply_key,
                reply,
                ContributionKind.COMMENT,
                parent_id=ideas[key].id,
                reply_to_id=row.id,
            )
            for key, row, top in tops
            for reply_key, reply in _thread(top.get("comments"))
        ]
        session.add_all(replies)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    similar.invalidate(process.id)
    return CorpusResult(ideas=len(ideas), comments=len(tops) + len(replies), themes_created=created)


async def import_corpus(
    session: AsyncSession, process: Process, corpus: str, path: Path, *, time_zone: str
) -> CorpusResult:
    if corpus == "ottensen":
        return await import_ottensen(session, process, path)
    if corpus == "tempelhofer":
        return await import_tempelhofer(session, process, path, time_zone=time_zone)
    raise CorpusError(f"unknown corpus {corpus}; known: {', '.join(CORPORA)}")


async def run_corpus_import(
    settings: Settings, corpus: str, slug: str, path: Path, echo: Callable[[str], object]
) -> int:
    """`participation import-corpus`; returns the exit code."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            overview = await get_process(session, slug)
            if overview is None:
                echo(f"There is no process {slug!r}.")
                return 2
            try:
                result = await import_corpus(
                    session, overview.process, corpus, path, time_zone=settings.time_zone
                )
            except (CorpusError, DatasetError) as error:
                echo(str(error))
                return 1
    finally:
        await engine.dispose()
    echo(
        f"Imported {result.ideas} ideas and {result.comments} comments into {slug} "
        f"({result.themes_created} new action fields)."
    )
    return 0
