"""Objects in any S3-compatible store (boto3, run off the event loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


class S3Storage:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None,
        media_base_url: str | None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str | None = None,
        signed_seconds: int = 900,
    ) -> None:
        self._bucket, self._media, self._signed = bucket, media_base_url, signed_seconds
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=Config(signature_version="s3v4", retries={"max_attempts": 3}),
        )

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self._client.put_object,
            Bucket=self._bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            # Variants never change under their key; only public ones may be shared.
            CacheControl="public, max-age=31536000, immutable"
            if key.startswith("public/")
            else "private, no-store",
        )

    async def get(self, key: str) -> bytes | None:
        def read() -> bytes | None:
            try:
                body: bytes = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise
            return body

        return await asyncio.to_thread(read)

    async def delete(self, keys: Sequence[str]) -> None:
        if keys:
            answer = await asyncio.to_thread(
                self._client.delete_objects,
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True},
            )
            if answer.get("Errors"):  # quiet mode reports only what failed
                raise RuntimeError(f"S3 kept {answer['Errors']}")

    def url(self, key: str, *, private: bool, max_seconds: int | None = None) -> str:
        # Without a media address (a CDN) every address is presigned.
        if not private and self._media:
            return f"{self._media.rstrip('/')}/{key}"  # through the CDN
        address: str = self._client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self._bucket, "Key": key},
            ExpiresIn=self._signed if max_seconds is None else min(self._signed, max_seconds),
        )
        return address
