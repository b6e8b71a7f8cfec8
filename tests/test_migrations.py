"""The Alembic migrations and the SQLModel tables must describe the same schema."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from participation.db import create_engine
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
