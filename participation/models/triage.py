"""Triage of new contributions (services/triage): the words moderators add to the shipped
list of insults, and the original text of contributions published with their personal data
replaced by "[entfernt]"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from participation.models.base import timestamp_field


class InsultWord(SQLModel, table=True):
    """A word moderators added to the list of insults: for one process, or for all
    (`process_id` empty). Matched with its inflected forms, never inside other words."""

    __tablename__ = "insult_word"
    __table_args__ = (sa.Index("ix_insult_word_process", "process_id", "word"),)

    id: int | None = Field(default=None, primary_key=True)
    process_id: int | None = Field(default=None, foreign_key="process.id", ondelete="CASCADE")
    word: str = Field(max_length=80)
    added_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = timestamp_field()


class RedactedOriginal(SQLModel, table=True):
    """What the author wrote before a moderator published it with "[entfernt]": shown only
    behind the author's follow link and in their own data download, and deleted with the
    process's other personal data after the retention period (services/retention.py)."""

    __tablename__ = "redacted_original"

    contribution_id: int = Field(
        foreign_key="contribution.id", primary_key=True, ondelete="CASCADE"
    )
    title: str = Field(default="", max_length=200)
    body: str = Field(sa_type=sa.Text)
    # The spans removed, as stored on the contribution then (field, start, end, kind).
    spans: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    redacted_at: datetime = timestamp_field()
    redacted_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
