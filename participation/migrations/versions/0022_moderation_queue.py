"""moderation queue: items assigned to a colleague, internal notes, the daily digest's
subscribers

- queue_assignment: "Meine Einträge" and "assigned to X" in the queue, counted per
  colleague (ix_queue_assignment_assignee).
- internal_note: staff notes on a contribution, read per item and counted per queue page.
- moderation_digest_subscription: who wants the daily digest; `last_sent_at` is claimed
  with a conditional UPDATE.
- ix_contribution_queue_facets: the queue's counts per channel, group and age of the
  waiting items, read from the index alone.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 18:31:45.661862
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_key(table: str, column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["user_account.id"],
        name=op.f(f"fk_{table}_{column}_user_account"),
        ondelete=ondelete,
    )


def _contribution_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["contribution_id"],
        ["contribution.id"],
        name=op.f(f"fk_{table}_contribution_id_contribution"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "moderation_digest_subscription",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        _user_key("moderation_digest_subscription", "user_id", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_moderation_digest_subscription")),
    )
    op.create_table(
        "internal_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _user_key("internal_note", "author_id", "SET NULL"),
        _contribution_key("internal_note"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_note")),
    )
    op.create_index("ix_internal_note_contribution", "internal_note", ["contribution_id", "id"])
    op.create_table(
        "queue_assignment",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        _user_key("queue_assignment", "assignee_id", "CASCADE"),
        _user_key("queue_assignment", "assigned_by_id", "SET NULL"),
        _contribution_key("queue_assignment"),
        sa.PrimaryKeyConstraint("contribution_id", name=op.f("pk_queue_assignment")),
    )
    op.create_index(
        "ix_queue_assignment_assignee", "queue_assignment", ["assignee_id", "contribution_id"]
    )


    op.create_index(
        "ix_contribution_queue_facets",
        "contribution",
        ["status", "process_id", "kind", "channel", "segment", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_contribution_queue_facets", table_name="contribution")
    op.drop_index("ix_queue_assignment_assignee", table_name="queue_assignment")
    op.drop_table("queue_assignment")
    op.drop_index("ix_internal_note_contribution", table_name="internal_note")
    op.drop_table("internal_note")
    op.drop_table("moderation_digest_subscription")
