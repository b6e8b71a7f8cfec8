"""cluster scope: which contributions a clustering run grouped (channels, segments, an action
field); empty for the runs before, which grouped all of them

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cluster_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cluster_run', schema=None) as batch_op:
        batch_op.drop_column('scope')
