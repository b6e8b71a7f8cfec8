"""The themes moderators confirmed, as training data for the theme tagger."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import Contribution, ContributionTheme, Theme, ThemeSource


@dataclass(frozen=True)
class TrainingData:
    theme_keys: tuple[str, ...]  # every theme of the process, in taxonomy order
    titles: tuple[str, ...]
    bodies: tuple[str, ...]
    labels: tuple[tuple[str, ...], ...]  # the confirmed themes of each contribution


async def confirmed_themes_of(session: AsyncSession, process_id: int) -> TrainingData:
    """Contributions of a process with at least one confirmed theme, and those themes."""
    themes = list(
        await session.exec(
            select(Theme).where(Theme.process_id == process_id).order_by(col(Theme.position))
        )
    )
    rows = await session.exec(
        select(Contribution, Theme.slug)
        .join(ContributionTheme, col(ContributionTheme.contribution_id) == Contribution.id)
        .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
        .where(
            Contribution.process_id == process_id,
            ContributionTheme.source == ThemeSource.CONFIRMED,
        )
        .order_by(col(Contribution.id))
    )
    by_contribution: dict[int, tuple[Contribution, list[str]]] = {}
    for contribution, slug in rows:
        assert contribution.id is not None
        by_contribution.setdefault(contribution.id, (contribution, []))[1].append(slug)
    items = list(by_contribution.values())
    return TrainingData(
        theme_keys=tuple(theme.slug for theme in themes),
        titles=tuple(c.title for c, _ in items),
        bodies=tuple(c.body for c, _ in items),
        labels=tuple(tuple(sorted(slugs)) for _, slugs in items),
    )
