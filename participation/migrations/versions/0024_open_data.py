"""open data: the licence of a process's open-data download

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("process", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "data_licence",
                sa.Enum(
                    "dl-de-by-2.0",
                    "dl-de-zero-2.0",
                    "cc-by-4.0",
                    "cc0-1.0",
                    name="datalicence",
                    native_enum=False,
                    length=32,
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("process", schema=None) as batch_op:
        batch_op.drop_column("data_licence")
