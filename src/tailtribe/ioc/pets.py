"""Pets and their photos."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from tailtribe.adapters.pillow.image_processor import PillowImageProcessor
from tailtribe.domain.ports.files import ImageProcessor
from tailtribe.domain.services.pets.manage_pets import ManagePets
from tailtribe.domain.services.photos.manage_photos import (
    DeletePet,
    ManagePhotos,
    ProcessPendingPhotos,
    ProcessPhoto,
)


class PetsProvider(Provider):
    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    def image_processor(self) -> ImageProcessor:
        return PillowImageProcessor()

    manage_pets = provide(ManagePets)
    manage_photos = provide(ManagePhotos)
    delete_pet = provide(DeletePet)
    process_photo = provide(ProcessPhoto)
    pending_photos = provide(ProcessPendingPhotos)
