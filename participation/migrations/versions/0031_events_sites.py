"""events and sites: a process's sites and events; contributions carry their site, live
sessions their site and event

Revision ID: 0031
Revises: 0027
Create Date: 2026-12-07 02:31:36.589518
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("registration_url", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["process.id"],
            name=op.f("fk_event_process_id_process"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    op.create_index("ix_event_process_starts", "event", ["process_id", "starts_at"])

    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["process.id"],
            name=op.f("fk_site_process_id_process"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("process_id", "name", name=op.f("uq_site_process_id")),
    )
    op.create_index(op.f("ix_site_process_id"), "site", ["process_id"])

    # Not in batch mode: rebuilding `contribution` on SQLite would drop the triggers on it
    # (0005's search, 0011's and 0013's kept counts); SQLite adds columns in place, with
    # the reference written into the column.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE contribution ADD COLUMN site_id INTEGER "
            "CONSTRAINT fk_contribution_site_id_site REFERENCES site (id)"
        )
    else:
        op.add_column("contribution", sa.Column("site_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_contribution_site_id_site"), "contribution", "site", ["site_id"], ["id"]
        )
    op.create_index(
        "ix_contribution_queue_site", "contribution", ["status", "site_id", "created_at", "id"]
    )
    op.create_index("ix_contribution_site", "contribution", ["process_id", "site_id", "segment"])
    op.create_index("ix_contribution_site_rows", "contribution", ["site_id", "id"])

    with op.batch_alter_table("focus_group_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_focus_group_session_event_id"), ["event_id"])
        batch_op.create_index(batch_op.f("ix_focus_group_session_site_id"), ["site_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_focus_group_session_site_id_site"),
            "site",
            ["site_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_focus_group_session_event_id_event"),
            "event",
            ["event_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("focus_group_session", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_focus_group_session_event_id_event"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_focus_group_session_site_id_site"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_focus_group_session_site_id"))
        batch_op.drop_index(batch_op.f("ix_focus_group_session_event_id"))
        batch_op.drop_column("event_id")
        batch_op.drop_column("site_id")

    op.drop_index("ix_contribution_site_rows", table_name="contribution")
    op.drop_index("ix_contribution_site", table_name="contribution")
    op.drop_index("ix_contribution_queue_site", table_name="contribution")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            op.f("fk_contribution_site_id_site"), "contribution", type_="foreignkey"
        )
    op.execute("ALTER TABLE contribution DROP COLUMN site_id")

    op.drop_index(op.f("ix_site_process_id"), table_name="site")
    op.drop_table("site")
    op.drop_index("ix_event_process_starts", table_name="event")
    op.drop_table("event")
