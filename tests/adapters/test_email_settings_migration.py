"""Migration 0010: every account that existed before gets both optional emails on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import text

from tailtribe.adapters.sqlalchemy.database import downgrade, make_db_config, upgrade
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.domain.model.notifications import EmailSettings
from tests.conftest import SQL_BACKENDS, empty_database, in_thread, sql_url


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_existing_accounts_keep_getting_every_email(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    url = sql_url(request, backend)
    if backend == "sqlite":  # a copy of its own: the shared file stays as it is
        url = f"sqlite+aiosqlite:///{tmp_path / 'before.sqlite'}"
        in_thread(lambda: upgrade(url))
    await (await empty_database(url)).get_engine().dispose()
    in_thread(lambda: downgrade(url, "0008"))
    user_id = uuid4()
    config = make_db_config(url)
    try:
        async with config.get_engine().begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO user_account (id, email, full_name, locale, roles, "
                    "email_verified, created_at, token_version, row_version) VALUES "
                    "(:id, 'old@example.be', 'Old', 'nl', 'owner', :no, :now, 0, 1)"
                ),
                {
                    "id": user_id if backend == "postgresql" else user_id.bytes,
                    "no": False,
                    "now": datetime(2026, 1, 1, tzinfo=UTC),
                },
            )
        await config.get_engine().dispose()
        in_thread(lambda: upgrade(url))
        async with SqlUnitOfWork(config.create_session_maker()) as uow:
            user = await uow.users.get(user_id)
        assert user is not None and user.email_settings == EmailSettings(True, True)
    finally:
        in_thread(lambda: upgrade(url))
        await config.get_engine().dispose()
