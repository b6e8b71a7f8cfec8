"""The two shared corpora imported as contributions: counts, themes from labels and
categories, threads flattened to one level of replies, ratings and dates. Skipped when
../shared/data is not there."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp.datasets import DatasetError
from participation.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionTheme,
    Theme,
    ThemeSource,
)
from participation.services.corpora import (
    CorpusError,
    import_ottensen,
    import_tempelhofer,
    slugify,
)
from tests.helpers import add_process, count

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OTTENSEN = DATA / "freiraum-ottensen" / "contributions.csv"
TEMPELHOFER = DATA / "tempelhofer-feld" / "proposals.json"
needs_data = pytest.mark.skipif(not DATA.exists(), reason="../shared/data is not there")


async def _kind_count(session: AsyncSession, kind: ContributionKind) -> int:
    query = select(func.count()).select_from(Contribution).where(Contribution.kind == kind)
    return (await session.exec(query)).one()


def test_slugify() -> None:
    assert slugify("Ruhender Verkehr (Parken)") == "ruhender-verkehr-parken"
    assert slugify("Fußverkehr") == "fussverkehr"
    assert slugify("I ❤ THF") == "i-thf"
    assert slugify("❤") == "thema"


@needs_data
async def test_ottensen_labels_become_confirmed_themes(session: AsyncSession) -> None:
    process = await add_process(session)
    result = await import_ottensen(session, process, OTTENSEN)
    assert result.ideas == 697
    assert result.themes_created == 12
    assert await _kind_count(session, ContributionKind.IDEA) == 697
    assert await count(session, Theme) == 12
    sources = set(await session.exec(select(ContributionTheme.source)))
    assert sources == {ThemeSource.CONFIRMED}
    # 126 suggestions carry no label at all.
    labelled = (
        await session.exec(select(func.count(func.distinct(ContributionTheme.contribution_id))))
    ).one()
    assert labelled == 697 - 126
    first = (
        await session.exec(
            select(Contribution).where(col(Contribution.source_ref).contains("/262"))
        )
    ).one()
    assert first.title == "Alma Wartenberg Platz aufwerten"
    assert first.channel is Channel.IMPORT
    assert first.status is ContributionStatus.PUBLISHED
    radverkehr = (await session.exec(select(Theme).where(Theme.slug == "cycling"))).one()
    assert radverkehr.name == "Radverkehr"
    # A second import of the same corpus is refused and changes nothing.
    with pytest.raises(CorpusError):
        await import_ottensen(session, process, OTTENSEN)
    assert await count(session, Contribution) == 697


@needs_data
async def test_tempelhofer_proposals_comments_ratings_and_dates(session: AsyncSession) -> None:
    process = await add_process(session)
    result = await import_tempelhofer(session, process, TEMPELHOFER)
    assert (result.ideas, result.comments) == (340, 1389)
    assert await _kind_count(session, ContributionKind.IDEA) == 340
    assert await _kind_count(session, ContributionKind.COMMENT) == 1389
    assert result.themes_created == 7  # the author categories

    idea = (
        await session.exec(
            select(Contribution).where(Contribution.source_ref == "tempelhofer-feld:idea:217")
        )
    ).one()
    assert idea.title == "Bäume / Obstbäume-Sträucher"
    assert idea.imported_ratings == {"pro": 56, "neutral": 2, "contra": 7}
    assert idea.created_at == datetime(2015, 1, 21, 14, 8, 6, 915879, tzinfo=UTC)  # CET
    (theme,) = await session.exec(
        select(Theme.name)
        .join(ContributionTheme, col(ContributionTheme.theme_id) == Theme.id)
        .where(ContributionTheme.contribution_id == idea.id)
    )
    assert theme == "Natur"

    def ref(key: str) -> str:
        return f"tempelhofer-feld:comment:{key}"

    comments = {
        c.source_ref: c
        for c in await session.exec(select(Contribution).where(Contribution.parent_id == idea.id))
    }
    top, reply = comments[ref("329")], comments[ref("340")]
    assert top.reply_to_id is None
    assert top.kind is ContributionKind.COMMENT
    assert reply.reply_to_id == top.id  # a reply to comment 329
    assert reply.parent_id == idea.id
    # Deeper replies all answer the top comment: one level of replies.
    reply_targets = {c.reply_to_id for c in comments.values() if c.reply_to_id is not None}
    tops = {c.id for c in comments.values() if c.reply_to_id is None}
    assert reply_targets <= tops


async def test_tempelhofer_rejects_another_file(session: AsyncSession, tmp_path: Path) -> None:
    process = await add_process(session)
    path = tmp_path / "proposals.json"
    path.write_text(json.dumps({"instance": {}}), encoding="utf-8")
    with pytest.raises(DatasetError):
        await import_tempelhofer(session, process, path)
    assert await count(session, Contribution) == 0
