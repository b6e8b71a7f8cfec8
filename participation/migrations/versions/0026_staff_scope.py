"""scoped roles: the processes and action fields a staff member is limited to

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 18:31:42.179250
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_scope",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["process.id"],
            name=op.f("fk_staff_scope_process_id_process"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["theme.id"],
            name=op.f("fk_staff_scope_theme_id_theme"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_staff_scope_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_scope")),
        sa.UniqueConstraint(
            "user_id", "process_id", "theme_id", name=op.f("uq_staff_scope_user_id")
        ),
    )
    with op.batch_alter_table("staff_scope", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_scope_process_id"), ["process_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_scope_theme_id"), ["theme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_scope_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_scope", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_scope_user_id"))
        batch_op.drop_index(batch_op.f("ix_staff_scope_theme_id"))
        batch_op.drop_index(batch_op.f("ix_staff_scope_process_id"))

    op.drop_table("staff_scope")
