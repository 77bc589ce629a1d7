"""Migration 0022: its table comes and goes, and a downgrade leaves no payout in a
state the older code does not know (withheld ones are scheduled again)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from tailtribe.adapters.sqlalchemy.database import downgrade, make_db_config, upgrade
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.tax_requests import TaxDetailsRequest
from tests.conftest import SQL_BACKENDS, empty_database, in_thread, sql_url
from tests.factories import booking_request, caregiver, pet, user

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_downgrade_schedules_withheld_payouts_and_drops_the_requests(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    url = sql_url(request, backend)
    if backend == "sqlite":  # a copy of its own: the shared file stays as it is
        url = f"sqlite+aiosqlite:///{tmp_path / 'withheld.sqlite'}"
        in_thread(lambda: upgrade(url))
    await (await empty_database(url)).get_engine().dispose()
    config = make_db_config(url)
    try:
        async with SqlUnitOfWork(config.create_session_maker()) as uow:
            owner, carer = user("Owen", NOW), user("Ann", NOW)
            profile = dataclasses.replace(caregiver(carer, NOW), status=CaregiverStatus.APPROVED)
            rex = pet(owner, NOW)
            for row in (owner, carer):
                await uow.users.add(row)
            await uow.caregivers.add(profile)
            await uow.pets.add(rex)
            booking = booking_request(
                owner.id, profile.id, (rex.id,), NOW + timedelta(days=2), now=NOW
            )
            booking.payout.status = PayoutStatus.WITHHELD
            booking.pull_events()
            await uow.bookings.add(booking)
            await uow.tax_requests.add(TaxDetailsRequest.first(profile.id, NOW))
            await uow.commit()
        await config.get_engine().dispose()
        in_thread(lambda: downgrade(url, "0020"))
        async with config.get_engine().connect() as conn:
            status = await conn.scalar(text("SELECT payout_status FROM booking"))
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert status == "scheduled"
        assert "caregiver_tax_request" not in tables and "caregiver_tax_details" in tables
        await config.get_engine().dispose()
        in_thread(lambda: upgrade(url))
        async with SqlUnitOfWork(config.create_session_maker()) as uow:
            assert await uow.tax_requests.get(profile.id) is None
            assert list(await uow.tax_requests.unrequested(10)) == [profile.id]
    finally:
        in_thread(lambda: upgrade(url))
        await config.get_engine().dispose()
