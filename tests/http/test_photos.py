"""Photos through HTTP on PostgreSQL: upload, variants made by the job, who sees
what, deletion; refused files store nothing."""

from __future__ import annotations

import io
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tailtribe.domain.model.photos import MAX_GALLERY
from tests.adapters.test_images import GPS_IFD, phone_photo, picture
from tests.support import PET_BODY, Api


def stored_files(api: Api) -> list[Path]:
    return [p for p in (api.settings.media_dir).rglob("*") if p.is_file()]


async def upload(
    api: Api, path: str, data: bytes, headers: dict[str, str], name: str = "x.jpg"
) -> Any:
    return await api.client.post(path, files={"file": (name, data, "image/jpeg")}, headers=headers)


async def test_a_pet_photo_from_upload_to_deletion(api: Api) -> None:
    c = api.client
    _, owner = await api.new_user()
    _, stranger = await api.new_user()
    pet = (await c.post("/api/v1/pets", json=PET_BODY, headers=owner)).json()

    uploaded = await upload(api, f"/api/v1/pets/{pet['id']}/photos", phone_photo(), owner)
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["status"] == "processing"
    photo_id = uploaded.json()["id"]
    assert (await c.get(f"/api/v1/photos/{photo_id}", headers=owner)).json()["variants"] is None

    ran = (await c.post("/api/v1/test/run-due-jobs")).json()["ran"]
    assert ran["photos.processed"] == 1
    shown = (await c.get(f"/api/v1/photos/{photo_id}", headers=owner)).json()
    assert shown["status"] == "ready" and set(shown["variants"]) == {"thumb", "medium", "large"}
    large = await c.get(shown["variants"]["large"])
    assert large.status_code == 200 and large.headers["content-type"] == "image/webp"
    image = Image.open(io.BytesIO(large.content))
    assert image.size[1] > image.size[0] and not image.getexif()  # upright, no GPS
    assert GPS_IFD not in image.getexif()
    # Only the variants are kept: the upload (with its GPS position) is gone.
    names = sorted(p.name for p in stored_files(api))
    assert names == ["large.webp", "medium.webp", "thumb.webp"]
    assert (await c.get(f"/api/v1/pets/{pet['id']}", headers=owner)).json()["photos"][0][
        "id"
    ] == photo_id

    # A pet's photo is its owner's: 404 to anyone else, and unsigned addresses do not work.
    assert (await c.get(f"/api/v1/photos/{photo_id}", headers=stranger)).status_code == 404
    assert (await c.delete(f"/api/v1/photos/{photo_id}", headers=stranger)).status_code == 404
    unsigned = shown["variants"]["large"].split("?")[0]
    assert (await c.get(unsigned)).status_code == 404
    assert (
        await upload(api, f"/api/v1/pets/{pet['id']}/photos", picture("PNG"), stranger)
    ).status_code == 404

    assert (await c.delete(f"/api/v1/photos/{photo_id}", headers=owner)).status_code == 204
    assert (await c.get(f"/api/v1/photos/{photo_id}", headers=owner)).status_code == 404
    assert stored_files(api) == [] and (await c.get(shown["variants"]["large"])).status_code == 404


async def test_refused_files_store_nothing(api: Api) -> None:
    c = api.client
    _, owner = await api.new_user()
    pet = (await c.post("/api/v1/pets", json=PET_BODY, headers=owner)).json()
    path = f"/api/v1/pets/{pet['id']}/photos"
    fake = await upload(api, path, b"%PDF-1.7 not a picture", owner, name="holiday.jpg")
    assert fake.status_code == 422
    assert fake.headers["content-type"].startswith("application/problem+json")
    bomb = await upload(api, path, picture("PNG", size=(20_000, 20_000), mode="L"), owner)
    assert bomb.status_code == 422
    too_big = await upload(api, path, b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024 + 70_000), owner)
    assert too_big.status_code == 413
    nothing = await c.post(path, files={"other": ("x", b"x")}, headers=owner)
    assert nothing.status_code == 400
    assert "`file`" in nothing.json()["errors"][0]["message"]
    assert stored_files(api) == []
    assert (await c.get(f"/api/v1/pets/{pet['id']}", headers=owner)).json()["photos"] == []


async def test_a_caregivers_gallery_is_public_and_holds_twelve(api: Api) -> None:
    c = api.client
    admin = await api.new_admin()
    profile, caregiver = await api.approved_caregiver(admin)
    small = picture("JPEG", size=(400, 300))
    ids = []
    for _ in range(MAX_GALLERY):
        response = await upload(api, "/api/v1/caregiver/photos", small, caregiver)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    assert (await upload(api, "/api/v1/caregiver/photos", small, caregiver)).status_code == 409
    await c.post("/api/v1/test/run-due-jobs")
    public = (await c.get(f"/api/v1/caregivers/{profile['id']}")).json()
    assert [p["id"] for p in public["photos"]] == ids
    thumb = public["photos"][0]["variants"]["thumb"]
    assert "signature=" not in thumb and (await c.get(thumb)).status_code == 200
    _, someone = await api.new_user()
    assert (await c.get(f"/api/v1/photos/{ids[0]}", headers=someone)).status_code == 200
    assert (await upload(api, "/api/v1/caregiver/photos", small, someone)).status_code == 404

    # Suspended: the gallery is no longer served to anyone else, and takes no more photos.
    await c.post(
        f"/api/v1/admin/caregivers/{profile['id']}/suspend", json={"reason": "x"}, headers=admin
    )
    assert (await c.get(thumb)).status_code == 404
    assert (await c.get(f"/api/v1/photos/{ids[0]}", headers=someone)).status_code == 404
    assert (await c.get(f"/api/v1/photos/{ids[0]}", headers=caregiver)).status_code == 200
    await c.delete(f"/api/v1/photos/{ids[0]}", headers=caregiver)
    assert (await upload(api, "/api/v1/caregiver/photos", small, caregiver)).status_code == 409


