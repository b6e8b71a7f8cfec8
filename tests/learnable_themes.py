"""A small labelled set on which a trained tagger beats the keywords: its ideas speak of
buses, lessons and hedges in words that the action fields' names and keywords do not
contain (so the keyword tagger finds nothing), and each theme's words recur, so that 24
examples are enough to learn them. The opposite case is the demo: there the keywords win."""

from __future__ import annotations

from typing import Final

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import ContributionStatus, ContributionTheme, Process, ThemeSource
from tests.helpers import add_idea, add_process, add_themes

# (slug, name, keywords)
THEMES: Final = [
    ("verkehr", "Mobilität im Alltag", ["mobilität"]),
    ("lernen", "Bildung für alle", ["bildung"]),
    ("umwelt", "Klima und Natur", ["klima", "natur"]),
]
_WORDS: Final = {
    "verkehr": ["Busse", "Haltestelle", "Fahrplan", "Buslinie", "Bahnhof", "Rufbus"],
    "lernen": ["Lehrkräfte", "Klassenzimmer", "Unterricht", "Tablets", "Hausaufgaben", "Schulhof"],
    "umwelt": ["Bäume", "Hecken", "Blühwiese", "Solardach", "Regenwasser", "Insekten"],
}
_PLACES: Final = ["Kornbach", "Auenbrück", "Lindenhof", "Mühlental", "Steinfeld", "Birkenau"]
PER_THEME: Final = 8


def labelled_ideas() -> list[tuple[str, str, str]]:
    """(title, body, theme slug), PER_THEME per theme, the same every time."""
    ideas = []
    for slug, words in _WORDS.items():
        for i in range(PER_THEME):
            first, second = words[i % len(words)], words[(i + 2) % len(words)]
            place = _PLACES[i % len(_PLACES)]
            ideas.append(
                (
                    f"{first} in {place}",
                    f"In {place} fehlen {first} und {second}. Vorschlag {i + 1} aus {place}.",
                    slug,
                )
            )
    return ideas


async def add_learnable_process(session: AsyncSession, slug: str) -> Process:
    """A process with these themes, the labelled ideas with their themes confirmed, and two
    pending ideas for a trained model to suggest themes for."""
    process = await add_process(session, slug=slug)
    themes = await add_themes(session, process, THEMES)
    for title, body, key in labelled_ideas():
        idea = await add_idea(session, process, title=title, body=body)
        assert idea.id is not None
        theme_id = themes[key].id
        assert theme_id is not None
        session.add(
            ContributionTheme(
                contribution_id=idea.id, theme_id=theme_id, source=ThemeSource.CONFIRMED
            )
        )
    await session.commit()
    for title in ("Neue Haltestelle am Bahnhof", "Tablets für den Unterricht"):
        await add_idea(session, process, title=title, status=ContributionStatus.PENDING)
    return process
