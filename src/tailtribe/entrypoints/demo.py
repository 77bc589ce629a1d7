"""Demo data for the embedded mode, loaded through the same use cases as the API.

Idempotent: when the demo owner exists, nothing is loaded again.
"""

from __future__ import annotations

from datetime import date, time

from dishka import AsyncContainer

from tailtribe.adapters.stripe.events import encode
from tailtribe.domain.model.availability import Availability, WeeklyWindow
from tailtribe.domain.model.cancellation import CancellationPolicy
from tailtribe.domain.model.payment_events import AccountUpdated
from tailtribe.domain.model.pets import PetDetails, Species
from tailtribe.domain.model.pricing import Service, ServicePrice
from tailtribe.domain.model.users import Locale
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.accounts.create_admin import CreateAdmin
from tailtribe.domain.services.accounts.register import Register, RegisterUser
from tailtribe.domain.services.admin.review_caregivers import ReviewCaregivers, Verdict
from tailtribe.domain.services.caregivers.manage_profile import ManageProfile
from tailtribe.domain.services.caregivers.payouts import StartPayoutOnboarding
from tailtribe.domain.services.payments.apply_payment_events import ReceivePaymentEvent
from tailtribe.domain.services.pets.manage_pets import ManagePets

DEMO_PASSWORD = "tailtribe-demo"  # noqa: S105  (printed for the demo; never in production)
OWNER = "owner@demo.tailtribe.be"
ADMIN = "admin@demo.tailtribe.be"
BUSINESS_DAYS = tuple(WeeklyWindow(d, time(7, 0), time(20, 0)) for d in range(7))

CAREGIVERS = [
    (
        "lotte@demo.tailtribe.be",
        "Lotte Peeters",
        Locale.NL,
        {
            "bio": "Dierenverzorger met tien jaar ervaring; ik wandel dagelijks in het Zoniënwoud "
            "en heb een omheinde tuin voor logeerhonden.",
            "postcode": "1000",
            "city": "Brussel",
            "latitude": 50.8467,
            "longitude": 4.3525,
            "accepted_species": frozenset({Species.DOG, Species.CAT}),
            "max_pets": 3,
            "cancellation_policy": CancellationPolicy.MODERATE,
        },
        (
            ServicePrice(Service.DOG_WALKING, 1500, 500),
            ServicePrice(Service.BOARDING, 3500, 1500),
            ServicePrice(Service.DAY_CARE, 2500, 1000),
        ),
    ),
    (
        "camille@demo.tailtribe.be",
        "Camille Dubois",
        Locale.FR,
        {
            "bio": "Étudiante vétérinaire à Liège, je m'occupe de chats, lapins et oiseaux chez "
            "vous pendant vos vacances, avec des nouvelles et des photos chaque jour.",
            "postcode": "4000",
            "city": "Liège",
            "latitude": 50.6326,
            "longitude": 5.5797,
            "accepted_species": frozenset({Species.CAT, Species.RABBIT, Species.BIRD}),
            "max_pets": 2,
            "cancellation_policy": CancellationPolicy.FLEXIBLE,
        },
        (
            ServicePrice(Service.DROP_IN, 1200, 300),
            ServicePrice(Service.HOUSE_SITTING, 4500, 500),
        ),
    ),
]


async def load_demo_data(container: AsyncContainer) -> str:
    """Load the demo data set; returns a one-line summary of the logins."""
    async with container() as scope:
        uow = await scope.get(UnitOfWork)
        async with uow:
            if await uow.users.get_by_email(OWNER) is not None:
                return _summary()
        clock = await scope.get(Clock)
        register = await scope.get(RegisterUser)
        owner = await register(Register(OWNER, DEMO_PASSWORD, "An Janssens", Locale.NL))
        pets = await scope.get(ManagePets)
        await pets.create(
            owner.id, PetDetails("Bruno", Species.DOG, "Labrador", date(2020, 5, 1), 31.5)
        )
        await pets.create(owner.id, PetDetails("Minou", Species.CAT, None, date(2018, 9, 12), 4.2))
        admin, _ = await (await scope.get(CreateAdmin))(ADMIN, DEMO_PASSWORD)

    for email, name, locale, profile, services in CAREGIVERS:
        async with container() as scope:
            user = await (await scope.get(RegisterUser))(
                Register(email, DEMO_PASSWORD, name, locale)
            )
            profiles = await scope.get(ManageProfile)
            await profiles.create(user.id, profile)
            await profiles.set_services(user.id, services)
            await profiles.set_availability(user.id, Availability(weekly=BUSINESS_DAYS))
            await profiles.submit(user.id)
            await (await scope.get(StartPayoutOnboarding))(user.id)
            caregiver = await profiles.get(user.id)
            # What Stripe would send once onboarding is finished.
            finished = AccountUpdated(
                event_id=f"evt_demo_{caregiver.id.hex}",
                occurred_at=clock.now(),
                account_id=str(caregiver.stripe_account_id),
                payouts_enabled=True,
            )
            await (await scope.get(ReceivePaymentEvent))(encode(finished))
            review = await scope.get(ReviewCaregivers)
            await review.decide(admin.id, caregiver.id, Verdict.APPROVE, "demo data")
    return _summary()


def _summary() -> str:
    caregivers = ", ".join(email for email, *_ in CAREGIVERS)
    return (
        f"owner {OWNER}, admin {ADMIN}, caregivers {caregivers}; "
        f"every password is {DEMO_PASSWORD!r}"
    )
