"""`tailtribe reports dac7` on PostgreSQL: the ledger and the sealed details as stored."""

from __future__ import annotations

import asyncio
import csv
import io
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tailtribe.adapters.security.second_factor import tax_details_box
from tailtribe.adapters.sqlalchemy.database import make_db_config
from tailtribe.adapters.sqlalchemy.tables import OutboxRow
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.config import Environment, Settings
from tailtribe.domain.model.audit import AuditAction, AuditFilter
from tailtribe.domain.model.dac7 import year_bounds
from tailtribe.domain.model.dac7_files import DPI
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.model.notifications import EmailKind
from tailtribe.domain.model.tax_details import SealedTaxDetails, TaxDetails
from tailtribe.domain.model.time import BRUSSELS
from tailtribe.domain.ports.time import AdjustableClock
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.reports.dac7 import SendDac7Copies
from tailtribe.entrypoints.cli import main
from tailtribe.entrypoints.worker.embedded import embedded_scheduler
from tailtribe.entrypoints.worker.saq_worker import DAC7_COPIES_CRON, make_worker
from tailtribe.ioc import make_container
from tests.conftest import REDIS_URL, empty_database, in_thread
from tests.factories import completed_walk
from tests.fakes.clock import FixedClock

SECRET = secrets.token_urlsafe(48)
YEAR = datetime.now(BRUSSELS).year  # the command reports a year that has begun


async def seed(url: str) -> tuple[Any, Any]:
    """Two sellers: one with sealed details, one without; 12.00 paid, 2.00 taken back."""
    config = await empty_database(url)
    factory = config.create_session_maker()
    start, _ = year_bounds(YEAR)
    with_details, without = completed_walk(), completed_walk()
    async with SqlUnitOfWork(factory) as uow:
        for walk in (with_details, without):
            await walk.store(uow)
            b = walk.booking.id
            await uow.ledger.add(
                [
                    LedgerEntry(uuid4(), b, Movement.TRANSFER, 1200, start + timedelta(hours=1)),
                    LedgerEntry(uuid4(), b, Movement.COMMISSION, 300, start + timedelta(hours=1)),
                    LedgerEntry(uuid4(), b, Movement.REVERSAL, 200, start + timedelta(hours=2)),
                ]
            )
        details = TaxDetails(
            caregiver_id=with_details.caregiver.id,
            first_name="Lotte",
            last_name="Peeters",
            birth_date=date(1990, 5, 17),
            street="Meir 1",
            postcode="2000",
            city="Antwerpen",
            country="BE",
            tin="90051712345",
            tin_country="BE",
            iban="BE68539007547034",
            enterprise_number=None,
            vat_number=None,
            updated_at=datetime.now(UTC),
        )
        sealed = tax_details_box(SECRET).seal(details.seal_text())
        await uow.tax_details.save(
            SealedTaxDetails(details.caregiver_id, sealed, details.updated_at)
        )
        await uow.commit()
    await config.get_engine().dispose()
    return with_details, without


async def audited(url: str) -> list[tuple[str, str]]:
    cfg = make_db_config(url)
    try:
        async with SqlUnitOfWork(cfg.create_session_maker()) as uow:
            page = await uow.audit.list(AuditFilter(action=AuditAction.READ_DAC7_REPORT), 10, None)
    finally:
        await cfg.get_engine().dispose()
    return sorted((e.object_id, e.outcome) for e in page.items if e.actor_id is None)


