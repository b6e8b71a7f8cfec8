"""A profile's sources: the contributions it was built from, from every channel and kind.

Linking and unlinking keep `Profile.source_count` in the same transaction, so no list counts
sources per row. A contribution can feed several profiles; it must belong to the profile's
process.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nlp.text import join_fields
from participation.models import (
    Contribution,
    Profile,
    ProfileSource,
    User,
    utcnow,
)
from participation.services import similar
from participation.services.processes import Page
from participation.services.similar import SimilarIdea

PAGE_SIZE: Final = 50
# One request links at most this many (a cluster of a few hundred fits); more in several.
LINK_MAX: Final = 2_000
NOTE_MAX: Final = 500


@dataclass(frozen=True)
class SourceRow:
    contribution: Contribution
    link: ProfileSource
    linked_by: str | None  # the staff member's name or e-mail


_ID: Final = re.compile(r"\d{1,12}")


def parse_ids(text: str) -> list[int]:
    """Contribution numbers as staff type them: "#412, 415 418"."""
    return [int(found) for found in _ID.findall(text)][:LINK_MAX]


async def _recount(db: AsyncSession, profile_id: int) -> None:
    """Set the kept count from the link table: one index count, exact after any mix of
    concurrent links and unlinks."""
    count = (
        select(func.count())
        .select_from(ProfileSource)
        .where(col(ProfileSource.profile_id) == profile_id)
        .scalar_subquery()
    )
    await db.exec(
        sa.update(Profile).where(col(Profile.id) == profile_id).values(source_count=count)
    )


async def link(
    db: AsyncSession,
    profile: Profile,
    contribution_ids: Sequence[int],
    actor: User,
    *,
    note: str = "",
    commit: bool = True,
) -> int:
    """Link contributions of the profile's process that are not linked yet; how many were
    added. Unknown ids, other processes' contributions and links already there are skipped."""
    assert profile.id is not None
    wanted = sorted(set(contribution_ids))[:LINK_MAX]
    if not wanted:
        return 0
    known = select(ProfileSource.contribution_id).where(ProfileSource.profile_id == profile.id)
    new_ids = (
        await db.exec(
            select(Contribution.id).where(
                col(Contribution.id).in_(wanted),
                Contribution.process_id == profile.process_id,
                col(Contribution.id).not_in(known),
            )
        )
    ).all()
    now = utcnow()
    for contribution_id in new_ids:
        assert contribution_id is not None
        db.add(
            ProfileSource(
                profile_id=profile.id,
                contribution_id=contribution_id,
                linked_by_id=actor.id,
                linked_at=now,
                note=note.strip()[:NOTE_MAX],
            )
        )
    await db.flush()
    await _recount(db, profile.id)
    if commit:
        await db.commit()
        await db.refresh(profile)
    return len(new_ids)


async def unlink(
    db: AsyncSession, profile: Profile, contribution_ids: Sequence[int], *, commit: bool = True
) -> int:
    """Remove contributions from the profile's sources; how many were removed."""
    assert profile.id is not None
    result = await db.exec(
        sa.delete(ProfileSource).where(
            col(ProfileSource.profile_id) == profile.id,
            col(ProfileSource.contribution_id).in_(sorted(set(contribution_ids))),
        )
    )
    removed: int = result.rowcount
    await _recount(db, profile.id)
    if commit:
        await db.commit()
        await db.refresh(profile)
    return removed


async def page_of_sources(db: AsyncSession, profile_id: int, page: int = 1) -> Page[SourceRow]:
    """One page of a profile's sources for staff, newest link first, with who linked them:
    one count from the kept column and one read of the page's rows."""
    total = (
        await db.exec(select(Profile.source_count).where(Profile.id == profile_id))
    ).one_or_none() or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = (
        await db.exec(
            select(Contribution, ProfileSource, User.display_name, User.email)
            .join(ProfileSource, col(ProfileSource.contribution_id) == Contribution.id)
            .join(User, col(User.id) == ProfileSource.linked_by_id, isouter=True)
            .where(ProfileSource.profile_id == profile_id)
            .order_by(col(ProfileSource.linked_at).desc(), col(ProfileSource.contribution_id))
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    ).all()
    return Page(
        items=[
            SourceRow(contribution=c, link=s, linked_by=(name or email))
            for c, s, name, email in rows
        ],
        page=page,
        pages=pages,
        total=total,
    )


async def linked_ids(db: AsyncSession, profile_id: int) -> set[int]:
    rows = await db.exec(
        select(ProfileSource.contribution_id).where(ProfileSource.profile_id == profile_id)
    )
    return set(rows.all())


# Sources read to describe a profile for the similarity search (its first linked ones).
DESCRIBING_SOURCES: Final = 50
SUGGESTIONS: Final = 10


async def matching(
    db: AsyncSession, var_dir: Path, profile: Profile, limit: int = SUGGESTIONS
) -> list[SimilarIdea]:
    """Screened contributions of every channel most like the profile (its text and its first
    sources) that it does not hold yet, best first: "Passende weitere Beiträge"."""
    assert profile.id is not None
    described = (
        await db.exec(
            select(Contribution.title, Contribution.body)
            .join(ProfileSource, col(ProfileSource.contribution_id) == Contribution.id)
            .where(ProfileSource.profile_id == profile.id)
            .order_by(col(ProfileSource.linked_at), col(ProfileSource.contribution_id))
            .limit(DESCRIBING_SOURCES)
        )
    ).all()
    text = join_fields(
        [profile.title, profile.summary, profile.problem, profile.goal, profile.measures]
        + [join_fields([title, body]) for title, body in described]
    )
    return await similar.similar_to_text(
        db,
        var_dir,
        profile.process_id,
        text,
        exclude=await linked_ids(db, profile.id),
        limit=limit,
    )


async def profiles_of(db: AsyncSession, contribution_id: int) -> list[Profile]:
    """The profiles a contribution is a source of (read through its own index)."""
    rows = await db.exec(
        select(Profile)
        .join(ProfileSource, col(ProfileSource.profile_id) == Profile.id)
        .where(ProfileSource.contribution_id == contribution_id)
        .order_by(col(Profile.title))
    )
    return list(rows.all())
