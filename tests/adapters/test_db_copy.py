"""`tailtribe db copy`: a demo SQLite database into a fresh PostgreSQL one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from tailtribe.adapters.sqlalchemy.database import make_db_config, upgrade
from tailtribe.adapters.sqlalchemy.tables import PetRow, metadata
from tests.adapters.test_backup import pg_database, pg_snapshot, populate, run_cli
from tests.conftest import in_thread

Rows = dict[str, list[tuple[Any, ...]]]


async def _rows(url: str) -> Rows:
    """Every application table's rows as Python values, sorted by primary key."""
    engine = make_db_config(url).get_engine()
    try:
        async with engine.connect() as conn:
            rows: Rows = {}
            for table in metadata.sorted_tables:
                found = (await conn.execute(select(table))).all()
                key = [table.columns.keys().index(c.key) for c in table.primary_key.columns]
                rows[table.name] = sorted(
                    (tuple(r) for r in found), key=lambda r: tuple(r[i] for i in key)
                )
            return rows
    finally:
        await engine.dispose()


def rows(url: str) -> Rows:
    return in_thread(lambda: asyncio.run(_rows(url)))


@pytest.fixture(scope="module")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated and loaded the way the demo does, plus history."""
    folder = tmp_path_factory.mktemp("copy")
    path = folder / "tailtribe.db"
    populate(f"sqlite+aiosqlite:///{path}", folder / "data")
    return path


@pytest.fixture
def target() -> Iterator[str]:
    with pg_database() as url:
        yield url


def _plain(url: str, scheme: str) -> str:
    """The URL as a hosting provider writes it (no driver name)."""
    return make_url(url).set(drivername=scheme).render_as_string(hide_password=False)


def test_copy_keeps_every_row_then_refuses_a_second_time(
    demo_sqlite: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite+aiosqlite:///{demo_sqlite}"
    expected = rows(source)
    assert len(expected["booking"]) == 1200  # more than one batch
    assert len(expected["caregiver_profile"]) == 2

    code = run_cli(
        "db", "copy", "--from", f"sqlite:///{demo_sqlite}", "--to", _plain(target, "postgresql")
    )
    out = capsys.readouterr().out
    assert code == 0, out
    # Ids, timestamps (microseconds too), JSON, decimals: the same Python values.
    assert rows(target) == expected

    lines = {line.split()[0]: line.split() for line in out.splitlines()[1:] if line.strip()}
    assert lines["booking"][1:3] == ["1200", "1200"]
    assert lines["user_account"][1:3] == ["4", "4"]
    total = sum(r[expected_index("booking", "total_cents")] for r in expected["booking"])
    assert f"total_cents {total} = {total}" in out
    assert "counts and money sums match" in out

    # The target now has rows: a second copy changes nothing.
    before = pg_snapshot(target)
    code = run_cli(
        "db", "copy", "--from", f"sqlite:///{demo_sqlite}", "--to", _plain(target, "postgres")
    )
    assert code == 1
    assert "already has rows" in capsys.readouterr().err
    assert pg_snapshot(target) == before


def expected_index(table: str, column: str) -> int:
    return metadata.tables[table].columns.keys().index(column)


def test_copy_refuses_a_missing_source(
    tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.db"
    code = run_cli("db", "copy", "--from", f"sqlite:///{missing}", "--to", target)
    assert code == 1
    assert "no SQLite database" in capsys.readouterr().err
    assert not missing.exists()
    assert pg_snapshot(target) == {"(constraints)": [], "(indexes)": []}


def test_copy_refuses_a_source_on_an_older_migration(
    tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    in_thread(lambda: upgrade(old, "0006"))
    assert run_cli("db", "copy", "--from", old, "--to", target) == 1
    assert "run `tailtribe db upgrade` on it first" in capsys.readouterr().err
    assert pg_snapshot(target) == {"(constraints)": [], "(indexes)": []}  # not even migrated


def test_a_row_postgresql_refuses_rolls_the_whole_copy_back(
    tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path / 'long.db'}"
    populate(source, tmp_path / "data", bookings=3)

    # SQLite ignores VARCHAR lengths; PostgreSQL refuses a 51-character pet name.
    async def lengthen() -> None:
        engine = make_db_config(source).get_engine()
        async with engine.begin() as conn:
            await conn.execute(update(PetRow).values(name="x" * 51))
        await engine.dispose()

    in_thread(lambda: asyncio.run(lengthen()))
    assert run_cli("db", "copy", "--from", source, "--to", target) == 1
    err = capsys.readouterr().err
    assert "rolled back" in err
    assert "value too long" in err
    # Migrated, but the tables copied before the pets (users, outbox, ...) are empty again.
    assert all(found == [] for found in rows(target).values())
