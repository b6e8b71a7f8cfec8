"""limits against abuse: the sign-in pause after repeated failures (sign_in_throttle), and
a focus group's dot budget (dots per member, the dots each member has given)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("address_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("address_hash", name=op.f("pk_sign_in_throttle")),
    )
    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_throttle_window_started_at"),
            ["window_started_at"],
            unique=False,
        )


    with op.batch_alter_table("focus_group_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dots_per_member", sa.Integer(), nullable=False, server_default="3")
        )
    with op.batch_alter_table("focus_group_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dots_given", sa.Integer(), nullable=False, server_default="0"))
    # The dots members gave before the count was kept.
    op.execute(
        "UPDATE focus_group_member SET dots_given = ("
        "SELECT COALESCE(SUM(dots), 0) FROM focus_group_dot "
        "WHERE focus_group_dot.member_id = focus_group_member.id)"
    )
    with op.batch_alter_table("focus_group_session", schema=None) as batch_op:
        batch_op.alter_column("dots_per_member", server_default=None)
    with op.batch_alter_table("focus_group_member", schema=None) as batch_op:
        batch_op.alter_column("dots_given", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("focus_group_member", schema=None) as batch_op:
        batch_op.drop_column("dots_given")
    with op.batch_alter_table("focus_group_session", schema=None) as batch_op:
        batch_op.drop_column("dots_per_member")
    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_throttle_window_started_at"))
    op.drop_table("sign_in_throttle")
