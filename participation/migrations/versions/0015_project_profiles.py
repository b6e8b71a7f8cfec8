"""project profiles (Steckbriefe), their sources, revisions and working groups; personal
access tokens for the staff API; the role `editor` (a string value, no schema change)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 08:49:08
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personal_access_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_personal_access_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_access_token")),
    )
    with op.batch_alter_table("personal_access_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_personal_access_token_token_hash"), ["token_hash"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_personal_access_token_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("target_segments", sa.JSON(), nullable=False),
        sa.Column("target_groups", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column(
            "horizon",
            sa.Enum("short", "medium", "long", name="horizon", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("cost_min", sa.Integer(), nullable=True),
        sa.Column("cost_max", sa.Integer(), nullable=True),
        sa.Column("funding", sa.Text(), nullable=False),
        sa.Column("draft_summary", sa.JSON(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "working_group",
                "ready",
                "published",
                "in_implementation",
                "completed",
                "dropped",
                name="profilestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_profile_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["process.id"],
            name=op.f("fk_profile_process_id_process"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile")),
    )
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.create_index(
            "ix_profile_process_status", ["process_id", "status", "updated_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_profile_process_title", ["process_id", "status", "title", "id"], unique=False
        )

    op.create_table(
        "profile_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_profile_comment_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profile.id"],
            name=op.f("fk_profile_comment_profile_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_comment")),
    )
    with op.batch_alter_table("profile_comment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_profile_comment_thread", ["profile_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "profile_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("baseline", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("due", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profile.id"],
            name=op.f("fk_profile_indicator_profile_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_indicator")),
    )
    with op.batch_alter_table("profile_indicator", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_profile_indicator_profile_id"), ["profile_id"], unique=False
        )

    op.create_table(
        "profile_member",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["user_account.id"],
            name=op.f("fk_profile_member_added_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profile.id"],
            name=op.f("fk_profile_member_profile_id_profile"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_profile_member_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile_id", "user_id", name=op.f("pk_profile_member")),
    )
    with op.batch_alter_table("profile_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profile_member_user_id"), ["user_id"], unique=False)

    op.create_table(
        "profile_organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "firm",
                "school",
                "university",
                "administration",
                "chamber",
                "association",
                "other",
                name="organisationkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "role",
            sa.Enum(
                "lead",
                "partner",
                "interested",
                name="organisationrole",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profile.id"],
            name=op.f("fk_profile_organisation_profile_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_organisation")),
    )
    with op.batch_alter_table("profile_organisation", schema=None) as batch_op:
        batch_op.create_index("ix_profile_organisation_lead", ["role", "name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_profile_organisation_profile_id"), ["profile_id"], unique=False
        )

    op.create_table(
        "profile_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_profile_revision_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profile.id"],
            name=op.f("fk_profile_revision_profile_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_revision")),
        sa.UniqueConstraint("profile_id", "version", name=op.f("uq_profile_revision_profile_id")),
    )
    with op.batch_alter_table("profile_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_profile_revision_profile_id"), ["profile_id"], unique=False
        )

    op.create_table(
        "profile_source",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name=op.f("fk_profile_source_contribution_id_contribution"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["linked_by_id"],
            ["user_account.id"],
            name=op.f("fk_profile_source_linked_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profile.id"],
            name=op.f("fk_profile_source_profile_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile_id", "contribution_id", name=op.f("pk_profile_source")),
    )
    with op.batch_alter_table("profile_source", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_profile_source_contribution_id"), ["contribution_id"], unique=False
        )

    op.create_table(
        "profile_theme",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profile.id"],
            name=op.f("fk_profile_theme_profile_id_profile"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["theme.id"],
            name=op.f("fk_profile_theme_theme_id_theme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile_id", "theme_id", name=op.f("pk_profile_theme")),
    )
    with op.batch_alter_table("profile_theme", schema=None) as batch_op:
        batch_op.create_index("ix_profile_theme_theme", ["theme_id", "profile_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("profile_theme", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_theme_theme")

    op.drop_table("profile_theme")
    with op.batch_alter_table("profile_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_source_contribution_id"))

    op.drop_table("profile_source")
    with op.batch_alter_table("profile_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_revision_profile_id"))

    op.drop_table("profile_revision")
    with op.batch_alter_table("profile_organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_organisation_profile_id"))
        batch_op.drop_index("ix_profile_organisation_lead")

    op.drop_table("profile_organisation")
    with op.batch_alter_table("profile_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_member_user_id"))

    op.drop_table("profile_member")
    with op.batch_alter_table("profile_indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_indicator_profile_id"))

    op.drop_table("profile_indicator")
    with op.batch_alter_table("profile_comment", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_comment_thread")

    op.drop_table("profile_comment")
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_process_title")
        batch_op.drop_index("ix_profile_process_status")

    op.drop_table("profile")
    with op.batch_alter_table("personal_access_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personal_access_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_personal_access_token_token_hash"))

    op.drop_table("personal_access_token")
