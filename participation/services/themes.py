"""The themes moderators confirmed, as training data for the theme tagger; what the text
analysis reads as a contribution's title."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import (
    Contribution,
    ContributionKind,
    ContributionTheme,
    Theme,
    ThemeSource,
)


def analysed_title() -> ColumnElement[str]:
    """A contribution's title as tagging and clustering read it: none for a survey answer,
    whose title is its question, the same words in every answer to it."""
    return case(
        (col(Contribution.kind) == ContributionKind.SURVEY_ANSWER, ""),
        else_=col(Contribution.title),
    )


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
        select(Contribution, Theme.slug, analysed_title())
        .join(ContributionTheme, col(ContributionTheme.contribution_id) == Contribution.id)
        .join(Theme, col(Theme.id) == ContributionTheme.theme_id)
        .where(
            Contribution.process_id == process_id,
            ContributionTheme.source == ThemeSource.CONFIRMED,
        )
        .order_by(col(Contribution.id))
    )
    by_contribution: dict[int, tuple[Contribution, str, list[str]]] = {}
    for contribution, slug, title in rows:
        assert contribution.id is not None
        by_contribution.setdefault(contribution.id, (contribution, title, []))[2].append(slug)
    items = list(by_contribution.values())
    return TrainingData(
        theme_keys=tuple(theme.slug for theme in themes),
        titles=tuple(title for _c, title, _s in items),
        bodies=tuple(c.body for c, _t, _s in items),
        labels=tuple(tuple(sorted(slugs)) for _c, _t, slugs in items),
    )
