"""A profile's history: every save with who made it, which fields it changed, and a
readable diff per field against the save before it."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any, Final

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import ProfileRevision, User
from participation.services.profiles.fields import FIELD_LABELS

# The history shows the newest saves; older ones are a page further (a profile a working
# group keeps for years gathers hundreds).
PAGE_SIZE: Final = 20


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed" or "same"
    text: str


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str  # a message id: the template translates it
    lines: list[DiffLine]


@dataclass(frozen=True)
class HistoryEntry:
    revision: ProfileRevision
    author: str | None
    changes: list[FieldChange]


def _as_lines(value: Any) -> list[str]:
    """A field's value as lines to compare: text by line, lists of rows one row a line."""
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        return value.splitlines()
    if isinstance(value, list):
        return [
            " · ".join(str(v) for v in item.values() if v) if isinstance(item, dict) else str(item)
            for item in value
        ]
    if isinstance(value, dict):
        return [json.dumps(value, ensure_ascii=False, sort_keys=True)]
    return [str(value)]


def diff_field(before: Any, after: Any) -> list[DiffLine]:
    """Lines removed and added between two values of one field, with unchanged lines kept
    for context (a whole paragraph rewritten shows as one removal and one addition)."""
    lines = []
    for line in difflib.ndiff(_as_lines(before), _as_lines(after)):
        tag, text = line[:2], line[2:]
        if tag == "- ":
            lines.append(DiffLine("removed", text))
        elif tag == "+ ":
            lines.append(DiffLine("added", text))
        elif tag == "  ":
            lines.append(DiffLine("same", text))
    return lines


def describe(
    revision: ProfileRevision, before: dict[str, Any] | None, names: dict[int, str]
) -> list[FieldChange]:
    """The changes a revision made, against the snapshot before it (None: the first one).
    Theme ids are shown by name (`names`)."""

    def shown(name: str, snapshot: dict[str, Any] | None) -> Any:
        value = (snapshot or {}).get(name)
        if name == "primary_theme" and value is not None:
            return names.get(value, str(value))
        if name == "further_themes" and value:
            return [names.get(v, str(v)) for v in value]
        return value

    return [
        FieldChange(
            name=name,
            label=FIELD_LABELS.get(name, name),
            lines=diff_field(shown(name, before), shown(name, revision.snapshot)),
        )
        for name in revision.changed_fields
    ]


async def history(
    db: AsyncSession, profile_id: int, theme_names: dict[int, str], page: int = 1
) -> tuple[list[HistoryEntry], bool]:
    """One page of saves, newest first, each with its diff; and whether older ones exist.
    One read: the page's revisions plus the one before the oldest (to diff against)."""
    offset = (max(1, page) - 1) * PAGE_SIZE
    rows = (
        await db.exec(
            select(ProfileRevision, User.display_name, User.email)
            .join(User, col(User.id) == ProfileRevision.author_id, isouter=True)
            .where(ProfileRevision.profile_id == profile_id)
            .order_by(col(ProfileRevision.version).desc())
            .offset(offset)
            .limit(PAGE_SIZE + 1)
        )
    ).all()
    entries = []
    for index, (revision, name, email) in enumerate(rows[:PAGE_SIZE]):
        before = rows[index + 1][0].snapshot if index + 1 < len(rows) else None
        if before is None and revision.version > 1:
            before = await _snapshot(db, profile_id, revision.version - 1)
        entries.append(
            HistoryEntry(
                revision=revision,
                author=name or email,
                changes=describe(revision, before, theme_names),
            )
        )
    return entries, len(rows) > PAGE_SIZE


async def _snapshot(db: AsyncSession, profile_id: int, version: int) -> dict[str, Any] | None:
    found = await db.exec(
        select(ProfileRevision.snapshot).where(
            ProfileRevision.profile_id == profile_id, ProfileRevision.version == version
        )
    )
    snapshot = found.first()
    return dict(snapshot) if snapshot is not None else None
