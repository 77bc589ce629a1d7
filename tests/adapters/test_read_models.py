"""The read models of the public profile, the reviews and the booking lists
against what the aggregates and their repositories give for the same rows,
on PostgreSQL (one statement through the driver) and SQLite (Core selects)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from advanced_alchemy.config import SQLAlchemyAsyncConfig

from tailtribe.adapters.filesystem.object_storage import FolderStorage
from tailtribe.adapters.sqlalchemy.queries import SqlBookingQueries, SqlCaregiverQueries
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.domain.errors import Forbidden, NotFound
from tailtribe.domain.model.availability import Availability, WeeklyWindow
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.cancellation import Canceller
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus, ProfileDetails
from tailtribe.domain.model.pets import Pet, Species
from tailtribe.domain.model.photos import Photo, PhotoStatus, Subject
from tailtribe.domain.model.pricing import Service, ServicePrice
from tailtribe.domain.model.reviews import Review
from tailtribe.domain.model.users import Role, User
from tailtribe.domain.services.bookings.list_bookings import ListBookings
from tailtribe.domain.services.caregivers.search import GetPublicProfile
from tailtribe.domain.services.reviews.public_reviews import ListPublicReviews
from tailtribe.domain.services.terms import Actor
from tailtribe.entrypoints.http.schemas.bookings import BookingOut, ReviewOut
from tailtribe.entrypoints.http.schemas.search import PublicProfile
from tests.factories import booking_request, complete, pet, user

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
PAGES = [(20, 0), (2, 0), (2, 1), (3, 4), (1, 6), (5, 100), (100, 0)]


def _caregiver(carer: User, status: CaregiverStatus, name: str) -> Caregiver:
    return Caregiver(
        id=uuid4(),
        user_id=carer.id,
        profile=ProfileDetails(
            display_name=name,
            bio="I walk dogs every day in every weather, and I love cats too. " * 2
            + "Call me on 0470 12 34 56",
            postcode="1000",
            city="Brussel",
            latitude=50.85,
            longitude=4.35,
            service_radius_km=12,
            accepted_species=frozenset({Species.DOG, Species.CAT}),
            max_pets=2,
        ),
        # Given out of the catalogue's order: the repository keeps that order.
        services=(
            ServicePrice(Service.BOARDING, 3500, 500),
            ServicePrice(Service.DOG_WALKING, 1500),
        ),
        status=status,
        availability=Availability(
            weekly=tuple(WeeklyWindow(d, datetime.min.time(), NOW.time()) for d in range(5))
        ),
        created_at=NOW,
    )


@dataclasses.dataclass
class World:
    owner: User
    carer: User
    caregivers: dict[CaregiverStatus, Caregiver]
    pets: list[Pet]
    bookings: list[Booking]


async def _seed(config: SQLAlchemyAsyncConfig) -> World:
    owner, other = user("Owner", NOW), user("Other", NOW)
    carers = {s: user(f"Carer-{s.value}", NOW) for s in CaregiverStatus}
    for carer in carers.values():
        carer.roles = frozenset({Role.OWNER, Role.CAREGIVER})
    caregivers = {s: _caregiver(c, s, f"Carer {s.value}") for s, c in carers.items()}
    approved = caregivers[CaregiverStatus.APPROVED]
    pets = [pet(owner, NOW, f"Rex {n}") for n in range(3)] + [pet(other, NOW, "Bo")]
    bookings: list[Booking] = []
    for n in range(9):
        created = NOW - timedelta(days=30 - n)
        b = booking_request(
            owner.id if n != 4 else other.id,
            approved.id if n % 3 else caregivers[CaregiverStatus.SUSPENDED].id,
            (pets[2].id, pets[0].id) if n % 2 else (pets[1].id,),
            created + timedelta(days=1, hours=n),
            now=created if n != 5 else bookings[-1].created_at,  # a tie on created_at
        )
        if n == 4:
            b.pet_ids = (pets[3].id,)
        b.message = f"Hi, mail me at owner{n}@example.be" if n % 4 else None
        if n in (1, 2, 3, 6):
            complete(b)  # captured: the message shows unmasked
        if n == 7:
            b.cancel(Canceller.OWNER, created + timedelta(minutes=5), "changed plans")
        bookings.append(b)
    async with SqlUnitOfWork(config.create_session_maker()) as uow:
        for u in [owner, other, *carers.values()]:
            await uow.users.add(u)
        for c in caregivers.values():
            await uow.caregivers.add(c)
        for p in pets:
            await uow.pets.add(p)
        for b in bookings:
            await uow.bookings.add(b)
        for n, b in enumerate(bookings):
            if b.status is BookingStatus.COMPLETED:
                review = Review.write(
                    id=uuid4(),
                    booking_id=b.id,
                    caregiver_id=b.caregiver_id,
                    owner_id=b.owner_id,
                    rating=1 + n % 5,
                    comment=f"Walk {n}",
                    # Two reviews at one instant: ordered by id as the repository does.
                    now=NOW + timedelta(hours=min(n, 2)),
                )
                if n == 2:
                    review.answer("Thanks!", NOW + timedelta(days=1))
                await uow.reviews.add(review)
        # The gallery: ready ones in order, a processing and a failed one left out,
        # and another subject's photo that is not this profile's.
        gallery = [
            (3, PhotoStatus.READY),
            (1, PhotoStatus.READY),
            (2, PhotoStatus.PROCESSING),
            (4, PhotoStatus.FAILED),
            (0, PhotoStatus.READY),
        ]
        for minutes, status in gallery:
            photo = Photo(
                uuid4(),
                approved.user_id,
                Subject.CAREGIVER,
                approved.id,
                NOW + timedelta(minutes=minutes),
                status,
            )
            await uow.photos.add(photo)
        await uow.photos.add(
            Photo(uuid4(), owner.id, Subject.PET, pets[0].id, NOW, PhotoStatus.READY)
        )
        await uow.commit()
    return World(owner, carers[CaregiverStatus.APPROVED], caregivers, pets, bookings)


def Urls() -> FolderStorage:  # noqa: N802 - reads like the class it stands for
    return FolderStorage(Path("/nonexistent"), "https://cdn.example", "secret")


def _fields(items: Sequence[Any]) -> list[dict[str, Any]]:
    return [vars(i) for i in items]


async def test_the_profile_reads_what_the_aggregate_holds(
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    world = await _seed(db_config)
    factory = db_config.create_session_maker()
    for status, caregiver in world.caregivers.items():
        async with factory() as session:
            view = await SqlCaregiverQueries(session).profile(caregiver.id)
        async with SqlUnitOfWork(factory, read_only=True) as uow:
            stored = await uow.caregivers.get(caregiver.id)
            rating = await uow.reviews.rating(caregiver.id)
            photos = [
                p
                for p in await uow.photos.of(Subject.CAREGIVER, [caregiver.id])
                if p.status is PhotoStatus.READY
            ]
        assert view is not None and stored is not None
        assert (view.id, view.status) == (stored.id, status)
        assert view.profile == stored.profile
        assert view.services == stored.services
        assert [s.service for s in view.services] == [Service.DOG_WALKING, Service.BOARDING]
        assert view.rating == rating
        assert _fields(view.photos) == _fields(photos)
    approved = world.caregivers[CaregiverStatus.APPROVED]
    async with factory() as session:
        view = await SqlCaregiverQueries(session).profile(approved.id)
    assert view is not None
    assert view.rating.count == 2 and len(view.photos) == 3
    assert [p.created_at for p in view.photos] == sorted(p.created_at for p in view.photos)
    async with factory() as session:
        assert await SqlCaregiverQueries(session).profile(uuid4()) is None


async def test_the_public_profile_answers_as_before(db_config: SQLAlchemyAsyncConfig) -> None:
    world = await _seed(db_config)
    factory = db_config.create_session_maker()
    approved = world.caregivers[CaregiverStatus.APPROVED]
    async with factory() as session:
        view, gallery = await GetPublicProfile(SqlCaregiverQueries(session), Urls())(approved.id)
    assert view.profile == approved.profile
    assert [g.photo.id for g in gallery] == [p.id for p in view.photos]
    assert all(g.variants and "public/photos" in g.variants["thumb"] for g in gallery)
    body = msgspec.json.decode(msgspec.json.encode(PublicProfile.of(view, gallery)))
    assert "0470" not in body["bio"]  # masked as shown_publicly does
    assert body["accepted_species"] == ["cat", "dog"]
    for status, caregiver in world.caregivers.items():
        if status is CaregiverStatus.APPROVED:
            continue
        async with factory() as session:
            with pytest.raises(NotFound):
                await GetPublicProfile(SqlCaregiverQueries(session), Urls())(caregiver.id)
    async with factory() as session:
        with pytest.raises(NotFound):
            await GetPublicProfile(SqlCaregiverQueries(session), Urls())(uuid4())


async def test_reviews_page_as_the_repository_does(db_config: SQLAlchemyAsyncConfig) -> None:
    world = await _seed(db_config)
    factory = db_config.create_session_maker()
    for caregiver in world.caregivers.values():
        for limit, offset in PAGES:
            async with factory() as session:
                view = await SqlCaregiverQueries(session).reviews(caregiver.id, limit, offset)
            async with SqlUnitOfWork(factory, read_only=True) as uow:
                page = await uow.reviews.list_for_caregiver(caregiver.id, limit, offset)
            assert view is not None
            assert view.status is caregiver.status
            assert view.page.total == page.total
            assert _fields(view.page.items) == _fields(page.items)
            assert [ReviewOut.of(r) for r in view.page.items] == [
                ReviewOut.of(r) for r in page.items
            ]
    approved = world.caregivers[CaregiverStatus.APPROVED]
    async with factory() as session:
        found = await ListPublicReviews(SqlCaregiverQueries(session))(approved.id, 20, 0)
    assert found.total == 2
    assert [r.reply for r in found.items].count("Thanks!") == 1
    async with factory() as session:
        queries = SqlCaregiverQueries(session)
        assert await queries.reviews(uuid4(), 20, 0) is None
        for hidden in (uuid4(), world.caregivers[CaregiverStatus.SUSPENDED].id):
            with pytest.raises(NotFound):
                await ListPublicReviews(queries)(hidden, 20, 0)


def _json(items: Sequence[BookingOut]) -> bytes:
    return msgspec.json.encode(items)


async def test_booking_lists_answer_as_the_aggregates(db_config: SQLAlchemyAsyncConfig) -> None:
    world = await _seed(db_config)
    factory = db_config.create_session_maker()
    approved = world.caregivers[CaregiverStatus.APPROVED]
    statuses: list[BookingStatus | None] = [None, *{b.status for b in world.bookings}]
    statuses.append(BookingStatus.DISPUTED)  # none in it
    for status in statuses:
        for limit, offset in PAGES:
            for role, party in (("owner", world.owner.id), ("caregiver", world.carer.id)):
                async with factory() as session:
                    queries = SqlBookingQueries(session)
                    if role == "owner":
                        view = await queries.of_owner(party, status, limit, offset)
                    else:
                        found = await queries.of_caregiver_user(party, status, limit, offset)
                        assert found is not None
                        view = found
                async with SqlUnitOfWork(factory, read_only=True) as uow:
                    page = await uow.bookings.list_for(
                        owner_id=party if role == "owner" else None,
                        caregiver_id=approved.id if role == "caregiver" else None,
                        status=status,
                        limit=limit,
                        offset=offset,
                    )
                assert view.total == page.total, (role, status, limit, offset)
                for for_owner in (True, False):
                    assert _json(
                        [BookingOut.of_view(b, for_owner=for_owner) for b in view.items]
                    ) == _json([BookingOut.of(b, for_owner=for_owner) for b in page.items])
    async with factory() as session:
        everything = await SqlBookingQueries(session).of_owner(world.owner.id, None, 100, 0)
    assert everything.total == 8
    assert any(b.shown_message and "example.be" in b.shown_message for b in everything.items)
    assert any(b.shown_message and "example.be" not in b.shown_message for b in everything.items)
    assert any(len(b.pet_ids) == 2 for b in everything.items)


async def test_the_caregivers_list_needs_a_profile(db_config: SQLAlchemyAsyncConfig) -> None:
    world = await _seed(db_config)
    factory = db_config.create_session_maker()
    caregiver_actor = Actor(world.carer.id, world.carer.roles)
    async with factory() as session:
        queries = SqlBookingQueries(session)
        assert await queries.of_caregiver_user(world.owner.id, None, 20, 0) is None
        with pytest.raises(Forbidden):  # an owner only
            await ListBookings(queries)(
                Actor(world.owner.id, world.owner.roles), "caregiver", None, 20, 0
            )
        mine = await ListBookings(queries)(caregiver_actor, "caregiver", None, 20, 0)
        assert mine.total == 6
        # Never booked as an owner: without a role, the bookings made with them.
        assert await ListBookings(queries)(caregiver_actor, None, None, 20, 0) == mine
    no_profile = user("Lone", NOW)
    no_profile.roles = frozenset({Role.OWNER, Role.CAREGIVER})
    async with SqlUnitOfWork(factory) as uow:
        await uow.users.add(no_profile)
        await uow.commit()
    async with factory() as session:
        with pytest.raises(Forbidden):
            await ListBookings(SqlBookingQueries(session))(
                Actor(no_profile.id, no_profile.roles), "caregiver", None, 20, 0
            )
        # Without a role, no profile is the owner's (empty) list, not a refusal.
        defaulted = await ListBookings(SqlBookingQueries(session))(
            Actor(no_profile.id, no_profile.roles), None, None, 20, 0
        )
        assert defaulted.total == 0
        empty = await SqlBookingQueries(session).of_caregiver_user(no_profile.id, None, 20, 0)
    assert empty is None


def test_uuids_are_plain() -> None:
    from tailtribe.adapters.sqlalchemy.queries import _uuid

    plain = uuid4()
    assert _uuid(plain) is plain

    class Driver(UUID):
        pass

    converted = _uuid(Driver(int=plain.int))
    assert type(converted) is UUID and converted == plain
