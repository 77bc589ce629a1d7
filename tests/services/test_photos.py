"""The photo job on memory adapters and a real folder store: failures, races, reruns."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from tailtribe.adapters.filesystem.object_storage import FolderStorage
from tailtribe.adapters.memory.task_queue import DeferredTaskQueue
from tailtribe.adapters.pillow.image_processor import PillowImageProcessor
from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.pets import Pet, PetDetails, Species
from tailtribe.domain.model.photos import PhotoStatus
from tailtribe.domain.services.photos.manage_photos import (
    PROCESS_PHOTO,
    ManagePhotos,
    ProcessPendingPhotos,
    ProcessPhoto,
)
from tests.adapters.test_images import picture
from tests.services.conftest import World


class Photos:
    def __init__(self, world: World, folder: Path) -> None:
        self.world, self.folder = world, folder
        self.storage = FolderStorage(folder, "/media", "k" * 32)
        self.queue = DeferredTaskQueue()
        images = PillowImageProcessor()
        self.manage = ManagePhotos(
            world.uow, self.storage, images, self.queue, world.ids, world.clock
        )
        self.process = ProcessPhoto(world.uow, self.storage, images)
        self.pending = ProcessPendingPhotos(world.uow, self.process, world.clock)

    async def pet(self) -> Pet:
        w = self.world
        pet = Pet(uuid4(), uuid4(), PetDetails("Rex", Species.DOG), w.clock.now())
        async with w.uow as uow:
            await uow.pets.add(pet)
            await uow.commit()
        return pet

    def files(self) -> list[str]:
        return sorted(
            str(p.relative_to(self.folder)) for p in self.folder.rglob("*") if p.is_file()
        )


@pytest.fixture
def photos(world: World, tmp_path: Path) -> Photos:
    return Photos(world, tmp_path / "media")


async def test_an_upload_is_queued_then_made_ready_once(photos: Photos) -> None:
    pet = await photos.pet()
    photo = await photos.manage.upload_for_pet(pet.owner_id, pet.id, picture("PNG"))
    assert photos.queue.enqueued == [
        (PROCESS_PHOTO, f"photo:{photo.id}", {"photo_id": str(photo.id)})
    ]
    assert photos.files() == [f"uploads/{photo.id}"]
    assert await photos.process(photo.id) is True
    assert await photos.process(photo.id) is False  # a second run changes nothing
    # A pet's photo: kept where no CDN publishes (public/ is for profiles).
    assert photos.files() == [
        f"private/photos/{photo.id}/{n}.webp" for n in ("large", "medium", "thumb")
    ]
    [view] = await photos.manage.ready(photo.subject, pet.id)
    assert view.photo.status is PhotoStatus.READY and view.variants is not None


async def test_an_image_that_cannot_be_decoded_fails_with_its_reason(photos: Photos) -> None:
    pet = await photos.pet()
    photo = await photos.manage.upload_for_pet(pet.owner_id, pet.id, picture("JPEG")[:3000])
    assert await photos.process(photo.id) is False
    view = await photos.manage.view(pet.owner_id, photo.id)
    assert view.photo.status is PhotoStatus.FAILED and view.photo.reason == "the image is damaged"
    assert photos.files() == []  # the upload is not kept


async def test_a_photo_deleted_while_processing_leaves_nothing(photos: Photos) -> None:
    pet = await photos.pet()
    photo = await photos.manage.upload_for_pet(pet.owner_id, pet.id, picture("PNG"))
    storage = photos.storage
    deleted: list[str] = []

    class RacingStorage(FolderStorage):
        async def put(self, key: str, data: bytes, content_type: str) -> None:
            if key.endswith(".webp") and not deleted:  # the owner deletes it meanwhile
                deleted.append(key)
                await photos.manage.delete(pet.owner_id, photo.id)
            await storage.put(key, data, content_type)

    racing = RacingStorage(photos.folder, "/media", "k" * 32)
    job = ProcessPhoto(photos.world.uow, racing, PillowImageProcessor())
    assert await job(photo.id) is False
    assert deleted and photos.files() == []  # the variants written after the deletion too
    with pytest.raises(NotFound):
        await photos.manage.view(pet.owner_id, photo.id)


async def test_the_sweep_takes_only_photos_whose_job_is_late(photos: Photos) -> None:
    pet = await photos.pet()
    photo = await photos.manage.upload_for_pet(pet.owner_id, pet.id, picture("WEBP"))
    assert await photos.pending() == 0  # just uploaded: its job is on the way
    photos.world.clock.advance(timedelta(minutes=6))
    assert await photos.pending() == 1
    assert (await photos.manage.view(pet.owner_id, photo.id)).photo.status is PhotoStatus.READY


async def test_uploads_need_the_pet_or_profile_owner(photos: Photos) -> None:
    pet = await photos.pet()
    with pytest.raises(NotFound):
        await photos.manage.upload_for_pet(uuid4(), pet.id, picture("PNG"))
    with pytest.raises(NotFound):
        await photos.manage.upload_for_profile(pet.owner_id, picture("PNG"))
    assert photos.files() == []


async def test_one_photo_the_sweep_cannot_process_fails_alone(photos: Photos) -> None:
    pet = await photos.pet()
    first = await photos.manage.upload_for_pet(pet.owner_id, pet.id, picture("PNG"))
    second = await photos.manage.upload_for_pet(pet.owner_id, pet.id, picture("PNG"))
    storage = photos.storage

    class Flaky(FolderStorage):
        async def get(self, key: str) -> bytes | None:
            if str(first.id) in key:
                raise OSError("disk error")
            return await storage.get(key)

    flaky = Flaky(photos.folder, "/media", "k" * 32)
    job = ProcessPhoto(photos.world.uow, flaky, PillowImageProcessor())
    sweep = ProcessPendingPhotos(photos.world.uow, job, photos.world.clock)
    assert await sweep(timedelta(0)) == 1
    failed = (await photos.manage.view(pet.owner_id, first.id)).photo
    assert failed.status is PhotoStatus.FAILED and "OSError" in (failed.reason or "")
    ready = (await photos.manage.view(pet.owner_id, second.id)).photo
    assert ready.status is PhotoStatus.READY


async def test_a_second_run_never_undoes_a_finished_one(photos: Photos) -> None:
    """The job and the sweep overlapping: the later one finds the upload gone
    and must not mark the ready photo failed."""
    pet = await photos.pet()
    photo = await photos.manage.upload_for_pet(pet.owner_id, pet.id, picture("PNG"))
    storage = photos.storage

    class Overtaken(FolderStorage):
        async def get(self, key: str) -> bytes | None:
            data = await storage.get(key)
            await photos.process(photo.id)  # the other run finishes meanwhile
            return data

    late = ProcessPhoto(
        photos.world.uow, Overtaken(photos.folder, "/media", "k" * 32), PillowImageProcessor()
    )
    assert await late(photo.id) is False
    assert (await photos.manage.view(pet.owner_id, photo.id)).photo.status is PhotoStatus.READY
