"""Rules that must hold when requests race, enforced by the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from uuid import UUID, uuid4

import pytest
from dishka import AsyncContainer

from tailtribe.adapters.stripe.events import stripe_event
from tailtribe.config import Settings
from tailtribe.domain.errors import Conflict, InvalidCredentials, InvalidInput, RateLimited
from tailtribe.domain.model.availability import Availability, WeeklyWindow
from tailtribe.domain.model.pets import Pet, PetDetails, Species
from tailtribe.domain.model.pricing import Service, ServicePrice
from tailtribe.domain.model.users import Locale, Role
from tailtribe.domain.ports.identity import TokenSecrets
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.accounts.authenticate import Authenticate, Credentials
from tailtribe.domain.services.accounts.register import Register, RegisterUser
from tailtribe.domain.services.accounts.verify_email import VerifyEmail
from tailtribe.domain.services.caregivers.manage_profile import ManageProfile
from tailtribe.domain.services.caregivers.payouts import StartPayoutOnboarding
from tailtribe.domain.services.outbox import EMAIL_ACCOUNT_EXISTS, EMAIL_VERIFY
from tailtribe.domain.services.payments.apply_payment_events import ReceivePaymentEvent
from tailtribe.domain.services.pets.manage_pets import MAX_PETS_PER_OWNER, ManagePets
from tailtribe.domain.services.reviews.manage_reviews import ManageReviews
from tailtribe.domain.services.terms import Actor
from tailtribe.ioc import make_container
from tests import factories
from tests.conftest import REDIS_URL, SQL_BACKENDS, empty_database, sql_url
from tests.factories import completed_walk
from tests.support import PASSWORD, CheapHashing


@pytest.fixture(params=SQL_BACKENDS)
async def container(request: pytest.FixtureRequest) -> AsyncIterator[AsyncContainer]:
    url = sql_url(request, request.param)
    await (await empty_database(url)).get_engine().dispose()
    container = make_container(Settings(database_url=url), CheapHashing())
    yield container
    await container.close()


async def test_concurrent_registrations_of_one_email_make_one_account(
    container: AsyncContainer,
) -> None:
    async def attempt(i: int) -> str:
        async with container() as scope:
            user = await (await scope.get(RegisterUser))(
                Register("same@example.be", PASSWORD, f"U{i}", Locale.NL)
            )
            return user.full_name

    names = await asyncio.gather(*(attempt(i) for i in range(8)))
    assert names == [f"U{i}" for i in range(8)]  # every one answered alike
    async with container() as scope:
        uow = await scope.get(UnitOfWork)
        async with uow:
            stored = await uow.users.get_by_email("same@example.be")
            due = await uow.outbox.due((await scope.get(Clock)).now(), 100)
    assert stored is not None and stored.full_name in names
    told = [m for m in due if m.topic == EMAIL_ACCOUNT_EXISTS]
    assert 1 <= len(told) <= 3 and {m.payload["user_id"] for m in told} == {str(stored.id)}


async def test_a_token_is_redeemed_once_under_concurrency(container: AsyncContainer) -> None:
    async with container() as scope:
        user = await (await scope.get(RegisterUser))(
            Register("v@example.be", PASSWORD, "V", Locale.NL)
        )
        uow = await scope.get(UnitOfWork)
        async with uow:
            due = await uow.outbox.due((await scope.get(Clock)).now(), 10)
    [message] = [m for m in due if m.topic == EMAIL_VERIFY and m.payload["user_id"] == str(user.id)]
    secret = (await container.get(TokenSecrets)).secret_for(UUID(message.payload["token_id"]))

    async def redeem() -> str:
        async with container() as scope:
            try:
                await (await scope.get(VerifyEmail))(secret)
            except InvalidInput:
                return "refused"
            return "used"

    outcomes = await asyncio.gather(*(redeem() for _ in range(5)))
    assert sorted(outcomes) == ["refused"] * 4 + ["used"]


async def _caregiver(container: AsyncContainer, email: str) -> UUID:
    async with container() as scope:
        user = await (await scope.get(RegisterUser))(Register(email, PASSWORD, "C", Locale.NL))
        await (await scope.get(ManageProfile)).create(user.id, {})
    return user.id


async def test_concurrent_profile_writes_take_turns(container: AsyncContainer) -> None:
    user_id = await _caregiver(container, "cg@example.be")
    weekly = Availability(weekly=(WeeklyWindow(0, time(8), time(18)),))

    async def put_availability() -> None:
        async with container() as scope:
            await (await scope.get(ManageProfile)).set_availability(user_id, weekly)

    async def put_services(price: int) -> None:
        async with container() as scope:
            await (await scope.get(ManageProfile)).set_services(
                user_id, (ServicePrice(Service.DOG_WALKING, price),)
            )

    await asyncio.gather(
        *(put_availability() for _ in range(6)), *(put_services(1000 + i) for i in range(6))
    )
    async with container() as scope:
        caregiver = await (await scope.get(ManageProfile)).get(user_id)
    assert caregiver.availability == weekly
    assert len(caregiver.services) == 1


async def test_a_stripe_event_racing_profile_edits_is_not_lost(container: AsyncContainer) -> None:
    user_id = await _caregiver(container, "stripe@example.be")
    async with container() as scope:
        await (await scope.get(StartPayoutOnboarding))(user_id)
        account = (await (await scope.get(ManageProfile)).get(user_id)).stripe_account_id
    assert account is not None

    async def edit(i: int) -> None:
        async with container() as scope:
            await (await scope.get(ManageProfile)).edit(user_id, {"city": f"Gent {i}"})

    async def enable() -> None:
        data = {"id": account, "payouts_enabled": True}
        async with container() as scope:
            await (await scope.get(ReceivePaymentEvent))(
                stripe_event(f"evt_{uuid4().hex}", "account.updated", datetime.now(UTC), data)
            )

    await asyncio.gather(edit(1), enable(), edit(2), edit(3))
    async with container() as scope:
        assert (await (await scope.get(ManageProfile)).get(user_id)).payouts_enabled


async def test_a_burst_of_guesses_cannot_pass_the_login_limit(pg_url: str) -> None:
    settings = Settings(database_url=pg_url, redis_url=REDIS_URL, login_failures_per_account=5)
    container = make_container(settings, CheapHashing())
    email = f"burst-{uuid4().hex[:8]}@example.be"
    try:
        async with container() as scope:
            await (await scope.get(RegisterUser))(Register(email, PASSWORD, "B", Locale.NL))

        async def guess(i: int) -> str:
            async with container() as scope:
                try:
                    await (await scope.get(Authenticate))(Credentials(email, f"wrong guess {i}"))
                except InvalidCredentials:
                    return "checked"
                except RateLimited:
                    return "refused"
                return "in"

        outcomes = await asyncio.gather(*(guess(i) for i in range(30)))
        assert outcomes.count("checked") == 5
        assert outcomes.count("refused") == 25
    finally:
        await container.close()


async def _reviewed_booking(container: AsyncContainer) -> tuple[UUID, Actor]:
    """A done walk, reviewed by its owner; returns the review and the caregiver as actor."""
    walk = completed_walk()
    async with container() as scope:
        uow = await scope.get(UnitOfWork)
        async with uow:
            await walk.store(uow)
            await uow.commit()
        review = await (await scope.get(ManageReviews)).review(
            Actor(walk.owner.id, frozenset({Role.OWNER})), walk.booking.id, 5, "Top"
        )
    return review.id, Actor(walk.carer.id, frozenset({Role.CAREGIVER}))


async def test_concurrent_replies_to_a_review_store_one(container: AsyncContainer) -> None:
    review_id, caregiver = await _reviewed_booking(container)

    async def reply(i: int) -> str:
        async with container() as scope:
            try:
                await (await scope.get(ManageReviews)).reply(caregiver, review_id, f"Thanks {i}")
            except Conflict:
                return "refused"
            return "replied"

    outcomes = await asyncio.gather(*(reply(i) for i in range(8)))
    assert sorted(outcomes) == ["refused"] * 7 + ["replied"]
    async with container() as scope:
        uow = await scope.get(UnitOfWork)
        async with uow:
            stored = await uow.reviews.get(review_id)
    assert stored is not None and stored.reply is not None and stored.reply.startswith("Thanks")


async def test_concurrent_pet_creations_stop_at_the_cap(container: AsyncContainer) -> None:
    now = datetime.now(UTC)
    owner = factories.user("owner", now)
    async with container() as scope:
        uow = await scope.get(UnitOfWork)
        async with uow:
            await uow.users.add(owner)
            for i in range(30):
                await uow.pets.add(Pet(uuid4(), owner.id, PetDetails(f"Dog {i}", Species.DOG), now))
            await uow.commit()

    async def create(i: int) -> str:
        async with container() as scope:
            try:
                await (await scope.get(ManagePets)).create(
                    owner.id, PetDetails(f"New {i}", Species.DOG)
                )
            except Conflict:
                return "refused"
            return "created"

    outcomes = await asyncio.gather(*(create(i) for i in range(40)))
    assert outcomes.count("created") == MAX_PETS_PER_OWNER - 30
    assert outcomes.count("refused") == 40 - (MAX_PETS_PER_OWNER - 30)
    async with container() as scope:
        listed = await (await scope.get(ManagePets)).list(owner.id, 1, 0)
    assert listed.total == MAX_PETS_PER_OWNER
