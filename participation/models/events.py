"""Sites and events of a process.

A site is a place that belongs to a process, e.g. one of the vocational schools of an
alliance: contributions and live sessions carry their site, so lists, exports and the
dashboard can be narrowed and broken down by it. An event (e.g. an innovation conference)
has a date, a place, an agenda in Markdown and its live sessions (tables); its public page
shows what its sessions collected.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from participation.models.base import UTCDateTime, timestamp_field

SITE_NAME_MAX = 120
PLACE_MAX = 200
EVENT_TITLE_MAX = 200
URL_MAX = 500


class Site(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("process_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=SITE_NAME_MAX)  # e.g. "BBS Cuxhaven"
    place: str = Field(default="", max_length=PLACE_MAX)  # e.g. the town or the address
    created_at: datetime = timestamp_field()


class Event(SQLModel, table=True):
    # A process page lists its events in date order, upcoming and past.
    __table_args__ = (sa.Index("ix_event_process_starts", "process_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", ondelete="CASCADE")
    title: str = Field(max_length=EVENT_TITLE_MAX)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    place: str = Field(default="", max_length=PLACE_MAX)
    agenda: str = Field(default="", sa_type=sa.Text)  # Markdown (services/markdown.py)
    # A link to someone else's registration; the platform runs none itself.
    registration_url: str = Field(default="", max_length=URL_MAX)
    created_at: datetime = timestamp_field()
