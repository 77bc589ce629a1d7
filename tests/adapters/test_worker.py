"""The SAQ worker on real Redis runs the scheduled jobs; the embedded runner does too."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.config import Settings
from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.model.photos import PhotoStatus
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.services.photos.manage_photos import ManagePhotos
from tailtribe.entrypoints.worker.embedded import embedded_scheduler
from tailtribe.entrypoints.worker.jobs import run_booking_jobs
from tailtribe.entrypoints.worker.saq_worker import make_worker
from tailtribe.ioc import make_container
from tests import factories
from tests.adapters.test_images import picture
from tests.conftest import REDIS_URL, empty_database


async def _unpaid_request_an_hour_old(url: str) -> UUID:
    """A booking request whose 30-minute payment window closed half an hour ago."""
    config = await empty_database(url)
    now = datetime.now(UTC)
    walk = factories.booked_walk(now, now + timedelta(days=3), requested=now - timedelta(hours=1))
    async with SqlUnitOfWork(config.create_session_maker()) as uow:
        await walk.store(uow)
        await uow.commit()
    await config.get_engine().dispose()
    return walk.booking.id


async def _status(settings: Settings, booking_id: UUID) -> BookingStatus:
    container = make_container(settings)
    try:
        async with container() as scope:
            uow: UnitOfWork = await scope.get(UnitOfWork)
            async with uow:
                booking = await uow.bookings.get(booking_id)
        assert booking is not None
        return booking.status
    finally:
        await container.close()


async def test_the_saq_worker_runs_the_booking_jobs(pg_url: str) -> None:
    booking_id = await _unpaid_request_an_hour_old(pg_url)
    settings = Settings(database_url=pg_url, redis_url=REDIS_URL)
    worker = make_worker(settings, concurrency=1, grace_seconds=1)
    await worker.queue.connect()
    running = asyncio.create_task(worker.start())
    try:
        result = await worker.queue.apply("booking_jobs", timeout=60)
        assert result == {
            "bookings.expire": 1,
            "bookings.start": 0,
            "bookings.complete": 0,
            "bookings.remind": 0,
            "meets.expire": 0,
            "meets.remind": 0,
            "series.expire": 0,
            "series.charge": 0,
            "series.lapse": 0,
            "caregivers.tax_requests": 0,
            "payments.payouts": 0,
            "webhooks.retry": 0,
            "photos.pending": 0,
            "messages.unread": 0,
            "exports.built": 0,
            "exports.expired": 0,
            "documents.issued": 0,  # an authorization issues no document
            "documents.statements": 0,
            "documents.sent": 0,
            "photos.erased": 0,
        }
        again = await worker.queue.apply("booking_jobs", timeout=60)
        assert again["bookings.expire"] == 0  # idempotent
    finally:
        await worker.stop()
        running.cancel()
        await worker.queue.disconnect()
    assert await _status(settings, booking_id) is BookingStatus.EXPIRED


async def test_the_embedded_runner_runs_them_without_redis(sqlite_url: str) -> None:
    booking_id = await _unpaid_request_an_hour_old(sqlite_url)
    settings = Settings(database_url=sqlite_url)
    container = make_container(settings)
    try:
        async with embedded_scheduler(container, interval=0.05):
            for _ in range(100):
                await asyncio.sleep(0.05)
                if await _status(settings, booking_id) is BookingStatus.EXPIRED:
                    break
    finally:
        await container.close()
    assert await _status(settings, booking_id) is BookingStatus.EXPIRED


async def test_two_runners_at_once_expire_a_booking_once(pg_url: str) -> None:
    booking_id = await _unpaid_request_an_hour_old(pg_url)
    settings = Settings(database_url=pg_url)
    containers = [make_container(settings) for _ in range(2)]
    try:
        results = await asyncio.gather(*(run_booking_jobs(c) for c in containers))
        assert sorted(r["bookings.expire"] for r in results) == [0, 1]
        async with containers[0]() as scope:
            uow = await scope.get(UnitOfWork)
            async with uow:
                expired = [
                    m
                    for m in await uow.outbox.due(datetime.now(UTC), 100)
                    if m.topic == "event.BookingExpired"
                ]
        assert len(expired) == 1  # one email, not two
    finally:
        for c in containers:
            await c.close()
    assert await _status(settings, booking_id) is BookingStatus.EXPIRED


async def test_an_upload_is_turned_into_variants_by_the_saq_worker(
    pg_url: str, tmp_path: Path
) -> None:
    config = await empty_database(pg_url)
    now = datetime.now(UTC)
    owner = factories.user("P", now, email="p@example.be")
    pet = factories.pet(owner, now)
    async with SqlUnitOfWork(config.create_session_maker()) as uow:
        await uow.users.add(owner)
        await uow.pets.add(pet)
        await uow.commit()
    await config.get_engine().dispose()
    settings = Settings(database_url=pg_url, redis_url=REDIS_URL, data_dir=tmp_path)
    api = make_container(settings)  # the API side: its uploads go to the Redis queue
    worker = make_worker(settings, concurrency=1, grace_seconds=1)
    await worker.queue.connect()
    running = asyncio.create_task(worker.start())
    try:
        async with api() as scope:
            photo = await (await scope.get(ManagePhotos)).upload_for_pet(
                owner.id, pet.id, picture("JPEG")
            )
        status = PhotoStatus.PROCESSING
        for _ in range(100):
            async with api() as scope:
                status = (
                    await (await scope.get(ManagePhotos)).view(owner.id, photo.id)
                ).photo.status
            if status is not PhotoStatus.PROCESSING:
                break
            await asyncio.sleep(0.1)
        assert status is PhotoStatus.READY
        names = sorted(p.name for p in (tmp_path / "media").rglob("*") if p.is_file())
        assert names == ["large.webp", "medium.webp", "thumb.webp"]
    finally:
        await worker.stop()
        running.cancel()
        await worker.queue.disconnect()
        await api.close()
