"""the e-mail outbox (outgoing_mail) and the language of a contribution's e-mails

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name=op.f("fk_outgoing_mail_contribution_id_contribution"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
    )
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outgoing_mail_contribution_id"), ["contribution_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outgoing_mail_next_attempt_at"), ["next_attempt_at"], unique=False
        )
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notify_locale", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.drop_column("notify_locale")
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_contribution_id"))
    op.drop_table("outgoing_mail")
