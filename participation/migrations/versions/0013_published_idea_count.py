"""a process's published ideas counted on the process, kept by triggers

Every page of a process said how many ideas it has published by counting them: an
index-only scan of all of them per request (4 ms at 10,000 ideas on SQLite, ten times that
at 100,000), also for every submission. `process.published_idea_count` holds the number
instead; triggers on `contribution` move it in the same transaction as the idea that is
added, deleted, published, hidden or moved to another process, on SQLite and PostgreSQL
alike, whichever code path did it (per row on SQLite, per statement on PostgreSQL, see
below). `participation db recount` repairs it.

A later batch migration that rebuilds `contribution` on SQLite drops these triggers with
the old table (as 0005's and 0011's): it must create `SQLITE_TRIGGERS` again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTED_OLD = "old.kind = 'idea' AND old.status = 'published'"
_COUNTED_NEW = "new.kind = 'idea' AND new.status = 'published'"

SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER process_idea_count_insert AFTER INSERT ON contribution
    WHEN {_COUNTED_NEW} BEGIN
        UPDATE process SET published_idea_count = published_idea_count + 1
        WHERE id = new.process_id;
    END
    """,
    f"""
    CREATE TRIGGER process_idea_count_delete AFTER DELETE ON contribution
    WHEN {_COUNTED_OLD} BEGIN
        UPDATE process SET published_idea_count = published_idea_count - 1
        WHERE id = old.process_id;
    END
    """,
    f"""
    CREATE TRIGGER process_idea_count_update AFTER UPDATE OF kind, status, process_id
    ON contribution WHEN ({_COUNTED_OLD}) OR ({_COUNTED_NEW}) BEGIN
        UPDATE process SET published_idea_count = published_idea_count - 1
        WHERE id = old.process_id AND {_COUNTED_OLD};
        UPDATE process SET published_idea_count = published_idea_count + 1
        WHERE id = new.process_id AND {_COUNTED_NEW};
    END
    """,
)
_SQLITE_TRIGGER_NAMES = (
    "process_idea_count_insert",
    "process_idea_count_delete",
    "process_idea_count_update",
)

# PostgreSQL: per statement, over its transition tables. A row trigger would update the
# process's row once per idea, and PostgreSQL finds the latest version of a row updated many
# times in one transaction by walking all earlier ones: an import of 10,000 published ideas
# took seconds, 100,000 hours. Per statement, an import's batched INSERTs move the count
# once per batch. (Transition tables rule out `UPDATE OF columns`: every UPDATE statement
# on contribution runs the function, which looks only at the rows that statement changed.)
_PG_FUNCTION = """
CREATE FUNCTION process_idea_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE process SET published_idea_count = published_idea_count + counted.n
        FROM (SELECT process_id, count(*) AS n FROM new_rows
              WHERE kind = 'idea' AND status = 'published' GROUP BY process_id) AS counted
        WHERE process.id = counted.process_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE process SET published_idea_count = published_idea_count - counted.n
        FROM (SELECT process_id, count(*) AS n FROM old_rows
              WHERE kind = 'idea' AND status = 'published' GROUP BY process_id) AS counted
        WHERE process.id = counted.process_id;
    ELSE
        UPDATE process SET published_idea_count = published_idea_count + moved.n
        FROM (
            SELECT process_id, sum(n) AS n FROM (
                SELECT process_id, -1 AS n FROM old_rows
                WHERE kind = 'idea' AND status = 'published'
                UNION ALL
                SELECT process_id, 1 AS n FROM new_rows
                WHERE kind = 'idea' AND status = 'published'
            ) AS changes GROUP BY process_id HAVING sum(n) <> 0
        ) AS moved
        WHERE process.id = moved.process_id;
    END IF;
    RETURN NULL;
END
$$
"""
PG_TRIGGERS = (
    """
    CREATE TRIGGER process_idea_count_insert AFTER INSERT ON contribution
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION process_idea_count_change()
    """,
    """
    CREATE TRIGGER process_idea_count_delete AFTER DELETE ON contribution
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION process_idea_count_change()
    """,
    """
    CREATE TRIGGER process_idea_count_update AFTER UPDATE ON contribution
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION process_idea_count_change()
    """,
)

# The count of what is stored already; also `participation db recount`'s repair.
FILL = """
UPDATE process SET published_idea_count = (
    SELECT count(*) FROM contribution
    WHERE contribution.process_id = process.id
      AND contribution.kind = 'idea' AND contribution.status = 'published'
)
"""


def upgrade() -> None:
    op.add_column(
        "process",
        sa.Column("published_idea_count", sa.Integer(), server_default="0", nullable=False),
    )
    op.execute(FILL)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
    elif dialect == "postgresql":
        op.execute(_PG_FUNCTION)
        for trigger in PG_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for name in _SQLITE_TRIGGER_NAMES:  # the same names on PostgreSQL
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON contribution")
        op.execute("DROP FUNCTION IF EXISTS process_idea_count_change()")
    # Not in batch mode: rebuilding the table on SQLite would drop its triggers.
    op.execute("ALTER TABLE process DROP COLUMN published_idea_count")
