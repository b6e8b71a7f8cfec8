"""Duplicates: the candidate pairs the background job finds (merge suggestions for
moderators) and the record of every merge, which undoing it reads."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from participation.models.base import enum_column, timestamp_field
from participation.models.core import ContributionStatus


class DuplicatePair(SQLModel, table=True):
    """Two contributions of one process that read alike (`first_id` < `second_id`).

    The job replaces a process's pairs on every run, except those a moderator marked "kein
    Duplikat" (`dismissed_at`): they stay, so the pair never comes back."""

    __tablename__ = "duplicate_pair"
    # The duplicates page lists a process's (or every process's) open pairs, strongest first;
    # the queue asks for the pairs of the items on its page, by either side.
    __table_args__ = (
        sa.UniqueConstraint("first_id", "second_id"),
        # Partial: PostgreSQL takes an order from an index only after equalities, and
        # "dismissed_at IS NULL" is none.
        sa.Index(
            "ix_duplicate_pair_open",
            "process_id",
            "score",
            "id",
            postgresql_where=sa.text("dismissed_at IS NULL"),
            sqlite_where=sa.text("dismissed_at IS NULL"),
        ),
        sa.Index(
            "ix_duplicate_pair_open_all",
            "score",
            "id",
            postgresql_where=sa.text("dismissed_at IS NULL"),
            sqlite_where=sa.text("dismissed_at IS NULL"),
        ),
        sa.Index("ix_duplicate_pair_first", "first_id", "dismissed_at"),
        sa.Index("ix_duplicate_pair_second", "second_id", "dismissed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", ondelete="CASCADE")
    first_id: int = Field(foreign_key="contribution.id", ondelete="CASCADE")
    second_id: int = Field(foreign_key="contribution.id", ondelete="CASCADE")
    score: float  # centred cosine of the two texts (nlp/duplicates.py)
    # The words both texts use, the rarest in the process first: why they were paired.
    shared_words: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    computed_at: datetime = timestamp_field()
    dismissed_at: datetime | None = timestamp_field(nullable=True)
    dismissed_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )


class ContributionMerge(SQLModel, table=True):
    """One merge: what it changed, exactly enough to undo it (services/merging.py).

    The merged contribution keeps its text and its own supports; the kept idea gets copies
    of the supports from browsers that had not supported it yet (`copied_support_ids`, the
    rows added to it) and the comments (`moved_comment_ids`, top comments and replies)."""

    __tablename__ = "contribution_merge"

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True, ondelete="CASCADE")
    kept_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    merged_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    event_id: int | None = Field(
        default=None, foreign_key="moderation_event.id", index=True, ondelete="SET NULL"
    )
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    # The merged contribution's status before: undoing the merge gives it back.
    merged_from_status: ContributionStatus = Field(sa_type=enum_column(ContributionStatus))
    moved_comment_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    copied_support_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # Supports of the merged one whose browser had supported the kept idea too: not copied.
    double_supports: int = 0
    created_at: datetime = timestamp_field()
    undone_at: datetime | None = timestamp_field(nullable=True)
    undone_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
