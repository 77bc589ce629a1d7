"""Users, tokens, pets, caregivers and webhook events: one set of assertions, three stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import pytest

from tailtribe.domain.errors import Conflict, EmailTaken
from tailtribe.domain.model.availability import Availability, BlockedPeriod, WeeklyWindow
from tailtribe.domain.model.cancellation import CancellationPolicy
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus, ProfileDetails
from tailtribe.domain.model.pets import Pet, PetDetails, Species
from tailtribe.domain.model.pricing import Service, ServicePrice
from tailtribe.domain.model.tokens import OneTimeToken, TokenPurpose, token_digest
from tailtribe.domain.model.users import Locale, Role, User
from tests.contract.conftest import UowFactory

T0 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def a_user(email: str = "an@example.be") -> User:
    return User.register(
        id=uuid4(),
        email=email,
        full_name="An",
        password_hash="$argon2id$x",
        locale=Locale.FR,
        now=T0,
    )


async def stored_user(make_uow: UowFactory, email: str = "an@example.be") -> User:
    user = a_user(email)
    async with make_uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def test_users_round_trip_and_emails_are_unique(make_uow: UowFactory) -> None:
    user = await stored_user(make_uow)
    async with make_uow() as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        assert (loaded.email, loaded.locale, loaded.roles, loaded.created_at) == (
            "an@example.be",
            Locale.FR,
            frozenset({Role.OWNER}),
            T0,
        )
        loaded.grant(Role.CAREGIVER)
        loaded.verify_email()
        loaded.change_password("$argon2id$y")
        await uow.users.save(loaded)
        await uow.commit()
    async with make_uow() as uow:
        again = await uow.users.get_by_email("an@example.be")
        assert again is not None
        assert again.roles == {Role.OWNER, Role.CAREGIVER}
        assert again.email_verified and again.token_version == 1
        assert again.password_hash == "$argon2id$y"
        assert await uow.users.get_by_email("other@example.be") is None
        with pytest.raises(EmailTaken):
            await uow.users.add(a_user("an@example.be"))


async def test_tokens_by_digest(make_uow: UowFactory) -> None:
    user = await stored_user(make_uow)
    token = OneTimeToken.issue(
        id=uuid4(), user_id=user.id, purpose=TokenPurpose.RESET_PASSWORD, secret="s3cret", now=T0
    )
    async with make_uow() as uow:
        await uow.tokens.add(token)
        await uow.commit()
    async with make_uow() as uow:
        found = await uow.tokens.get_by_digest(token_digest("s3cret"))
        assert found is not None
        assert (found.id, found.purpose, found.expires_at) == (
            token.id,
            TokenPurpose.RESET_PASSWORD,
            T0 + timedelta(hours=1),
        )
        assert await uow.tokens.get_by_digest(token_digest("other")) is None
        found.use(T0 + timedelta(minutes=5))
        await uow.tokens.save(found)
        await uow.commit()
    async with make_uow() as uow:
        used = await uow.tokens.get_by_digest(token_digest("s3cret"))
        assert used is not None
        assert used.used_at == T0 + timedelta(minutes=5)


async def test_pets_list_only_the_owners_active_pets(make_uow: UowFactory) -> None:
    owner = await stored_user(make_uow)
    other = await stored_user(make_uow, "other@example.be")
    pets = [
        Pet(
            uuid4(),
            owner.id,
            PetDetails(f"Pet {i}", Species.DOG, weight_kg=10.5),
            T0 + timedelta(minutes=i),
        )
        for i in range(3)
    ]
    stranger = Pet(
        uuid4(), other.id, PetDetails("Stranger", Species.CAT, birth_date=date(2020, 1, 1)), T0
    )
    async with make_uow() as uow:
        for pet in [*pets, stranger]:
            await uow.pets.add(pet)
        await uow.commit()
    async with make_uow() as uow:
        deleted = await uow.pets.get(pets[1].id)
        assert deleted is not None
        deleted.delete(T0 + timedelta(days=1))
        await uow.pets.save(deleted)
        await uow.commit()
    async with make_uow() as uow:
        page = await uow.pets.list_active(owner.id, limit=10, offset=0)
        assert page.total == 2
        assert [p.details.name for p in page.items] == ["Pet 0", "Pet 2"]
        assert [p.details.name for p in (await uow.pets.list_active(owner.id, 1, 1)).items] == [
            "Pet 2"
        ]
        kept = await uow.pets.get(pets[1].id)
        assert kept is not None and not kept.active  # bookings may still name it
        loaded = await uow.pets.get(stranger.id)
        assert loaded is not None and loaded.details.birth_date == date(2020, 1, 1)


def a_caregiver(user: User, created: datetime = T0) -> Caregiver:
    caregiver = Caregiver(
        id=uuid4(),
        user_id=user.id,
        profile=ProfileDetails(display_name="Sofie"),
        created_at=created,
    )
    caregiver.edit(
        ProfileDetails(
            display_name="Sofie",
            bio="b" * 60,
            postcode="9000",
            city="Gent",
            latitude=51.05,
            longitude=3.72,
            accepted_species=frozenset({Species.DOG, Species.BIRD}),
            max_pets=2,
            cancellation_policy=CancellationPolicy.STRICT,
        )
    )
    caregiver.set_services(
        (ServicePrice(Service.BOARDING, 3500, 1000), ServicePrice(Service.DOG_WALKING, 1500))
    )
    caregiver.set_availability(
        Availability(
            weekly=(WeeklyWindow(0, time(8), time(12)), WeeklyWindow(0, time(13), time(18))),
            blocked=(BlockedPeriod(T0 + timedelta(days=3), T0 + timedelta(days=5)),),
        )
    )
    return caregiver


async def test_caregivers_round_trip_with_everything_they_own(make_uow: UowFactory) -> None:
    user = await stored_user(make_uow)
    admin = await stored_user(make_uow, "admin@example.be")
    caregiver = a_caregiver(user)
    async with make_uow() as uow:
        await uow.caregivers.add(caregiver)
        await uow.commit()
    async with make_uow() as uow:
        loaded = await uow.caregivers.get_by_user(user.id)
        assert loaded is not None
        assert loaded.profile == caregiver.profile
        assert loaded.services == caregiver.services
        assert loaded.availability == caregiver.availability
        loaded.submit(T0)
        loaded.connect_payout_account("acct_123")
        loaded.update_payouts(True, T0)
        loaded.approve(admin.id, T0 + timedelta(hours=1), "ok")
        loaded.set_services((ServicePrice(Service.DROP_IN, 1200),))
        await uow.caregivers.save(loaded)
        await uow.commit()
    async with make_uow() as uow:
        again = await uow.caregivers.get_by_stripe_account("acct_123")
        assert again is not None
        assert again.status is CaregiverStatus.APPROVED and again.payouts_enabled
        assert again.payouts_updated_at == T0
        assert [(d.kind, d.admin_id, d.at, d.reason) for d in again.decisions] == [
            ("approve", admin.id, T0 + timedelta(hours=1), "ok")
        ]
        assert again.services == (ServicePrice(Service.DROP_IN, 1200),)
        again.suspend(admin.id, T0 + timedelta(days=1), "complaint")
        await uow.caregivers.save(again)
        await uow.commit()
    async with make_uow() as uow:
        final = await uow.caregivers.get(caregiver.id)
        assert final is not None
        assert [d.kind for d in final.decisions] == ["approve", "suspend"]
        with pytest.raises(Conflict):
            await uow.caregivers.add(a_caregiver(user))


async def test_a_caregiver_found_without_a_lock_has_everything_in_order(
    make_uow: UowFactory,
) -> None:
    """`find` reads what `get` does: services in the catalogue's order, windows
    by day and time, blocked periods by start, decisions as they were made."""
    user = await stored_user(make_uow)
    admin = await stored_user(make_uow, "admin@example.be")
    caregiver = a_caregiver(user)
    caregiver.set_availability(
        Availability(
            weekly=(
                WeeklyWindow(0, time(8), time(12)),
                WeeklyWindow(0, time(13), time(18)),
                WeeklyWindow(4, time(7), time(9)),
            ),
            blocked=(
                BlockedPeriod(T0 + timedelta(days=3), T0 + timedelta(days=5)),
                BlockedPeriod(T0 + timedelta(days=9), T0 + timedelta(days=10)),
            ),
        )
    )
    caregiver.submit(T0)
    caregiver.connect_payout_account("acct_123")
    caregiver.update_payouts(True, T0)
    caregiver.approve(admin.id, T0 + timedelta(hours=1), "ok")
    caregiver.suspend(admin.id, T0 + timedelta(hours=2), "complaint")
    caregiver.reinstate(admin.id, T0 + timedelta(hours=3), None)
    async with make_uow() as uow:
        await uow.caregivers.add(caregiver)
        await uow.commit()
    async with make_uow() as uow:
        found = await uow.caregivers.find(caregiver.id)
        locked = await uow.caregivers.get(caregiver.id)
        assert await uow.caregivers.find(uuid4()) is None
    for loaded in (found, locked):
        assert loaded is not None
        assert loaded.user_id == user.id and loaded.status is caregiver.status
        assert loaded.profile == caregiver.profile
        assert loaded.services == caregiver.services
        assert loaded.availability == caregiver.availability
        assert [(d.kind, d.admin_id, d.at, d.reason) for d in loaded.decisions] == [
            (d.kind, d.admin_id, d.at, d.reason) for d in caregiver.decisions
        ]


async def test_caregivers_list_submitted_first_then_oldest_first(make_uow: UowFactory) -> None:
    created = []
    for i in range(3):
        user = await stored_user(make_uow, f"c{i}@example.be")
        caregiver = a_caregiver(user, T0 + timedelta(minutes=i))
        if i != 1:
            caregiver.submit(T0)
        created.append(caregiver)
        async with make_uow() as uow:
            await uow.caregivers.add(caregiver)
            await uow.commit()
    async with make_uow() as uow:
        pending = await uow.caregivers.list(CaregiverStatus.PENDING_REVIEW, 10, 0)
        assert pending.total == 2
        assert [c.id for c in pending.items] == [created[0].id, created[2].id]
        # The draft (created between the two submitted) comes after them.
        everyone = await uow.caregivers.list(None, 2, 1)
        assert everyone.total == 3
        assert [c.id for c in everyone.items] == [created[2].id, created[1].id]


async def test_webhook_events_are_stored_once(make_uow: UowFactory) -> None:
    async with make_uow() as uow:
        assert await uow.webhook_events.add_if_new("evt_1", "account.updated", "{}", T0)
        await uow.webhook_events.mark_processed("evt_1", T0)
        await uow.commit()
    async with make_uow() as uow:
        assert not await uow.webhook_events.add_if_new("evt_1", "account.updated", "{}", T0)
        assert await uow.webhook_events.add_if_new("evt_2", "charge.refunded", "{}", T0)
