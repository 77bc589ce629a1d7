"""Favourite caregivers: an owner saves caregivers to find them again.

A saved row outlives a suspension or a rejection (the list only shows
caregivers anyone may see, and counts only those), so a reinstated caregiver
comes back; an erasure deletes the rows of the erased user and those naming
the erased profile (`PrivacyStore.anonymize`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tailtribe.domain.errors import FieldError, InvalidInput, NotFound
from tailtribe.domain.model.caregivers import bookable
from tailtribe.domain.model.favorites import LISTED
from tailtribe.domain.ports.files import ObjectStorage
from tailtribe.domain.ports.queries import CaregiverQueries, ProfileView
from tailtribe.domain.ports.storage import Page, UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.photos.manage_photos import PhotoView, photo_view


class ManageFavorites:
    """- Saving needs a caregiver anyone may see (404 otherwise, as its page),
      never one's own profile (422); saving again changes nothing.
    - Removing is always allowed and idempotent."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def add(self, user_id: UUID, caregiver_id: UUID) -> None:
        async with self._uow as uow:
            # The caregiver's row, then the user's, the order an erasure takes
            # them in: a save racing either party's erasure is refused, never
            # left behind by it.
            caregiver = await uow.caregivers.get(caregiver_id)
            if caregiver is None or not caregiver.bookable:
                raise NotFound("no such caregiver")
            if caregiver.user_id == user_id:
                raise InvalidInput(
                    "you cannot save your own caregiver profile",
                    [FieldError("caregiver_id", "your own profile")],
                )
            if not await uow.privacy.hold_account(user_id):
                raise NotFound("no such account")
            await uow.favorites.add(user_id, caregiver_id, self._clock.now())
            await uow.commit()

    async def remove(self, user_id: UUID, caregiver_id: UUID) -> None:
        async with self._uow as uow:
            await uow.favorites.remove(user_id, caregiver_id)
            await uow.commit()


@dataclass(frozen=True, slots=True)
class FavoriteView:
    saved_at: datetime
    caregiver: ProfileView
    photos: list[PhotoView]


class ListFavorites:
    """The user's favourites that anyone may see, newest first, each as its
    public profile (the profile's read model, one query each)."""

    def __init__(self, uow: UnitOfWork, queries: CaregiverQueries, storage: ObjectStorage) -> None:
        self._uow, self._queries, self._storage = uow, queries, storage

    async def __call__(self, user_id: UUID, limit: int, offset: int) -> Page[FavoriteView]:
        async with self._uow as uow:
            page = await uow.favorites.list_for(user_id, LISTED, limit, offset)
        items = []
        for favorite in page.items:
            found = await self._queries.profile(favorite.caregiver_id)
            # Suspended between the two reads: left out of this page.
            if found is not None and bookable(found.status):
                photos = [photo_view(self._storage, p) for p in found.photos]
                items.append(FavoriteView(favorite.created_at, found, photos))
        return Page(items, page.total)


class FavoriteFlags:
    """Which caregivers of a page of results the user saved: one query."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, user_id: UUID, caregiver_ids: Sequence[UUID]) -> frozenset[UUID]:
        if not caregiver_ids:
            return frozenset()
        async with self._uow as uow:
            return await uow.favorites.among(user_id, caregiver_ids)
