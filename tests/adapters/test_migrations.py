"""Migrations are the schema: they run on both databases and match the tables."""

from __future__ import annotations

from typing import Any

import pytest
from advanced_alchemy.types import GUID
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from tailtribe.adapters.sqlalchemy.database import downgrade, make_db_config, upgrade
from tailtribe.adapters.sqlalchemy.tables import metadata
from tests.conftest import SQL_BACKENDS, in_thread, sql_url


def _compare_type(
    context: MigrationContext,
    inspected: Any,
    metadata_column: Any,
    inspected_type: Any,
    metadata_type: Any,
) -> bool | None:
    # SQLite reflects the 16-byte GUID as NUMERIC(16): not a real difference.
    if context.dialect.name == "sqlite" and isinstance(metadata_type, GUID):
        return False
    return None  # everything else: Alembic's own comparison


# Expression indexes made by hand in migrations (PostgreSQL full text): not in the tables.
HAND_MADE = {"ix_caregiver_profile_fts"}


def _include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "index" and name in HAND_MADE)


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": _compare_type, "include_object": _include}
    )
    return list(compare_metadata(context, metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_migrated_schema_matches_the_tables(
    request: pytest.FixtureRequest, backend: str
) -> None:
    engine = make_db_config(sql_url(request, backend)).get_engine()
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    await engine.dispose()
    # A table changed without a migration (or the reverse) shows up here.
    assert diff == []


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_downgrade_to_base_and_back(
    request: pytest.FixtureRequest, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = sql_url(request, backend)
    if backend == "sqlite":  # work on a copy: the shared file stays migrated for other tests
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('down') / 'db.sqlite'}"
        in_thread(lambda: upgrade(url))
    engine = make_db_config(url).get_engine()
    try:
        in_thread(lambda: downgrade(url, "base"))
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) <= {"alembic_version"}
        in_thread(lambda: upgrade(url))
        async with engine.connect() as conn:
            assert {t.name for t in metadata.sorted_tables} <= await conn.run_sync(_tables)
    finally:
        in_thread(lambda: upgrade(url))
        await engine.dispose()
