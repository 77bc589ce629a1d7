from __future__ import annotations

from uuid import UUID

import msgspec

from tailtribe.domain.services.photos.manage_photos import PhotoView


class PhotoOut(msgspec.Struct):
    id: UUID
    status: str
    variants: dict[str, str] | None  # thumb, medium, large: addresses of WebP files
    reason: str | None = None

    @classmethod
    def of(cls, view: PhotoView) -> PhotoOut:
        return cls(view.photo.id, view.photo.status.value, view.variants, view.photo.reason)


class UploadedPhoto(msgspec.Struct):
    id: UUID
    status: str
