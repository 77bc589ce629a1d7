"""The role split of docs/db-roles.sql: migrations as the owner, the app as
a role with only DML rights, and the app works that way."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tailtribe.adapters.postgres.backup import backup, restore
from tailtribe.adapters.sqlalchemy.database import upgrade
from tests.conftest import PG_SERVER_URL, _admin, in_thread
from tests.factories import marketplace, next_monday, requested_walk
from tests.http.conftest import ClientFactory, api_for
from tests.http.test_test_mode import TEST_MODE

SCRIPT = Path(__file__).parents[2] / "docs" / "db-roles.sql"


def _url(role: str, password: str, database: str, driver: str = "postgresql+asyncpg") -> str:
    server = make_url(PG_SERVER_URL)
    return server.set(
        drivername=driver, username=role, password=password, database=database
    ).render_as_string(hide_password=False)


async def test_the_app_runs_with_dml_rights_only(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    database, owner, app = f"tailtribe_roles_{suffix}", f"tt_owner_{suffix}", f"tt_app_{suffix}"
    secret = uuid.uuid4().hex
    await _admin(f'CREATE DATABASE "{database}"')
    try:
        await _run_script(database, owner, app, secret)
        owner_url, app_url = _url(owner, secret, database), _url(app, secret, database)
        in_thread(lambda: upgrade(owner_url))  # the release step, as the owner

        async with make_client(database_url=app_url, direct_url=owner_url, **TEST_MODE) as client:
            api = api_for(client)
            profile, _, owner_headers, _, pet = await marketplace(api)
            await requested_walk(api, profile, pet, owner_headers, next_monday(10))
            await api.container.close()

        conn = await asyncpg.connect(_url(app, secret, database, driver="postgresql"))
        try:
            for ddl in (
                "CREATE TABLE intruder (id int)",
                "DROP TABLE booking",
                "ALTER TABLE booking ADD COLUMN x int",
                "TRUNCATE booking",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute(ddl)
            assert await conn.fetchval("SELECT count(*) FROM booking") == 1
        finally:
            await conn.close()
        # Backups and restores run as the owner (DIRECT_URL), extensions aside.
        made = await asyncio.to_thread(backup, owner_url, tmp_path)
        conn = await asyncpg.connect(_url(owner, secret, database, driver="postgresql"))
        try:  # a mistake to recover from
            await conn.execute("DELETE FROM booking_pet; DELETE FROM booking")
        finally:
            await conn.close()
        await asyncio.to_thread(restore, owner_url, made.path)
        conn = await asyncpg.connect(_url(app, secret, database, driver="postgresql"))
        try:
            assert await conn.fetchval("SELECT count(*) FROM booking") == 1
        finally:
            await conn.close()
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in (app, owner):
            await _admin(f'DROP ROLE IF EXISTS "{role}"')


async def _run_script(database: str, owner: str, app: str, secret: str) -> None:
    admin_url = _url("postgres", "", database, driver="postgresql").replace(":@", "@")
    done = await asyncio.to_thread(
        subprocess.run,
        [
            "psql",
            admin_url,
            "-q",
            "-v",
            f"owner={owner}",
            "-v",
            f"owner_password={secret}",
            "-v",
            f"app={app}",
            "-v",
            f"app_password={secret}",
            "-f",
            str(SCRIPT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("order", ["roles, then migrations", "migrations, then roles"])
async def test_the_app_only_adds_and_reads_the_audit_trail(order: str) -> None:
    """Whichever ran first, the roles script or the migrations (then as the
    server's admin), the app's role inserts and selects audit rows and is
    refused any update, delete or truncation of them."""
    suffix = uuid.uuid4().hex[:8]
    database, owner, app = f"tailtribe_audit_{suffix}", f"tt_owner_{suffix}", f"tt_app_{suffix}"
    secret = uuid.uuid4().hex
    await _admin(f'CREATE DATABASE "{database}"')
    try:
        if order.startswith("roles"):
            await _run_script(database, owner, app, secret)
            owner_url = _url(owner, secret, database)
            in_thread(lambda: upgrade(owner_url))
        else:
            admin_url = _url("postgres", "", database).replace(":@", "@")
            in_thread(lambda: upgrade(admin_url))
            await _run_script(database, owner, app, secret)
        conn = await asyncpg.connect(_url(app, secret, database, driver="postgresql"))
        try:
            await conn.execute(
                "INSERT INTO admin_audit (id, at, actor_id, action, object_type, object_id,"
                " reason, outcome) VALUES ($1, now(), NULL, 'retry_outbox', 'outbox_message',"
                " 'm1', NULL, 'retried')",
                uuid.uuid4(),
            )
            assert await conn.fetchval("SELECT outcome FROM admin_audit") == "retried"
            for statement in (
                "UPDATE admin_audit SET outcome = 'never happened'",
                "DELETE FROM admin_audit",
                "TRUNCATE admin_audit",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute(statement)
            assert await conn.fetchval("SELECT count(*) FROM admin_audit") == 1
            # Its other tables keep their DML rights.
            await conn.execute("DELETE FROM outbox_message")
        finally:
            await conn.close()
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in (app, owner):
            await _admin(f'DROP ROLE IF EXISTS "{role}"')
