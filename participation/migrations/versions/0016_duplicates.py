"""duplicates: candidate pairs, the record of merges, an index on duplicate_of_id

- duplicate_pair: near-duplicate pairs found by the background job, with their score and
  shared words; pairs marked "kein Duplikat" keep `dismissed_at` and survive every run.
- contribution_merge: what each merge moved (comments) and copied (supports), so it can be
  undone exactly.
- ix_contribution_duplicate_of_id: the kept idea's page lists what was merged into it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _foreign_key(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_index("ix_contribution_duplicate_of_id", "contribution", ["duplicate_of_id"])

    op.create_table(
        "duplicate_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("shared_words", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dismissed_by_id", sa.Integer(), nullable=True),
        _foreign_key("duplicate_pair", "process_id", "process", "CASCADE"),
        _foreign_key("duplicate_pair", "first_id", "contribution", "CASCADE"),
        _foreign_key("duplicate_pair", "second_id", "contribution", "CASCADE"),
        _foreign_key("duplicate_pair", "dismissed_by_id", "user_account", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_pair")),
        sa.UniqueConstraint("first_id", "second_id", name=op.f("uq_duplicate_pair_first_id")),
    )
    # Partial: PostgreSQL takes an order from an index only after equalities, and
    # "dismissed_at IS NULL" is none.
    only_open = {
        "postgresql_where": sa.text("dismissed_at IS NULL"),
        "sqlite_where": sa.text("dismissed_at IS NULL"),
    }
    op.create_index(
        "ix_duplicate_pair_open", "duplicate_pair", ["process_id", "score", "id"], **only_open
    )
    op.create_index("ix_duplicate_pair_open_all", "duplicate_pair", ["score", "id"], **only_open)
    op.create_index("ix_duplicate_pair_first", "duplicate_pair", ["first_id", "dismissed_at"])
    op.create_index("ix_duplicate_pair_second", "duplicate_pair", ["second_id", "dismissed_at"])

    op.create_table(
        "contribution_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("kept_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("merged_from_status", sa.String(length=32), nullable=False),
        sa.Column("moved_comment_ids", sa.JSON(), nullable=False),
        sa.Column("copied_support_ids", sa.JSON(), nullable=False),
        sa.Column("double_supports", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        _foreign_key("contribution_merge", "process_id", "process", "CASCADE"),
        _foreign_key("contribution_merge", "kept_id", "contribution", "CASCADE"),
        _foreign_key("contribution_merge", "merged_id", "contribution", "CASCADE"),
        _foreign_key("contribution_merge", "event_id", "moderation_event", "SET NULL"),
        _foreign_key("contribution_merge", "actor_id", "user_account", "SET NULL"),
        _foreign_key("contribution_merge", "undone_by_id", "user_account", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution_merge")),
    )
    for column in ("process_id", "kept_id", "merged_id", "event_id"):
        op.create_index(f"ix_contribution_merge_{column}", "contribution_merge", [column])


def downgrade() -> None:
    op.drop_table("contribution_merge")
    op.drop_table("duplicate_pair")
    op.drop_index("ix_contribution_duplicate_of_id", table_name="contribution")
