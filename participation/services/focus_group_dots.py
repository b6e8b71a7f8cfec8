"""Members' dots on the ideas of a live session: a budget per member in all (the session's
`dots_per_member`), at most three per idea, none on one's own ideas unless the facilitator
allowed them (the session's `exclude_own_ideas`).

Giving a dot is two conditional statements in one transaction: first the member's kept count
goes up only while it is below the budget, then the idea's dots only while below three; if
the second refuses, the first is rolled back. On PostgreSQL the first statement locks the
member's row, so one pupil's simultaneous clicks are counted one after another; SQLite takes
one writer at a time anyway. Taking a dot back starts with the member's row too (the same
order, so no deadlock), and changes nothing where no dot is.
"""

from __future__ import annotations

from sqlalchemy import and_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from participation.i18n import _
from participation.inputs import MAX_ID
from participation.models import FocusGroupDot, FocusGroupIdea, FocusGroupMember, FocusGroupSession
from participation.services.errors import NotFound, ValidationFailed
from participation.services.focus_groups import DOTS_PER_IDEA, rowcount, session_must_be_open


def dots_per_idea(session: FocusGroupSession) -> int:
    """How many dots one member may give one idea: three, or less if the budget is smaller."""
    return min(DOTS_PER_IDEA, session.dots_per_member)


async def _idea_in(db: AsyncSession, session: FocusGroupSession, idea_id: int) -> FocusGroupIdea:
    idea = await db.get(FocusGroupIdea, idea_id) if idea_id <= MAX_ID else None
    if idea is None or idea.session_id != session.id:
        raise NotFound()
    return idea


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed({"dots": message})


async def _undo(db: AsyncSession, session: FocusGroupSession, member: FocusGroupMember) -> None:
    """Roll back, and load again what the rollback expired (the page still shows them)."""
    await db.rollback()
    await db.refresh(session)
    await db.refresh(member)


async def give_dot(
    db: AsyncSession, session: FocusGroupSession, member: FocusGroupMember, idea_id: int
) -> None:
    """One more dot from this member on this idea. Raises NotFound (not an idea of this
    session) or ValidationFailed (ended, own idea, budget spent, or the idea has all it may)."""
    session_must_be_open(session)
    idea = await _idea_in(db, session, idea_id)
    assert member.id is not None
    # Pupils are addressed with "du", everyone else with "Sie" (texts of their own).
    formal = session.audience.gives_organisation
    if session.exclude_own_ideas and idea.member_id == member.id:
        if formal:
            raise _refuse(_("Dots go to the others' ideas, not to your own."))
        raise _refuse(_("You cannot give dots to your own idea."))
    spent = await db.exec(
        update(FocusGroupMember)
        .where(
            col(FocusGroupMember.id) == member.id,
            col(FocusGroupMember.dots_given) < session.dots_per_member,
        )
        .values(dots_given=FocusGroupMember.dots_given + 1)
    )
    if rowcount(spent) == 0:
        await db.commit()  # nothing changed
        if formal:
            message = _(
                "All %(max)d of your dots are given. To give one to another idea, take one "
                "back first."
            )
        else:
            message = _(
                "You have given all your %(max)d dots. Take one back to give it to another idea."
            )
        raise _refuse(message % {"max": session.dots_per_member})
    per_idea = dots_per_idea(session)
    dialect = (await db.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    dots = FocusGroupDot.__table__.c.dots  # type: ignore[attr-defined]
    added = await db.exec(
        insert(FocusGroupDot)
        .values(idea_id=idea_id, member_id=member.id, dots=1)
        .on_conflict_do_update(
            index_elements=["idea_id", "member_id"],
            set_={"dots": dots + 1},
            where=dots < per_idea,
        )
    )
    if rowcount(added) == 0:
        await _undo(db, session, member)
        if formal:
            raise _refuse(_("This idea has all %(max)d of your dots.") % {"max": per_idea})
        raise _refuse(_("You have given this idea all %(max)d dots.") % {"max": per_idea})
    await db.commit()


async def take_dot(
    db: AsyncSession, session: FocusGroupSession, member: FocusGroupMember, idea_id: int
) -> None:
    """One dot back; taking back a dot that is not there changes nothing."""
    session_must_be_open(session)
    await _idea_in(db, session, idea_id)
    returned = await db.exec(
        update(FocusGroupMember)
        .where(col(FocusGroupMember.id) == member.id, col(FocusGroupMember.dots_given) > 0)
        .values(dots_given=FocusGroupMember.dots_given - 1)
    )
    mine = and_(col(FocusGroupDot.idea_id) == idea_id, col(FocusGroupDot.member_id) == member.id)
    lowered = await db.exec(
        update(FocusGroupDot)
        .where(mine, col(FocusGroupDot.dots) > 1)
        .values(dots=FocusGroupDot.dots - 1)
    )
    if rowcount(lowered) == 0:
        lowered = await db.exec(delete(FocusGroupDot).where(mine, col(FocusGroupDot.dots) <= 1))
    if rowcount(returned) == 0 or rowcount(lowered) == 0:
        await _undo(db, session, member)  # no dot on this idea: nothing to give back
        return
    await db.commit()
