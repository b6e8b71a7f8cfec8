"""Settings from environment variables; `.env.example` lists every one of them."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _secret_key(var_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/.

    Keeping it on disk means sessions and CSRF tokens survive a restart of `make run`
    without anyone having to invent a secret for a local trial.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment, resolved once at start."""

    var_dir: Path
    database_url: str
    secret_key: str
    debug: bool = False
    secure_cookies: bool = False
    redis_url: str | None = None
    migrate_on_start: bool = True
    seed_demo: bool = True
    default_locale: str = "de"
    page_size: int = 10
    write_rate_limit_per_minute: int = 30
    trusted_proxy: bool = False
    base_url: str = "http://127.0.0.1:8000"
    time_zone: str = "Europe/Berlin"
    site_name: str = "Beteiligung"
    locales: tuple[str, ...] = field(default=("de", "en"))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls) -> Settings:
        var_dir = Path(os.environ.get("VAR_DIR", PROJECT_ROOT / "var")).resolve()
        database_url = os.environ.get(
            "DATABASE_URL", f"sqlite+aiosqlite:///{var_dir / 'participation.sqlite3'}"
        )
        return cls(
            var_dir=var_dir,
            database_url=database_url,
            secret_key=_secret_key(var_dir),
            debug=_env_bool("DEBUG", False),
            secure_cookies=_env_bool("SECURE_COOKIES", False),
            redis_url=os.environ.get("REDIS_URL") or None,
            migrate_on_start=_env_bool("MIGRATE_ON_START", True),
            seed_demo=_env_bool("SEED_DEMO", True),
            default_locale=os.environ.get("DEFAULT_LOCALE", "de"),
            page_size=_env_int("PAGE_SIZE", 10),
            write_rate_limit_per_minute=_env_int("WRITE_RATE_LIMIT_PER_MINUTE", 30),
            trusted_proxy=_env_bool("TRUSTED_PROXY", False),
            base_url=os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            time_zone=os.environ.get("TIME_ZONE", "Europe/Berlin"),
            site_name=os.environ.get("SITE_NAME", "Beteiligung"),
        )
