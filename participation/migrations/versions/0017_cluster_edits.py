"""cluster edits: when a moderator last renamed, merged or rearranged a run's groups, and who;
a job's parameters (the number of groups a moderator asked for)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 10:00:23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cluster_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('edited_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cluster_run_edited_by_id_user_account'), 'user_account', ['edited_by_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table("analysis_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("analysis_job", schema=None) as batch_op:
        batch_op.drop_column("params")
    with op.batch_alter_table('cluster_run', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cluster_run_edited_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('edited_by_id')
        batch_op.drop_column('edited_at')

