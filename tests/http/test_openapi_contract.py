"""The served OpenAPI document against what the server really does: summaries
and descriptions, problem responses, which operations need a token, uploads,
links, and the WebSocket."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from openapi_spec_validator import OpenAPIV31SpecValidator

from tailtribe.entrypoints.http.openapi import DOCS, PROBLEM_MEDIA_TYPE
from tests.adapters.test_images import picture
from tests.support import PET_BODY, Api

Operation = tuple[str, str, dict[str, Any]]
METHODS = ("get", "post", "put", "patch", "delete")
PROBLEM_REF = "#/components/schemas/Problem"
# The probes answer 503 with their checks, not a problem: what a load balancer reads.
PROBE_BODIES = {("health", "503"), ("ready", "503")}


async def document(client: AsyncTestClient[Litestar]) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


def operations(doc: dict[str, Any]) -> Iterator[Operation]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def errors_of(op: dict[str, Any]) -> dict[str, Any]:
    return {code: r for code, r in op["responses"].items() if int(code) >= 400}


def is_public(doc: dict[str, Any], op: dict[str, Any]) -> bool:
    return op.get("security", doc.get("security")) in ([], None, [{}])


def handler_title(operation_id: str) -> str:
    """The summary Litestar makes up from a handler's name when none is given."""
    return operation_id.replace("_", " ").title().replace(" ", "")


async def test_every_operation_has_a_summary_and_a_description(
    client: AsyncTestClient[Litestar],
) -> None:
    doc = await document(client)
    for method, path, op in operations(doc):
        summary = op.get("summary", "")
        assert summary, (method, path)
        made_up = {op["operationId"], handler_title(op["operationId"])}
        assert summary.replace(" ", "") not in made_up, (method, path, summary)
        assert len(op.get("description") or "") >= 20, (method, path)
        assert op.get("tags"), (method, path)
    described = {tag["name"] for tag in doc["tags"] if tag.get("description")}
    used = {tag for _, _, op in operations(doc) for tag in op["tags"]}
    assert used <= described


async def test_errors_are_declared_as_problem_details_with_one_schema(
    client: AsyncTestClient[Litestar],
) -> None:
    doc = await document(client)
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"status", "title", "detail"}
    assert {"status", "title", "detail", "errors"} <= set(problem["properties"])
    for method, path, op in operations(doc):
        errors = errors_of(op)
        assert errors, (method, path)
        for code, response in errors.items():
            if (op["operationId"], code) in PROBE_BODIES:
                continue
            assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], (method, path, code)
            schema = response["content"][PROBLEM_MEDIA_TYPE]["schema"]
            assert schema == {"$ref": PROBLEM_REF}, (method, path, code)
            assert "X-Request-ID" in response["headers"], (method, path, code)


async def test_no_operation_declares_litestars_generic_error_shape(
    client: AsyncTestClient[Litestar],
) -> None:
    doc = await document(client)
    text = (await client.get("/schema/openapi.json")).text
    assert '"status_code"' not in text
    assert '"extra"' not in text
    for method, path, op in operations(doc):
        for code, response in errors_of(op).items():
            if (op["operationId"], code) in PROBE_BODIES:
                continue
            assert "application/json" not in (response.get("content") or {}), (method, path)


async def test_declared_statuses_follow_how_each_route_is_served(
    client: AsyncTestClient[Litestar],
) -> None:
    doc = await document(client)
    unlimited = {"/api/stripe/webhook", "/api/health", "/api/ready", "/metrics"}
    for method, path, op in operations(doc):
        errors = errors_of(op)
        if not is_public(doc, op):
            assert "401" in errors, (method, path)
        # Wrong credentials, its own token, an optional bearer token that must be valid.
        elif op["operationId"] not in {"login", "metrics", "search_caregivers"}:
            assert "401" not in errors, (method, path)
        assert ("429" in errors) == (path not in unlimited), (method, path)
        if "{" in path:
            assert "404" in errors, (method, path)
        if "requestBody" in op:
            assert {"400", "413", "422"} <= set(errors), (method, path)
        if "429" in errors:
            assert "Retry-After" in errors["429"]["headers"], (method, path)


async def test_a_real_problem_fits_the_declared_schema(api: Api) -> None:
    doc = await document(api.client)
    problem = doc["components"]["schemas"]["Problem"]
    item = doc["components"]["schemas"]["FieldProblem"]
    _, owner = await api.new_user()
    answers = [
        await api.client.post("/api/v1/pets", json={"name": 3}, headers=owner),  # 400
        await api.client.post("/api/v1/pets", content=b"{", headers=owner),  # 400
        await api.client.get(f"/api/v1/pets/{uuid.uuid4()}", headers=owner),  # 404
        await api.client.get("/api/v1/me"),  # 401
    ]
    for answer in answers:
        assert answer.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
        assert answer.headers["x-request-id"]
        body = answer.json()
        assert set(problem["required"]) <= set(body) <= set(problem["properties"]), body
        assert body["status"] == answer.status_code
        for error in body.get("errors", []):
            assert set(error) == set(item["properties"])


def sample_path(path: str) -> str:
    if path.startswith("/media/"):
        return "/media/private/photos/nothing.webp"
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


