"""Tracking what becomes of a published profile: its milestones, the values of its
indicators over time, and a public timeline of updates (`ProfileUpdate`) whose news
reaches the authors of the profile's sources, collected into at most one mail per day
(`TrackingNotice`). The progress in percent is a column of the profile itself.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from participation.models.base import enum_column, timestamp_field


class ProfileMilestone(SQLModel, table=True):
    """A step of a profile's implementation: planned for a date, reached on another."""

    __tablename__ = "profile_milestone"
    __table_args__ = (sa.Index("ix_profile_milestone_profile", "profile_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    planned_on: date | None = None
    reached_on: date | None = None
    position: int = 0


class IndicatorValue(SQLModel, table=True):
    """A measured value of one of a profile's indicators, e.g. 23 schools with fibre on
    2027-06-30."""

    __tablename__ = "indicator_value"
    __table_args__ = (sa.Index("ix_indicator_value_indicator", "indicator_id", "measured_on"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="profile_indicator.id", ondelete="CASCADE")
    value: float
    measured_on: date
    note: str = Field(default="", max_length=500)
    recorded_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    recorded_at: datetime = timestamp_field()


class UpdateKind(StrEnum):
    STATUS = "status"  # e.g. in Umsetzung, abgeschlossen
    PROGRESS = "progress"  # the percentage changed
    MILESTONE = "milestone"  # a milestone reached (or planned anew)
    INDICATOR = "indicator"  # a new indicator value
    NOTE = "note"  # words of the lead organisation


class ProfileUpdate(SQLModel, table=True):
    """One entry of a profile's public timeline: what changed, who entered it, when, and
    the details to show (old and new progress, the milestone, the value)."""

    __tablename__ = "profile_update"
    __table_args__ = (sa.Index("ix_profile_update_timeline", "profile_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="profile.id", ondelete="CASCADE")
    kind: UpdateKind = Field(sa_type=enum_column(UpdateKind))
    text: str = Field(default="", sa_type=sa.Text)  # Markdown, public
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field()


class TrackingNotice(SQLModel, table=True):
    """News of an update for one address (an author of a source who consented), waiting to
    be collected into that address's daily mail; `mail_id` is set once it went into one."""

    __tablename__ = "tracking_notice"
    # The daily collection reads the waiting notices by address.
    __table_args__ = (sa.Index("ix_tracking_notice_waiting", "mail_id", "recipient", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=254)
    update_id: int = Field(foreign_key="profile_update.id", ondelete="CASCADE")
    # The contribution whose author this is: deleting it (follow link) drops its notices.
    contribution_id: int | None = Field(
        default=None, foreign_key="contribution.id", index=True, ondelete="CASCADE"
    )
    created_at: datetime = timestamp_field()
    mail_id: int | None = Field(default=None, foreign_key="outgoing_mail.id", ondelete="SET NULL")
