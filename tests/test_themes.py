"""Confirmed themes as training data, and `participation nlp train` comparing the trained model
with the keywords."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation import demo_content
from participation.cli import main
from participation.models import Process
from participation.services.seed import seed_demo
from participation.services.tagging import read_report
from participation.services.themes import confirmed_themes_of
from participation.settings import Settings
from tests.helpers import add_process, in_db

DEMO_SLUG = demo_content.PROCESS["slug"]


async def test_training_data_holds_each_contribution_once_with_its_themes(
    session: AsyncSession,
) -> None:
    await seed_demo(session)
    process = (await session.exec(select(Process))).one()
    assert process.id is not None
    data = await confirmed_themes_of(session, process.id)
    assert data.theme_keys == tuple(t["slug"] for t in demo_content.THEMES)
    assert len(data.labels) == len(demo_content.CONTRIBUTIONS)
    by_title = dict(zip(data.titles, data.labels, strict=True))
    for item in demo_content.CONTRIBUTIONS:
        assert by_title[item["title"]] == tuple(sorted(item["themes"]))


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    return settings


def test_nlp_train_compares_with_the_keywords_and_says_which_suggests(cli_env: Settings) -> None:
    """The demo's 49 ideas: the trained model scores below the keywords, so it is not kept."""
    in_db(cli_env, seed_demo)
    result = CliRunner().invoke(main, ["nlp", "train", DEMO_SLUG])
    assert result.exit_code == 0, result.output

    report = read_report(cli_env.var_dir, DEMO_SLUG)
    assert report is not None
    comparison = report.comparison
    assert comparison.items == len(demo_content.CONTRIBUTIONS)
    assert comparison.choice == "keywords"
    assert (
        f"5-fold cross-validation on the same contributions: micro-F1 "
        f"{comparison.trained.micro_f1:.3f} trained model, {comparison.keywords.micro_f1:.3f} "
        "keywords"
    ) in result.output
    assert "In use: the keywords of the action fields" in result.output
    assert not (cli_env.var_dir / "models" / DEMO_SLUG / "themes.joblib").exists()
    # The German pipeline is kept beside it, to be loaded instead of rebuilt next time.
    assert (cli_env.var_dir / "nlp" / "german-pipeline" / "config.cfg").exists()


def test_nlp_train_says_what_is_missing(cli_env: Settings) -> None:
    in_db(cli_env, add_process)
    runner = CliRunner()
    unknown = runner.invoke(main, ["nlp", "train", "gibt-es-nicht"])
    assert unknown.exit_code == 1
    assert "There is no process 'gibt-es-nicht'" in unknown.output
    empty = runner.invoke(main, ["nlp", "train", "radwege-auetal"])
    assert empty.exit_code == 1
    assert "confirm themes on at least 20 contributions" in empty.output
