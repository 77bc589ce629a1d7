"""In-memory repositories: copies in, copies out, the same rules as the SQL ones."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from tailtribe.domain.errors import Conflict, EmailTaken
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus
from tailtribe.domain.model.pets import Pet
from tailtribe.domain.model.tokens import OneTimeToken
from tailtribe.domain.model.users import User
from tailtribe.domain.ports import Page

T = TypeVar("T")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _page(items: list[T], limit: int, offset: int) -> Page[T]:
    return Page([copy.deepcopy(i) for i in items[offset : offset + limit]], len(items))


class MemoryStore:
    """Everything the memory unit of work keeps between transactions."""

    def __init__(self) -> None:
        self.users: dict[UUID, User] = {}
        self.tokens: dict[UUID, OneTimeToken] = {}
        self.pets: dict[UUID, Pet] = {}
        self.caregivers: dict[UUID, Caregiver] = {}
        self.webhook_events: dict[str, tuple[str, str, datetime, datetime | None]] = {}


class MemoryUserRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.users

    async def get(self, user_id: UUID) -> User | None:
        return copy.deepcopy(self._rows.get(user_id))

    async def get_by_email(self, email: str) -> User | None:
        return copy.deepcopy(next((u for u in self._rows.values() if u.email == email), None))

    async def add(self, user: User) -> None:
        if any(u.email == user.email for u in self._rows.values()):
            raise EmailTaken()
        self._rows[user.id] = copy.deepcopy(user)

    async def save(self, user: User) -> None:
        if user.id not in self._rows:
            raise LookupError(f"user {user.id} is not stored")
        self._rows[user.id] = copy.deepcopy(user)


class MemoryTokenRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.tokens

    async def add(self, token: OneTimeToken) -> None:
        self._rows[token.id] = copy.deepcopy(token)

    async def get_by_digest(self, digest: str) -> OneTimeToken | None:
        found = next((t for t in self._rows.values() if t.digest == digest), None)
        return copy.deepcopy(found)

    async def save(self, token: OneTimeToken) -> None:
        if token.id not in self._rows:
            raise LookupError(f"token {token.id} is not stored")
        self._rows[token.id] = copy.deepcopy(token)


class MemoryPetRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.pets

    async def get(self, pet_id: UUID) -> Pet | None:
        return copy.deepcopy(self._rows.get(pet_id))

    async def list_active(self, owner_id: UUID, limit: int, offset: int) -> Page[Pet]:
        mine = [p for p in self._rows.values() if p.owner_id == owner_id and p.active]
        mine.sort(key=lambda p: (p.created_at, p.id))
        return _page(mine, limit, offset)

    async def add(self, pet: Pet) -> None:
        self._rows[pet.id] = copy.deepcopy(pet)

    async def save(self, pet: Pet) -> None:
        if pet.id not in self._rows:
            raise LookupError(f"pet {pet.id} is not stored")
        self._rows[pet.id] = copy.deepcopy(pet)


class MemoryCaregiverRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.caregivers

    def _find(self, match: object, attribute: str) -> Caregiver | None:
        found = next((c for c in self._rows.values() if getattr(c, attribute) == match), None)
        return copy.deepcopy(found)

    async def get(self, caregiver_id: UUID) -> Caregiver | None:
        return copy.deepcopy(self._rows.get(caregiver_id))

    async def get_by_user(self, user_id: UUID) -> Caregiver | None:
        return self._find(user_id, "user_id")

    async def get_by_stripe_account(self, account_id: str) -> Caregiver | None:
        return self._find(account_id, "stripe_account_id")

    async def list(
        self, status: CaregiverStatus | None, limit: int, offset: int
    ) -> Page[Caregiver]:
        rows = [c for c in self._rows.values() if status is None or c.status is status]
        rows.sort(key=lambda c: (c.created_at or _EPOCH, c.id))
        return _page(rows, limit, offset)

    async def add(self, caregiver: Caregiver) -> None:
        if any(c.user_id == caregiver.user_id for c in self._rows.values()):
            raise Conflict("you have a caregiver profile already")
        self._rows[caregiver.id] = _stored(caregiver)

    async def save(self, caregiver: Caregiver) -> None:
        if caregiver.id not in self._rows:
            raise LookupError(f"caregiver {caregiver.id} is not stored")
        self._rows[caregiver.id] = _stored(caregiver)


def _stored(caregiver: Caregiver) -> Caregiver:
    """A copy without pending events: events leave through the outbox, not storage."""
    stored = copy.deepcopy(caregiver)
    stored.pull_events()
    return stored


class MemoryWebhookEventRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.webhook_events

    async def add_if_new(self, event_id: str, event_type: str, payload: str, now: datetime) -> bool:
        if event_id in self._rows:
            return False
        self._rows[event_id] = (event_type, payload, now, None)
        return True

    async def mark_processed(self, event_id: str, now: datetime) -> None:
        event_type, payload, received, _ = self._rows[event_id]
        self._rows[event_id] = (event_type, payload, received, now)
