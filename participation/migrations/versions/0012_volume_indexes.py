"""indexes for the main lists at volume (100,000 contributions in a process)

- The ideas list (and the process page, the API list) reads a process's published ideas in
  one of three orders: each order gets an index that starts with (process_id, kind, status),
  so a page is read in order from the index, and counting is an index-only scan. They
  replace 0011's (process_id, status, count) indexes, which lacked the kind.
- The list's filters: segment and channel, and municipality (its choices are read by
  skipping from one name to the next in this index, not by a DISTINCT over every idea).
- An idea's comments: (parent_id, kind, status, reply_to_id, created_at, id), so an idea's
  page neither searches comments by status nor sorts them.
- The action-field filter reads the confirmed ideas of one theme: (theme_id, source,
  contribution_id) on contribution_theme.

- PostgreSQL's search document is stored (a generated column, `contribution_fts_document`)
  and indexed instead of an expression index: ranking thousands of matches read the
  document again for every match, parsing its German text each time (0.6 s for a word in
  a third of 100,000 ideas).

On SQLite only indexes: created in place, so the triggers of 0005 and 0011 stay.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IDEAS = ["process_id", "kind", "status"]
INDEXES: dict[str, tuple[str, list[str]]] = {
    "ix_contribution_ideas_newest": ("contribution", [*_IDEAS, "published_at", "id"]),
    "ix_contribution_ideas_supported": (
        "contribution",
        [*_IDEAS, "support_count", "published_at", "id"],
    ),
    "ix_contribution_ideas_discussed": (
        "contribution",
        [*_IDEAS, "comment_count", "published_at", "id"],
    ),
    "ix_contribution_ideas_segment": ("contribution", [*_IDEAS, "segment", "channel"]),
    "ix_contribution_ideas_municipality": ("contribution", [*_IDEAS, "municipality"]),
    "ix_contribution_comments": (
        "contribution",
        ["parent_id", "kind", "status", "reply_to_id", "created_at", "id"],
    ),
    "ix_contribution_theme_confirmed": (
        "contribution_theme",
        ["theme_id", "source", "contribution_id"],
    ),
}
_REPLACED: dict[str, list[str]] = {
    "ix_contribution_list_supports": ["process_id", "status", "support_count"],
    "ix_contribution_list_comments": ["process_id", "status", "comment_count"],
}


_PG_DOCUMENT = """
ALTER TABLE contribution ADD COLUMN contribution_fts_document tsvector
GENERATED ALWAYS AS (to_tsvector('german', title || ' ' || body)) STORED
"""
_PG_EXPRESSION_INDEX = """
CREATE INDEX ix_contribution_fts ON contribution
USING gin (to_tsvector('german', title || ' ' || body))
"""


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
    for name in _REPLACED:
        op.drop_index(name, table_name="contribution")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_contribution_fts")
        op.execute(_PG_DOCUMENT)
        op.execute(
            "CREATE INDEX ix_contribution_fts ON contribution USING gin (contribution_fts_document)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_contribution_fts")
        op.execute("ALTER TABLE contribution DROP COLUMN contribution_fts_document")
        op.execute(_PG_EXPRESSION_INDEX)
    for name, columns in _REPLACED.items():
        op.create_index(name, "contribution", columns)
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
