"""Project profiles (Steckbriefe): what a process's contributions were condensed into.

A profile keeps where it came from (`ProfileSource`: the contributions it was built from,
from every channel), every saved state (`ProfileRevision`, so a working group can see who
changed what and restore it), its working group (`ProfileMember`) and their internal
comments (`ProfileComment`). Organisations and indicators are rows of their own so lists
can filter by the lead organisation and exports can give one line per indicator.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Final

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from participation.models.base import enum_column, timestamp_field


class ProfileStatus(StrEnum):
    DRAFT = "draft"
    WORKING_GROUP = "working_group"  # in Arbeit in der Arbeitsgruppe
    READY = "ready"  # bereit zur Bewertung
    PUBLISHED = "published"
    IN_IMPLEMENTATION = "in_implementation"
    COMPLETED = "completed"
    DROPPED = "dropped"


# Shown to the public: published, and what became of it afterwards.
PUBLIC_PROFILE_STATUSES: Final = frozenset(
    {ProfileStatus.PUBLISHED, ProfileStatus.IN_IMPLEMENTATION, ProfileStatus.COMPLETED}
)


class Horizon(StrEnum):
    """The time horizon, as the regional innovation portal's call asks for it."""

    SHORT = "short"  # kurzfristig, 1-2 Jahre
    MEDIUM = "medium"  # mittelfristig, 3-4 Jahre
    LONG = "long"  # langfristig


class OrganisationKind(StrEnum):
    FIRM = "firm"
    SCHOOL = "school"
    UNIVERSITY = "university"
    ADMINISTRATION = "administration"
    CHAMBER = "chamber"
    ASSOCIATION = "association"
    OTHER = "other"


class OrganisationRole(StrEnum):
    LEAD = "lead"
    PARTNER = "partner"
    INTERESTED = "interested"


class Profile(SQLModel, table=True):
    """A project profile of a process. Text fields are Markdown, rendered safely."""

    # Staff lists read a process's profiles by status, newest change first; public lists
    # read the shown statuses by title (services/profiles/listing.py).
    __table_args__ = (
        sa.Index("ix_profile_process_status", "process_id", "status", "updated_at", "id"),
        sa.Index("ix_profile_process_title", "process_id", "status", "title", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    summary: str = Field(default="", sa_type=sa.Text)  # 2-3 sentences, shown in lists
    problem: str = Field(default="", sa_type=sa.Text)  # Ausgangslage
    goal: str = Field(default="", sa_type=sa.Text)
    measures: str = Field(default="", sa_type=sa.Text)
    # Segment values the profile is for, plus words of the working group's own.
    target_segments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    target_groups: str = Field(default="", max_length=500)
    # Its action fields are rows of `ProfileTheme`.
    horizon: Horizon | None = Field(default=None, sa_type=enum_column(Horizon), nullable=True)
    # Estimated cost in whole euros; either end may be open.
    cost_min: int | None = None
    cost_max: int | None = None
    funding: str = Field(default="", sa_type=sa.Text)  # possible funding programmes
    # Sentences drawn from the sources when the profile was started from a cluster or a
    # selection ({"text", "source_id", "score"}), shown to staff for someone to rewrite into
    # the summary; never public (services/profiles/drafting.py).
    draft_summary: list[dict[str, Any]] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    status: ProfileStatus = Field(default=ProfileStatus.DRAFT, sa_type=enum_column(ProfileStatus))
    # How far its implementation is, 0-100; NULL until someone reports it
    # (services/tracking/, the timeline in `ProfileUpdate`).
    progress: int | None = None
    # Counts every save; an edit form names the version it was loaded from, and a save of
    # another version is refused, so two people never overwrite each other silently.
    version: int = 1
    # Kept with every link and unlink (services/profiles/sources.py), so lists never count.
    source_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
    published_at: datetime | None = timestamp_field(nullable=True)


class ProfileTheme(SQLModel, table=True):
    """An action field of a profile: its primary one, or one of its further ones."""

    __tablename__ = "profile_theme"
    # The lists' action-field filter: a theme's profiles.
    __table_args__ = (sa.Index("ix_profile_theme_theme", "theme_id", "profile_id"),)

    profile_id: int = Field(foreign_key="profile.id", primary_key=True, ondelete="CASCADE")
    theme_id: int = Field(foreign_key="theme.id", primary_key=True, ondelete="CASCADE")
    is_primary: bool = False


class ProfileOrganisation(SQLModel, table=True):
    """The lead organisation, a partner or an interested organisation of a profile."""

    __tablename__ = "profile_organisation"
    __table_args__ = (sa.Index("ix_profile_organisation_lead", "role", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    kind: OrganisationKind = Field(sa_type=enum_column(OrganisationKind))
    role: OrganisationRole = Field(sa_type=enum_column(OrganisationRole))
    position: int = 0


class ProfileIndicator(SQLModel, table=True):
    """How a profile's success is measured: e.g. "Schulen mit Glasfaser", baseline 12,
    target 40 (Anzahl), by "Ende 2028"."""

    __tablename__ = "profile_indicator"

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    unit: str = Field(default="", max_length=60)
    baseline: str = Field(default="", max_length=60)
    target: str = Field(default="", max_length=60)
    due: str = Field(default="", max_length=60)  # by when, as people write it
    position: int = 0


class ProfileSource(SQLModel, table=True):
    """A contribution a profile was built from. A contribution can feed several profiles."""

    __tablename__ = "profile_source"

    profile_id: int = Field(foreign_key="profile.id", primary_key=True, ondelete="CASCADE")
    # Indexed on its own: a follow page and an idea's page ask which profiles hold it.
    contribution_id: int = Field(
        foreign_key="contribution.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    linked_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    linked_at: datetime = timestamp_field()
    note: str = Field(default="", max_length=500)


class ProfileRevision(SQLModel, table=True):
    """One save of a profile: who, when, which fields changed, and the whole state after
    the save (so any version can be shown, compared and restored)."""

    __tablename__ = "profile_revision"
    __table_args__ = (sa.UniqueConstraint("profile_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", index=True, ondelete="CASCADE")
    version: int
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    changed_fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Set when this save restored an earlier version.
    restored_from: int | None = None
    created_at: datetime = timestamp_field()


class ProfileMember(SQLModel, table=True):
    """A staff member in a profile's working group."""

    __tablename__ = "profile_member"

    profile_id: int = Field(foreign_key="profile.id", primary_key=True, ondelete="CASCADE")
    # Indexed on its own: an editor's list holds the profiles they work on.
    user_id: int = Field(
        foreign_key="user_account.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    added_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    added_at: datetime = timestamp_field()


class ProfileComment(SQLModel, table=True):
    """An internal comment of the working group on a profile; never public."""

    __tablename__ = "profile_comment"
    __table_args__ = (sa.Index("ix_profile_comment_thread", "profile_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    body: str = Field(sa_type=sa.Text)
    created_at: datetime = timestamp_field()
