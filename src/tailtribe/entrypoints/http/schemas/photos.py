from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.photos import PhotoStatus
from tailtribe.domain.services.photos.manage_photos import PhotoView

Status = Annotated[
    PhotoStatus,
    msgspec.Meta(
        description="processing: resized in the background; ready: variants are served; "
        "failed: see reason."
    ),
]


class PhotoOut(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="The photo's id.")]
    status: Status
    variants: Annotated[
        dict[str, str] | None,
        msgspec.Meta(
            description="thumb, medium, large: addresses of WebP files, once ready.",
        ),
    ]
    reason: Annotated[str | None, msgspec.Meta(description="Why processing failed.")] = None

    @classmethod
    def of(cls, view: PhotoView) -> PhotoOut:
        return cls(view.photo.id, view.photo.status, view.variants, view.photo.reason)


class UploadedPhoto(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="The new photo's id.")]
    status: Annotated[
        str, msgspec.Meta(description="processing: it is being resized.", examples=["processing"])
    ]
