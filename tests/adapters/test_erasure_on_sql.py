"""Erasing an account on PostgreSQL, SQLite and the memory unit of work: the
same use case leaves the same state (the privacy store's bulk updates,
including the JSON match on the outbox's payloads, on each)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from uuid import uuid4

import pytest

from tailtribe.adapters.filesystem.object_storage import FolderStorage
from tailtribe.adapters.memory.cache import MemoryCache
from tailtribe.adapters.memory.login_throttle import MemoryLoginThrottle
from tailtribe.adapters.security.passwords import Argon2PasswordHasher
from tailtribe.adapters.security.token_secrets import HmacTokenSecrets
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.domain.model.audit import AuditAction, AuditFilter
from tailtribe.domain.model.calendar import CalendarFeed, token_hash
from tailtribe.domain.model.outbox import OutboxStatus
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.privacy import ERASED_PET_NAME
from tailtribe.domain.model.series import BookingSeries, WeeklyPattern
from tailtribe.domain.model.tokens import TokenPurpose
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.services.accounts.token_issuer import TokenIssuer
from tailtribe.domain.services.audit import AuditTrail
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.privacy.erase import EraseAccount, PurgeErasedPhotos
from tests import factories
from tests.conftest import SQL_BACKENDS, empty_database, sql_url
from tests.fakes.clock import FixedClock
from tests.fakes.unit_of_work import MemoryUnitOfWork

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


async def unit_of_work(request: pytest.FixtureRequest, backend: str) -> UnitOfWork:
    if backend == "memory":
        return MemoryUnitOfWork()
    config = await empty_database(sql_url(request, backend))
    return SqlUnitOfWork(config.create_session_maker())


@pytest.mark.parametrize("backend", [*SQL_BACKENDS, "memory"])
async def test_erasure_changes_the_person_and_no_one_else(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    uow = await unit_of_work(request, backend)
    clock, ids = FixedClock(NOW), Uuid7Generator()
    issuer = TokenIssuer(HmacTokenSecrets("k" * 32), Outbox(ids, clock), ids)
    gone, stays = factories.user("An", NOW), factories.user("Bo", NOW)
    pets = {u.id: factories.pet(u, NOW, name="Brunzyx") for u in (gone, stays)}
    carer = factories.user("Cy", NOW)
    profile = factories.caregiver(carer, NOW)
    pattern = WeeklyPattern((0,), time(9, 0), 60, date(2027, 1, 11), count=2)
    series = {
        u.id: BookingSeries.request(
            id=uuid4(),
            owner_id=u.id,
            caregiver_id=profile.id,
            service=Service.DOG_WALKING,
            pet_ids=(pets[u.id].id,),
            pattern=pattern,
            first_start=pattern.periods(Service.DOG_WALKING)[0][0],
            occurrences=2,
            now=NOW,
            message="Ring twice, I am Brunzyx's owner",
        )
        for u in (gone, stays)
    }
    async with uow:
        await uow.users.add(carer)
        await uow.caregivers.add(profile)
        for person in (gone, stays):
            await uow.users.add(person)
            await uow.pets.add(pets[person.id])
            await uow.series.add(series[person.id])
            await issuer.send(uow, person, TokenPurpose.VERIFY_EMAIL, NOW)
            await uow.calendar_feeds.put(CalendarFeed(person.id, token_hash(person.email), NOW))
        await uow.commit()

    storage = FolderStorage(tmp_path, "http://media.test", "s" * 32)
    erase = EraseAccount(
        uow,
        Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
        MemoryLoginThrottle(clock, 10),
        PurgeErasedPhotos(uow, storage),
        MemoryCache(clock),
        clock,
        AuditTrail(uow, ids, clock),
    )
    erased = await erase.by_admin(gone.id, "asked by letter")
    assert erased.now and erased.user.erased_at == NOW
    again = await erase.by_admin(gone.id, "asked twice")
    assert not again.now
    async with uow:  # both asks audited, from the command line (no actor)
        trail = await uow.audit.list(AuditFilter(object_id=str(gone.id)), 10, None)
    assert {(e.actor_id, e.action, e.reason, e.outcome) for e in trail.items} == {
        (None, AuditAction.ERASE_ACCOUNT, "asked by letter", "erased"),
        (None, AuditAction.ERASE_ACCOUNT, "asked twice", "erased before: nothing changed"),
    }

    async with uow:
        assert not await uow.privacy.hold_account(gone.id)
        assert await uow.privacy.hold_account(stays.id)
        user = await uow.users.get(gone.id)
        assert user is not None and user.email == f"erased-{gone.id}@erased.invalid"
        other = await uow.users.get(stays.id)
        assert other is not None and other.email == stays.email and not other.erased
        pet, kept = await uow.pets.get(pets[gone.id].id), await uow.pets.get(pets[stays.id].id)
        assert pet is not None and pet.details.name == ERASED_PET_NAME and not pet.active
        assert kept is not None and kept.details.name == "Brunzyx" and kept.active
        assert await uow.calendar_feeds.get(gone.id) is None
        assert await uow.calendar_feeds.get(stays.id) is not None
        asked, still = (
            await uow.series.get(series[gone.id].id),
            await uow.series.get(series[stays.id].id),
        )
        assert asked is not None and asked.message is None
        assert still is not None and still.message == series[stays.id].message
        emails = {
            m.payload["user_id"]: m.status
            for m in (await uow.outbox.list(None, 10, 0)).items
            if m.topic.startswith("email.")
        }
    assert emails == {str(gone.id): OutboxStatus.FAILED, str(stays.id): OutboxStatus.PENDING}
