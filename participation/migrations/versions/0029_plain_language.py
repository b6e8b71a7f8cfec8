"""plain language: a process's Leichte-Sprache description and the plain idea form's help texts

Revision ID: 0029
Revises: 0027
Create Date: 2026-12-07 02:31:50.215583
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("process", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("plain_description", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("plain_help", sa.JSON(), server_default="{}", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("process", schema=None) as batch_op:
        batch_op.drop_column("plain_help")
        batch_op.drop_column("plain_description")
