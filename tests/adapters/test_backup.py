"""`tailtribe backup` and `tailtribe restore` against a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import make_url

from tailtribe.adapters.postgres.backup import BACKUP_NAME, pg_target
from tailtribe.adapters.sqlalchemy.database import make_db_config, upgrade
from tailtribe.adapters.sqlalchemy.tables import (
    BookingPetRow,
    BookingRow,
    CaregiverRow,
    ConversationRow,
    MessageRow,
    PetRow,
    ReviewRow,
    UserRow,
)
from tailtribe.config import Settings
from tailtribe.entrypoints import cli
from tailtribe.entrypoints.demo import OWNER, load_demo_data
from tailtribe.ioc import make_container
from tests.conftest import PG_SERVER_URL, _admin, _plain_dsn, in_thread
from tests.support import CheapHashing

Snapshot = dict[str, list[tuple[Any, ...]]]


@contextmanager
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (async URL), dropped afterwards."""
    name = f"tailtribe_copy_{uuid.uuid4().hex[:10]}"
    in_thread(lambda: asyncio.run(_admin(f'CREATE DATABASE "{name}"')))
    try:
        yield make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        in_thread(lambda: asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))


async def _add_history(url: str, bookings: int) -> None:
    """Bookings (more than one copy batch), their pets, reviews, conversations, messages."""
    engine = make_db_config(url).get_engine()
    async with engine.begin() as conn:
        owner = (await conn.execute(select(UserRow.id).where(UserRow.email == OWNER))).scalar_one()
        pet = (await conn.execute(select(PetRow.id).where(PetRow.owner_id == owner))).scalar()
        caregivers = (await conn.execute(select(CaregiverRow.id, CaregiverRow.user_id))).all()
        start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
        conversations = []
        for caregiver_id, caregiver_user in caregivers:
            conversation = uuid.uuid4()
            conversations.append(conversation)
            await conn.execute(
                insert(ConversationRow),
                {
                    "id": conversation,
                    "owner_id": owner,
                    "caregiver_id": caregiver_id,
                    "caregiver_user_id": caregiver_user,
                    "created_at": start,
                    "last_seq": 3,
                    "last_message_at": start + timedelta(minutes=3),
                },
            )
            await conn.execute(
                insert(MessageRow),
                [
                    {
                        "conversation_id": conversation,
                        "seq": seq,
                        "sender_id": owner if seq % 2 else caregiver_user,
                        "body": f"bericht {seq}: één hond, deux chats 🐾",
                        "photo_ids": [str(uuid.uuid4())] if seq == 2 else [],
                        "created_at": start + timedelta(minutes=seq, microseconds=seq),
                    }
                    for seq in (1, 2, 3)
                ],
            )
        rows = []
        for i in range(bookings):
            total = 1500 + 7 * i
            commission = total // 5
            at = start + timedelta(hours=3 * i, microseconds=i)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "owner_id": owner,
                    "caregiver_id": caregivers[i % 2][0],
                    "service": "dog_walking",
                    "start_at": at,
                    "end_at": at + timedelta(hours=1),
                    "pets": 1,
                    "status": "completed",
                    "payment_status": "captured",
                    "payout_status": "paid",
                    "units": 1,
                    "total_cents": total,
                    "commission_cents": commission,
                    "caregiver_payout_cents": total - commission,
                    "commission_percent": Decimal("20.00"),
                    "cancellation_policy": "moderate",
                    "created_at": at - timedelta(days=2),
                    "payment_deadline": at - timedelta(days=2) + timedelta(minutes=30),
                    "response_deadline": at - timedelta(days=1),
                    "payment_intent_id": f"pi_history_{i}",
                    "captured_cents": total,
                    "refunded_cents": 100 * (i % 3),
                    "paid_out_cents": total - commission,
                    "completed_at": at + timedelta(hours=1),
                    "conversation_id": conversations[i % 2],
                }
            )
        await conn.execute(insert(BookingRow), rows)
        await conn.execute(
            insert(BookingPetRow),
            [{"booking_id": row["id"], "pet_id": pet, "position": 0} for row in rows],
        )
        await conn.execute(
            insert(ReviewRow),
            [
                {
                    "booking_id": row["id"],
                    "caregiver_id": row["caregiver_id"],
                    "owner_id": owner,
                    "rating": 1 + n % 5,
                    "comment": f"review {n}",
                    "created_at": row["completed_at"],
                }
                for n, row in enumerate(rows[::10])
            ],
        )
    await engine.dispose()


def populate(url: str, data_dir: Path, bookings: int = 1200) -> None:
    """Migrate `url`, load the demo data through the app's use cases, add history."""
    in_thread(lambda: upgrade(url))
    settings = Settings(database_url=url, direct_url=url, data_dir=data_dir)

    async def load() -> None:
        container = make_container(settings, CheapHashing())
        try:
            await load_demo_data(container)
        finally:
            await container.close()
        await _add_history(url, bookings)

    in_thread(lambda: asyncio.run(load()))


async def _pg_snapshot(url: str) -> Snapshot:
    """Every table's rows (all columns), and the constraints and indexes by name.

    Not by definition: PostgreSQL prints a re-parsed WHERE clause (the exclusion
    constraint's) in another, equivalent form.
    """
    conn = await asyncpg.connect(_plain_dsn(url))
    try:
        snapshot: Snapshot = {}
        names = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (name,) in names:
            rows = await conn.fetch(f'SELECT * FROM "{name}"')
            snapshot[name] = sorted((tuple(r) for r in rows), key=repr)
        snapshot["(constraints)"] = sorted(
            tuple(r)
            for r in await conn.fetch(
                "SELECT conrelid::regclass::text, conname, contype::text "
                "FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
            )
        )
        snapshot["(indexes)"] = sorted(
            tuple(r)
            for r in await conn.fetch(
                "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'"
            )
        )
        return snapshot
    finally:
        await conn.close()


