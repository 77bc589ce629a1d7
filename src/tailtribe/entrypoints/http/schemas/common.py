"""Shared request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import Schema
from litestar.params import Parameter
from litestar.typing import FieldDefinition

from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.text import name_pattern, text_pattern

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator

Limit = Annotated[int, Parameter(ge=1, le=100, description="Page size, 1..100.")]
Offset = Annotated[int, Parameter(ge=0, le=1_000_000, description="Items to skip.")]
DEFAULT_LIMIT = 20


def text(max_length: int, min_length: int = 0) -> msgspec.Meta:
    return msgspec.Meta(min_length=min_length, max_length=max_length)


def free_text(max_length: int, *, multiline: bool = False, required: bool = False) -> msgspec.Meta:
    """Text people write: the limits `clean_text` checks."""
    return msgspec.Meta(
        min_length=int(required),
        max_length=max_length,
        pattern=text_pattern(multiline=multiline, required=required),
    )


def name_text(max_length: int) -> msgspec.Meta:
    """A name others see: the limits `clean_name` checks, as far as a schema can say."""
    return msgspec.Meta(
        min_length=1,
        max_length=max_length,
        pattern=name_pattern(),
        description="Visible characters; no contact details (email, phone, link).",
    )


Instant = Annotated[
    datetime,
    msgspec.Meta(
        tz=True,
        description="An instant, RFC 3339 with its UTC offset, between the years 2000 and 2200.",
        examples=["2027-05-03T09:00:00+02:00"],
    ),
]

# Wordings response fields share, said once.
INSTANT = "RFC 3339 instant with its UTC offset"
CENTS = "integer cents (EUR)"

Total = Annotated[int, msgspec.Meta(description="How many items match in all, across every page.")]
PageLimit = Annotated[int, msgspec.Meta(description="The page size asked for (`limit`), 1..100.")]
PageOffset = Annotated[
    int, msgspec.Meta(description="How many items come before this page (`offset`).")
]
PAGE_ITEMS = "This page of the matches; the next page starts at offset + limit."
ServiceKind = Annotated[
    Service,
    msgspec.Meta(
        description="The service: dog_walking and drop_in are priced per visit, day_care per "
        "day, house_sitting and boarding per night."
    ),
]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Request bodies: an unknown field is an error, not something silently ignored."""


# Numeric bounds as JSON Schema and Litestar's Schema name them.
_BOUNDS = {
    "minimum": "minimum",
    "exclusiveMinimum": "exclusive_minimum",
    "maximum": "maximum",
    "exclusiveMaximum": "exclusive_maximum",
}


def _bounds(schema: dict[str, Any]) -> dict[str, Any]:
    found = {key: schema[key] for key in _BOUNDS if key in schema}
    for branch in schema.get("anyOf", ()):
        found.update(_bounds(branch))
    return found


class StructSchemas(StructSchemaPlugin):
    """Struct schemas that state every limit msgspec checks.

    Litestar leaves out `additionalProperties: false` for structs that refuse
    unknown fields, and bounds of zero (`ge=0`, `gt=0`); both are taken here
    from msgspec's own JSON Schema of the struct, so the document promises no
    more than the server accepts.
    """

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        struct = field_definition.type_
        if struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        (ref,), components = msgspec.json.schema_components([struct])
        own = components[ref["$ref"].rsplit("/", 1)[-1]].get("properties", {})
        for name, prop in (schema.properties or {}).items():
            if not isinstance(prop, Schema) or name not in own:
                continue
            for key, value in _bounds(own[name]).items():
                if getattr(prop, _BOUNDS[key]) is None:
                    setattr(prop, _BOUNDS[key], value)
        return schema


class Url(msgspec.Struct):
    url: Annotated[str, msgspec.Meta(description="Where to send the user's browser.")]


def sent_fields(body: msgspec.Struct) -> dict[str, Any]:
    """The fields a partial update actually carried (absent ones stay UNSET)."""
    return {
        name: getattr(body, name)
        for name in body.__struct_fields__
        if getattr(body, name) is not msgspec.UNSET
    }