def test_the_command_writes_the_xml_and_the_csv(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    with_details, without = in_thread(lambda: asyncio.run(seed(pg_url)))
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("TAILTRIBE_SECRET_KEY", SECRET)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_dac7_test")
    monkeypatch.setenv("PLATFORM_ENTERPRISE_NUMBER", "0403170701")
    monkeypatch.delenv("REDIS_URL", raising=False)

    out = tmp_path / "dac7.xml"
    assert main(["reports", "dac7", "--year", str(YEAR), "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"DAC7 {YEAR}: 2 reportable sellers, 1 without due-diligence data" in err
    assert f"incomplete: {without.caregiver.id}" in err
    root = ET.fromstring(out.read_bytes())
    ns = {"dpi": DPI}
    assert root.findtext("dpi:MessageSpec/dpi:SendingEntityIN", namespaces=ns) == "0403170701"
    sellers = root.findall("dpi:DPIBody/dpi:ReportableSeller", ns)
    assert len(sellers) == 2
    names = {s.findtext(".//dpi:LastName", namespaces=ns) for s in sellers}
    assert "Peeters" in names
    for s in sellers:  # 12.00 - 2.00 in the first quarter: 10 euros; fees 3 euros
        assert s.findtext(".//dpi:ConsQ1", namespaces=ns) == "10"
        assert s.findtext(".//dpi:FeesQ1", namespaces=ns) == "3"
        assert s.findtext(".//dpi:NumbQ1", namespaces=ns) == "1"

    assert main(["reports", "dac7", "--year", str(YEAR), "--format", "csv"]) == 0
    rows = {r["caregiver_id"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    mine = rows[str(with_details.caregiver.id)]
    assert (mine["complete"], mine["tin"], mine["consideration_q1_cents"]) == (
        "true",
        "90051712345",
        "1000",
    )
    assert rows[str(without.caregiver.id)]["complete"] == "false"

    assert main(["reports", "dac7", "--year", "2020"]) == 1
    assert "a year from 2023" in capsys.readouterr().err
    assert in_thread(lambda: asyncio.run(audited(pg_url))) == [
        ("dac7:2020", f"refused: a year from 2023 to {YEAR}"),
        (f"dac7:{YEAR}", "read 2 sellers, 1 without due-diligence data"),
        (f"dac7:{YEAR}", "read 2 sellers, 1 without due-diligence data"),
    ]


async def test_the_copies_are_recorded_with_their_email_once(pg_url: str) -> None:
    with_details, without = await seed(pg_url)
    config = make_db_config(pg_url)
    factory = config.create_session_maker()
    clock = FixedClock(datetime(YEAR, 12, 31, 23, 0, tzinfo=UTC))  # 1 January, Brussels
    ids = Uuid7Generator()
    send = SendDac7Copies(
        SqlUnitOfWork(factory), tax_details_box(SECRET), Outbox(ids, clock), clock
    )
    try:
        assert await send() == 2
        assert await send() == 0
        async with SqlUnitOfWork(factory) as uow:
            assert await uow.dac7_copies.sent(YEAR) == {
                with_details.caregiver.id,
                without.caregiver.id,
            }
            # the key refuses a second copy: its transaction (and its email) rolls back
            with pytest.raises(IntegrityError):
                await uow.dac7_copies.add(with_details.caregiver.id, YEAR, clock.now())
        async with factory() as session:
            rows = (
                await session.scalars(
                    select(OutboxRow).where(OutboxRow.topic == EmailKind.DAC7_COPY.topic)
                )
            ).all()
        identities = sorted(str(r.payload["identity"]) for r in rows)
        assert identities[0] == "-"
        assert identities[1].startswith("Lotte P.; …05-17;")
        assert "90051712345" not in identities[1] and "…345" in identities[1]
        assert all(r.payload["consideration_cents"] == [1000, 0, 0, 0] for r in rows)
    finally:
        await config.get_engine().dispose()


async def _paid_last_year(url: str) -> UUID:
    """A seller paid 12.00 in last year's first quarter (Brussels)."""
    config = await empty_database(url)
    start, _ = year_bounds(YEAR - 1)
    walk = completed_walk()
    async with SqlUnitOfWork(config.create_session_maker()) as uow:
        await walk.store(uow)
        await uow.ledger.add(
            [
                LedgerEntry(
                    uuid4(), walk.booking.id, Movement.TRANSFER, 1200, start + timedelta(hours=1)
                )
            ]
        )
        await uow.commit()
    await config.get_engine().dispose()
    return walk.caregiver.id


async def _copies_sent(url: str) -> set[UUID]:
    config = make_db_config(url)
    try:
        async with SqlUnitOfWork(config.create_session_maker()) as uow:
            return await uow.dac7_copies.sent(YEAR - 1)
    finally:
        await config.get_engine().dispose()


async def test_the_saq_worker_sends_the_copies_hourly(pg_url: str) -> None:
    seller = await _paid_last_year(pg_url)
    settings = Settings(database_url=pg_url, redis_url=REDIS_URL, env=Environment.TEST)
    worker = make_worker(settings, concurrency=1)
    [cron] = [c for c in worker.cron_jobs if c.function.__name__ == "dac7_copies"]
    assert (cron.cron, cron.unique) == (DAC7_COPIES_CRON, True)
    assert DAC7_COPIES_CRON.split()[1:] == ["*", "*", "1", "*"]  # every hour of January
    await worker.queue.connect()
    running = asyncio.create_task(worker.start())
    try:
        for _ in range(200):
            if "di" in worker.context:
                break
            await asyncio.sleep(0.05)
        clock = await worker.context["di"].get(AdjustableClock)
        clock.set(datetime(YEAR, 2, 1, 12, tzinfo=UTC))  # February: nothing is read
        assert await worker.queue.apply("dac7_copies", timeout=60) == {"dac7.copies": 0}
        clock.set(datetime(YEAR, 1, 15, 12, tzinfo=UTC))
        assert await worker.queue.apply("dac7_copies", timeout=60) == {"dac7.copies": 1}
        assert await worker.queue.apply("dac7_copies", timeout=60) == {"dac7.copies": 0}
    finally:
        await worker.stop()
        running.cancel()
        await worker.queue.disconnect()
    assert await _copies_sent(pg_url) == {seller}


async def test_the_embedded_runner_sends_the_copies_when_it_starts(sqlite_url: str) -> None:
    seller = await _paid_last_year(sqlite_url)
    container = make_container(Settings(database_url=sqlite_url, env=Environment.TEST))
    (await container.get(AdjustableClock)).set(datetime(YEAR, 1, 15, 12, tzinfo=UTC))
    try:
        async with embedded_scheduler(container, interval=3600, outbox_interval=3600):
            for _ in range(200):
                await asyncio.sleep(0.05)
                if await _copies_sent(sqlite_url):
                    break
    finally:
        await container.close()
    assert await _copies_sent(sqlite_url) == {seller}
