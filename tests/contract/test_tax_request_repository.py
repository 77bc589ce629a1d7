"""DAC7 requests in store, alike on memory, SQLite and PostgreSQL: who is still to
be asked, whose next step is due (at its instant, not before), and the
withheld payouts of a caregiver."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus
from tailtribe.domain.model.tax_details import SealedTaxDetails
from tailtribe.domain.model.tax_requests import (
    FIRST_REMINDER_AFTER,
    SECOND_REMINDER_AFTER,
    WITHHOLD_AFTER,
    TaxDetailsRequest,
)
from tailtribe.domain.ports.storage import UnitOfWork
from tests.contract.conftest import UowFactory
from tests.factories import booking_request, caregiver, pet, user

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


async def approved(uow: UnitOfWork, name: str) -> Caregiver:
    carer = user(name, NOW)
    profile = dataclasses.replace(caregiver(carer, NOW), status=CaregiverStatus.APPROVED)
    await uow.users.add(carer)
    await uow.caregivers.add(profile)
    return profile


async def test_requests_round_trip_and_only_unasked_approved_caregivers_without_details_are_new(
    make_uow: UowFactory,
) -> None:
    async with make_uow() as uow:
        asked, given, new = [await approved(uow, n) for n in ("Ann", "Bob", "Cas")]
        dee = user("Dee", NOW)
        draft = caregiver(dee, NOW)
        await uow.users.add(dee)
        await uow.caregivers.add(draft)
        await uow.commit()
    async with make_uow() as uow:
        request = TaxDetailsRequest.first(asked.id, NOW)
        await uow.tax_requests.add(request)
        await uow.tax_details.save(SealedTaxDetails(given.id, "sealed", NOW))
        await uow.commit()
    async with make_uow() as uow:
        assert list(await uow.tax_requests.unrequested(10)) == [new.id]
        stored = await uow.tax_requests.get(asked.id, lock=True)
        assert stored is not None and stored.pull_events() == []
        assert (stored.requested_at, stored.first_reminder_at) == (NOW, None)
        stored.advance(NOW + FIRST_REMINDER_AFTER, complete=False)
        await uow.tax_requests.save(stored)
        await uow.commit()
    async with make_uow() as uow:
        again = await uow.tax_requests.get(asked.id)
        assert again is not None and again.first_reminder_at == NOW + FIRST_REMINDER_AFTER
        assert await uow.tax_requests.get(draft.id) is None
        await uow.tax_requests.delete(asked.id)
        await uow.commit()
    async with make_uow() as uow:
        assert await uow.tax_requests.get(asked.id) is None


async def test_due_finds_each_step_at_its_instant_and_none_once_complete(
    make_uow: UowFactory,
) -> None:
    async with make_uow() as uow:
        profile = await approved(uow, "Ann")
        request = TaxDetailsRequest.first(profile.id, NOW)
        await uow.tax_requests.add(request)
        await uow.commit()
    for step in (FIRST_REMINDER_AFTER, SECOND_REMINDER_AFTER, WITHHOLD_AFTER):
        async with make_uow() as uow:
            assert list(await uow.tax_requests.due(NOW + step - TICK, 10)) == []
            assert list(await uow.tax_requests.due(NOW + step, 10)) == [profile.id]
            stored = await uow.tax_requests.get(profile.id, lock=True)
            assert stored is not None and stored.advance(NOW + step, complete=False) is not None
            await uow.tax_requests.save(stored)
            await uow.commit()
    async with make_uow() as uow:
        assert list(await uow.tax_requests.due(NOW + 10 * WITHHOLD_AFTER, 10)) == []
    # Details given before the first reminder: nothing is ever due.
    async with make_uow() as uow:
        other = await approved(uow, "Bob")
        await uow.tax_requests.add(TaxDetailsRequest.first(other.id, NOW))
        await uow.tax_details.save(SealedTaxDetails(other.id, "sealed", NOW))
        await uow.commit()
    async with make_uow() as uow:
        assert list(await uow.tax_requests.due(NOW + 10 * WITHHOLD_AFTER, 10)) == []


async def test_withheld_of_lists_only_the_caregivers_withheld_payouts(
    make_uow: UowFactory,
) -> None:
    async with make_uow() as uow:
        owner = user("Owen", NOW)
        rex = pet(owner, NOW)
        await uow.users.add(owner)
        await uow.pets.add(rex)
        ann, bob = await approved(uow, "Ann"), await approved(uow, "Bob")
        bookings = []
        for day, (profile, status) in enumerate(
            (
                (ann, PayoutStatus.WITHHELD),
                (ann, PayoutStatus.SCHEDULED),
                (bob, PayoutStatus.WITHHELD),
            )
        ):
            start = NOW + timedelta(days=2 + day)
            b = booking_request(owner.id, profile.id, (rex.id,), start, now=NOW)
            b.payout.status = status
            b.pull_events()
            await uow.bookings.add(b)
            bookings.append(b)
        await uow.commit()
    async with make_uow() as uow:
        assert [b.id for b in await uow.bookings.withheld_of(ann.id)] == [bookings[0].id]
        assert [b.id for b in await uow.bookings.withheld_of(bob.id)] == [bookings[2].id]
        page = await uow.bookings.with_payout(PayoutStatus.WITHHELD, 10, 0)
        assert page.total == 2
