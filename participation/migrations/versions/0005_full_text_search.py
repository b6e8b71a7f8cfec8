"""full-text search over contributions: FTS5 on SQLite, german text search on PostgreSQL

SQLite has no German stemmer: the search service matches word prefixes instead (see
participation/services/search.py). The FTS5 table holds no copy of the text (external
content); triggers keep its index in step with `contribution`.

A later batch migration that rebuilds `contribution` on SQLite drops these triggers with the
old table: it must create them again (`_SQLITE_TRIGGERS`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 23:00:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_TABLE = """
CREATE VIRTUAL TABLE contribution_fts USING fts5(
    title, body,
    content='contribution', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
)
"""
_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER contribution_fts_insert AFTER INSERT ON contribution BEGIN
        INSERT INTO contribution_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
    """
    CREATE TRIGGER contribution_fts_delete AFTER DELETE ON contribution BEGIN
        INSERT INTO contribution_fts(contribution_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END
    """,
    """
    CREATE TRIGGER contribution_fts_update AFTER UPDATE OF title, body ON contribution BEGIN
        INSERT INTO contribution_fts(contribution_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO contribution_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
)
_PG_INDEX = """
CREATE INDEX ix_contribution_fts ON contribution
USING gin (to_tsvector('german', title || ' ' || body))
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(_SQLITE_TABLE)
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)
        op.execute("INSERT INTO contribution_fts(contribution_fts) VALUES ('rebuild')")
    elif dialect == "postgresql":
        op.execute(_PG_INDEX)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS contribution_fts_{name}")
        op.execute("DROP TABLE IF EXISTS contribution_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_contribution_fts")
