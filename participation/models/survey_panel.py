"""The firm panel: a survey's list of invited addresses, the links mailed to them, and the
process-wide opt-outs.

The addresses are personal data: they are deleted with the retention period
(services/retention.py) and never exported. The links are kept as SHA-256 hashes only; once
a response is sent it is cut loose from its invitee (services/survey_panel.py), who keeps
only `answered` so that no reminder goes out. `started` and `answered` are flags, not times,
so that they cannot be matched to a response's timestamps.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from participation.models.base import timestamp_field


class SurveyInvitee(SQLModel, table=True):
    """One address of a survey's panel, with what the list said about the firm."""

    __tablename__ = "survey_invitee"
    __table_args__ = (
        # One address once per survey; `address_hash` finds the opt-outs of the process.
        sa.UniqueConstraint("survey_id", "address_hash"),
        # The response rate by section and by size class is counted with GROUP BY on these.
        sa.Index("ix_survey_invitee_section", "survey_id", "wz_section", "size_class"),
        sa.Index("ix_survey_invitee_size", "survey_id", "size_class"),
        # "Send the next 200" and the reminders read these.
        sa.Index("ix_survey_invitee_due", "survey_id", "invited_at", "last_mailed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    process_id: int = Field(foreign_key="process.id", index=True, ondelete="CASCADE")
    # NULL once the invitee opted out: only the hash stays (and the opt-out's own).
    address: str | None = Field(default=None, max_length=254)
    address_hash: str = Field(max_length=64, index=True)
    organisation: str = Field(default="", max_length=200)
    wz_section: str | None = Field(default=None, max_length=1)
    size_class: str | None = Field(default=None, max_length=20)
    line: int = 0  # the line of the uploaded file, for the admin's report
    created_at: datetime = timestamp_field()
    invited_at: datetime | None = timestamp_field(nullable=True)
    last_mailed_at: datetime | None = timestamp_field(nullable=True)
    reminders: int = 0
    started: bool = False
    answered: bool = False
    opted_out: bool = False


class SurveyInviteeLink(SQLModel, table=True):
    """The hash of the token of one mailed link (each mail, reminders too, has its own)."""

    __tablename__ = "survey_invitee_link"

    id: int | None = Field(default=None, primary_key=True)
    invitee_id: int = Field(foreign_key="survey_invitee.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)


class PanelOptOut(SQLModel, table=True):
    """An address that asked for no more survey mails from a process: its hash only."""

    __tablename__ = "panel_opt_out"
    __table_args__ = (sa.UniqueConstraint("process_id", "address_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True, ondelete="CASCADE")
    address_hash: str = Field(max_length=64)
    created_at: datetime = timestamp_field()