async def test_odd_media_addresses_and_a_deleted_pet(api: Api) -> None:
    c = api.client
    _, owner = await api.new_user()
    pet = (await c.post("/api/v1/pets", json=PET_BODY, headers=owner)).json()
    photo = (await upload(api, f"/api/v1/pets/{pet['id']}/photos", picture("PNG"), owner)).json()
    await c.post("/api/v1/test/run-due-jobs")
    for key in ("public/photos/" + "-" * 36 + "/thumb.webp", "../secret_key", "uploads/x"):
        assert (await c.get(f"/media/{key}")).status_code == 404
    assert stored_files(api)
    await c.delete(f"/api/v1/pets/{pet['id']}", headers=owner)
    assert (await c.get(f"/api/v1/photos/{photo['id']}", headers=owner)).status_code == 404
    assert stored_files(api) == []  # a deleted pet's photos go with it


BOUNDARY = "tailtribe-boundary"


def multipart(*parts: bytes) -> bytes:
    """A multipart body written by hand: clients are free to send any bytes."""
    framed = b"".join(b"--" + BOUNDARY.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return framed + b"--" + BOUNDARY.encode() + b"--\r\n"


PICTURE_PART = b'Content-Disposition: form-data; name="file"; filename="x.jpg"\r\n'
UNDECODABLE_PARTS = {
    "0xff in a text field": b'Content-Disposition: form-data; name="note"\r\n\r\n\xff',
    "0xff in a filename": b'Content-Disposition: form-data; name="file"; filename="\xff.jpg"\r\n'
    b"Content-Type: image/jpeg\r\n\r\nx",
    "0xff in a part header": b'Content-Disposition: form-data; name="note"\r\n'
    b"X-Note: \xff\r\n\r\nx",
    "unknown charset": b'Content-Disposition: form-data; name="note"\r\n'
    b"Content-Type: text/plain; charset=unknown\r\n\r\nx",
    # A codec written in Python that refuses everything it is given.
    "charset that decodes nothing": b'Content-Disposition: form-data; name="note"\r\n'
    b"Content-Type: text/plain; charset=undefined\r\n\r\nx",
    "text in a charset it is not": b'Content-Disposition: form-data; name="note"\r\n'
    b"Content-Type: text/plain; charset=utf-16\r\n\r\nx",
}


async def upload_counts(api: Api) -> dict[str, float]:
    """Uploads answered 400 and 5xx, from /metrics (counted since the process started)."""
    counts = {"400": 0.0, "5xx": 0.0}
    for line in (await api.client.get("/metrics")).text.splitlines():
        if line.startswith("tailtribe_requests_total{") and '/photos"' in line:
            status = line.split('status_code="')[1][:3]
            key = "5xx" if status.startswith("5") else status
            if key in counts:
                counts[key] += float(line.rsplit(" ", 1)[1])
    return counts


@pytest.mark.parametrize("case", sorted(UNDECODABLE_PARTS))
async def test_undecodable_multipart_parts_are_a_400_and_store_nothing(
    api: Api, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    c = api.client
    _, owner = await api.new_user()
    pet = (await c.post("/api/v1/pets", json=PET_BODY, headers=owner)).json()
    good = PICTURE_PART + b"Content-Type: image/png\r\n\r\n" + picture("PNG")
    body = multipart(good, UNDECODABLE_PARTS[case])
    headers = {**owner, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    before = await upload_counts(api)
    uploads = (
        f"/api/v1/pets/{pet['id']}/photos",
        "/api/v1/caregiver/photos",
        # Refused before the handler looks for the conversation.
        f"/api/v1/conversations/{uuid.uuid4()}/photos",
    )
    for path in uploads:
        caplog.clear()
        with caplog.at_level(logging.INFO):
            response = await c.post(path, content=body, headers=headers)
        assert response.status_code == 400, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"]
        loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        assert not loud, [r.getMessage() for r in loud]
    assert stored_files(api) == []
    # The error-rate alert reads these: each counted as the 400 they were.
    after = await upload_counts(api)
    assert after["5xx"] == before["5xx"] and after["400"] - before["400"] == len(uploads)
    # The same picture, its parts decodable, is taken.
    taken = await c.post(
        f"/api/v1/pets/{pet['id']}/photos", content=multipart(good), headers=headers
    )
    assert taken.status_code == 201, taken.text
