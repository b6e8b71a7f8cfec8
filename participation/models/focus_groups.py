"""Live sessions ("Live-Sitzung"): a join code, pseudonymous members, their ideas and dots.

A live session has an audience (pupils, firms, experts, residents, mixed) and a format
(focus group, workshop, expert talk, conference table). It began as the focus group for
pupils, and its tables and models keep that name (`focus_group_*`, `FocusGroup*`): renaming
them would touch every module, template and test of the feature for no gain to anybody.

No e-mail or age is stored: a member is a name for the session and the SHA-256 hash of a
random token in their browser's cookie. Pupils give nothing else; the other audiences may
give an organisation (firms also its WZ 2008 section and size class) once, when joining.
A session may have prompts, shown one at a time; each idea keeps the prompt it answers.
When the facilitator closes the session, its ideas become contributions in the moderation
queue: channel focus group or workshop by the format, the audience's segment, the member's
organisation, and the idea's prompt and dots on the idea row (services/provenance.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from participation.models.base import enum_column, timestamp_field
from participation.models.core import Channel, Segment


class LiveAudience(StrEnum):
    """Who takes part in a live session."""

    PUPILS = "pupils"  # pupils, apprentices and students: pseudonyms, nothing personal
    FIRMS = "firms"
    EXPERTS = "experts"
    RESIDENTS = "residents"
    MIXED = "mixed"

    @property
    def segment(self) -> Segment:
        """The author segment the session's ideas get in moderation."""
        return _SEGMENTS[self]

    @property
    def gives_organisation(self) -> bool:
        """Whether members may give an organisation when joining (never pupils)."""
        return self is not LiveAudience.PUPILS

    @property
    def gives_firm_details(self) -> bool:
        """Whether members may also give a WZ 2008 section and a size class."""
        return self is LiveAudience.FIRMS


_SEGMENTS = {
    LiveAudience.PUPILS: Segment.PUPIL,
    LiveAudience.FIRMS: Segment.FIRM,
    LiveAudience.EXPERTS: Segment.EXPERT,
    LiveAudience.RESIDENTS: Segment.RESIDENT,
    LiveAudience.MIXED: Segment.OTHER,
}


class LiveFormat(StrEnum):
    """How a live session is run; the channel its ideas come through follows from it."""

    FOCUS_GROUP = "focus_group"
    WORKSHOP = "workshop"
    EXPERT_TALK = "expert_talk"
    CONFERENCE_TABLE = "conference_table"

    @property
    def channel(self) -> Channel:
        return Channel.FOCUS_GROUP if self is LiveFormat.FOCUS_GROUP else Channel.WORKSHOP


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
    # How many dots each member may give in all (the facilitator chooses it when opening).
    dots_per_member: int = 3
    audience: LiveAudience = Field(
        default=LiveAudience.PUPILS,
        sa_type=enum_column(LiveAudience),
        sa_column_kwargs={"server_default": LiveAudience.PUPILS.value},
    )
    format: LiveFormat = Field(
        default=LiveFormat.FOCUS_GROUP,
        sa_type=enum_column(LiveFormat),
        sa_column_kwargs={"server_default": LiveFormat.FOCUS_GROUP.value},
    )
    # Whether members may not give dots to their own ideas (the facilitator's choice).
    exclude_own_ideas: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    # The position of the prompt shown now (FocusGroupPrompt.position); ignored without prompts.
    prompt_position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})

    # Where and at which event the session took place (models/events.py); closing copies
    # the site onto the session's contributions (services/events/session_place.py).
    site_id: int | None = Field(
        default=None, foreign_key="site.id", index=True, ondelete="SET NULL"
    )
    event_id: int | None = Field(
        default=None, foreign_key="event.id", index=True, ondelete="SET NULL"
    )


class FocusGroupPrompt(SQLModel, table=True):
    """A question the session works on, e.g. "Was hindert Ihren Betrieb an der
    Digitalisierung?"; shown one at a time, in the order of `position` (0, 1, ...)."""

    __tablename__ = "focus_group_prompt"
    __table_args__ = (sa.UniqueConstraint("session_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="focus_group_session.id", index=True, ondelete="CASCADE")
    position: int = 0
    text: str = Field(max_length=300)


class FocusGroupMember(SQLModel, table=True):
    """A member of a session, known by a name unique in the session; pupils by a pseudonym
    only, others optionally with their organisation (given once, when joining)."""

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
    # Not for pupils; all optional. The section is a WZ 2008 letter, the size one of
    # wz2008.SIZE_CLASSES (firms only), as on Contribution.
    organisation_name: str | None = Field(default=None, max_length=200)
    organisation_sector: str | None = Field(default=None, max_length=120)
    organisation_size: str | None = Field(default=None, max_length=20)


class FocusGroupIdea(SQLModel, table=True):
    """An idea in a session: from a member, or typed in by the facilitator from a paper card
    (then `member_id` is empty)."""

    __tablename__ = "focus_group_idea"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="focus_group_session.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(
        default=None, foreign_key="focus_group_member.id", ondelete="SET NULL"
    )
    # The prompt the idea answers (the one shown when it was given, or the facilitator's
    # choice for a card); None in a session without prompts.
    prompt_id: int | None = Field(
        default=None, foreign_key="focus_group_prompt.id", index=True, ondelete="SET NULL"
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
