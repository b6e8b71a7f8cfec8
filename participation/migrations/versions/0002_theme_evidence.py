"""theme suggestions keep their evidence; contributions keep the tagger's uncertainty

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contribution_theme") as batch_op:
        batch_op.add_column(sa.Column("evidence", sa.JSON(), nullable=True))
    with op.batch_alter_table("contribution") as batch_op:
        batch_op.add_column(sa.Column("theme_uncertainty", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contribution") as batch_op:
        batch_op.drop_column("theme_uncertainty")
    with op.batch_alter_table("contribution_theme") as batch_op:
        batch_op.drop_column("evidence")
