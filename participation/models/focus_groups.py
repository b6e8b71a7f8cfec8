"""Focus-group sessions with pupils: a join code, pseudonymous members, their ideas and dots.

No name, e-mail or age is stored: a member is a pseudonym and the SHA-256 hash of a random
token in their browser's cookie. When the facilitator closes the session, its ideas become
contributions (channel focus group, segment pupil) in the moderation queue.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from participation.models.base import timestamp_field


class FocusGroupSession(SQLModel, table=True):
    __tablename__ = "focus_group_session"

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)  # e.g. "BBS Auetal, Klasse 11b"
    # Six characters from an alphabet without look-alikes (no 0/O, 1/I/L), upper case.
    join_code: str = Field(max_length=6, unique=True, index=True)
    facilitator_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field()
    closed_at: datetime | None = timestamp_field(nullable=True)
    # How many dots each pupil may give in all (the facilitator chooses it when opening).
    dots_per_member: int = 3
    # Where and at which event the session took place (models/events.py); closing copies
    # the site onto the session's contributions (services/events/session_place.py).
    site_id: int | None = Field(
        default=None, foreign_key="site.id", index=True, ondelete="SET NULL"
    )
    event_id: int | None = Field(
        default=None, foreign_key="event.id", index=True, ondelete="SET NULL"
    )


class FocusGroupMember(SQLModel, table=True):
    """A pupil in a session, known only by a pseudonym unique in the session."""

    __tablename__ = "focus_group_member"
    __table_args__ = (sa.UniqueConstraint("session_id", "pseudonym_key"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="focus_group_session.id", index=True, ondelete="CASCADE")
    pseudonym: str = Field(max_length=30)
    # The pseudonym folded for comparison (case, accents, spaces), so "Blau Wal" and
    # "blauwal" count as the same name.
    pseudonym_key: str = Field(max_length=30)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    joined_at: datetime = timestamp_field()
    # The dots this member has given, kept with every dot given or taken back: one
    # conditional update of this row checks the member's budget, also under concurrent clicks.
    dots_given: int = 0


class FocusGroupIdea(SQLModel, table=True):
    """An idea in a session: from a member, or typed in by the facilitator from a paper card
    (then `member_id` is empty)."""

    __tablename__ = "focus_group_idea"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="focus_group_session.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(
        default=None, foreign_key="focus_group_member.id", ondelete="SET NULL"
    )
    title: str = Field(max_length=120)
    body: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = timestamp_field()
    # The moderation item the idea became when the session was closed.
    contribution_id: int | None = Field(
        default=None, foreign_key="contribution.id", index=True, ondelete="SET NULL"
    )


class FocusGroupDot(SQLModel, table=True):
    """The dots one member gave one idea (1 to 3, and at most the session's dots per member
    in all of its ideas)."""

    __tablename__ = "focus_group_dot"

    idea_id: int = Field(foreign_key="focus_group_idea.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(
        foreign_key="focus_group_member.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    dots: int = 1
