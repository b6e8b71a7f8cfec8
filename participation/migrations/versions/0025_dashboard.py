"""participation dashboard: the known population of firms per process, and the indexes of
the dashboard's grouped counts

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 18:31:45.698139
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_population",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column(
            "dimension",
            sa.Enum("sector", "size", name="populationdimension", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("firms", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["process.id"],
            name=op.f("fk_known_population_process_id_process"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_population")),
        sa.UniqueConstraint(
            "process_id", "dimension", "key", name=op.f("uq_known_population_process_id")
        ),
    )
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contribution_arrival", ["process_id", "created_at", "channel"], unique=False
        )
        batch_op.create_index(
            "ix_contribution_municipality", ["process_id", "municipality"], unique=False
        )
        batch_op.create_index(
            "ix_contribution_participation",
            ["process_id", "segment", "channel", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.drop_index("ix_contribution_participation")
        batch_op.drop_index("ix_contribution_municipality")
        batch_op.drop_index("ix_contribution_arrival")
    op.drop_table("known_population")
