"""What staff keep beside the moderation queue: internal notes on contributions, and who
wants the daily digest of the queue by mail (services/queue_work.py, services/queue_digest.py).
and which colleague took on which item ("Meine Einträge"). These are tables of their own, not
columns of the contribution or the user: an assignment is no decision (it leaves the
contribution's version alone), and the contribution table keeps its triggers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from participation.models.base import timestamp_field


class QueueAssignment(SQLModel, table=True):
    """The colleague who took on an item of the queue; one at a time."""

    __tablename__ = "queue_assignment"
    # The queue narrowed to one colleague's items, and counted per colleague.
    __table_args__ = (sa.Index("ix_queue_assignment_assignee", "assignee_id", "contribution_id"),)

    contribution_id: int = Field(
        foreign_key="contribution.id", primary_key=True, ondelete="CASCADE"
    )
    assignee_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    assigned_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    assigned_at: datetime = timestamp_field()


class InternalNote(SQLModel, table=True):
    """A note staff write on a contribution for each other; never shown to the public or the
    author, and logged in the moderation log like a decision."""

    __tablename__ = "internal_note"
    # An item's notes in order, and the queue's count per item of a page.
    __table_args__ = (sa.Index("ix_internal_note_contribution", "contribution_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    body: str = Field(sa_type=sa.Text)
    created_at: datetime = timestamp_field()


class DigestSubscription(SQLModel, table=True):
    """A staff member who wants the daily digest of the moderation queue. `last_sent_at` is
    claimed with a conditional UPDATE before a digest is composed, so of two app processes
    only one sends it, and nobody gets two within a day."""

    __tablename__ = "moderation_digest_subscription"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = timestamp_field()
    last_sent_at: datetime | None = timestamp_field(nullable=True)
