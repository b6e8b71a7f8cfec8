"""Theme suggestions for contributions: the tagger a process uses, what is stored, that
moderators' decisions are never overwritten, and retraining on confirmed themes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp.tagging import TAGGER_VERSION, Suggestion, Tagging, ThemeSpec
from participation import demo_content
from participation.db import create_engine, create_sessionmaker
from participation.models import (
    Contribution,
    ContributionStatus,
    ContributionTheme,
    Process,
    ThemeSource,
)
from participation.services import tagging
from participation.services.errors import NotFound
from participation.services.seed import seed_demo
from participation.settings import Settings
from tests.helpers import add_idea, add_process, add_themes, theme_rows

DEMO_SLUG = demo_content.PROCESS["slug"]
BUS_IDEA = "Der Bus zur Haltestelle am Bahnhof fährt zu selten, wir brauchen mehr Busse."


async def test_keyword_suggestions_are_stored_with_score_version_and_words(
    session: AsyncSession, tmp_path: Path
) -> None:
    process = await add_process(session)
    await add_themes(session, process)
    idea = await add_idea(session, process, title="Mehr Busse", body=BUS_IDEA)
    assert idea.id is not None

    assert await tagging.suggest_themes(session, tmp_path, process, [idea.id]) == 1

    rows = await theme_rows(session, idea.id)
    assert next(iter(rows)) == "oepnv"
    bus = rows["oepnv"]
    assert bus.source is ThemeSource.SUGGESTED
    assert bus.score is not None
    assert 0 < bus.score <= 1
    assert bus.model_version is not None
    assert bus.model_version.startswith("keywords:")
    assert "bus" in (bus.evidence or [])
    await session.refresh(idea)
    assert idea.theme_uncertainty is not None
    assert 0 <= idea.theme_uncertainty <= 1


async def test_the_keyword_version_changes_with_the_taxonomy(tmp_path: Path) -> None:
    specs = [ThemeSpec("a", "Radwege", "", ("fahrrad",))]
    first = tagging.keyword_tagger(specs, tmp_path)
    assert tagging.keyword_tagger(specs, tmp_path).tagger is first.tagger  # built once
    changed = tagging.keyword_tagger([ThemeSpec("a", "Radwege", "", ("rad",))], tmp_path)
    assert changed.version != first.version


async def test_suggestions_never_overwrite_a_moderators_decision(
    session: AsyncSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    process = await add_process(session)
    themes = await add_themes(session, process)
    idea = await add_idea(session, process, body=BUS_IDEA)
    assert idea.id is not None
    session.add_all(
        [
            ContributionTheme(
                contribution_id=idea.id,
                theme_id=themes["oepnv"].id or 0,
                source=ThemeSource.REJECTED,
            ),
            ContributionTheme(
                contribution_id=idea.id,
                theme_id=themes["schule"].id or 0,
                source=ThemeSource.CONFIRMED,
            ),
            ContributionTheme(
                contribution_id=idea.id,
                theme_id=themes["radwege"].id or 0,
                source=ThemeSource.SUGGESTED,
                score=0.3,
                model_version="old",
            ),
        ]
    )
    await session.commit()

    def every_theme(
        var_dir: Path, slug: str, specs: object, texts: list[str]
    ) -> tuple[str, list[Tagging]]:
        suggestions = tuple(Suggestion(key, 0.9, ("wort",)) for key in ("oepnv", "schule"))
        return "test-model", [Tagging(suggestions, 0.25) for _ in texts]

    monkeypatch.setattr(tagging, "_tag", every_theme)
    await tagging.suggest_themes(session, tmp_path, process, [idea.id])

    rows = await theme_rows(session, idea.id)
    # The decisions stay as they were (no score, no model); the old suggestion is gone.
    assert {slug: row.source for slug, row in rows.items()} == {
        "oepnv": ThemeSource.REJECTED,
        "schule": ThemeSource.CONFIRMED,
    }
    assert all(row.model_version is None for row in rows.values())
    await session.refresh(idea)
    assert idea.theme_uncertainty == 0.25


async def test_a_process_without_themes_gets_no_suggestions(
    session: AsyncSession, tmp_path: Path
) -> None:
    process = await add_process(session)
    idea = await add_idea(session, process)
    assert await tagging.suggest_themes(session, tmp_path, process, [idea.id or 0]) == 0


async def test_background_suggestions_log_failures_instead_of_raising(
    settings: Settings, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("tagger broke")

    monkeypatch.setattr(tagging, "_tag", broken)
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        process = await add_process(session)
        await add_themes(session, process)
        idea = await add_idea(session, process)
    assert process.id is not None
    assert idea.id is not None
    await tagging.suggest_in_background(sessionmaker, settings.var_dir, process.id, [idea.id])
    await engine.dispose()
    assert "Could not suggest themes" in caplog.text


# --- trained models ---------------------------------------------------------------------------


async def _demo(session: AsyncSession) -> Process:
    await seed_demo(session)
    return (await session.exec(select(Process))).one()


async def test_retrain_saves_a_model_that_then_makes_the_suggestions(
    session: AsyncSession, tmp_path: Path
) -> None:
    await _demo(session)
    pending = list(
        await session.exec(
            select(Contribution).where(Contribution.status == ContributionStatus.PENDING)
        )
    )
    assert pending

    result = await tagging.retrain(session, tmp_path, DEMO_SLUG)

    assert result.trained
    assert result.items == len(demo_content.CONTRIBUTIONS)
    assert result.path == tmp_path / "models" / DEMO_SLUG / "themes.joblib"
    assert result.path.exists()
    assert result.suggested == len(pending)
    chosen = tagging.choose_tagger(tmp_path, DEMO_SLUG, [])
    assert chosen.version.startswith("stacked-3:")
    for contribution in pending:
        await session.refresh(contribution)
        assert contribution.theme_uncertainty is not None
    versions = set(
        await session.exec(
            select(ContributionTheme.model_version).where(
                ContributionTheme.source == ThemeSource.SUGGESTED
            )
        )
    )
    assert versions <= {chosen.version}

    # The same data again: the saved model is kept, unless forced.
    again = await tagging.retrain(session, tmp_path, DEMO_SLUG, resuggest=False)
    assert not again.trained
    assert again.suggested == 0
    forced = await tagging.retrain(session, tmp_path, DEMO_SLUG, force=True, resuggest=False)
    assert forced.trained


async def test_a_model_of_an_older_tagger_version_is_trained_again(
    session: AsyncSession, tmp_path: Path
) -> None:
    await _demo(session)
    first = await tagging.retrain(session, tmp_path, DEMO_SLUG, resuggest=False)
    metadata_path = first.path.with_suffix(".joblib.json")
    metadata = json.loads(metadata_path.read_text())
    assert metadata["version"] == TAGGER_VERSION
    metadata_path.write_text(json.dumps({**metadata, "version": "stacked-2"}))

    again = await tagging.retrain(session, tmp_path, DEMO_SLUG, resuggest=False)

    assert again.trained
    assert json.loads(metadata_path.read_text())["version"] == TAGGER_VERSION


async def test_a_model_that_does_not_load_falls_back_to_keywords(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tagging.model_path(tmp_path, "kaputt")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    path.with_suffix(".joblib.json").write_text(json.dumps({"libraries": {"numpy": "0.1"}}))
    specs = [ThemeSpec("a", "Radwege", "", ("fahrrad",))]

    chosen = tagging.choose_tagger(tmp_path, "kaputt", specs)

    assert chosen.version.startswith("keywords:")
    assert "not used" in caplog.text


async def test_retrain_says_what_is_missing(session: AsyncSession, tmp_path: Path) -> None:
    process = await add_process(session)
    await add_themes(session, process)
    with pytest.raises(NotFound):
        await tagging.retrain(session, tmp_path, "gibt-es-nicht")
    with pytest.raises(tagging.NotEnoughTrainingData) as raised:
        await tagging.retrain(session, tmp_path, process.slug)
    assert (raised.value.items, raised.value.themes) == (0, 0)
    assert "at least 20 contributions" in str(raised.value)
    assert not tagging.model_path(tmp_path, process.slug).exists()
