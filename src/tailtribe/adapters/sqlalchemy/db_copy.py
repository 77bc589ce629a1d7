"""Copy every row of one TailTribe database into an empty one (SQLite to PostgreSQL).

Rows go through the tables' own column types, so ids, timestamps, JSON and
money arrive as the same Python values. The target is written in a single
transaction: a refused row (a string longer than PostgreSQL allows, an
overlap the exclusion constraint rejects) or a failed check leaves it empty.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, Table, column, func, insert, inspect, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tailtribe.adapters.sqlalchemy.database import (
    VERSION_TABLE,
    make_db_config,
    migrations_dir,
    upgrade,
)
from tailtribe.adapters.sqlalchemy.tables import metadata

BATCH_SIZE = 1000


class CopyError(Exception):
    """The copy did not happen (or was rolled back); the message says why."""


@dataclass(frozen=True, slots=True)
class TableCount:
    """One table's rows and money sums, in the source and in the target."""

    name: str
    source_rows: int
    target_rows: int
    source_sums: dict[str, int]
    target_sums: dict[str, int]

    @property
    def matches(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sums == self.target_sums


class CopyMismatch(CopyError):
    def __init__(self, counts: list[TableCount]) -> None:
        bad = ", ".join(c.name for c in counts if not c.matches)
        super().__init__(f"the copy does not match the source ({bad}); nothing was kept")
        self.counts = counts


def _copied_columns(source: Table) -> list[Column[Any]]:
    # Generated (computed) columns are the database's to fill: inserting them fails.
    # The migrations make none today; this keeps the copy right if one comes.
    return [c for c in source.columns if c.computed is None]


def _money_columns(source: Table) -> list[Column[Any]]:
    return [c for c in source.columns if c.name.endswith("_cents") and isinstance(c.type, Integer)]


async def _table_names(conn: AsyncConnection) -> set[str]:
    return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _revision(conn: AsyncConnection) -> str | None:
    if VERSION_TABLE not in await _table_names(conn):
        return None
    version = table(VERSION_TABLE, column("version_num"))
    revision: str | None = (await conn.execute(select(version.c.version_num))).scalar()
    return revision


async def _filled_tables(conn: AsyncConnection) -> list[str]:
    """Application tables that exist in the database and hold rows."""
    present = await _table_names(conn)
    filled = []
    for t in metadata.sorted_tables:
        if t.name in present and (await conn.execute(select(t).limit(1))).first() is not None:
            filled.append(t.name)
    return filled


async def _count(conn: AsyncConnection, source: Table) -> tuple[int, dict[str, int]]:
    money = _money_columns(source)
    row = (
        await conn.execute(
            select(func.count(), *(func.coalesce(func.sum(c), 0) for c in money)).select_from(
                source
            )
        )
    ).one()
    # PostgreSQL sums bigints as numeric: compare them as whole numbers.
    return int(row[0]), {c.name: int(value) for c, value in zip(money, row[1:], strict=True)}


async def _dispose(*engines: AsyncEngine) -> None:
    for engine in engines:
        await engine.dispose()


async def _preflight(source_url: str, target_url: str) -> None:
    """Refuse before anything changes: a source on another migration, a filled target."""
    source_engine = make_db_config(source_url).get_engine()
    target_engine = make_db_config(target_url).get_engine()
    try:
        async with source_engine.connect() as src:
            revision = await _revision(src)
        head = ScriptDirectory(str(migrations_dir())).get_current_head()
        if revision != head:
            raise CopyError(
                f"the source is at migration {revision or 'none'}, this version at {head}: "
                "run `tailtribe db upgrade` on it first"
            )
        async with target_engine.connect() as dst:
            filled = await _filled_tables(dst)
        if filled:
            raise CopyError(
                f"the target already has rows in {', '.join(filled)}; nothing was copied"
            )
    finally:
        await _dispose(source_engine, target_engine)


async def _copy(source_url: str, target_url: str, batch_size: int) -> list[TableCount]:
    source_engine = make_db_config(source_url).get_engine()
    target_engine = make_db_config(target_url).get_engine()
    try:
        # On SQLite the source's transaction takes the write lock (BEGIN IMMEDIATE):
        # the app cannot change it halfway, so counts and rows agree.
        async with source_engine.connect() as src, target_engine.begin() as dst:
            # Checked again inside the transaction that writes: the target was just migrated.
            filled = await _filled_tables(dst)
            if filled:
                raise CopyError(f"the target already has rows in {', '.join(filled)}")
            # Parents before children, so every foreign key finds its row.
            for t in metadata.sorted_tables:
                columns = _copied_columns(t)
                result = await src.stream(select(*columns))
                async for batch in result.partitions(batch_size):
                    rows = [
                        {c.key: value for c, value in zip(columns, row, strict=True)}
                        for row in batch
                    ]
                    await dst.execute(insert(t), rows)
            counts = []
            for t in metadata.sorted_tables:
                source_rows, source_sums = await _count(src, t)
                target_rows, target_sums = await _count(dst, t)
                counts.append(
                    TableCount(t.name, source_rows, target_rows, source_sums, target_sums)
                )
            if not all(c.matches for c in counts):
                raise CopyMismatch(counts)  # leaving the block rolls the target back
            return counts
    except SQLAlchemyError as exc:
        raise CopyError(f"the copy failed and was rolled back: {exc}") from exc
    finally:
        await _dispose(source_engine, target_engine)


def copy_database(
    source_url: str, target_url: str, *, batch_size: int = BATCH_SIZE
) -> list[TableCount]:
    """Migrate the target to the latest revision, then copy every row into it.

    Takes async SQLAlchemy URLs. Blocking: Alembic and the copy run their own
    event loops. Refuses (CopyError) a source on another migration than this
    version's and a target that holds any row, before changing anything.
    """
    source = make_url(source_url)
    if source.get_backend_name() == "sqlite" and not Path(source.database or "").is_file():
        # SQLite would quietly make an empty database of a mistyped path.
        raise CopyError(f"no SQLite database at {source.database!r}")
    try:
        asyncio.run(_preflight(source_url, target_url))
        upgrade(target_url)
    except (SQLAlchemyError, OSError) as exc:
        raise CopyError(f"cannot prepare the copy: {exc}") from exc
    return asyncio.run(_copy(source_url, target_url, batch_size))


def counts_table(counts: list[TableCount]) -> str:
    """Per table: rows in the source and the target, and each money column's sums."""
    lines = [f"{'table':<26} {'source':>8} {'target':>8}  money (source = target)"]
    for c in counts:
        money = ", ".join(
            f"{name} {c.source_sums[name]} = {c.target_sums[name]}" for name in c.source_sums
        )
        mark = "" if c.matches else "  MISMATCH"
        lines.append(f"{c.name:<26} {c.source_rows:>8} {c.target_rows:>8}  {money}{mark}".rstrip())
    return "\n".join(lines)
