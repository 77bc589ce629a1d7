"""The object storage port: the local folder and S3 (moto's server, a real S3
API over HTTP) give the same answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from tailtribe.adapters.filesystem.object_storage import FolderStorage
from tailtribe.adapters.s3.object_storage import S3Storage
from tailtribe.domain.ports.files import ObjectStorage

BUCKET = "tailtribe-media"
MEDIA = "https://media.example"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="eu-west-1",
    ).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    yield endpoint
    server.stop()


@pytest.fixture(params=["folder", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStorage:
    if request.param == "folder":
        return FolderStorage(tmp_path / "media", MEDIA, secret="k" * 32)
    return S3Storage(
        BUCKET,
        endpoint_url=request.getfixturevalue("s3_endpoint"),
        media_base_url=MEDIA,
        access_key="test",
        secret_key="test",
        region="eu-west-1",
    )


async def test_put_get_delete(storage: ObjectStorage) -> None:
    await storage.put("photos/1/thumb.webp", b"RIFF-thumb", "image/webp")
    await storage.put("photos/1/large.webp", b"RIFF-large", "image/webp")
    assert await storage.get("photos/1/thumb.webp") == b"RIFF-thumb"
    await storage.put("photos/1/thumb.webp", b"RIFF-again", "image/webp")  # replaced
    assert await storage.get("photos/1/thumb.webp") == b"RIFF-again"
    await storage.delete(["photos/1/thumb.webp", "photos/1/large.webp", "photos/1/never"])
    assert await storage.get("photos/1/thumb.webp") is None
    assert await storage.get("photos/1/large.webp") is None
    await storage.delete([])


async def test_public_and_signed_addresses(storage: ObjectStorage) -> None:
    await storage.put("photos/2/medium.webp", b"RIFF-medium", "image/webp")
    assert storage.url("photos/2/medium.webp", private=False) == f"{MEDIA}/photos/2/medium.webp"
    signed = storage.url("photos/2/medium.webp", private=True)
    assert signed != f"{MEDIA}/photos/2/medium.webp"
    if isinstance(storage, S3Storage):
        async with httpx.AsyncClient() as client:
            fetched = await client.get(signed)
            assert fetched.status_code == 200 and fetched.content == b"RIFF-medium"
        # moto does not check signatures: that they are there, and short-lived, is what we can see.
        query = parse_qs(urlsplit(signed).query)
        assert query["X-Amz-Expires"] == ["900"] and query["X-Amz-Signature"][0]
    else:
        assert isinstance(storage, FolderStorage)
        query = parse_qs(urlsplit(signed).query)
        expires, signature = int(query["expires"][0]), query["signature"][0]
        assert storage.verify("photos/2/medium.webp", expires, signature)
        assert not storage.verify("photos/2/large.webp", expires, signature)
        past = expires - 10_000
        assert not storage.verify("photos/2/medium.webp", past, signature)  # another time
        expired = storage.signature("photos/2/medium.webp", past)  # rightly signed, but late
        assert not storage.verify("photos/2/medium.webp", past, expired)


async def test_keys_cannot_escape_the_folder(tmp_path: Path) -> None:
    storage = FolderStorage(tmp_path / "media", MEDIA, secret="k" * 32)
    with pytest.raises(ValueError, match="outside"):
        await storage.put("../../etc/passwd", b"x", "text/plain")
