"""survey panel: the list of firms a survey invites, their mailed links, opt-outs, anonymity

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 02:31:27.962934
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "panel_opt_out",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["process.id"],
            name=op.f("fk_panel_opt_out_process_id_process"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_opt_out")),
        sa.UniqueConstraint("process_id", "address_hash", name=op.f("uq_panel_opt_out_process_id")),
    )
    with op.batch_alter_table("panel_opt_out", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_panel_opt_out_process_id"), ["process_id"], unique=False
        )

    op.create_table(
        "survey_invitee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("wz_section", sa.String(length=1), nullable=True),
        sa.Column("size_class", sa.String(length=20), nullable=True),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("started", sa.Boolean(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["process.id"],
            name=op.f("fk_survey_invitee_process_id_process"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_survey_invitee_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitee")),
        sa.UniqueConstraint("survey_id", "address_hash", name=op.f("uq_survey_invitee_survey_id")),
    )
    with op.batch_alter_table("survey_invitee", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_invitee_address_hash"), ["address_hash"], unique=False
        )
        batch_op.create_index(
            "ix_survey_invitee_due", ["survey_id", "invited_at", "last_mailed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_survey_invitee_process_id"), ["process_id"], unique=False
        )
        batch_op.create_index(
            "ix_survey_invitee_section", ["survey_id", "wz_section", "size_class"], unique=False
        )
        batch_op.create_index("ix_survey_invitee_size", ["survey_id", "size_class"], unique=False)

    op.create_table(
        "survey_invitee_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitee_id"],
            ["survey_invitee.id"],
            name=op.f("fk_survey_invitee_link_invitee_id_survey_invitee"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitee_link")),
    )
    with op.batch_alter_table("survey_invitee_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_invitee_link_invitee_id"), ["invitee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_survey_invitee_link_token_hash"), ["token_hash"], unique=True
        )

    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invitee_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outgoing_mail_invitee_id"), ["invitee_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outgoing_mail_invitee_id_survey_invitee"),
            "survey_invitee",
            ["invitee_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("anonymous", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("panel_subject", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("panel_body", sa.Text(), server_default="", nullable=False))

    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invitee_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_survey_response_invitee_id"), ["invitee_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_survey_response_invitee_id_survey_invitee"),
            "survey_invitee",
            ["invitee_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_survey_response_invitee_id_survey_invitee"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_survey_response_invitee_id"), type_="unique")
        batch_op.drop_column("invitee_id")

    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_column("panel_body")
        batch_op.drop_column("panel_subject")
        batch_op.drop_column("anonymous")

    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outgoing_mail_invitee_id_survey_invitee"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_invitee_id"))
        batch_op.drop_column("invitee_id")

    with op.batch_alter_table("survey_invitee_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_invitee_link_token_hash"))
        batch_op.drop_index(batch_op.f("ix_survey_invitee_link_invitee_id"))

    op.drop_table("survey_invitee_link")
    with op.batch_alter_table("survey_invitee", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_invitee_size")
        batch_op.drop_index("ix_survey_invitee_section")
        batch_op.drop_index(batch_op.f("ix_survey_invitee_process_id"))
        batch_op.drop_index("ix_survey_invitee_due")
        batch_op.drop_index(batch_op.f("ix_survey_invitee_address_hash"))

    op.drop_table("survey_invitee")
    with op.batch_alter_table("panel_opt_out", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_opt_out_process_id"))

    op.drop_table("panel_opt_out")