async def test_public_operations_need_no_token_and_the_others_do(
    client: AsyncTestClient[Litestar],
) -> None:
    """Each operation called without a token: public ones answer something
    other than 401, and every other one answers 401."""
    doc = await document(client)
    public = set()
    for method, path, op in operations(doc):
        kwargs: dict[str, Any] = {"json": {}} if method in ("post", "put", "patch") else {}
        answer = await client.request(method.upper(), sample_path(path), **kwargs)
        if is_public(doc, op):
            public.add(op["operationId"])
            assert answer.status_code != 401, (method, path, answer.text)
        else:
            assert answer.status_code == 401, (method, path, answer.status_code)
    assert {
        "login",
        "register",
        "verify_email",
        "request_password_reset",
        "confirm_password_reset",
        "google_start",
        "google_callback",
        "search_caregivers",
        "get_caregiver",
        "list_caregiver_reviews",
        "health",
        "ready",
        "test_set_clock",
        "test_run_due_jobs",
    } <= public
    assert "me" not in public


def upload_field(doc: dict[str, Any], path: str) -> str:
    body = doc["paths"][path]["post"]["requestBody"]
    assert body["required"] is True
    schema = body["content"]["multipart/form-data"]["schema"]
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert list(schema["properties"]) == schema["required"], schema
    [name] = schema["required"]
    assert schema["properties"][name]["type"] == "string"
    assert schema["properties"][name]["format"] == "binary"
    return str(name)


async def test_uploads_use_the_field_the_document_names(api: Api) -> None:
    doc = await document(api.client)
    uploads = [
        "/api/v1/pets/{pet_id}/photos",
        "/api/v1/caregiver/photos",
        "/api/v1/conversations/{conversation_id}/photos",
    ]
    assert {upload_field(doc, path) for path in uploads} == {"file"}
    _, owner = await api.new_user()
    pet = (await api.client.post("/api/v1/pets", json=PET_BODY, headers=owner)).json()
    name = upload_field(doc, uploads[0])
    files = {name: ("rex.jpg", picture("JPEG"), "image/jpeg")}
    answer = await api.client.post(f"/api/v1/pets/{pet['id']}/photos", files=files, headers=owner)
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    ("source", "targets"),
    [
        (
            "create_booking",
            {"get_booking", "accept_booking", "decline_booking", "cancel_booking"},
        ),
        ("create_pet", {"get_pet", "update_pet"}),
        ("upload_pet_photo", {"delete_photo"}),
        ("upload_caregiver_photo", {"delete_photo"}),
        ("upload_conversation_photo", {"delete_photo"}),
        ("start_conversation", {"list_messages", "post_message"}),
    ],
)
async def test_links_lead_from_created_ids_to_their_operations(
    client: AsyncTestClient[Litestar], source: str, targets: set[str]
) -> None:
    doc = await document(client)
    by_id = {op["operationId"]: (path, op) for _, path, op in operations(doc)}
    _, op = by_id[source]
    success = min(code for code in op["responses"] if code.startswith("2"))
    links = op["responses"][success].get("links", {})
    linked = {link["operationId"] for link in links.values()}
    assert targets <= linked
    for link in links.values():
        target_path, _ = by_id[link["operationId"]]  # no link to a missing operation
        for parameter, expression in link["parameters"].items():
            assert f"{{{parameter}}}" in target_path
            assert expression in ("$response.body#/id", f"$request.path.{parameter}")


async def test_the_websocket_and_media_addresses_are_documented(
    client: AsyncTestClient[Litestar],
) -> None:
    doc = await document(client)
    tags = {tag["name"]: tag.get("description", "") for tag in doc["tags"]}
    live = tags["Conversations"]
    for needed in ("/api/v1/ws", "?token=", '"type": "message"', "4401", "token revoked"):
        assert needed in live, needed
    assert "/api/v1/ws" in doc["info"]["description"]
    assert "signature" in tags["Photos"] and "expires" in tags["Photos"]
    media = doc["paths"]["/media/{key}"]["get"]
    assert is_public(doc, media)
    assert "image/webp" in media["responses"]["200"]["content"]


async def test_query_parameters_that_need_it_are_described(
    client: AsyncTestClient[Litestar],
) -> None:
    doc = await document(client)
    for method, path, op in operations(doc):
        for parameter in op.get("parameters", []):
            if parameter["name"] in ("role", "status", "limit", "offset", "before"):
                assert parameter.get("description"), (method, path, parameter["name"])
    read = doc["paths"]["/api/v1/conversations/{conversation_id}/read"]["post"]
    assert "`up_to` is a message id" in read["description"]


async def test_every_link_targets_an_operation_of_the_document(
    client: AsyncTestClient[Litestar],
) -> None:
    doc = await document(client)
    paths = {op["operationId"]: path for _, path, op in operations(doc)}
    for method, path, op in operations(doc):
        for response in op["responses"].values():
            for link in response.get("links", {}).values():
                assert link["operationId"] in paths, (method, path, link)
                for parameter in link["parameters"]:
                    assert f"{{{parameter}}}" in paths[link["operationId"]], (method, path)


async def test_the_document_is_valid_openapi_3_1(client: AsyncTestClient[Litestar]) -> None:
    doc = await document(client)
    errors = [e.message for e in OpenAPIV31SpecValidator(doc).iter_errors()]
    assert errors == []


async def test_every_documented_operation_exists(client: AsyncTestClient[Litestar]) -> None:
    """No entry outlives its operation (a renamed operation_id would lose its docs)."""
    doc = await document(client)
    served = {op["operationId"] for _, _, op in operations(doc)}
    assert set(DOCS) - served == set()
