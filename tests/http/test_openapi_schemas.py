"""The schemas of the OpenAPI document: closed bodies, every bound, valid examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from tailtribe.config import Settings
from tailtribe.entrypoints.http.app import create_app
from tailtribe.ioc import make_container


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = Settings(data_dir=Path(tmp_path_factory.mktemp("openapi")))
    app = create_app(settings, make_container(settings))
    return app.openapi_schema.to_schema()


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


def test_bodies_that_refuse_unknown_fields_say_so(document: dict[str, Any]) -> None:
    schemas = _schemas(document)
    for name in ("RegisterBody", "PetBody", "PetPatch", "BookingBody", "ReplyBody", "NewMessage"):
        assert schemas[name]["additionalProperties"] is False, name


def test_bounds_of_zero_are_in_the_document(document: dict[str, Any]) -> None:
    schemas = _schemas(document)
    assert schemas["PetBody"]["properties"]["weight_kg"]["exclusiveMinimum"] == 0
    assert schemas["PetPatch"]["properties"]["weight_kg"]["exclusiveMinimum"] == 0
    search = document["paths"]["/api/v1/caregivers"]["get"]["parameters"]
    price = next(p for p in search if p["name"] == "min_price_cents")
    assert price["schema"]["minimum"] == 0


def test_every_example_satisfies_its_own_schema(document: dict[str, Any]) -> None:
    checked = 0
    for name, schema in _schemas(document).items():
        for field, sub in (schema.get("properties") or {}).items():
            for example in sub.get("examples", ()):
                validator = jsonschema_rs.validator_for(
                    {**sub, "components": document["components"]}, validate_formats=True
                )
                assert validator.is_valid(example), f"{name}.{field}: {example!r}"
                checked += 1
    assert checked >= 30


def test_every_property_says_what_it_means(document: dict[str, Any]) -> None:
    # Litestar puts a field's description beside its $ref in an `allOf` wrapper,
    # so a property that points at another schema carries its own description too.
    missing = [
        f"{name}.{field}"
        for name, schema in _schemas(document).items()
        for field, sub in (schema.get("properties") or {}).items()
        if not str(sub.get("description") or "").strip()
    ]
    assert not missing, missing
