"""Settings from the environment: empty variables count as unset, and a database URL the
app cannot use stops the start with a message that names the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from participation.settings import Settings, SettingsError


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return tmp_path


def test_an_empty_database_url_means_the_embedded_default(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "")
    settings = Settings.from_env()
    assert settings.database_url == f"sqlite+aiosqlite:///{var_dir / 'participation.sqlite3'}"
    assert settings.is_sqlite


def test_postgresql_is_taken_as_given(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+asyncpg://participation@db:5432/participation"
    monkeypatch.setenv("DATABASE_URL", url)
    assert Settings.from_env().database_url == url


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not a url", "DATABASE_URL is not a database URL"),
        ("postgresql://user@host/db", "DATABASE_URL must use .*postgresql\\+asyncpg"),
        ("mysql+aiomysql://user@host/db", "not mysql\\+aiomysql://"),
    ],
)
def test_an_unusable_database_url_is_named(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", value)
    with pytest.raises(SettingsError, match=message):
        Settings.from_env()
