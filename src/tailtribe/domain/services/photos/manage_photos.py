"""Photos of pets and caregiver profiles: upload, see, delete, and the job
that makes their WebP variants."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from tailtribe.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.photos import (
    MAX_GALLERY,
    MAX_UPLOAD_BYTES,
    VARIANTS,
    Photo,
    PhotoStatus,
    Subject,
)
from tailtribe.domain.ports.files import ImageProcessor, ObjectStorage
from tailtribe.domain.ports.messaging import TaskQueue
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.pets.manage_pets import ManagePets

PROCESS_PHOTO = "process_photo"
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PhotoView:
    photo: Photo
    variants: dict[str, str] | None  # name -> address, once ready


def photo_view(storage: ObjectStorage, photo: Photo) -> PhotoView:
    """The photo with its variants' addresses once it is ready."""
    if photo.status is not PhotoStatus.READY:
        return PhotoView(photo, None)
    urls = {n: storage.url(photo.variant_key(n), private=photo.private) for n in VARIANTS}
    return PhotoView(photo, urls)


class ManagePhotos:
    """- A pet's photos are its owner's alone: uploaded, seen and deleted by
      them (404 to anyone else). A conversation's are uploaded and seen by
      its two parties; the uploader deletes them. A caregiver's gallery (at most 12) is seen
      by anyone while the profile is public, by its owner always.
    - An upload is checked from its bytes (format, size, dimensions), kept
      as is and answered at once; a job makes the variants.
    - Deleting a photo deletes the upload and every variant.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        storage: ObjectStorage,
        images: ImageProcessor,
        tasks: TaskQueue,
        ids: IdGenerator,
        clock: Clock,
    ) -> None:
        self._uow, self._storage, self._images = uow, storage, images
        self._tasks, self._ids, self._clock = tasks, ids, clock

    async def upload_for_pet(self, user_id: UUID, pet_id: UUID, data: bytes) -> Photo:
        async with self._uow as uow:
            pet = await uow.pets.get(pet_id)
            if pet is None or pet.owner_id != user_id or not pet.active:
                raise NotFound("no such pet")
        return await self._upload(user_id, Subject.PET, pet_id, data)

    async def upload_for_profile(self, user_id: UUID, data: bytes) -> Photo:
        async with self._uow as uow:
            caregiver = await uow.caregivers.get_by_user(user_id)
            if caregiver is None:
                raise NotFound("you have no caregiver profile")
            if caregiver.status in (CaregiverStatus.REJECTED, CaregiverStatus.SUSPENDED):
                raise Conflict(f"a {caregiver.status.value} profile takes no photos")
        return await self._upload(user_id, Subject.CAREGIVER, caregiver.id, data)

    async def upload_for_conversation(
        self, user_id: UUID, conversation_id: UUID, data: bytes
    ) -> Photo:
        """A photo for a message (a care update): the message names it once ready to send."""
        async with self._uow as uow:
            conversation = await uow.conversations.find(conversation_id)
            if conversation is None or conversation.party_of(user_id) is None:
                raise NotFound("no such conversation")
        return await self._upload(user_id, Subject.CONVERSATION, conversation_id, data)

    async def _upload(
        self, user_id: UUID, subject: Subject, subject_id: UUID, data: bytes
    ) -> Photo:
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInput("at most 10 MB", [FieldError("file", "larger than 10 MB")])
        await asyncio.to_thread(self._images.inspect, data)
        photo = Photo(self._ids.new_id(), user_id, subject, subject_id, self._clock.now())
        # Stored before the row: a crash in between leaves an unreferenced file,
        # never a row whose upload is missing.
        await self._storage.put(photo.original_key, data, "application/octet-stream")
        try:
            async with self._uow as uow:
                if subject is Subject.CAREGIVER:
                    # The profile's row lock: concurrent uploads count one at a time.
                    await uow.caregivers.get(subject_id)
                    kept = [
                        p
                        for p in await uow.photos.of(subject, [subject_id])
                        if p.status is not PhotoStatus.FAILED
                    ]
                    if len(kept) >= MAX_GALLERY:
                        raise Conflict(
                            f"a gallery holds at most {MAX_GALLERY} photos: delete one first"
                        )
                await uow.photos.add(photo)
                await uow.commit()
        except BaseException:
            await self._storage.delete([photo.original_key])
            raise
        # A lost enqueue is picked up by the pending-photos sweep.
        await self._tasks.enqueue(PROCESS_PHOTO, key=f"photo:{photo.id}", photo_id=str(photo.id))
        return photo

    async def view(self, user_id: UUID | None, photo_id: UUID) -> PhotoView:
        async with self._uow as uow:
            photo = await uow.photos.get(photo_id)
            if photo is None or photo.status is PhotoStatus.DELETING:
                raise NotFound("no such photo")
            if not await self._may_see(uow, user_id, photo):
                raise NotFound("no such photo")
        return self._view(photo)

    async def servable(self, photo_id: UUID) -> Photo | None:
        """A photo whose files anyone with the address may fetch: a public
        profile's, or a pet's (whose addresses are signed, the caller checks)."""
        async with self._uow as uow:
            photo = await uow.photos.get(photo_id)
            if photo is None or photo.status is PhotoStatus.DELETING:
                return None
            if not (photo.private or await self._may_see(uow, None, photo)):
                return None
            return photo

    async def ready(self, subject: Subject, subject_id: UUID) -> list[PhotoView]:
        """What pets and public profiles carry: their ready photos."""
        return (await self.ready_for(subject, [subject_id]))[subject_id]

    async def ready_for(
        self, subject: Subject, subject_ids: Sequence[UUID]
    ) -> dict[UUID, list[PhotoView]]:
        """The ready photos of several pets or profiles, in one query."""
        async with self._uow as uow:
            photos = await uow.photos.of(subject, subject_ids)
        found: dict[UUID, list[PhotoView]] = {i: [] for i in subject_ids}
        for photo in photos:
            if photo.status is PhotoStatus.READY:
                found[photo.subject_id].append(self._view(photo))
        return found

    async def of_conversation(
        self, conversation_id: UUID, photo_ids: set[UUID]
    ) -> dict[UUID, PhotoView]:
        """Photos that messages of the conversation show, ready or still
        processing; the caller has checked that the reader is a party."""
        async with self._uow as uow:
            photos = await uow.photos.of(Subject.CONVERSATION, [conversation_id])
        return {
            p.id: self._view(p)
            for p in photos
            if p.id in photo_ids and p.status in (PhotoStatus.READY, PhotoStatus.PROCESSING)
        }

    async def delete(self, user_id: UUID, photo_id: UUID) -> None:
        async with self._uow as uow:
            photo = await uow.photos.get(photo_id)
            if photo is None or photo.owner_id != user_id:
                raise NotFound("no such photo")
            await uow.photos.remove(photo_id)
            await uow.commit()
        # After the commit: a failed commit never leaves a row without its files.
        await self._storage.delete(photo.keys)

    async def delete_all(self, subject: Subject, subject_id: UUID) -> int:
        """Every photo of a pet or profile that is gone, rows and files."""
        async with self._uow as uow:
            photos = list(await uow.photos.of(subject, [subject_id]))
            for photo in photos:
                await uow.photos.remove(photo.id)
            await uow.commit()
        await self._storage.delete([key for photo in photos for key in photo.keys])
        return len(photos)

    def _view(self, photo: Photo) -> PhotoView:
        return photo_view(self._storage, photo)

    @staticmethod
    async def _may_see(uow: UnitOfWork, user_id: UUID | None, photo: Photo) -> bool:
        if photo.subject is Subject.CONVERSATION:
            conversation = await uow.conversations.find(photo.subject_id)
            return (
                user_id is not None
                and conversation is not None
                and conversation.party_of(user_id) is not None
            )
        if photo.subject is Subject.PET:
            pet = await uow.pets.get(photo.subject_id)
            return pet is not None and pet.active and photo.owner_id == user_id
        if photo.owner_id == user_id:
            return True
        caregiver = await uow.caregivers.get(photo.subject_id)
        return caregiver is not None and caregiver.bookable


class ProcessPhoto:
    """The job: the upload becomes its WebP variants and the photo is ready,
    or it is failed with the reason. Idempotent: a photo no longer processing
    is left alone. Nothing is locked while the image is worked on."""

    def __init__(self, uow: UnitOfWork, storage: ObjectStorage, images: ImageProcessor) -> None:
        self._uow, self._storage, self._images = uow, storage, images

    async def __call__(self, photo_id: UUID) -> bool:
        async with self._uow as uow:
            photo = await uow.photos.get(photo_id)
        if photo is None or photo.status is not PhotoStatus.PROCESSING:
            return False
        original = await self._storage.get(photo.original_key)
        try:
            if original is None:
                raise InvalidInput("the upload is gone")
            variants = await asyncio.to_thread(self._images.variants, original)
        except InvalidInput as exc:
            photo.mark_failed(exc.detail)
            done = False
        else:
            for name, blob in variants.items():
                await self._storage.put(photo.variant_key(name), blob, "image/webp")
            photo.mark_ready()
            done = True
        async with self._uow as uow:
            current = await uow.photos.get(photo_id)
            if current is None or current.status is PhotoStatus.DELETING:
                # Deleted (or its owner erased) meanwhile: leave nothing behind.
                await self._storage.delete(photo.keys)
                return False
            if current.status is not PhotoStatus.PROCESSING:
                return False  # another run (the sweep, a retried job) finished first
            await uow.photos.save(photo)
            await uow.commit()
        # The upload may carry a home's GPS position: only the clean variants stay.
        await self._storage.delete([photo.original_key])
        return done


class ProcessPendingPhotos:
    """The sweep behind the queue: photos still processing after `min_age`
    (their job was lost, say) are processed here; test mode runs it with no
    minimum age."""

    def __init__(self, uow: UnitOfWork, process: ProcessPhoto, clock: Clock) -> None:
        self._uow, self._process, self._clock = uow, process, clock

    async def __call__(self, min_age: timedelta = timedelta(minutes=5)) -> int:
        async with self._uow as uow:
            pending = await uow.photos.processing(limit=50)
        cutoff = self._clock.now() - min_age
        done = 0
        for photo in pending:
            if photo.created_at > cutoff:
                continue
            try:
                done += await self._process(photo.id)
            except Exception as exc:  # this photo only: the others still go
                logger.exception("processing photo %s failed", photo.id)
                await self._give_up(photo.id, f"processing failed: {type(exc).__name__}")
        return done

    async def _give_up(self, photo_id: UUID, reason: str) -> None:
        async with self._uow as uow:
            photo = await uow.photos.get(photo_id)
            if photo is not None and photo.status is PhotoStatus.PROCESSING:
                photo.mark_failed(reason)  # its job had its chance; the owner uploads again
                await uow.photos.save(photo)
                await uow.commit()


class DeletePet:
    """Deleting a pet hides it (bookings keep naming it) and deletes its photos:
    a pet's pictures are private and have no reason to outlive it."""

    def __init__(self, pets: ManagePets, photos: ManagePhotos) -> None:
        self._pets, self._photos = pets, photos

    async def __call__(self, owner_id: UUID, pet_id: UUID) -> None:
        await self._pets.delete(owner_id, pet_id)  # 404 unless it is the caller's
        await self._photos.delete_all(Subject.PET, pet_id)
