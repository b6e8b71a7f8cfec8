"""Scoped roles: a staff member limited to some processes, and within a process to some of
its action fields (an ITAS consortium partner moderates only the field it leads).

A user with no rows works in every process, as before scoping existed; admins are never
limited. One row per (user, process) with no theme gives the whole process; rows with themes
give only those action fields of it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from participation.models.base import timestamp_field


class StaffScope(SQLModel, table=True):
    __tablename__ = "staff_scope"
    # NULLs are distinct in a unique constraint on every supported database, so the
    # whole-process row (theme NULL) is kept unique by the service, not by this constraint.
    __table_args__ = (sa.UniqueConstraint("user_id", "process_id", "theme_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    process_id: int = Field(foreign_key="process.id", index=True, ondelete="CASCADE")
    theme_id: int | None = Field(
        default=None, foreign_key="theme.id", index=True, nullable=True, ondelete="CASCADE"
    )
    created_at: datetime = timestamp_field()
