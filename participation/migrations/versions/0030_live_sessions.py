"""live sessions: an audience and a format, prompts (ideas per prompt), the dots-on-own-ideas
setting, and members" organisations

Revision ID: 0030
Revises: 0027
Create Date: 2026-12-07 02:31:00.438002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "focus_group_prompt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["focus_group_session.id"],
            name=op.f("fk_focus_group_prompt_session_id_focus_group_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focus_group_prompt")),
        sa.UniqueConstraint(
            "session_id", "position", name=op.f("uq_focus_group_prompt_session_id")
        ),
    )
    with op.batch_alter_table("focus_group_prompt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_focus_group_prompt_session_id"), ["session_id"], unique=False
        )

    with op.batch_alter_table("focus_group_idea", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prompt_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_focus_group_idea_prompt_id"), ["prompt_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_focus_group_idea_prompt_id_focus_group_prompt"),
            "focus_group_prompt",
            ["prompt_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("focus_group_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("organisation_sector", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("organisation_size", sa.String(length=20), nullable=True))

    with op.batch_alter_table("focus_group_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "audience",
                sa.Enum(
                    "pupils",
                    "firms",
                    "experts",
                    "residents",
                    "mixed",
                    name="liveaudience",
                    native_enum=False,
                    length=32,
                ),
                server_default="pupils",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "format",
                sa.Enum(
                    "focus_group",
                    "workshop",
                    "expert_talk",
                    "conference_table",
                    name="liveformat",
                    native_enum=False,
                    length=32,
                ),
                server_default="focus_group",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("exclude_own_ideas", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("prompt_position", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("focus_group_session", schema=None) as batch_op:
        batch_op.drop_column("prompt_position")
        batch_op.drop_column("exclude_own_ideas")
        batch_op.drop_column("format")
        batch_op.drop_column("audience")

    with op.batch_alter_table("focus_group_member", schema=None) as batch_op:
        batch_op.drop_column("organisation_size")
        batch_op.drop_column("organisation_sector")
        batch_op.drop_column("organisation_name")

    with op.batch_alter_table("focus_group_idea", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_focus_group_idea_prompt_id_focus_group_prompt"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_focus_group_idea_prompt_id"))
        batch_op.drop_column("prompt_id")

    with op.batch_alter_table("focus_group_prompt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_focus_group_prompt_session_id"))

    op.drop_table("focus_group_prompt")
