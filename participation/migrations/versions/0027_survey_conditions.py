"""survey conditions: show a section or question only when an earlier answer matches

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 22:51:43.778760
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_condition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("source_question_id", sa.Integer(), nullable=False),
        sa.Column("option_ids", sa.JSON(), nullable=False),
        sa.Column("low", sa.Integer(), nullable=True),
        sa.Column("high", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["survey_question.id"],
            name=op.f("fk_survey_condition_question_id_survey_question"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["survey_section.id"],
            name=op.f("fk_survey_condition_section_id_survey_section"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_question_id"],
            ["survey_question.id"],
            name=op.f("fk_survey_condition_source_question_id_survey_question"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_survey_condition_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_condition")),
        sa.UniqueConstraint("question_id", name=op.f("uq_survey_condition_question_id")),
        sa.UniqueConstraint("section_id", name=op.f("uq_survey_condition_section_id")),
    )
    with op.batch_alter_table("survey_condition", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_condition_source_question_id"),
            ["source_question_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_survey_condition_survey_id"), ["survey_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_condition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_condition_survey_id"))
        batch_op.drop_index(batch_op.f("ix_survey_condition_source_question_id"))

    op.drop_table("survey_condition")
