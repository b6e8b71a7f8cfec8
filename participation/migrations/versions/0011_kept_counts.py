"""kept counts on contributions: support_count and comment_count, kept by triggers

An idea's supports and its published comments (replies included) are counted into two
columns, so the ideas list and the process page show and sort by them without counting per
row. Triggers keep them, on SQLite and PostgreSQL alike: every insert or delete of a support,
and every comment that is added, deleted or changes status or idea, moves the count in the
same transaction, whichever code path did it (moderation, the follow link, imports, the
demo). Concurrent supports each add one: the UPDATE locks the idea's row.

A later batch migration that rebuilds `contribution` on SQLite drops the triggers on it with
the old table (as for 0005's search triggers): it must create `_SQLITE_COMMENT_TRIGGERS` again.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A published comment (or reply) counts for its idea, `parent_id`.
_COUNTED_OLD = "old.kind = 'comment' AND old.status = 'published'"
_COUNTED_NEW = "new.kind = 'comment' AND new.status = 'published'"

_SQLITE_SUPPORT_TRIGGERS = (
    """
    CREATE TRIGGER support_count_insert AFTER INSERT ON support BEGIN
        UPDATE contribution SET support_count = support_count + 1
        WHERE id = new.contribution_id;
    END
    """,
    """
    CREATE TRIGGER support_count_delete AFTER DELETE ON support BEGIN
        UPDATE contribution SET support_count = support_count - 1
        WHERE id = old.contribution_id;
    END
    """,
)
_SQLITE_COMMENT_TRIGGERS = (
    f"""
    CREATE TRIGGER comment_count_insert AFTER INSERT ON contribution
    WHEN {_COUNTED_NEW} BEGIN
        UPDATE contribution SET comment_count = comment_count + 1 WHERE id = new.parent_id;
    END
    """,
    f"""
    CREATE TRIGGER comment_count_delete AFTER DELETE ON contribution
    WHEN {_COUNTED_OLD} BEGIN
        UPDATE contribution SET comment_count = comment_count - 1 WHERE id = old.parent_id;
    END
    """,
    f"""
    CREATE TRIGGER comment_count_update AFTER UPDATE OF kind, status, parent_id ON contribution
    WHEN ({_COUNTED_OLD}) OR ({_COUNTED_NEW}) BEGIN
        UPDATE contribution SET comment_count = comment_count - 1
        WHERE id = old.parent_id AND {_COUNTED_OLD};
        UPDATE contribution SET comment_count = comment_count + 1
        WHERE id = new.parent_id AND {_COUNTED_NEW};
    END
    """,
)
_SQLITE_TRIGGER_NAMES = (
    "support_count_insert",
    "support_count_delete",
    "comment_count_insert",
    "comment_count_delete",
    "comment_count_update",
)

_PG_FUNCTIONS = (
    """
    CREATE FUNCTION support_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE contribution SET support_count = support_count + 1
            WHERE id = NEW.contribution_id;
        ELSE
            UPDATE contribution SET support_count = support_count - 1
            WHERE id = OLD.contribution_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION comment_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            IF OLD.kind = 'comment' AND OLD.status = 'published' THEN
                UPDATE contribution SET comment_count = comment_count - 1
                WHERE id = OLD.parent_id;
            END IF;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            IF NEW.kind = 'comment' AND NEW.status = 'published' THEN
                UPDATE contribution SET comment_count = comment_count + 1
                WHERE id = NEW.parent_id;
            END IF;
        END IF;
        RETURN NULL;
    END
    $$
    """,
)
_PG_TRIGGERS = (
    """
    CREATE TRIGGER support_count AFTER INSERT OR DELETE ON support
    FOR EACH ROW EXECUTE FUNCTION support_count_change()
    """,
    """
    CREATE TRIGGER comment_count AFTER INSERT OR DELETE OR UPDATE OF kind, status, parent_id
    ON contribution FOR EACH ROW EXECUTE FUNCTION comment_count_change()
    """,
)

# The counts of what is stored already.
_FILL = """
UPDATE contribution SET
    support_count = (
        SELECT count(*) FROM support WHERE support.contribution_id = contribution.id
    ),
    comment_count = (
        SELECT count(*) FROM contribution AS comment
        WHERE comment.parent_id = contribution.id
          AND comment.kind = 'comment' AND comment.status = 'published'
    )
"""


def upgrade() -> None:
    for name in ("support_count", "comment_count"):
        op.add_column(
            "contribution",
            sa.Column(name, sa.Integer(), server_default="0", nullable=False),
        )
    op.create_index(
        "ix_contribution_list_supports",
        "contribution",
        ["process_id", "status", "support_count"],
    )
    op.create_index(
        "ix_contribution_list_comments",
        "contribution",
        ["process_id", "status", "comment_count"],
    )
    op.execute(_FILL)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in (*_SQLITE_SUPPORT_TRIGGERS, *_SQLITE_COMMENT_TRIGGERS):
            op.execute(trigger)
    elif dialect == "postgresql":
        for statement in (*_PG_FUNCTIONS, *_PG_TRIGGERS):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS support_count ON support")
        op.execute("DROP TRIGGER IF EXISTS comment_count ON contribution")
        op.execute("DROP FUNCTION IF EXISTS support_count_change()")
        op.execute("DROP FUNCTION IF EXISTS comment_count_change()")
    op.drop_index("ix_contribution_list_comments", table_name="contribution")
    op.drop_index("ix_contribution_list_supports", table_name="contribution")
    for name in ("comment_count", "support_count"):
        # Not in batch mode: rebuilding the table on SQLite would drop 0005's search triggers
        # (SQLite drops columns in place since 3.35).
        op.execute(f"ALTER TABLE contribution DROP COLUMN {name}")
