"""The open-data package of a process: a ZIP of CSV files with a Frictionless Data
descriptor and a README, for everyone, when the admin gave the process a licence.

Building it reads every published contribution of the process, so it is not done per
request: the ZIP is kept under var/open-data/<process id>/, named by the reader's language
and a stamp of what changes its content (`content_stamp`: the process and its licence, the
newest contribution and moderation decision, the published ideas' count, the profiles'
latest change, the plan's publication and evaluation log). A kept file is served while the
stamp is the same and it is younger than MAX_AGE (counts such as supports leave no stamp);
after a change it is written again, but at most every MIN_AGE, so a busy idea call does not
rebuild a large package for every download. One build per package at a time in this app
process; others wait for it and get its file.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import anyio
import anyio.to_thread
import sqlalchemy as sa
from babel.numbers import format_decimal
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import current_locale, gettext, number_locale
from participation.models import (
    Contribution,
    EvaluationEvent,
    EvaluationSetup,
    ModerationEvent,
    Process,
    Profile,
    utcnow,
)
from participation.services.errors import NotFound
from participation.services.evaluation.plan import plan_of
from participation.services.open_data.licences import LICENCES, Licence, licence_of
from participation.services.open_data.package import (
    About,
    fields_of,
    licence_entry,
    write_package,
)
from participation.services.open_data.resources import Scope, resources_for

__all__ = [
    "LICENCES",
    "Licence",
    "Offer",
    "PackageFile",
    "content_stamp",
    "ensure_package",
    "kept_package",
    "licence_for",
    "licence_of",
    "offer",
    "outline",
    "resources_for",
]

FOLDER: Final = "open-data"
MIN_AGE: Final = timedelta(minutes=5)
MAX_AGE: Final = timedelta(hours=1)
# A replaced file stays a moment for downloads that already chose it.
_GRACE: Final = timedelta(minutes=1)
_locks: weakref.WeakValueDictionary[str, anyio.Lock] = weakref.WeakValueDictionary()


@dataclass(frozen=True)
class PackageFile:
    path: Path
    size: int  # bytes
    created: datetime

    @property
    def stamp(self) -> str:
        return self.path.stem.rpartition("-")[2]

    def filename(self, slug: str, time_zone: str) -> str:
        """What the browser saves it as: <slug>-open-data-2026-12-06.zip."""
        day = self.created.astimezone(ZoneInfo(time_zone)).date().isoformat()
        return f"{slug}-open-data-{day}.zip"


def licence_for(process: Process) -> Licence | None:
    """The process's licence; None: it offers no open data. The one place that decides
    whether a process's open data may be downloaded."""
    return licence_of(process.data_licence)


async def content_stamp(session: AsyncSession, process: Process) -> str:
    """A short hash of what the package's content depends on, read in one statement along
    primary keys and indexes, whatever the process holds."""
    pid = process.id
    parts = (
        sa.select(sa.func.max(Contribution.id)),
        sa.select(sa.func.max(ModerationEvent.id)),
        sa.select(col(Process.published_idea_count)).where(col(Process.id) == pid),
        sa.select(sa.func.max(Profile.updated_at)).where(col(Profile.process_id) == pid),
        sa.select(sa.func.count()).where(col(Profile.process_id) == pid),
        sa.select(sa.func.max(EvaluationEvent.id)).where(col(EvaluationEvent.process_id) == pid),
        sa.select(col(EvaluationSetup.plan_published_at)).where(
            col(EvaluationSetup.process_id) == pid
        ),
    )
    statement: Any = sa.select(*(part.scalar_subquery() for part in parts))
    row = (await session.exec(statement)).one()
    seen = (process.title, process.slug, process.updated_at, process.data_licence, *row)
    return hashlib.sha256(repr(seen).encode()).hexdigest()[:16]


def _folder(var_dir: Path, process_id: int) -> Path:
    return var_dir / FOLDER / str(process_id)


