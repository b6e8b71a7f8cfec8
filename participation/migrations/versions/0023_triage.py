"""triage: spam score and reasons, personal-data spans and the text's hash on every
contribution, the kind of a rejection, moderators' additions to the insult list, and the
originals of contributions published with "[entfernt]"

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 18:32:01.076812
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _contribution_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("spam_score", sa.Float(), nullable=True),
        sa.Column("spam_reasons", sa.JSON(), nullable=True),
        sa.Column("spam_flagged", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("personal_data", sa.JSON(), nullable=True),
        sa.Column("has_personal_data", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("text_hash", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "insult_word",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=True),
        sa.Column("word", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["user_account.id"],
            name=op.f("fk_insult_word_added_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["process.id"],
            name=op.f("fk_insult_word_process_id_process"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insult_word")),
    )
    with op.batch_alter_table("insult_word", schema=None) as batch_op:
        batch_op.create_index("ix_insult_word_process", ["process_id", "word"], unique=False)

    op.create_table(
        "redacted_original",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("spans", sa.JSON(), nullable=False),
        sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redacted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name=op.f("fk_redacted_original_contribution_id_contribution"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["redacted_by_id"],
            ["user_account.id"],
            name=op.f("fk_redacted_original_redacted_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("contribution_id", name=op.f("pk_redacted_original")),
    )
    # Not in batch mode: rebuilding `contribution` on SQLite would drop the triggers on it
    # (0005's search, 0011's and 0013's kept counts); SQLite adds and drops columns in place.
    for column in _contribution_columns():
        op.add_column("contribution", column)
    op.create_index(
        "ix_contribution_queue_triage",
        "contribution",
        ["status", "process_id", "kind", "spam_flagged", "has_personal_data", "created_at"],
    )
    op.create_index(
        "ix_contribution_text_hash", "contribution", ["process_id", "text_hash", "created_at"]
    )

    with op.batch_alter_table("moderation_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reason_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("moderation_event", schema=None) as batch_op:
        batch_op.drop_column("reason_code")

    op.drop_index("ix_contribution_text_hash", table_name="contribution")
    op.drop_index("ix_contribution_queue_triage", table_name="contribution")
    for column in reversed(_contribution_columns()):
        op.execute(f"ALTER TABLE contribution DROP COLUMN {column.name}")

    op.drop_table("redacted_original")
    with op.batch_alter_table("insult_word", schema=None) as batch_op:
        batch_op.drop_index("ix_insult_word_process")
    op.drop_table("insult_word")
