"""Settings from the environment: empty variables count as unset, and a database URL the
app cannot use stops the start with a message that names the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from participation.models import Role
from participation.settings import STAFF_ROLES, Settings, SettingsError


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


# --- e-mail (SMTP) ---------------------------------------------------------------------------

SMTP_OK = {
    "SMTP_HOST": "smtp.example.org",
    "BASE_URL": "https://beteiligung.example.de/",
    "MAIL_FROM": "Beteiligung Landkreis <beteiligung@example.org>",
}


def _smtp_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name in ("SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_SECURITY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**SMTP_OK, **values}.items():
        monkeypatch.setenv(name, value)


def test_without_smtp_host_sending_is_off(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _smtp_env(monkeypatch, SMTP_HOST="", MAIL_FROM="", BASE_URL="")
    assert Settings.from_env().mail is None


def test_smtp_settings_and_their_defaults(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _smtp_env(monkeypatch)
    mail = Settings.from_env().mail
    assert mail is not None
    assert (mail.host, mail.port, mail.security) == ("smtp.example.org", 587, "starttls")
    assert mail.sender == SMTP_OK["MAIL_FROM"]
    assert (mail.username, mail.password) == (None, None)
    _smtp_env(
        monkeypatch,
        SMTP_PORT="465",
        SMTP_SECURITY="ssl",
        SMTP_USERNAME="beteiligung",
        SMTP_PASSWORD="geheim",
    )
    mail = Settings.from_env().mail
    assert mail is not None
    assert (mail.port, mail.security, mail.username, mail.password) == (
        465,
        "ssl",
        "beteiligung",
        "geheim",
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SMTP_PORT": "smtp"}, "SMTP_PORT must be a whole number"),
        ({"SMTP_PORT": "0"}, "SMTP_PORT must be at least 1"),
        ({"SMTP_PORT": "70000"}, "SMTP_PORT must be at most 65535"),
        ({"SMTP_SECURITY": "tls"}, "SMTP_SECURITY must be one of starttls, ssl, none"),
        ({"MAIL_FROM": ""}, "MAIL_FROM must be set to an e-mail address"),
        ({"MAIL_FROM": "Beteiligung"}, "MAIL_FROM must be set to an e-mail address"),
        ({"MAIL_FROM": "x@localhost"}, "MAIL_FROM must be set to an e-mail address"),
        ({"BASE_URL": ""}, "BASE_URL must be set when SMTP_HOST is"),
        ({"BASE_URL": "beteiligung.example.de"}, "BASE_URL must start with https://"),
        ({"SMTP_USERNAME": "beteiligung"}, "SMTP_USERNAME and SMTP_PASSWORD must be set together"),
    ],
)
def test_unusable_smtp_settings_are_named(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch, values: dict[str, str], message: str
) -> None:
    _smtp_env(monkeypatch, **values)
    with pytest.raises(SettingsError, match=message):
        Settings.from_env()


# --- retention ---------------------------------------------------------------------------------


def test_retention_days_default_and_value(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    assert Settings.from_env().retention_days == 180
    monkeypatch.setenv("RETENTION_DAYS", "")
    assert Settings.from_env().retention_days == 180
    monkeypatch.setenv("RETENTION_DAYS", "30")
    assert Settings.from_env().retention_days == 30


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("half a year", "RETENTION_DAYS must be a whole number, not 'half a year'"),
        ("0", "RETENTION_DAYS must be at least 1, not 0"),
        ("-5", "RETENTION_DAYS must be at least 1, not -5"),
    ],
)
def test_an_unusable_retention_period_is_named(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("RETENTION_DAYS", value)
    with pytest.raises(SettingsError, match=message):
        Settings.from_env()


def test_pool_and_timeouts_default_and_values(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DB_POOL_SIZE", "DB_POOL_TIMEOUT", "STATEMENT_TIMEOUT", "HEALTH_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    defaults = Settings.from_env()
    assert (defaults.db_pool_size, defaults.db_pool_overflow) == (10, 5)
    assert (defaults.db_pool_timeout, defaults.statement_timeout) == (10.0, 5.0)
    monkeypatch.setenv("DB_POOL_SIZE", "4")
    monkeypatch.setenv("DB_POOL_TIMEOUT", "0.5")
    monkeypatch.setenv("STATEMENT_TIMEOUT", "0")  # no limit
    changed = Settings.from_env()
    assert (changed.db_pool_size, changed.db_pool_timeout, changed.statement_timeout) == (
        4,
        0.5,
        0.0,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DB_POOL_TIMEOUT", "kurz", "DB_POOL_TIMEOUT must be a number of seconds, not 'kurz'"),
        ("DB_POOL_TIMEOUT", "0", "DB_POOL_TIMEOUT must be at least 0.1 seconds, not 0"),
        ("STATEMENT_TIMEOUT", "-1", "STATEMENT_TIMEOUT must be at least 0 seconds, not -1"),
        ("HEALTH_TIMEOUT", "nan", "HEALTH_TIMEOUT must be at least 0.1 seconds, not nan"),
        ("DB_POOL_SIZE", "0", "DB_POOL_SIZE must be at least 1, not 0"),
    ],
)
def test_unusable_pool_settings_are_named(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        Settings.from_env()


def test_roles_that_require_two_factor_sign_in(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUIRE_2FA_FOR", raising=False)
    assert Settings.from_env().require_2fa_for == frozenset()
    monkeypatch.setenv("REQUIRE_2FA_FOR", " admin, moderator ,")
    assert Settings.from_env().require_2fa_for == {"admin", "moderator"}
    monkeypatch.setenv("REQUIRE_2FA_FOR", "admin,chef")
    with pytest.raises(SettingsError, match=r"REQUIRE_2FA_FOR takes roles from .*, not chef"):
        Settings.from_env()
    # Every role the setting takes is one of the app's.
    assert set(STAFF_ROLES) == {role.value for role in Role}
