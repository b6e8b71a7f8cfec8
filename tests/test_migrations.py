"""The Alembic migrations and the SQLModel tables must describe the same schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from participation.db import alembic_config, create_engine
from participation.services.search import is_search_object
from participation.settings import Settings


def _not_search(name: str | None, type_: str, parent_names: Any) -> bool:
    # The full-text search table and index come from migration 0005 alone (models.py cannot
    # describe an FTS5 table or an expression index for one database only).
    return not is_search_object(name)


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": _not_search}
    )
    return list(compare_metadata(context, SQLModel.metadata))


async def test_migrated_schema_matches_models(settings: Settings) -> None:
    engine = create_engine(settings)
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    assert diff == [], f"models.py and the migrations differ; write a migration: {diff}"
    assert set(SQLModel.metadata.tables) <= tables


def test_0009_counts_the_dots_given_before_it(tmp_path: Path) -> None:
    """The kept count of each member's dots starts from the dots already given."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    command.upgrade(alembic_config(url), "0007")
    now = "2026-06-15 10:00:00.000000"
    with sqlite3.connect(tmp_path / "old.sqlite3") as db:
        db.execute(
            "INSERT INTO process (id, slug, title, summary, description, moderation_mode, "
            "open_channels, created_at) VALUES (1, 'p', 'P', '', '', 'before_publishing', "
            "'[\"idea_call\"]', ?)",
            (now,),
        )
        db.execute(
            "INSERT INTO focus_group_session (id, process_id, title, join_code, created_at, "
            "expires_at) VALUES (1, 1, 'Klasse 9', 'K7P2QX', ?, ?)",
            (now, now),
        )
        for member in (1, 2):
            db.execute(
                "INSERT INTO focus_group_member (id, session_id, pseudonym, pseudonym_key, "
                "token_hash, joined_at) VALUES (?, 1, ?, ?, ?, ?)",
                (member, f"Wal {member}", f"wal{member}", str(member) * 64, now),
            )
        for idea in (1, 2):
            db.execute(
                "INSERT INTO focus_group_idea (id, session_id, title, body, created_at) "
                "VALUES (?, 1, 'Idee', '', ?)",
                (idea, now),
            )
        db.executemany(
            "INSERT INTO focus_group_dot (idea_id, member_id, dots) VALUES (?, ?, ?)",
            [(1, 1, 3), (2, 1, 2)],
        )
    command.upgrade(alembic_config(url), "0009")
    with sqlite3.connect(tmp_path / "old.sqlite3") as db:
        given = db.execute("SELECT id, dots_given FROM focus_group_member ORDER BY id").fetchall()
        budget = db.execute("SELECT dots_per_member FROM focus_group_session").fetchall()
    assert given == [(1, 5), (2, 0)]
    assert budget == [(3,)]
    command.downgrade(alembic_config(url), "0007")
