"""Shared request and response shapes."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar.params import Parameter

Limit = Annotated[int, Parameter(ge=1, le=100, description="page size, 1..100")]
Offset = Annotated[int, Parameter(ge=0, le=1_000_000, description="items to skip")]
DEFAULT_LIMIT = 20


def text(max_length: int, min_length: int = 0) -> msgspec.Meta:
    return msgspec.Meta(min_length=min_length, max_length=max_length)


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Request bodies: an unknown field is an error, not something silently ignored."""


class Url(msgspec.Struct):
    url: str


def sent_fields(body: msgspec.Struct) -> dict[str, Any]:
    """The fields a partial update actually carried (absent ones stay UNSET)."""
    return {
        name: getattr(body, name)
        for name in body.__struct_fields__
        if getattr(body, name) is not msgspec.UNSET
    }
