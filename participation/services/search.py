"""Full-text search over contributions' title and text, in German, on both databases.

SQLite: an external-content FTS5 table (`contribution_fts`, tokenizer unicode61 with
remove_diacritics) kept in step with `contribution` by triggers (migration 0005). FTS5 has no
German stemmer, so every word of the query is matched as a prefix of a word in the text, after
its common German endings are cut: "Radweg", "Radwege" and "Radwegen" all find each other.

PostgreSQL: the `german` text-search configuration (Snowball stemming, stop words) over the
same document, stored in a generated column with a GIN index (migration 0012; ranking reads
it instead of parsing every match's text again); the query is built from the same prefixes.

The query is only ever built from the words in what a person typed, never from its syntax:
quotes, operators and brackets cannot cause an error.
"""

from __future__ import annotations

import re
from typing import Final

import sqlalchemy as sa
from sqlalchemy.sql import Subquery
from sqlmodel.ext.asyncio.session import AsyncSession

FTS_TABLE: Final = "contribution_fts"  # SQLite, with its shadow tables contribution_fts_*
PG_INDEX: Final = "ix_contribution_fts"
# The stored document: to_tsvector('german', title || ' ' || body), kept by PostgreSQL.
PG_DOCUMENT: Final = "contribution.contribution_fts_document"

MAX_TERMS: Final = 10
MAX_TERM_LENGTH: Final = 40
MIN_STEM: Final = 4
# Inflection endings cut before prefix matching, longest first (Radwegen -> radweg).
_ENDINGS: Final = ("ern", "en", "er", "es", "em", "e", "n", "s")
_WORD: Final = re.compile(r"[^\W_]+")


def is_search_object(name: str | None) -> bool:
    """Whether a table, index or column belongs to the full-text search (made by migrations
    0005 and 0012, not by models.py, so schema comparisons leave it out)."""
    return bool(name) and (name == PG_INDEX or str(name).startswith(FTS_TABLE))


def _prefix(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def query_prefixes(text: str) -> list[str]:
    """The word prefixes a query searches for, lowercased, without duplicates."""
    prefixes: list[str] = []
    for word in _WORD.findall(text.lower()):
        prefix = _prefix(word[:MAX_TERM_LENGTH])
        if prefix not in prefixes:
            prefixes.append(prefix)
        if len(prefixes) == MAX_TERMS:
            break
    return prefixes


def fts5_query(prefixes: list[str]) -> str:
    # Each prefix as a quoted FTS5 string: nothing in it is read as syntax. All must match.
    return " AND ".join(f'"{p}"*' for p in prefixes)


def tsquery(prefixes: list[str]) -> str:
    # Prefixes are letters and digits only, so to_tsquery's syntax cannot be broken.
    return " & ".join(f"{p}:*" for p in prefixes)


def matching(session: AsyncSession, text: str) -> Subquery | None:
    """The contributions matching a query, as a subquery of (id, score) where a higher score
    is a better match; None when the query has no words to search for."""
    prefixes = query_prefixes(text)
    if not prefixes:
        return None
    if session.get_bind().dialect.name == "postgresql":
        contribution = sa.table("contribution", sa.column("id"))
        document: sa.ColumnElement[str] = sa.literal_column(PG_DOCUMENT)
        query = sa.func.to_tsquery(sa.literal_column("'german'"), tsquery(prefixes))
        return (
            sa.select(contribution.c.id, sa.func.ts_rank(document, query).label("score"))
            .where(document.op("@@")(query))
            .subquery("search")
        )
    fts = sa.table(FTS_TABLE, sa.column("rowid"), sa.column("rank"), sa.column(FTS_TABLE))
    return (
        sa.select(fts.c.rowid.label("id"), (-fts.c.rank).label("score"))  # bm25: lower is better
        .where(fts.c[FTS_TABLE].op("MATCH")(fts5_query(prefixes)))
        .subquery("search")
    )
