"""evaluation: criteria, rating rounds, ratings, conflicts of interest, priority groups, plan
entries and the evaluation log

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 12:46:26.007888
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_criterion_process_id_process'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criterion'))
    )
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.create_index('ix_criterion_process', ['process_id', 'position'], unique=False)

    op.create_table('evaluation_setup',
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('scale_min', sa.Integer(), nullable=False),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.Column('min_ratings', sa.Integer(), nullable=False),
    sa.Column('first_rating_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_evaluation_setup_process_id_process'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('process_id', name=op.f('pk_evaluation_setup'))
    )
    op.create_table('priority_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('threshold', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_priority_group_process_id_process'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_group'))
    )
    with op.batch_alter_table('priority_group', schema=None) as batch_op:
        batch_op.create_index('ix_priority_group_process', ['process_id', 'position'], unique=False)

    op.create_table('rating_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='roundstatus', native_enum=False, length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_rating_round_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_rating_round_process_id_process'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_round'))
    )
    with op.batch_alter_table('rating_round', schema=None) as batch_op:
        batch_op.create_index('ix_rating_round_process', ['process_id', 'status', 'id'], unique=False)

    op.create_table('conflict_of_interest',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user_account.id'], name=op.f('fk_conflict_of_interest_evaluator_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['profile.id'], name=op.f('fk_conflict_of_interest_profile_id_profile'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rating_round.id'], name=op.f('fk_conflict_of_interest_round_id_rating_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'profile_id', 'evaluator_id', name=op.f('pk_conflict_of_interest'))
    )
    op.create_table('evaluation_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('profile_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.Enum('criteria_changed', 'round_opened', 'round_closed', 'rating_saved', 'rating_submitted', 'ratings_imported', 'conflict_declared', 'groups_proposed', 'group_moved', 'plan_published', name='evaluationaction', native_enum=False, length=32), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_evaluation_event_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_evaluation_event_process_id_process'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['profile.id'], name=op.f('fk_evaluation_event_profile_id_profile'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rating_round.id'], name=op.f('fk_evaluation_event_round_id_rating_round'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_event'))
    )
    with op.batch_alter_table('evaluation_event', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_event_process', ['process_id', 'id'], unique=False)

    op.create_table('plan_entry',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('moved_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['priority_group.id'], name=op.f('fk_plan_entry_group_id_priority_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moved_by_id'], ['user_account.id'], name=op.f('fk_plan_entry_moved_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['profile_id'], ['profile.id'], name=op.f('fk_plan_entry_profile_id_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', name=op.f('pk_plan_entry'))
    )
    with op.batch_alter_table('plan_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_entry_group_id'), ['group_id'], unique=False)

    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['criterion_id'], ['criterion.id'], name=op.f('fk_rating_criterion_id_criterion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user_account.id'], name=op.f('fk_rating_evaluator_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['profile.id'], name=op.f('fk_rating_profile_id_profile'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rating_round.id'], name=op.f('fk_rating_round_id_rating_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating')),
    sa.UniqueConstraint('round_id', 'profile_id', 'evaluator_id', 'criterion_id', name=op.f('uq_rating_round_id'))
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index('ix_rating_round_evaluator', ['round_id', 'evaluator_id', 'profile_id'], unique=False)

    op.create_table('round_evaluator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['rating_round.id'], name=op.f('fk_round_evaluator_round_id_rating_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_round_evaluator_theme_id_theme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_round_evaluator_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_evaluator')),
    sa.UniqueConstraint('round_id', 'user_id', 'theme_id', name=op.f('uq_round_evaluator_round_id'))
    )
    with op.batch_alter_table('round_evaluator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_evaluator_user_id'), ['user_id'], unique=False)

    op.create_table('round_profile',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['profile.id'], name=op.f('fk_round_profile_profile_id_profile'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rating_round.id'], name=op.f('fk_round_profile_round_id_rating_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'profile_id', name=op.f('pk_round_profile'))
    )
    with op.batch_alter_table('round_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_profile_profile_id'), ['profile_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('round_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_profile_profile_id'))

    op.drop_table('round_profile')
    with op.batch_alter_table('round_evaluator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_evaluator_user_id'))

    op.drop_table('round_evaluator')
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_round_evaluator')

    op.drop_table('rating')
    with op.batch_alter_table('plan_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_entry_group_id'))

    op.drop_table('plan_entry')
    with op.batch_alter_table('evaluation_event', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_event_process')

    op.drop_table('evaluation_event')
    op.drop_table('conflict_of_interest')
    with op.batch_alter_table('rating_round', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_round_process')

    op.drop_table('rating_round')
    with op.batch_alter_table('priority_group', schema=None) as batch_op:
        batch_op.drop_index('ix_priority_group_process')

    op.drop_table('priority_group')
    op.drop_table('evaluation_setup')
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_index('ix_criterion_process')

    op.drop_table('criterion')
