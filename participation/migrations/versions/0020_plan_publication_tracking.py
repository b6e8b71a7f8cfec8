"""plan publication and implementation tracking: the general answer, the plan's
publication, the round behind a plan entry, progress, milestones, indicator values, the
public timeline and its collected notices

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 15:04:14.501699
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "profile_milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("reached_on", sa.Date(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profile.id"],
            name=op.f("fk_profile_milestone_profile_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_milestone")),
    )
    with op.batch_alter_table("profile_milestone", schema=None) as batch_op:
        batch_op.create_index(
            "ix_profile_milestone_profile", ["profile_id", "position"], unique=False
        )

    op.create_table(
        "profile_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "status",
                "progress",
                "milestone",
                "indicator",
                "note",
                name="updatekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_profile_update_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profile.id"],
            name=op.f("fk_profile_update_profile_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_update")),
    )
    with op.batch_alter_table("profile_update", schema=None) as batch_op:
        batch_op.create_index(
            "ix_profile_update_timeline", ["profile_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "indicator_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["profile_indicator.id"],
            name=op.f("fk_indicator_value_indicator_id_profile_indicator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_indicator_value_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_value")),
    )
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.create_index(
            "ix_indicator_value_indicator", ["indicator_id", "measured_on"], unique=False
        )

    op.create_table(
        "tracking_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name=op.f("fk_tracking_notice_contribution_id_contribution"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["outgoing_mail.id"],
            name=op.f("fk_tracking_notice_mail_id_outgoing_mail"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["profile_update.id"],
            name=op.f("fk_tracking_notice_update_id_profile_update"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_notice")),
    )
    with op.batch_alter_table("tracking_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tracking_notice_contribution_id"), ["contribution_id"], unique=False
        )
        batch_op.create_index(
            "ix_tracking_notice_waiting", ["mail_id", "recipient", "id"], unique=False
        )

    with op.batch_alter_table("evaluation_setup", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("general_answer", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("plan_published_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("plan_published_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_evaluation_setup_plan_published_by_id_user_account"),
            "user_account",
            ["plan_published_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("plan_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_entry_round_id_rating_round"),
            "rating_round",
            ["round_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.drop_column("progress")

    with op.batch_alter_table("plan_entry", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_plan_entry_round_id_rating_round"), type_="foreignkey"
        )
        batch_op.drop_column("round_id")

    with op.batch_alter_table("evaluation_setup", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_evaluation_setup_plan_published_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("plan_published_by_id")
        batch_op.drop_column("plan_published_at")
        batch_op.drop_column("general_answer")

    with op.batch_alter_table("tracking_notice", schema=None) as batch_op:
        batch_op.drop_index("ix_tracking_notice_waiting")
        batch_op.drop_index(batch_op.f("ix_tracking_notice_contribution_id"))

    op.drop_table("tracking_notice")
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_value_indicator")

    op.drop_table("indicator_value")
    with op.batch_alter_table("profile_update", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_update_timeline")

    op.drop_table("profile_update")
    with op.batch_alter_table("profile_milestone", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_milestone_profile")

    op.drop_table("profile_milestone")
