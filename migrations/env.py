"""Alembic environment: async engines, PostgreSQL and SQLite alike."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

from advanced_alchemy.types import GUID
from alembic import context
from alembic.migration import MigrationContext
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import AsyncEngine, async_engine_from_config

from tailtribe.adapters.sqlalchemy.tables import metadata

if TYPE_CHECKING:
    from advanced_alchemy.alembic.commands import AlembicCommandConfig
    from sqlalchemy.engine import Connection

config = cast("AlembicCommandConfig", context.config)


def compare_type(
    context: MigrationContext,
    inspected_column: object,
    metadata_column: object,
    inspected_type: object,
    metadata_type: object,
) -> bool | None:
    # SQLite reflects the 16-byte GUID as NUMERIC(16): not a real difference.
    if context.dialect.name == "sqlite" and isinstance(metadata_type, GUID):
        return False
    return None  # everything else: Alembic's own comparison


# Expression indexes written by hand (PostgreSQL full text): autogenerate leaves them be.
HAND_MADE_INDEXES = {"ix_caregiver_profile_fts"}


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "index" and name in HAND_MADE_INDEXES)


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=metadata,
        version_table=config.version_table_name,
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=compare_type,
        include_object=include_object,
        user_module_prefix="sa.",
        **kwargs,  # type: ignore[arg-type]
    )


def run_migrations_offline() -> None:
    _configure(url=config.db_url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = cast("AsyncEngine | None", getattr(config, "engine", None))
    if engine is None:
        section = config.get_section(config.config_ini_section) or {}
        section["sqlalchemy.url"] = config.db_url
        engine = async_engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
