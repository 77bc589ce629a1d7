from __future__ import annotations

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from tailtribe.domain.model.photos import Subject
from tailtribe.domain.model.users import Role
from tailtribe.domain.services.pets.manage_pets import ManagePets, PetChanges
from tailtribe.domain.services.photos.manage_photos import DeletePet, ManagePhotos
from tailtribe.entrypoints.http.auth import Req, current_user, requires
from tailtribe.entrypoints.http.schemas.common import DEFAULT_LIMIT, Limit, Offset, sent_fields
from tailtribe.entrypoints.http.schemas.pets import PetBody, PetList, PetOut, PetPatch


class PetController(Controller):
    path = "/api/v1/pets"
    tags = ("Pets",)
    guards = (requires(Role.OWNER),)

    @post(operation_id="create_pet")
    @inject
    async def create(
        self, request: Req, data: JSONBody[PetBody], pets: FromDishka[ManagePets]
    ) -> PetOut:
        return PetOut.of(await pets.create(current_user(request).id, data.details()))

    @get(operation_id="list_pets")
    @inject
    async def list_pets(
        self,
        request: Req,
        pets: FromDishka[ManagePets],
        photos: FromDishka[ManagePhotos],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PetList:
        page = await pets.list(current_user(request).id, limit, offset)
        shown = await photos.ready_for(Subject.PET, [p.id for p in page.items])
        items = [PetOut.of(p, shown[p.id]) for p in page.items]
        return PetList(items, page.total, limit, offset)

    @get("/{pet_id:uuid}", operation_id="get_pet")
    @inject
    async def get_pet(
        self,
        request: Req,
        pet_id: FromPath[UUID],
        pets: FromDishka[ManagePets],
        photos: FromDishka[ManagePhotos],
    ) -> PetOut:
        pet = await pets.get(current_user(request).id, pet_id)
        return PetOut.of(pet, await photos.ready(Subject.PET, pet.id))

    @patch("/{pet_id:uuid}", operation_id="update_pet")
    @inject
    async def update(
        self,
        request: Req,
        pet_id: FromPath[UUID],
        data: JSONBody[PetPatch],
        pets: FromDishka[ManagePets],
    ) -> PetOut:
        changes = PetChanges(sent_fields(data))
        return PetOut.of(await pets.update(current_user(request).id, pet_id, changes))

    @delete("/{pet_id:uuid}", operation_id="delete_pet")
    @inject
    async def delete_pet(
        self, request: Req, pet_id: FromPath[UUID], delete_pet: FromDishka[DeletePet]
    ) -> None:
        await delete_pet(current_user(request).id, pet_id)
