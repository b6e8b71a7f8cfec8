"""participation in full: open channels, replies, answers, optional e-mail, imports,
supports and reports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("process") as batch_op:
        batch_op.add_column(
            sa.Column("open_channels", sa.JSON(), nullable=False, server_default='["idea_call"]')
        )
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("process") as batch_op:
        # The default only filled existing rows; new ones get theirs from the model.
        batch_op.alter_column("open_channels", server_default=None)
    with op.batch_alter_table("contribution") as batch_op:
        batch_op.add_column(sa.Column("reply_to_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("answer", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("notify_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("notify_consent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("source_ref", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("imported_ratings", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_contribution_reply_to_id_contribution"),
            "contribution",
            ["reply_to_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(batch_op.f("ix_contribution_reply_to_id"), ["reply_to_id"])
    with op.batch_alter_table("contribution") as batch_op:
        batch_op.alter_column("answer", server_default=None)
    op.create_table(
        "support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("supporter_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name=op.f("fk_support_contribution_id_contribution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support")),
        sa.UniqueConstraint(
            "contribution_id", "supporter_hash", name=op.f("uq_support_contribution_id")
        ),
    )
    op.create_index(op.f("ix_support_contribution_id"), "support", ["contribution_id"])
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reporter_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name=op.f("fk_report_contribution_id_contribution"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["user_account.id"],
            name=op.f("fk_report_resolved_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
    )
    op.create_index(op.f("ix_report_contribution_id"), "report", ["contribution_id"])
    op.create_index(op.f("ix_report_status"), "report", ["status"])


def downgrade() -> None:
    op.drop_table("report")
    op.drop_table("support")
    with op.batch_alter_table("contribution") as batch_op:
        batch_op.drop_index("ix_contribution_reply_to_id")
        batch_op.drop_constraint("fk_contribution_reply_to_id_contribution", type_="foreignkey")
        for column in (
            "updated_at",
            "imported_ratings",
            "source_ref",
            "notify_consent_at",
            "notify_email",
            "answered_at",
            "answer",
            "reply_to_id",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("process") as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("open_channels")
