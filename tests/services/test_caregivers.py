from __future__ import annotations

from datetime import timedelta

import pytest

from tailtribe.adapters.stripe.events import StripeEventDecoder, stripe_event
from tailtribe.domain.errors import Conflict, InvalidTransition, NotFound, ProfileIncomplete
from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.payment_events import ReceivedEvent
from tailtribe.domain.model.pets import PetDetails, Species
from tailtribe.domain.model.pricing import Service, ServicePrice
from tailtribe.domain.model.users import Locale, Role
from tailtribe.domain.services.accounts.register import Register
from tailtribe.domain.services.admin.review_caregivers import ReviewCaregivers, Verdict
from tailtribe.domain.services.caregivers.manage_profile import ManageProfile
from tailtribe.domain.services.caregivers.payouts import StartPayoutOnboarding
from tailtribe.domain.services.payments.apply_payment_events import ReceivePaymentEvent
from tailtribe.domain.services.pets.manage_pets import ManagePets, PetChanges
from tests.services.conftest import World
from tests.services.test_accounts import PASSWORD, register

COMPLETE = {
    "bio": "x" * 50,
    "postcode": "2000",
    "latitude": 51.2,
    "longitude": 4.4,
    "accepted_species": frozenset({Species.DOG}),
}


def event(world: World, account: str, enabled: bool, minutes: int = 0) -> ReceivedEvent:
    data = {"id": account, "payouts_enabled": enabled}
    return stripe_event(
        f"evt_{world.ids.new_id().hex}",
        "account.updated",
        world.clock.now() + timedelta(minutes=minutes),
        data,
    )


async def test_the_caregiver_journey_with_memory_adapters(world: World) -> None:
    user = await register(world)(Register("cg@example.be", PASSWORD, "Sofie", Locale.NL))
    admin = await register(world)(Register("admin@example.be", PASSWORD, "Admin", Locale.NL))
    profiles = ManageProfile(world.uow, world.outbox, world.ids, world.clock, world.cache)
    caregiver = await profiles.create(user.id, {})
    assert caregiver.profile.display_name == "Sofie"
    assert world.uow.store.users[user.id].has(Role.CAREGIVER)
    with pytest.raises(Conflict):
        await profiles.create(user.id, {})

    with pytest.raises(ProfileIncomplete) as incomplete:
        await profiles.submit(user.id)
    assert incomplete.value.missing == (
        "bio",
        "postcode",
        "coordinates",
        "services",
        "accepted_species",
    )

    await profiles.edit(user.id, COMPLETE)
    await profiles.set_services(user.id, (ServicePrice(Service.BOARDING, 4000),))
    submitted = await profiles.submit(user.id)
    assert submitted.status is CaregiverStatus.PENDING_REVIEW
    assert [m.topic for m in world.uow.outbox_rows.values()][-1] == "event.CaregiverSubmitted"

    review = ReviewCaregivers(world.uow, world.outbox, world.clock, world.audit)
    with pytest.raises(InvalidTransition):
        await review.decide(admin.id, caregiver.id, Verdict.APPROVE, "looks fine")

    link = await StartPayoutOnboarding(world.uow, world.gateway, "https://app.example")(user.id)
    account = world.uow.store.caregivers[caregiver.id].stripe_account_id
    assert account and account in link
    handle = ReceivePaymentEvent(
        world.uow, world.gateway, world.outbox, world.clock, StripeEventDecoder()
    )
    enable = event(world, account, True)
    assert await handle(enable)
    assert not await handle(enable)  # a second delivery changes nothing
    assert await handle(event(world, account, False, minutes=-5))  # stale: stored, ignored
    assert world.uow.store.caregivers[caregiver.id].payouts_enabled

    approved = await review.decide(admin.id, caregiver.id, Verdict.APPROVE, "ok")
    assert approved.status is CaregiverStatus.APPROVED
    assert approved.decisions[-1].admin_id == admin.id
    message = list(world.uow.outbox_rows.values())[-1]
    assert message.topic == "event.CaregiverApproved"
    assert message.payload["admin_id"] == str(admin.id)
    with pytest.raises(NotFound):
        await review.decide(admin.id, user.id, Verdict.SUSPEND, "no such caregiver")


async def test_only_the_owner_sees_a_pet(world: World) -> None:
    owner = await register(world)(Register("o@example.be", PASSWORD, "O", Locale.NL))
    other = await register(world)(Register("x@example.be", PASSWORD, "X", Locale.NL))
    pets = ManagePets(world.uow, world.ids, world.clock)
    pet = await pets.create(owner.id, PetDetails("Rex", Species.DOG))
    for call in (
        pets.get(other.id, pet.id),
        pets.update(other.id, pet.id, PetChanges({"name": "Stolen"})),
        pets.delete(other.id, pet.id),
    ):
        with pytest.raises(NotFound):
            await call
    assert world.uow.store.pets[pet.id].details.name == "Rex"
    await pets.delete(owner.id, pet.id)
    with pytest.raises(NotFound):
        await pets.get(owner.id, pet.id)
