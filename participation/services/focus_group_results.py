"""A focus group's result page (/mitmachen/<code>/ergebnis): once the process's plan is
published, the class opens it with the session's join code and sees each of its ideas (title,
text, the dots it got) and what became of it: the project profiles it went into with their
priority group, or that it went into none, with the process's general answer once.

Nothing personal: no pseudonyms, no member counts. Join codes are unique for good (a unique
column, never given to a new session), so a code names its session also long after it was
closed or expired, and the page stays reachable with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from participation.models import EvaluationSetup, FocusGroupSession, Process
from participation.services import focus_groups
from participation.services.evaluation.outcomes import Outcome, outcomes_of, plan_path


@dataclass(frozen=True)
class ResultIdea:
    title: str
    body: str
    dots: int
    # None: it went into no profile (or never reached the evaluation: the session was not
    # closed, or the moderation rejected it).
    outcome: Outcome | None

    @property
    def in_profiles(self) -> bool:
        return self.outcome is not None and self.outcome.in_profiles


@dataclass(frozen=True)
class SessionResult:
    session: FocusGroupSession
    process: Process
    published: bool
    ideas: tuple[ResultIdea, ...] = ()
    general_answer: str = ""  # Markdown

    @property
    def plan_path(self) -> str:
        return plan_path(self.process.slug)

    @property
    def any_without_profile(self) -> bool:
        return any(not idea.in_profiles for idea in self.ideas)


async def session_result(db: AsyncSession, code: str) -> SessionResult | None:
    """The result page of the session with this code; None for an unknown code. Before the
    plan is published (or after it was taken back) without ideas: the page says it is not
    yet. A fixed number of statements, whatever the number of ideas."""
    session = await focus_groups.session_by_code(db, code)
    if session is None or session.id is None:
        return None
    process = await db.get(Process, session.process_id)
    assert process is not None
    setup = await db.get(EvaluationSetup, session.process_id)
    if setup is None or setup.plan_published_at is None:
        return SessionResult(session, process, published=False)
    rows = await focus_groups.idea_rows(db, session.id, by_dots=True)
    found = await outcomes_of(
        db, [r.idea.contribution_id for r in rows if r.idea.contribution_id is not None]
    )
    ideas = tuple(
        ResultIdea(
            r.idea.title,
            r.idea.body,
            r.dots,
            found.get(r.idea.contribution_id) if r.idea.contribution_id is not None else None,
        )
        for r in rows
    )
    return SessionResult(session, process, True, ideas, setup.general_answer)
