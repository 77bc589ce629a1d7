"""Photo uploads (multipart, 10 MB at most, enforced while reading), views, deletion,
and, with the embedded folder store, the media files themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.params import Body, FromPath, MultipartBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.photos import MAX_UPLOAD_BYTES
from tailtribe.domain.ports.files import ServedMedia
from tailtribe.domain.services.photos.manage_photos import ManagePhotos
from tailtribe.entrypoints.http.auth import Req, current_user
from tailtribe.entrypoints.http.schemas.photos import PhotoOut, UploadedPhoto

# The file and the multipart framing around it.
MAX_UPLOAD_BODY = MAX_UPLOAD_BYTES + 64 * 1024


@dataclass
class PhotoUpload:
    """The multipart body of an upload: one part, `file`, the image (JPEG, PNG,
    WebP or HEIC, at most 10 MB). Without it Litestar answers 400, naming the field."""

    file: Annotated[
        UploadFile, Body(description="The image: JPEG, PNG, WebP or HEIC, 10 MB at most.")
    ]


Upload = MultipartBody[PhotoUpload]


async def upload_of(form: PhotoUpload) -> bytes:
    return await form.file.read()


class PhotoController(Controller):
    tags = ("Photos",)

    @post(
        "/api/v1/pets/{pet_id:uuid}/photos",
        operation_id="upload_pet_photo",
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_UPLOAD_BODY,
    )
    @inject
    async def upload_pet_photo(
        self, request: Req, pet_id: FromPath[UUID], data: Upload, photos: FromDishka[ManagePhotos]
    ) -> UploadedPhoto:
        photo = await photos.upload_for_pet(current_user(request).id, pet_id, await upload_of(data))
        return UploadedPhoto(photo.id, photo.status.value)

    @post(
        "/api/v1/caregiver/photos",
        operation_id="upload_caregiver_photo",
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_UPLOAD_BODY,
    )
    @inject
    async def upload_caregiver_photo(
        self, request: Req, data: Upload, photos: FromDishka[ManagePhotos]
    ) -> UploadedPhoto:
        photo = await photos.upload_for_profile(current_user(request).id, await upload_of(data))
        return UploadedPhoto(photo.id, photo.status.value)

    @get("/api/v1/photos/{photo_id:uuid}", operation_id="get_photo")
    @inject
    async def get_photo(
        self, request: Req, photo_id: FromPath[UUID], photos: FromDishka[ManagePhotos]
    ) -> PhotoOut:
        return PhotoOut.of(await photos.view(current_user(request).id, photo_id))

    @delete(
        "/api/v1/photos/{photo_id:uuid}",
        operation_id="delete_photo",
        status_code=HTTP_204_NO_CONTENT,
    )
    @inject
    async def delete_photo(
        self, request: Req, photo_id: FromPath[UUID], photos: FromDishka[ManagePhotos]
    ) -> None:
        await photos.delete(current_user(request).id, photo_id)


MEDIA_KEY = re.compile(
    r"(public|private)/photos/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"/(thumb|medium|large)\.webp"
)
# Personal data exports: served only through a signed address (GET
# /api/v1/me/exports/{export_id} mints it), never cached.
EXPORT_KEY = re.compile(
    r"private/exports/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.zip"
)

# Money documents: the same, a signed address minted by GET /api/v1/documents.
DOCUMENT_KEY = re.compile(
    r"private/documents/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"/(TT-(?:[A-Z]-)?[0-9]{4}-[0-9]{6})\.pdf"
)


class MediaController(Controller):
    """The embedded folder store's variants: a caregiver's as they are, a pet's
    only with a valid signature. With S3, a CDN or S3 itself serves them."""

    path = "/media"
    tags = ("Photos",)

    @get("/{key:path}", operation_id="media", exclude_from_auth=True, media_type="image/webp")
    @inject
    async def media(
        self,
        key: FromPath[str],
        served: FromDishka[ServedMedia | None],
        photos: FromDishka[ManagePhotos],
        expires: Annotated[int | None, QueryParameter()] = None,
        signature: Annotated[str | None, QueryParameter(max_length=128)] = None,
    ) -> Response[bytes]:
        key = key.lstrip("/")
        if served is not None and EXPORT_KEY.fullmatch(key):
            return await _export_file(served, key, expires, signature)
        if served is not None and (document := DOCUMENT_KEY.fullmatch(key)):
            name = f"{document.group(1)}.pdf"
            return await _private_file(served, key, expires, signature, "application/pdf", name)
        match = MEDIA_KEY.fullmatch(key)
        if served is None or match is None:
            raise NotFound("no such file")
        photo = await photos.servable(UUID(match.group(2)))
        signed = expires is not None and signature is not None
        if (
            photo is None
            or (match.group(1) == "private") != photo.private
            or (
                photo.private and not (signed and served.verify(key, expires or 0, signature or ""))
            )
        ):
            raise NotFound("no such file")
        data = await served.get(key)
        if data is None:
            raise NotFound("no such file")
        cache = "private, max-age=300" if photo.private else "public, max-age=86400"
        return Response(data, media_type="image/webp", headers={"Cache-Control": cache})


async def _export_file(
    served: ServedMedia, key: str, expires: int | None, signature: str | None
) -> Response[bytes]:
    return await _private_file(
        served, key, expires, signature, "application/zip", "tailtribe-data-export.zip"
    )


async def _private_file(
    served: ServedMedia,
    key: str,
    expires: int | None,
    signature: str | None,
    media_type: str,
    filename: str,
) -> Response[bytes]:
    if expires is None or signature is None or not served.verify(key, expires, signature):
        raise NotFound("no such file")
    data = await served.get(key)
    if data is None:  # expired and deleted
        raise NotFound("no such file")
    return Response(
        data,
        media_type=media_type,
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )
