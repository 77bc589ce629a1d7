"""Retention on PostgreSQL and SQLite: each rule keeps what is just inside its
period and purges what is just past it, files included; the metrics and the
reconciliation read the same after it; a second run purges nothing more; a
failing rule leaves the others to run."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from advanced_alchemy.config import SQLAlchemyAsyncConfig
from sqlalchemy import func, insert, select, update

from tailtribe.adapters.filesystem.object_storage import FolderStorage
from tailtribe.adapters.sqlalchemy.database import make_db_config
from tailtribe.adapters.sqlalchemy.metrics_store import SqlMetricsStore
from tailtribe.adapters.sqlalchemy.tables import (
    OutboxRow,
    PetRow,
    TokenRow,
    UserRow,
    WebhookEventRow,
)
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.config import Settings
from tailtribe.domain.model.conversations import Conversation
from tailtribe.domain.model.events import (
    OccurrencePaymentAuthorized,
    OccurrencePaymentNeeded,
    PaymentAuthorized,
    PaymentFailed,
)
from tailtribe.domain.model.exports import DataExport
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.model.photos import Photo, PhotoStatus, Subject
from tailtribe.domain.model.tokens import OneTimeToken, TokenPurpose
from tailtribe.domain.model.users import User
from tailtribe.domain.ports.monitoring import PAYMENT_AUTHORIZED_TOPICS, PAYMENT_FAILED_TOPICS
from tailtribe.domain.ports.payments import OffSessionOutcome
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.payments.ledger import Reconcile
from tailtribe.domain.services.privacy.retention import (
    FAILED,
    KEPT_TOPICS,
    RULES,
    ApplyRetention,
    Rule,
)
from tailtribe.entrypoints.cli import main
from tailtribe.entrypoints.worker.embedded import embedded_scheduler
from tailtribe.entrypoints.worker.saq_worker import RETENTION_CRON, make_worker
from tailtribe.ioc import make_container
from tests import factories
from tests.conftest import REDIS_URL, empty_database, in_thread
from tests.fakes.clock import FixedClock

NOW = datetime(2027, 6, 1, 3, 17, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
PERIOD = {rule.name: rule.period for rule in RULES}
NOTHING = dict.fromkeys(PERIOD, 0)


def inside(rule: str) -> datetime:
    """Just within the rule's period: kept."""
    return NOW - PERIOD[rule] + MINUTE


def past(rule: str) -> datetime:
    """Just past the rule's period: purged."""
    return NOW - PERIOD[rule] - MINUTE


@pytest.fixture
def db(db_config: SQLAlchemyAsyncConfig) -> Any:
    return db_config.create_session_maker()


def uow_of(db: Any) -> SqlUnitOfWork:
    return SqlUnitOfWork(db)


async def store(db: Any, *objects: Any) -> None:
    async with uow_of(db) as uow:
        for obj in objects:
            await _add(uow, obj)
        await uow.commit()


async def _add(uow: UnitOfWork, obj: Any) -> None:
    repository: Any = {
        User: uow.users,
        OneTimeToken: uow.tokens,
        Photo: uow.photos,
        Conversation: uow.conversations,
        OutboxMessage: uow.outbox,
    }.get(type(obj))
    if repository is None:
        await obj.store(uow) if isinstance(obj, factories.Booked) else await uow.pets.add(obj)
    else:
        await repository.add(obj)


def retention(db: Any, storage: FolderStorage, rules: tuple[Rule, ...] = RULES) -> ApplyRetention:
    return ApplyRetention(uow_of(db), storage, FixedClock(NOW), rules)


@pytest.fixture
def storage(tmp_path: Path) -> FolderStorage:
    return FolderStorage(tmp_path, "/media", "s" * 48)


async def count(db: Any, table: Any, *where: Any) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)))


async def photo_with_files(storage: FolderStorage, photo: Photo) -> Photo:
    for key in photo.keys:
        await storage.put(key, b"x", "image/webp")
    return photo


def photo(owner: User, subject: Subject, subject_id: uuid.UUID, at: datetime) -> Photo:
    return Photo(uuid.uuid4(), owner.id, subject, subject_id, at)


async def files_of(storage: FolderStorage, p: Photo) -> list[bool]:
    return [await storage.get(key) is not None for key in p.keys]


async def test_unverified_accounts_with_no_activity_go_with_their_pets_tokens_and_photos(
    db: Any, storage: FolderStorage
) -> None:
    recent = factories.user("Recent", inside("unverified_accounts"))
    idle = factories.user("Idle", past("unverified_accounts"))
    idle_pet = factories.pet(idle, idle.created_at)
    idle_photo = await photo_with_files(
        storage, photo(idle, Subject.PET, idle_pet.id, idle.created_at)
    )
    token = OneTimeToken.issue(
        id=uuid.uuid4(),
        user_id=idle.id,
        purpose=TokenPurpose.VERIFY_EMAIL,
        secret=uuid.uuid4().hex,
        now=NOW - timedelta(days=1),  # still valid: goes with its account only
    )
    verified = factories.user("Verified", past("unverified_accounts"))
    verified.verify_email()
    # An unverified account may book and apply as a caregiver: then it stays.
    walk = factories.booked_walk(past("unverified_accounts"), NOW + timedelta(days=1))
    applicant = factories.user("Applicant", past("unverified_accounts"))
    application = factories.caregiver(applicant, applicant.created_at)
    talker = factories.user("Talker", past("unverified_accounts"))
    chat = Conversation(
        uuid.uuid4(), talker.id, walk.caregiver.id, walk.carer.id, talker.created_at
    )
    # An export's file goes with the expiry job: its account waits for it.
    exporter = factories.user("Exporter", past("unverified_accounts"))
    exported = factories.user("Exported", past("unverified_accounts"))
    ready = DataExport(uuid.uuid4(), exporter.id, NOW - timedelta(hours=1))
    ready.mark_ready(NOW - timedelta(minutes=50), 100)
    expired = DataExport(uuid.uuid4(), exported.id, NOW - timedelta(days=3))
    expired.mark_ready(NOW - timedelta(days=3), 100)
    expired.mark_expired()
    await store(db, recent, idle, idle_pet, idle_photo, token, verified, walk, applicant, talker)
    await store(db, exporter, exported)
    async with uow_of(db) as uow:
        await uow.caregivers.add(application)
        await uow.conversations.add(chat)
        await uow.exports.add(ready)
        await uow.exports.add(expired)
        await uow.commit()
    users = await count(db, UserRow)

    ran = await retention(db, storage)()

    assert ran == NOTHING | {"unverified_accounts": 2}
    assert await count(db, UserRow) == users - 2
    assert await count(db, UserRow, UserRow.id == idle.id) == 0
    assert await count(db, UserRow, UserRow.id == exported.id) == 0
    assert await count(db, UserRow, UserRow.id == exporter.id) == 1
    assert await count(db, PetRow, PetRow.owner_id == idle.id) == 0
    assert await count(db, TokenRow, TokenRow.user_id == idle.id) == 0
    assert await files_of(storage, idle_photo) == [False] * len(idle_photo.keys)
    for kept in (recent, verified, walk.owner, walk.carer, applicant, talker):
        assert await count(db, UserRow, UserRow.id == kept.id) == 1, kept.full_name
    assert await retention(db, storage)() == NOTHING  # idempotent


async def test_failed_photos_go_after_seven_days_with_their_files(
    db: Any, storage: FolderStorage
) -> None:
    owner = factories.user("Owner", NOW - timedelta(days=400))
    owner.verify_email()
    rex = factories.pet(owner, owner.created_at)
    photos = {}
    for name, status, at in (
        ("failed_old", PhotoStatus.FAILED, past("failed_photos")),
        ("failed_recent", PhotoStatus.FAILED, inside("failed_photos")),
        ("ready_old", PhotoStatus.READY, past("failed_photos")),
        ("processing_old", PhotoStatus.PROCESSING, past("failed_photos")),
    ):
        p = photo(owner, Subject.PET, rex.id, at)
        p.status = status
        photos[name] = await photo_with_files(storage, p)
    await store(db, owner, rex, *photos.values())

    assert await retention(db, storage)() == NOTHING | {"failed_photos": 1}

    async with uow_of(db) as uow:
        left = {name for name, p in photos.items() if await uow.photos.get(p.id) is not None}
    assert left == {"failed_recent", "ready_old", "processing_old"}
    assert not any(await files_of(storage, photos["failed_old"]))
    assert all(await files_of(storage, photos["ready_old"]))
    assert await retention(db, storage)() == NOTHING


async def test_deleted_pets_no_booking_names_go_after_thirty_days(
    db: Any, storage: FolderStorage
) -> None:
    walk = factories.booked_walk(NOW - timedelta(days=100), NOW - timedelta(days=99))
    walk.owner.verify_email()
    walk.carer.verify_email()
    walk.pet.delete(past("deleted_pets"))  # a booking names it: kept
    gone = factories.pet(walk.owner, walk.owner.created_at, name="Gone")
    gone.delete(past("deleted_pets"))
    leftover = await photo_with_files(storage, photo(walk.owner, Subject.PET, gone.id, NOW))
    recent = factories.pet(walk.owner, walk.owner.created_at, name="Recent")
    recent.delete(inside("deleted_pets"))
    alive = factories.pet(walk.owner, walk.owner.created_at, name="Alive")
    await store(db, walk, gone, leftover, recent, alive)

    assert await retention(db, storage)() == NOTHING | {"deleted_pets": 1}

    async with db() as session:
        left = set(await session.scalars(select(PetRow.name)))
    assert left == {"Rex", "Recent", "Alive"}
    assert not any(await files_of(storage, leftover))
    assert await retention(db, storage)() == NOTHING


async def test_tokens_used_or_expired_over_thirty_days_ago_go(
    db: Any, storage: FolderStorage
) -> None:
    owner = factories.user("Owner", NOW - timedelta(days=400))
    owner.verify_email()

    def token(expires: datetime, used: datetime | None = None) -> OneTimeToken:
        return OneTimeToken(
            uuid.uuid4(),
            owner.id,
            TokenPurpose.RESET_PASSWORD,
            uuid.uuid4().hex,
            expires - timedelta(hours=1),
            expires,
            used,
        )

    used_long_ago = token(NOW + timedelta(days=1), used=past("spent_tokens"))
    used_lately = token(NOW + timedelta(days=1), used=inside("spent_tokens"))
    expired_long_ago = token(past("spent_tokens"))
    expired_lately = token(inside("spent_tokens"))
    valid = token(NOW + timedelta(hours=1))
    await store(db, owner, used_long_ago, used_lately, expired_long_ago, expired_lately, valid)

    assert await retention(db, storage)() == NOTHING | {"spent_tokens": 2}

    async with db() as session:
        left = set(await session.scalars(select(TokenRow.id)))
    assert left == {used_lately.id, expired_lately.id, valid.id}
    assert await retention(db, storage)() == NOTHING


async def _processed_event(
    uow: UnitOfWork, event_id: str, received: datetime, processed: bool = True
) -> None:
    body = f'{{"id": "{event_id}", "customer_email": "ann@example.be"}}'
    await uow.webhook_events.add_if_new(event_id, "payment_intent.succeeded", body, received)
    if processed:
        await uow.webhook_events.mark_processed(event_id, received + MINUTE)


async def _webhook_rows(db: Any) -> dict[str, tuple[str, str, datetime, datetime | None]]:
    async with db() as session:
        rows = await session.scalars(select(WebhookEventRow))
        return {r.id: (r.type, r.payload, r.received_at, r.processed_at) for r in rows}


async def test_processed_webhook_payloads_are_cleared_after_ninety_days(
    db: Any, storage: FolderStorage
) -> None:
    async with uow_of(db) as uow:
        await _processed_event(uow, "evt_old", past("webhook_payloads"))
        await _processed_event(uow, "evt_recent", inside("webhook_payloads"))
        await _processed_event(uow, "evt_unprocessed", past("webhook_payloads"), processed=False)
        await uow.commit()
    before = await _webhook_rows(db)

    assert await retention(db, storage)() == NOTHING | {"webhook_payloads": 1}

    after = await _webhook_rows(db)
    assert after["evt_old"] == (*before["evt_old"][:1], "", *before["evt_old"][2:])
    assert after["evt_recent"] == before["evt_recent"]
    assert after["evt_unprocessed"] == before["evt_unprocessed"]
    # The id still deduplicates: a late redelivery is not stored (nor applied) again.
    async with uow_of(db) as uow:
        assert not await uow.webhook_events.add_if_new("evt_old", "x", "{}", NOW)
        assert await uow.webhook_events.unprocessed("evt_old") is None
    assert await retention(db, storage)() == NOTHING


def _sent(topic: str, at: datetime, status: OutboxStatus = OutboxStatus.SENT) -> OutboxMessage:
    message = OutboxMessage(uuid.uuid4(), topic, {"user_id": str(uuid.uuid4())}, at, at)
    if status is OutboxStatus.SENT:
        message.mark_sent(at)
    message.status = status
    return message


async def test_sent_outbox_rows_go_after_ninety_days_but_the_metrics_events_stay(
    db: Any, storage: FolderStorage
) -> None:
    old, recent = past("sent_outbox"), inside("sent_outbox")
    rows = {
        "email_old": _sent("email.booking_accepted", old),
        "event_old": _sent("event.BookingAccepted", old),
        "email_recent": _sent("email.booking_accepted", recent),
        "authorized_old": _sent("event.PaymentAuthorized", old),
        "payment_failed_old": _sent("event.PaymentFailed", old),
        "failed_old": _sent("email.payout_sent", old, OutboxStatus.FAILED),
        "pending_old": _sent("email.payout_sent", old, OutboxStatus.PENDING),
        "suppressed_old": _sent("email.booking_reminder", old, OutboxStatus.SUPPRESSED),
        "suppressed_recent": _sent("email.message_unread", recent, OutboxStatus.SUPPRESSED),
    }
    await store(db, *rows.values())
    period = (old - timedelta(days=1), old + timedelta(days=1))
    async with db() as session:
        totals_before = await SqlMetricsStore(session).totals(*period)
    assert (totals_before.payments_authorized, totals_before.payments_failed) == (1, 1)

    assert await retention(db, storage)() == NOTHING | {"sent_outbox": 3}

    async with db() as session:
        left = set(await session.scalars(select(OutboxRow.id)))
        assert await SqlMetricsStore(session).totals(*period) == totals_before
    names = {name for name, m in rows.items() if m.id in left}
    assert names == {
        "email_recent",
        "authorized_old",
        "payment_failed_old",
        "failed_old",
        "pending_old",
        "suppressed_recent",
    }
    assert await retention(db, storage)() == NOTHING


def test_the_outbox_rows_kept_are_the_ones_the_metrics_count_and_hold_nothing_personal() -> None:
    assert {*PAYMENT_AUTHORIZED_TOPICS, *PAYMENT_FAILED_TOPICS} <= KEPT_TOPICS
    # Their payload is the event's fields: a booking (and its series), an
    # amount, times, and for a refused off-session charge the coarse outcome
    # ("declined" or "authentication_required"). A new field here must be
    # judged before rows carrying it are kept for ever.
    kept = (PaymentAuthorized, PaymentFailed, OccurrencePaymentAuthorized, OccurrencePaymentNeeded)
    assert {f"event.{e.__name__}" for e in kept} == KEPT_TOPICS
    for event in kept:
        assert {f.name for f in dataclasses.fields(event)} <= {
            "occurred_at",
            "booking_id",
            "series_id",
            "amount_cents",
            "reason",
            "pay_by",
        }
    assert {o.value for o in OffSessionOutcome} - {"authorized"} == {
        "declined",
        "authentication_required",
    }


async def test_metrics_and_reconciliation_read_the_same_after_retention(
    db: Any, storage: FolderStorage
) -> None:
    """A paid, completed walk of 100 days ago, its events relayed and its
    Stripe deliveries processed long since: every rule past its period."""
    created = NOW - timedelta(days=100)
    walk = factories.booked_walk(created, created + timedelta(days=1))
    walk.owner.verify_email()
    walk.carer.verify_email()
    factories.complete(walk.booking)
    outbox = Outbox(Uuid7Generator(), FixedClock(created))
    async with uow_of(db) as uow:
        await walk.store(uow)
        await outbox.publish(uow, [walk.booking])
        await _processed_event(uow, "evt_walk", created)
        await uow.commit()
    async with db() as session:  # every event relayed and its emails sent, back then
        await session.execute(
            update(OutboxRow).values(status=OutboxStatus.SENT.value, sent_at=created + MINUTE)
        )
        await session.execute(
            insert(OutboxRow).values(
                id=uuid.uuid4(),
                topic="email.booking_completed",
                payload={"user_id": str(walk.owner.id)},
                created_at=created,
                available_at=created,
                status=OutboxStatus.SENT.value,
                attempts=1,
                sent_at=created + MINUTE,
            )
        )
        await session.commit()
    period = (created - timedelta(days=1), created + timedelta(days=3))
    reconcile = Reconcile(uow_of(db), gateway=None)  # type: ignore[arg-type]

    async def observed() -> tuple[Any, Any, Any, int]:
        async with db() as session:
            metrics = SqlMetricsStore(session)
            totals = await metrics.totals(*period)
            daily = await metrics.daily(*period, [(period[0], 7200)])
        return totals, daily, await reconcile(None, with_provider=False), await count(db, OutboxRow)

    totals, daily, reconciled, rows = await observed()
    assert totals.payments_authorized == 1 and totals.bookings_completed == 1
    assert reconciled == (1, [])

    ran = await retention(db, storage)()

    assert ran["sent_outbox"] >= 1 and ran["webhook_payloads"] == 1
    after = await observed()
    assert after[:3] == (totals, daily, reconciled)
    assert after[3] < rows


async def test_a_failing_rule_leaves_the_others_to_run(db: Any, storage: FolderStorage) -> None:
    owner = factories.user("Owner", NOW - timedelta(days=400))
    owner.verify_email()
    stale = OneTimeToken(
        uuid.uuid4(),
        owner.id,
        TokenPurpose.VERIFY_EMAIL,
        "d" * 64,
        past("spent_tokens") - timedelta(days=7),
        past("spent_tokens"),
    )
    idle = factories.user("Idle", past("unverified_accounts"))
    await store(db, owner, stale, idle)

    async def broken(uow: UnitOfWork, cutoff: datetime, limit: int) -> int:
        await uow.retention.purge_spent_tokens(cutoff, limit)  # done, then it fails
        raise RuntimeError("the store refused")

    rules = (Rule("broken", timedelta(days=1), broken), *RULES)
    ran = await retention(db, storage, rules)()

    assert ran == {"broken": FAILED, **NOTHING, "unverified_accounts": 1, "spent_tokens": 1}
    assert await count(db, UserRow, UserRow.id == idle.id) == 0


def test_the_command_prints_each_rule_count(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    idle = factories.user("Idle", datetime.now(UTC) - PERIOD["unverified_accounts"] - MINUTE)

    async def seed() -> None:
        config = await empty_database(sqlite_url)
        await store(config.create_session_maker(), idle)
        await config.get_engine().dispose()

    in_thread(lambda: asyncio.run(seed()))
    monkeypatch.setenv("DATABASE_URL", sqlite_url.replace("+aiosqlite", ""))
    monkeypatch.setenv("TAILTRIBE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)

    assert main(["retention", "run"]) == 0
    printed = dict(line.split() for line in capsys.readouterr().out.splitlines())
    assert printed == {name: "0" for name in PERIOD} | {"unverified_accounts": "1"}
    assert main(["retention", "run"]) == 0
    assert dict(line.split() for line in capsys.readouterr().out.splitlines()) == {
        name: "0" for name in PERIOD
    }


async def _idle_account(url: str) -> uuid.UUID:
    config = await empty_database(url)
    idle = factories.user("Idle", datetime.now(UTC) - PERIOD["unverified_accounts"] - MINUTE)
    await store(config.create_session_maker(), idle)
    await config.get_engine().dispose()
    return idle.id


async def _exists(url: str, user_id: uuid.UUID) -> bool:
    config = make_db_config(url)
    try:
        return await count(config.create_session_maker(), UserRow, UserRow.id == user_id) == 1
    finally:
        await config.get_engine().dispose()


async def test_the_saq_worker_runs_retention_daily_once_at_a_time(pg_url: str) -> None:
    idle = await _idle_account(pg_url)
    settings = Settings(database_url=pg_url, redis_url=REDIS_URL)
    worker = make_worker(settings, concurrency=1, grace_seconds=1)
    [cron] = [c for c in worker.cron_jobs if c.function.__name__ == "retention"]
    assert (cron.cron, cron.unique) == (RETENTION_CRON, True)
    assert RETENTION_CRON.split()[2:] == ["*", "*", "*"]  # a minute and hour of every day
    await worker.queue.connect()
    running = asyncio.create_task(worker.start())
    try:
        ran = await worker.queue.apply("retention", timeout=60)
    finally:
        await worker.stop()
        running.cancel()
        await worker.queue.disconnect()
    assert ran == NOTHING | {"unverified_accounts": 1}
    assert not await _exists(pg_url, idle)


async def test_the_embedded_runner_applies_retention_when_it_starts(sqlite_url: str) -> None:
    idle = await _idle_account(sqlite_url)
    container = make_container(Settings(database_url=sqlite_url))
    try:
        async with embedded_scheduler(container, interval=3600, outbox_interval=3600):
            for _ in range(200):
                await asyncio.sleep(0.05)
                if not await _exists(sqlite_url, idle):
                    break
    finally:
        await container.close()
    assert not await _exists(sqlite_url, idle)
