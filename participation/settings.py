"""Settings from environment variables; `.env.example` lists every one of them."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_LOCALES = ("de", "en")


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class SettingsError(ValueError):
    """A setting has a value the app cannot use; the message names the variable."""


def _env_database_url(name: str, default: str) -> str:
    value = os.environ.get(name) or default
    try:
        url = make_url(value)
    except ArgumentError:
        raise SettingsError(
            f"{name} is not a database URL: {value!r} (for example "
            "postgresql+asyncpg://user@host/dbname or sqlite+aiosqlite:///var/db.sqlite3)"
        ) from None
    if url.drivername not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
        raise SettingsError(
            f"{name} must use sqlite+aiosqlite:// or postgresql+asyncpg://, not {url.drivername}://"
        )
    return value


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {number}")
    return number


def _env_seconds(name: str, default: float, minimum: float = 0.0) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, not {value!r}") from None
    if not number >= minimum:  # also refuses nan
        raise SettingsError(f"{name} must be at least {minimum:g} seconds, not {value}")
    return number


def _env_share(name: str, default: float) -> float:
    """A number from 0 to 1, such as a score's threshold."""
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number from 0 to 1, not {value!r}") from None
    if not 0.0 <= number <= 1.0:  # also refuses nan
        raise SettingsError(f"{name} must be a number from 0 to 1, not {value}")
    return number


def _env_time_zone(name: str, default: str) -> str:
    value = os.environ.get(name) or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{name} must be a time zone like Europe/Berlin, not {value!r}"
        ) from None
    return value


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


SMTP_SECURITY: Final = ("starttls", "ssl", "none")
# The staff roles (models.Role; settings import no models).
STAFF_ROLES: Final = ("admin", "moderator", "evaluator", "facilitator", "editor")


def _env_roles(name: str) -> frozenset[str]:
    """A comma list of roles, e.g. "admin,moderator"; empty when unset."""
    roles = frozenset(
        part.strip() for part in (os.environ.get(name) or "").split(",") if part.strip()
    )
    if unknown := roles - set(STAFF_ROLES):
        raise SettingsError(
            f"{name} takes roles from {', '.join(STAFF_ROLES)}, not {', '.join(sorted(unknown))}"
        )
    return roles


@dataclass(frozen=True)
class MailSettings:
    """How to reach the SMTP server that delivers e-mail to residents who asked for it."""

    host: str
    sender: str  # the From header, e.g. "Beteiligung Landkreis <beteiligung@example.org>"
    port: int = 587
    username: str | None = None
    password: str | None = None
    security: str = "starttls"  # one of SMTP_SECURITY


def _env_mail_from(name: str) -> str:
    value = (os.environ.get(name) or "").strip()
    display_name, address = parseaddr(value)
    username, _at, domain = address.rpartition("@")
    try:
        # What the From header will need: a local part and a domain, no stray characters.
        Address(display_name=display_name, username=username, domain=domain)
    except (ValueError, IndexError):
        username = ""
    if not username or "." not in domain:
        raise SettingsError(
            f"{name} must be set to an e-mail address when SMTP_HOST is set, like "
            f'"Beteiligung <beteiligung@example.org>", not {value!r}'
        )
    return value


def _env_base_url_for_mail(base_url: str | None) -> str:
    # Links in e-mails cannot come from a request's Host header (anyone can send one).
    if base_url is None:
        raise SettingsError(
            "BASE_URL must be set when SMTP_HOST is: e-mails link to the site, "
            "e.g. BASE_URL=https://beteiligung.example.de"
        )
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SettingsError(f"BASE_URL must start with https:// or http://, not {base_url!r}")
    return base_url


def _mail_settings(base_url: str | None) -> MailSettings | None:
    """SMTP settings, or None when SMTP_HOST is unset: then no e-mail is sent or queued."""
    host = (os.environ.get("SMTP_HOST") or "").strip()
    if not host:
        return None
    _env_base_url_for_mail(base_url)
    username = os.environ.get("SMTP_USERNAME") or None
    password = os.environ.get("SMTP_PASSWORD") or None
    if (username is None) != (password is None):
        raise SettingsError("SMTP_USERNAME and SMTP_PASSWORD must be set together")
    security = _env_choice("SMTP_SECURITY", "starttls", SMTP_SECURITY)
    port = _env_int("SMTP_PORT", 587)
    if port > 65535:
        raise SettingsError(f"SMTP_PORT must be at most 65535, not {port}")
    return MailSettings(
        host=host,
        sender=_env_mail_from("MAIL_FROM"),
        port=port,
        username=username,
        password=password,
        security=security,
    )


