from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, get
from litestar.openapi.spec import Example
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.serialization import encode_json

from tailtribe.domain.errors import FieldError, InvalidInput
from tailtribe.domain.model.caregivers import POSTCODE_PATTERN
from tailtribe.domain.model.pets import Species
from tailtribe.domain.model.pricing import MAX_PETS_PER_BOOKING, MAX_PRICE_CENTS, Service
from tailtribe.domain.model.text import text_pattern
from tailtribe.domain.ports.search import SearchQuery, Sort
from tailtribe.domain.ports.storage import Page
from tailtribe.domain.services.caregivers.favorites import FavoriteFlags
from tailtribe.domain.services.caregivers.search import (
    MAX_RADIUS_KM,
    MAX_TEXT,
    GetPublicProfile,
    SearchCaregivers,
    SearchHit,
)
from tailtribe.domain.services.reviews.public_reviews import ListPublicReviews
from tailtribe.entrypoints.http.auth import optional_user
from tailtribe.entrypoints.http.schemas.bookings import ReviewList, ReviewOut
from tailtribe.entrypoints.http.schemas.common import DEFAULT_LIMIT, Limit, Offset
from tailtribe.entrypoints.http.schemas.search import PublicProfile, SearchItem, SearchList

_POINT = "Where to search from: latitude and longitude together, or a postcode instead."
_POSTCODE = "A Belgian postcode (1000..9999) to search from, instead of latitude and longitude."
_PERIOD = "With start and end together (RFC 3339 with offset): only caregivers free for the period."
# Litestar drops a bound of 0 on an optional parameter: schema_extra restates it.
Price = Annotated[
    int | None,
    QueryParameter(
        ge=0,
        le=MAX_PRICE_CENTS,
        schema_extra={"minimum": 0},
        description="Integer cents (EUR): the service's price per unit for one pet.",
    ),
]


async def _with_favorites(body: bytes, user_id: UUID, flags: FavoriteFlags) -> bytes:
    """The page as the cache shares it (every `favorite` false), with the caller's
    favourites marked: one query for the page's ids, and the body re-encoded only
    when one of them is a favourite."""
    page = msgspec.json.decode(body, type=SearchList)
    saved = await flags(user_id, [item.id for item in page.items])
    if not saved:
        return body
    for item in page.items:
        item.favorite = item.id in saved
    return encode_json(page)


class CaregiverSearchController(Controller):
    """Public: anyone may search and read approved caregivers."""

    path = "/api/v1/caregivers"
    tags = ("Caregivers",)

    @get(operation_id="search_caregivers", exclude_from_auth=True)
    @inject
    async def search(
        self,
        request: Request[Any, Any, Any],
        search: FromDishka[SearchCaregivers],
        flags: FromDishka[FavoriteFlags],
        service: FromQuery[Service],
        latitude: Annotated[
            float | None,
            QueryParameter(ge=-90, le=90, description=_POINT, examples=[Example(value=51.05)]),
        ] = None,
        longitude: Annotated[
            float | None,
            QueryParameter(ge=-180, le=180, description=_POINT, examples=[Example(value=3.72)]),
        ] = None,
        postcode: Annotated[
            str | None,
            QueryParameter(
                pattern=POSTCODE_PATTERN, description=_POSTCODE, examples=[Example(value="9000")]
            ),
        ] = None,
        radius_km: Annotated[float, QueryParameter(gt=0, le=MAX_RADIUS_KM)] = 10,
        start: Annotated[
            datetime | None,
            QueryParameter(
                description=_PERIOD, examples=[Example(value="2027-05-03T09:00:00+02:00")]
            ),
        ] = None,
        end: Annotated[
            datetime | None,
            QueryParameter(
                description=_PERIOD, examples=[Example(value="2027-05-03T10:00:00+02:00")]
            ),
        ] = None,
        species: FromQuery[Species | None] = None,
        pets: Annotated[int, QueryParameter(ge=1, le=MAX_PETS_PER_BOOKING)] = 1,
        min_price_cents: Price = None,
        max_price_cents: Price = None,
        q: Annotated[
            str | None,
            QueryParameter(
                max_length=MAX_TEXT,
                pattern=text_pattern(),
                description="Words the display name and bio must all contain.",
            ),
        ] = None,
        sort: FromQuery[Sort] = Sort.DISTANCE,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> SearchList:
        query = SearchQuery(
            service=service,
            latitude=latitude or 0.0,
            longitude=longitude or 0.0,
            radius_km=radius_km,
            start=start,
            end=end,
            species=species,
            pets=pets,
            min_price_cents=min_price_cents,
            max_price_cents=max_price_cents,
            text=q,
            sort=sort,
            limit=limit,
            offset=offset,
        )

        def render(page: Page[SearchHit]) -> bytes:
            # As Litestar encodes the SearchList it would be given.
            return encode_json(
                SearchList([SearchItem.of(h) for h in page.items], page.total, limit, offset)
            )

        if latitude is not None and longitude is not None:
            body = await search.rendered(query, render)
        elif postcode is not None:
            body = await search.rendered_at_postcode(query, postcode, render)
        else:
            raise InvalidInput(
                "search needs latitude and longitude, or a postcode",
                [FieldError("latitude", "required without postcode")],
            )
        if (user := await optional_user(request)) is not None:
            body = await _with_favorites(body, user.id, flags)
        # The encoded SearchList, cached as such: Litestar sends bytes as they are, as
        # application/json, and the annotation keeps the documented response.
        return cast(SearchList, body)

    @get("/{caregiver_id:uuid}", operation_id="get_caregiver", exclude_from_auth=True)
    @inject
    async def profile(
        self,
        caregiver_id: FromPath[UUID],
        use_case: FromDishka[GetPublicProfile],
    ) -> PublicProfile:
        return PublicProfile.of(*await use_case(caregiver_id))

    @get(
        "/{caregiver_id:uuid}/reviews",
        operation_id="list_caregiver_reviews",
        exclude_from_auth=True,
    )
    @inject
    async def reviews(
        self,
        caregiver_id: FromPath[UUID],
        reviews: FromDishka[ListPublicReviews],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> ReviewList:
        page = await reviews(caregiver_id, limit, offset)
        return ReviewList([ReviewOut.of(r) for r in page.items], page.total, limit, offset)
