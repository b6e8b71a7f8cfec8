"""The participation dashboard's own data: the known population of firms per process (the
numbers the admin enters, e.g. from the chamber), by WZ section or size class, and the
indexes its grouped counts read (services/dashboard.py)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from participation.models.base import enum_column, timestamp_field
from participation.models.core import Contribution


class PopulationDimension(StrEnum):
    SECTOR = "sector"  # a WZ 2008 section letter
    SIZE = "size"  # a size class (wz2008.SIZE_CLASSES)


class KnownPopulation(SQLModel, table=True):
    """How many firms of one WZ section or size class there are in the process's region."""

    __tablename__ = "known_population"
    __table_args__ = (sa.UniqueConstraint("process_id", "dimension", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    # The unique constraint's index serves reading a process's numbers.
    process_id: int = Field(foreign_key="process.id", ondelete="CASCADE")
    dimension: PopulationDimension = Field(sa_type=enum_column(PopulationDimension))
    key: str = Field(max_length=20)  # the section letter or the size class
    firms: int
    updated_at: datetime = timestamp_field()


# The dashboard counts a process's contributions of every kind and status: by channel within
# each day's (week's, month's) range of arrival, by segment and channel, firms by section and
# size (segment first), and by municipality. These indexes cover those counts, so they read
# index ranges of the process, never the table (migration 0025; tests/test_query_plans.py
# checks the plans).
_table = Contribution.__table__  # type: ignore[attr-defined]
sa.Index("ix_contribution_arrival", _table.c.process_id, _table.c.created_at, _table.c.channel)
sa.Index(
    "ix_contribution_participation",
    _table.c.process_id,
    _table.c.segment,
    _table.c.channel,
    _table.c.created_at,
)
sa.Index("ix_contribution_municipality", _table.c.process_id, _table.c.municipality)
