from __future__ import annotations

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, put
from litestar.params import FromPath
from litestar.status_codes import HTTP_204_NO_CONTENT

from tailtribe.domain.services.caregivers.favorites import ListFavorites, ManageFavorites
from tailtribe.entrypoints.http.auth import Req, current_user
from tailtribe.entrypoints.http.schemas.common import DEFAULT_LIMIT, Limit, Offset
from tailtribe.entrypoints.http.schemas.search import FavoriteItem, FavoriteList


class FavoriteController(Controller):
    """A signed-in user's saved caregivers."""

    path = "/api/v1/favorites"
    tags = ("Caregivers",)

    @get(operation_id="list_favorites")
    @inject
    async def list_favorites(
        self,
        request: Req,
        use_case: FromDishka[ListFavorites],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> FavoriteList:
        page = await use_case(current_user(request).id, limit, offset)
        return FavoriteList([FavoriteItem.of(f) for f in page.items], page.total, limit, offset)

    @put("/{caregiver_id:uuid}", operation_id="save_favorite", status_code=HTTP_204_NO_CONTENT)
    @inject
    async def save(
        self, request: Req, caregiver_id: FromPath[UUID], use_case: FromDishka[ManageFavorites]
    ) -> None:
        await use_case.add(current_user(request).id, caregiver_id)

    @delete("/{caregiver_id:uuid}", operation_id="remove_favorite")
    @inject
    async def remove(
        self, request: Req, caregiver_id: FromPath[UUID], use_case: FromDishka[ManageFavorites]
    ) -> None:
        await use_case.remove(current_user(request).id, caregiver_id)
