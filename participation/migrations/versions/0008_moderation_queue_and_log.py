"""the moderation queue's indexes, a contribution's version, the log outliving deleted items

- contribution.version: counts the changes a moderation form may be based on.
- The queue's composite indexes (status first) replace the index on status alone.
- moderation_event.contribution_id becomes nullable with ON DELETE SET NULL (it was CASCADE:
  deleting an idea deleted its log), and deleted_contribution_id keeps the id.
- cluster_run.channel_counts: how many grouped items came through each channel.
- Indexes on survey_answer.contribution_id and focus_group_idea.contribution_id: the queue
  looks up where its items came from.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _event_foreign_key(batch_op: BatchOperations, *, ondelete: str) -> None:
    """moderation_event.contribution_id's foreign key again, with another ON DELETE."""
    name = batch_op.f("fk_moderation_event_contribution_id_contribution")
    batch_op.drop_constraint(name, type_="foreignkey")
    batch_op.create_foreign_key(name, "contribution", ["contribution_id"], ["id"], ondelete=ondelete)


def upgrade() -> None:
    # Only adding columns and indexes: SQLite alters `contribution` in place, so the full-text
    # triggers of 0005 stay (a string server default keeps batch mode from rebuilding it).
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_index(batch_op.f("ix_contribution_status"))
        batch_op.create_index("ix_contribution_queue", ["status", "created_at", "id"])
        batch_op.create_index("ix_contribution_queue_kind", ["status", "kind", "created_at", "id"])
        batch_op.create_index(
            "ix_contribution_queue_process", ["status", "process_id", "kind", "created_at", "id"]
        )

    with op.batch_alter_table("moderation_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_contribution_id", sa.Integer(), nullable=True))
        batch_op.alter_column("contribution_id", existing_type=sa.Integer(), nullable=True)
        _event_foreign_key(batch_op, ondelete="SET NULL")

    with op.batch_alter_table("cluster_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_counts", sa.JSON(), nullable=True))

    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_answer_contribution_id"), ["contribution_id"], unique=False
        )
    with op.batch_alter_table("focus_group_idea", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_focus_group_idea_contribution_id"), ["contribution_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("focus_group_idea", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_focus_group_idea_contribution_id"))
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_answer_contribution_id"))

    with op.batch_alter_table("cluster_run", schema=None) as batch_op:
        batch_op.drop_column("channel_counts")

    # The old schema cannot hold events of deleted contributions.
    op.execute("DELETE FROM moderation_event WHERE contribution_id IS NULL")
    with op.batch_alter_table("moderation_event", schema=None) as batch_op:
        _event_foreign_key(batch_op, ondelete="CASCADE")
        batch_op.alter_column("contribution_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("deleted_contribution_id")

    # The old code knows no "waiting for the author": such items are pending again.
    op.execute("UPDATE contribution SET status = 'pending' WHERE status = 'awaiting_changes'")
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.drop_index("ix_contribution_queue_process")
        batch_op.drop_index("ix_contribution_queue_kind")
        batch_op.drop_index("ix_contribution_queue")
        batch_op.create_index(batch_op.f("ix_contribution_status"), ["status"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops the column in place; batch mode would rebuild the table and
        # lose the full-text triggers of 0005.
        op.execute("ALTER TABLE contribution DROP COLUMN version")
    else:
        op.drop_column("contribution", "version")