def _secret_key(var_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/.

    Keeping it on disk means sessions and CSRF tokens survive a restart of `make run`
    without anyone having to invent a secret for a local trial.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        if len(from_env) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters long")
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
    # DEMO_PLAN=0: the demo stops before its evaluation (criteria, round, plan), for walking
    # through a round from the start, e.g. in a training.
    demo_plan: bool = True
    default_locale: str = "de"
    page_size: int = 10
    # Writes per client address: a class or an office shares one address, so the minute's
    # budget is generous and the hour's stops a script that keeps the pace up.
    write_rate_limit_per_minute: int = 120
    write_rate_limit_per_hour: int = 1200
    # Inline field checks (validation only) per address: apart from the writes.
    check_rate_limit_per_minute: int = 600
    # Pages sent per survey response (per token, not per address) and minute.
    survey_rate_limit_per_minute: int = 30
    trusted_proxy: bool = False
    access_log: bool = False  # uvicorn's access log holds client IP addresses
    base_url: str | None = None  # public address for links, e.g. https://beteiligung.example.de
    time_zone: str = "Europe/Berlin"
    site_name: str = "Beteiligung"
    # Load the German text analyser in a worker thread at start, so the first request that
    # needs it (similar ideas, theme suggestions) does not wait for it.
    preload_nlp: bool = True
    # E-mail to residents who gave an address and consented; None (SMTP_HOST unset) = off.
    mail: MailSettings | None = None
    # Days after a process's last phase ends until its personal data (notification addresses,
    # their e-mails, survey invitation links) is deleted; sent e-mails go after as many days.
    retention_days: int = 180
    # Database connections per app process (each `serve --workers` process has its own pool):
    # this many kept open, up to `db_pool_overflow` more under load. With PostgreSQL,
    # workers x (size + overflow + 6 for background work and the health check) must stay
    # below the server's max_connections.
    db_pool_size: int = 10
    db_pool_overflow: int = 5
    # Seconds a request waits for a free connection before it gets the "busy" page (503).
    # Long enough for a class of 40 clicking at once on one SQLite file, whose writes queue
    # behind one another; far shorter than a hang.
    db_pool_timeout: float = 10.0
    # PostgreSQL: longest a web request's statement may run (0 = no limit); cancelled, it
    # becomes the "busy" page. Jobs, the background work and the commands get the longer one.
    statement_timeout: float = 5.0
    background_statement_timeout: float = 600.0
    # SQLite: how long a writer waits for another writer's lock before the "busy" page.
    sqlite_busy_timeout: float = 15.0
    # /healthz: longest it waits for its own connection and write probe.
    health_timeout: float = 2.0
    # Public pages as anonymous visitors see them are kept this long per process and served
    # from memory (participation/page_cache.py); 0 = never kept.
    page_cache_seconds: float = 1.0
    # After a moderator approves an idea or survey answer (or undoes a merge), look for
    # duplicates again in the background (the `duplicates` job; one per process at a time).
    duplicates_after_approval: bool = True
    # Roles that must sign in with a second factor (an authenticator app); a user of such a
    # role without it is led to set it up right after the password.
    require_2fa_for: frozenset[str] = frozenset()
    # From this spam score (0..1, services/triage/scoring.py) an idea or comment in an
    # "after publishing" process waits for a moderator instead of appearing at once.
    spam_hold_threshold: float = 0.7

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls) -> Settings:
        # An empty variable counts as unset, as in most .env files.
        var_dir = Path(os.environ.get("VAR_DIR") or PROJECT_ROOT / "var").resolve()
        database_url = _env_database_url(
            "DATABASE_URL", f"sqlite+aiosqlite:///{var_dir / 'participation.sqlite3'}"
        )
        base_url = (os.environ.get("BASE_URL") or "").rstrip("/") or None
        return cls(
            var_dir=var_dir,
            database_url=database_url,
            secret_key=_secret_key(var_dir),
            debug=_env_bool("DEBUG", False),
            secure_cookies=_env_bool("SECURE_COOKIES", False),
            redis_url=os.environ.get("REDIS_URL") or None,
            migrate_on_start=_env_bool("MIGRATE_ON_START", True),
            seed_demo=_env_bool("SEED_DEMO", True),
            demo_plan=_env_bool("DEMO_PLAN", True),
            default_locale=_env_choice("DEFAULT_LOCALE", "de", SUPPORTED_LOCALES),
            page_size=_env_int("PAGE_SIZE", 10),
            write_rate_limit_per_minute=_env_int("WRITE_RATE_LIMIT_PER_MINUTE", 120),
            write_rate_limit_per_hour=_env_int("WRITE_RATE_LIMIT_PER_HOUR", 1200),
            check_rate_limit_per_minute=_env_int("CHECK_RATE_LIMIT_PER_MINUTE", 600),
            survey_rate_limit_per_minute=_env_int("SURVEY_RATE_LIMIT_PER_MINUTE", 30),
            trusted_proxy=_env_bool("TRUSTED_PROXY", False),
            access_log=_env_bool("ACCESS_LOG", False),
            base_url=base_url,
            time_zone=_env_time_zone("TIME_ZONE", "Europe/Berlin"),
            site_name=os.environ.get("SITE_NAME", "Beteiligung"),
            preload_nlp=_env_bool("PRELOAD_NLP", True),
            mail=_mail_settings(base_url),
            retention_days=_env_int("RETENTION_DAYS", 180),
            db_pool_size=_env_int("DB_POOL_SIZE", 10),
            db_pool_overflow=_env_int("DB_POOL_OVERFLOW", 5, minimum=0),
            db_pool_timeout=_env_seconds("DB_POOL_TIMEOUT", 10.0, minimum=0.1),
            statement_timeout=_env_seconds("STATEMENT_TIMEOUT", 5.0),
            background_statement_timeout=_env_seconds("BACKGROUND_STATEMENT_TIMEOUT", 600.0),
            sqlite_busy_timeout=_env_seconds("SQLITE_BUSY_TIMEOUT", 15.0),
            health_timeout=_env_seconds("HEALTH_TIMEOUT", 2.0, minimum=0.1),
            page_cache_seconds=_env_seconds("PAGE_CACHE_SECONDS", 1.0),
            duplicates_after_approval=_env_bool("DUPLICATES_AFTER_APPROVAL", True),
            require_2fa_for=_env_roles("REQUIRE_2FA_FOR"),
            spam_hold_threshold=_env_share("SPAM_HOLD_THRESHOLD", 0.7),
        )
