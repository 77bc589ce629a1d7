"""Erasing an account (GDPR art. 17), by its user or by an admin, and the job
that deletes the erased photos' files."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tailtribe.domain.errors import FieldError, Forbidden, InvalidInput, NotFound, RateLimited
from tailtribe.domain.model.audit import AuditAction, AuditObject
from tailtribe.domain.model.privacy import ErasureRefused, blockers
from tailtribe.domain.model.users import MAX_PASSWORD_LENGTH, User
from tailtribe.domain.ports.files import ObjectStorage
from tailtribe.domain.ports.identity import PasswordHasher
from tailtribe.domain.ports.limits import LoginThrottle
from tailtribe.domain.ports.storage import Cache, UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.accounts.authenticate import account_key
from tailtribe.domain.services.audit import AdminAct, AuditTrail
from tailtribe.domain.services.caregivers.search import invalidate_search

# A password-less (Google) account proves it is its owner asking by a Google
# sign-in this recent: a token left open on a shared computer is not enough.
FRESH_SIGN_IN = timedelta(minutes=10)
PURGE_BATCH = 100
MAX_REASON_LENGTH = 500

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Proof:
    """How the user asking proves it is them: their password, or (for an
    account without one) when their token's Google sign-in happened."""

    password: str | None = None
    google_sign_in_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Erased:
    user: User  # as it is now: anonymous, its tokens void
    now: bool  # False when it was erased before (an idempotent repeat)


class PurgeErasedPhotos:
    """The files of photos marked deleting go, then their rows. Idempotent:
    a crash after the erasure's commit (or between the two steps) leaves the
    rows, and the next run deletes the files again (missing ones are fine)."""

    def __init__(self, uow: UnitOfWork, storage: ObjectStorage) -> None:
        self._uow, self._storage = uow, storage

    async def __call__(self) -> int:
        done = 0
        while True:
            async with self._uow as uow:
                photos = list(await uow.privacy.deleting_photos(PURGE_BATCH))
            if not photos:
                return done
            await self._storage.delete([key for photo in photos for key in photo.keys])
            async with self._uow as uow:
                for photo in photos:
                    await uow.photos.remove(photo.id)
                await uow.commit()
            done += len(photos)


class EraseAccount:
    """- Refused (409, every reason named) while the user has, as owner or
      as caregiver, a booking requested, accepted or in progress, a payout
      not sent yet, an open dispute, or a meet-and-greet requested or
      accepted that is not over yet.
    - Otherwise, in one transaction: the user's name and address are
      replaced, the password and tokens go, pets, the caregiver profile,
      messages and review replies lose their personal content, photos are
      marked deleting, pending emails to the user are dropped and the
      calendar feed is deleted (its address stops working). Bookings,
      ledger entries and reviews stay, pointing at the anonymous account.
    - After the commit the photos' files go (`PurgeErasedPhotos`, which the
      scheduled jobs repeat), and cached search results are refreshed.
    - The caregiver's profile row, then the user's row, are locked, the order
      a booking request takes them in: a request either sees the account
      erased or is seen by the erasure.
    - An account erased already is left as it is (an admin's repeat is a no-op).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        purge: PurgeErasedPhotos,
        cache: Cache,
        clock: Clock,
        audit: AuditTrail,
    ) -> None:
        self._uow, self._hasher, self._throttle = uow, hasher, throttle
        self._purge, self._cache, self._clock, self._audit = purge, cache, clock, audit

    async def by_self(self, user_id: UUID, proof: Proof) -> Erased:
        async with self._uow as uow:
            user = await uow.users.get(user_id)
        if user is None or user.erased:
            raise NotFound("no such account")
        if user.password_hash is not None:
            await self._check_password(user, user.password_hash, proof.password)
        elif not self._fresh(proof.google_sign_in_at):
            raise Forbidden(
                "this account signs in with Google: sign in with Google again, "
                "then erase it within 10 minutes"
            )
        return await self._erase(user_id)

    async def by_admin(self, user_id: UUID, reason: str, admin_id: UUID | None = None) -> Erased:
        """`admin_id`: who asked (None from the command line). Audited, a
        refusal too."""
        act = AdminAct(admin_id, AuditAction.ERASE_ACCOUNT, AuditObject.USER, user_id, reason)
        async with self._audit.refusals(act):
            if not reason.strip() or len(reason) > MAX_REASON_LENGTH:
                raise InvalidInput(
                    "a reason is required",
                    [FieldError("reason", f"1..{MAX_REASON_LENGTH} characters")],
                )
            return await self._erase(user_id, act)

    async def by_email(self, email: str, reason: str) -> Erased:
        """The command line's way in: the account with this address."""
        async with self._uow as uow:
            user = await uow.users.get_by_email(email.strip().lower())
        if user is None:
            raise NotFound("no account with this address")
        return await self.by_admin(user.id, reason)

    async def _check_password(self, user: User, stored: str, password: str | None) -> None:
        # Counted with the logins of the account: guessing here is guessing there.
        key = account_key(user.email)
        if (wait := await self._throttle.attempt(key)) is not None:
            raise RateLimited("too many password attempts for this account", wait)
        given = (password or "")[: MAX_PASSWORD_LENGTH + 1]
        if not await self._hasher.verify(stored, given):
            raise Forbidden("the password is wrong")
        await self._throttle.reset(key)

    def _fresh(self, signed_in_at: datetime | None) -> bool:
        if signed_in_at is None:
            return False
        age = self._clock.now() - signed_in_at
        return timedelta(0) <= age <= FRESH_SIGN_IN

    async def _erase(self, user_id: UUID, act: AdminAct | None = None) -> Erased:
        now = self._clock.now()
        async with self._uow as uow:
            found = await uow.caregivers.get_by_user(user_id)
            caregiver = None if found is None else await uow.caregivers.get(found.id)
            if not await uow.privacy.lock_account(user_id):
                raise NotFound("no such account")
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("no such account")
            if user.erased:
                if act is not None:
                    await self._audit.record(uow, act, "erased before: nothing changed")
                    await uow.commit()
                return Erased(user, now=False)
            caregiver_id = None if caregiver is None else caregiver.id
            meeting = await uow.meet_and_greets.has_open(user_id, caregiver_id, now)
            if reasons := blockers(await uow.privacy.bookings_of(user_id, caregiver_id), meeting):
                raise ErasureRefused(reasons)
            user.erase(now)
            await uow.users.save(user)
            if caregiver is not None:
                caregiver.erase()
                await uow.caregivers.save(caregiver)
                await uow.tax_details.delete(caregiver.id)
                await uow.tax_requests.delete(caregiver.id)
            await uow.privacy.anonymize(user_id, now)
            if act is not None:
                await self._audit.record(uow, act, "erased")
            await uow.commit()
        await self._after_commit(caregiver is not None)
        return Erased(user, now=True)

    async def _after_commit(self, was_caregiver: bool) -> None:
        # Either may fail and the erasure stands: the scheduled purge deletes
        # the files later, and cached results expire.
        try:
            await self._purge()
        except Exception:
            logger.exception("deleting erased photos failed; the scheduled job retries")
        if was_caregiver:
            try:
                await invalidate_search(self._cache)
            except Exception:
                logger.exception("refreshing search results after an erasure failed")