def kept_package(var_dir: Path, process_id: int, locale: str | None = None) -> PackageFile | None:
    """The newest package kept for the process in the language, if any: from the file
    system alone (the process page shows its size)."""
    locale = locale or current_locale.get()
    found = []
    folder = _folder(var_dir, process_id)
    try:
        for path in folder.glob(f"{locale}-*.zip"):
            stat = path.stat()
            created = datetime.fromtimestamp(stat.st_mtime, UTC)
            found.append(PackageFile(path, stat.st_size, created))
    except FileNotFoundError:  # removed meanwhile
        return None
    return max(found, key=lambda f: f.created, default=None)


@dataclass(frozen=True)
class Offer:
    """What the process page says of the download: the licence, and the size of the kept
    package (None before the first download)."""

    licence: Licence
    size: int | None

    @property
    def size_text(self) -> str:
        """The size as people read it in their language: 1,3 MB or 820 KB."""
        if self.size is None:
            return ""
        if self.size < 1_000_000:
            kilobytes = format_decimal(max(1, round(self.size / 1000)), locale=number_locale())
            return f"{kilobytes} KB"
        megabytes = format_decimal(self.size / 1_000_000, format="0.0", locale=number_locale())
        return f"{megabytes} MB"


def offer(process: Process, var_dir: Path) -> Offer | None:
    """The download the process page offers; None without a licence. No database access."""
    licence = licence_for(process)
    if licence is None or process.id is None:
        return None
    kept = kept_package(var_dir, process.id)
    return Offer(licence, kept.size if kept else None)


def outline(
    process: Process, licence: Licence, plan_published: bool, download_url: str
) -> dict[str, Any]:
    """What the package holds, for the API: its licence, its address and its resources with
    their fields (the descriptor of the package without what writing it measures)."""
    return {
        "process": process.slug,
        "title": process.title,
        "download": download_url,
        "format": "application/zip",
        "license": licence_entry(licence),
        "resources": [
            {
                "name": resource.name,
                "path": resource.path,
                "title": gettext(resource.description),
                "fields": fields_of(resource),
            }
            for resource in resources_for(plan_published)
        ],
    }


def _fresh(kept: PackageFile | None, stamp: str, now: datetime) -> bool:
    if kept is None:
        return False
    age = now - kept.created
    return age < MIN_AGE or (kept.stamp == stamp and age < MAX_AGE)


def _prune(folder: Path, locale: str, keep: Path, now: datetime) -> None:
    for path in folder.glob(f"{locale}-*.zip"):
        try:
            modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            if path != keep and now - modified > _GRACE:
                path.unlink()
        except FileNotFoundError:
            continue


async def ensure_package(
    session: AsyncSession,
    process: Process,
    var_dir: Path,
    *,
    publisher: str,
    process_url: str,
) -> PackageFile:
    """The process's package in the reader's language, written now if the kept one is
    stale or missing. NotFound when the process offers no open data."""
    licence = licence_for(process)
    if licence is None or process.id is None:
        raise NotFound("This process offers no open data.")
    locale = current_locale.get()
    stamp = await content_stamp(session, process)
    folder = _folder(var_dir, process.id)
    key = f"{folder}/{locale}"
    lock = _locks.get(key)
    if lock is None:
        lock = _locks[key] = anyio.Lock()
    async with lock:
        kept = kept_package(var_dir, process.id, locale)
        if _fresh(kept, stamp, utcnow()):
            assert kept is not None
            return kept
        try:
            plan = await plan_of(session, process.id)
        except NotFound:
            plan = None
        now = utcnow()
        about = About(process, licence, publisher, process_url, now)
        await anyio.to_thread.run_sync(lambda: folder.mkdir(parents=True, exist_ok=True))
        temporary = folder / f".{uuid.uuid4().hex}.tmp"
        target = folder / f"{locale}-{stamp}.zip"
        try:
            await write_package(session, temporary, about, Scope(process.id, plan))
            await anyio.to_thread.run_sync(os.replace, temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        await anyio.to_thread.run_sync(_prune, folder, locale, target, now)
        size = target.stat().st_size
        return PackageFile(target, size, datetime.fromtimestamp(target.stat().st_mtime, UTC))