def pg_snapshot(url: str) -> Snapshot:
    return in_thread(lambda: asyncio.run(_pg_snapshot(url)))


def run_cli(*argv: str) -> int:
    # In a thread of its own: the commands start event loops, pytest's may be running.
    return in_thread(lambda: cli.main(list(argv)))


def with_password(url: str) -> str:
    """The plain postgresql:// form, with a password (the local server trusts, and ignores it)."""
    return (
        make_url(url)
        .set(drivername="postgresql", password="not-on-the-command-line")
        .render_as_string(hide_password=False)
    )


@pytest.fixture
def database() -> Iterator[str]:
    with pg_database() as url:
        yield url


@pytest.fixture
def pg_env(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI's environment pointed at the fresh database; returns its async URL."""
    monkeypatch.setenv("TAILTRIBE_ENV", "test")
    monkeypatch.setenv("TAILTRIBE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", with_password(database))
    monkeypatch.setenv("DIRECT_URL", with_password(database))
    return database


def test_the_tools_get_a_libpq_url_and_the_password_in_their_environment() -> None:
    target = pg_target("postgresql+asyncpg://app:p%40ss@db:5433/tt?pgbouncer=true&ssl=require")
    assert target.url == "postgresql://app@db:5433/tt?sslmode=require"
    assert target.env["PGPASSWORD"] == "p@ss"


def test_backup_then_restore_gives_back_every_row(
    pg_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(pg_env, tmp_path / "app")
    before = pg_snapshot(pg_env)
    assert len(before["booking"]) == 1200
    assert len(before["user_account"]) == 4  # the demo: owner, admin, two caregivers

    assert run_cli("backup", "--dir", str(tmp_path / "backups")) == 0
    (dump,) = (tmp_path / "backups").iterdir()
    assert BACKUP_NAME.match(dump.name)
    assert f"backup written: {dump}" in capsys.readouterr().out

    # Over a changed database: --clean replaces what is there.
    async def change() -> None:
        engine = make_db_config(pg_env).get_engine()
        async with engine.begin() as conn:
            await conn.execute(delete(ReviewRow))
            await conn.execute(delete(BookingPetRow))
        await engine.dispose()

    in_thread(lambda: asyncio.run(change()))
    assert pg_snapshot(pg_env) != before
    assert run_cli("restore", str(dump), "--yes") == 0
    assert pg_snapshot(pg_env) == before

    # Into an empty database: the schema comes back too (exclusion constraint, full text).
    name = make_url(pg_env).database
    in_thread(lambda: asyncio.run(_admin(f'DROP DATABASE "{name}" WITH (FORCE)')))
    in_thread(lambda: asyncio.run(_admin(f'CREATE DATABASE "{name}"')))
    assert pg_snapshot(pg_env) == {"(constraints)": [], "(indexes)": []}
    assert run_cli("restore", str(dump), "--yes") == 0
    assert pg_snapshot(pg_env) == before
    assert any(c[1] == "booking_no_overlap" for c in before["(constraints)"])


def test_a_failed_restore_changes_nothing(
    pg_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(pg_env, tmp_path / "app", bookings=10)
    before = pg_snapshot(pg_env)
    broken = tmp_path / "broken.dump"
    broken.write_bytes(b"PGDMP" + b"\0" * 100)
    assert run_cli("restore", str(broken), "--yes") == 1
    assert "the database is unchanged" in capsys.readouterr().err
    assert pg_snapshot(pg_env) == before


def test_restore_without_yes_refuses(
    pg_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    in_thread(lambda: upgrade(pg_env))
    before = pg_snapshot(pg_env)
    assert run_cli("restore", str(tmp_path / "any.dump")) == 2
    assert "replaces the data" in capsys.readouterr().err
    assert pg_snapshot(pg_env) == before


def test_backup_keeps_the_newest_and_never_touches_other_files(
    pg_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    in_thread(lambda: upgrade(pg_env))
    folder = tmp_path / "backups"
    folder.mkdir()
    first = datetime(2024, 1, 1, tzinfo=UTC)
    old = [folder / f"tailtribe-{first + timedelta(days=d):%Y%m%dT%H%M%SZ}.dump" for d in range(32)]
    for path in old:
        path.write_bytes(b"old")
    foreign = [folder / "notes.txt", folder / "tailtribe-manual.dump"]
    for path in foreign:
        path.write_text("mine")

    assert run_cli("backup", "--dir", str(folder), "--keep", "30") == 0

    kept = sorted(p for p in folder.iterdir() if BACKUP_NAME.match(p.name))
    assert len(kept) == 30
    new = kept[-1]
    assert new not in old
    assert kept[:-1] == old[-29:]  # the three oldest went
    assert all(p.read_text() == "mine" for p in foreign)
    assert f"backup written: {new}" in capsys.readouterr().out


def test_backup_refuses_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DIRECT_URL", raising=False)
    monkeypatch.setenv("TAILTRIBE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tailtribe.db'}")
    assert run_cli("backup") == 2
    assert "tailtribe db copy" in capsys.readouterr().err
    assert not (tmp_path / "backups").exists()
