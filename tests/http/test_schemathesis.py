"""The served OpenAPI document against the running app, operation by operation.

schemathesis generates requests from /schema/openapi.json (valid ones and
invalid ones) and checks each answer: never a server error, answers that match
the document, valid data accepted and invalid data refused. Every operation
runs anonymously and signed in (a caregiver for /caregiver operations, an
owner for the rest).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from litestar import Litestar
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tailtribe.config import Environment, Settings
from tailtribe.domain.model.conversations import MAX_PHOTOS_PER_MESSAGE
from tailtribe.domain.services.caregivers.tax_details import (
    BIRTH_MESSAGE,
    ENTERPRISE_MESSAGE,
    IBAN_MESSAGE,
    TIN_MESSAGE,
    VAT_MESSAGE,
)
from tailtribe.entrypoints.http.app import create_app
from tailtribe.ioc import make_container
from tests.conftest import empty_database, in_thread
from tests.support import PASSWORD, PET_BODY, PROFILE, CheapHashing

BASE = f"http://{asgi.HOST}"

# Refusals no JSON Schema can state: rules across fields, on what free text
# says, or on the app's state and clock; the document describes each in words.
# A schema-valid request refused for any other reason is a gap in the document.
BEYOND_SCHEMA = {
    ("birth_date", "not in the future, at most 60 years ago"),  # relative to today
    ("end", "before start"),
    ("longitude", "latitude and longitude go together"),
    ("end", "start and end go together"),
    ("latitude", "required without postcode"),
    ("postcode", "unknown; send latitude and longitude"),  # not every postcode is known
    ("service", "listed twice"),
    ("body", "empty"),  # a message needs text or a photo
    ("photo_ids", f"at most {MAX_PHOTOS_PER_MESSAGE}, each once"),
    # Names: contact details, and code points no pattern can list (unassigned ones).
    ("full_name", "contact details"),
    ("display_name", "contact details"),
    ("name", "contact details"),
    ("full_name", "invisible or control characters"),
    ("display_name", "invisible or control characters"),
    ("name", "invisible or control characters"),
    # A quote is of one booking or of a weekly series; a series' pattern and
    # each occurrence's period follow calendar rules (docs/series.md).
    ("start", "one booking needs start and end (or a series: repeat)"),
    ("end", "one booking needs start and end (or a series: repeat)"),
    ("repeat", "give either start and end, or repeat"),
    ("repeat", "give either count or until"),
    ("repeat.weekdays", "name each weekday once, at least one"),
    ("repeat", "no weekday of the pattern falls in that period"),
    ("repeat.until", "on or after first_date, within 26 weeks of it"),
    ("repeat.count", "at most 26 weeks of the weekdays"),
    ("repeat.first_date", "a date between the years 2000 and 2200"),
    ("repeat.duration_minutes", "a visit lasts 15 minutes to 3 hours"),
    ("repeat.duration_minutes", "day care ends later in the day than it starts"),
    ("service", "a series is of walks, drop-in visits or day care"),
    # DAC7 details: check digits and age are checked by the server only.
    ("birth_date", BIRTH_MESSAGE),
    ("tin", TIN_MESSAGE),
    ("iban", IBAN_MESSAGE),
    ("enterprise_number", ENTERPRISE_MESSAGE),
    ("vat_number", VAT_MESSAGE),
    # A schema says "binary"; only the server can see that the bytes are no image.
    ("file", "not a JPEG, PNG, WebP or HEIC image"),
}

# Operations whose refusals depend on what only the server knows: a secret
# from an email, a Stripe signature, a profile's completeness.
STATEFUL = {
    "POST /api/v1/auth/verify-email",
    "POST /api/v1/auth/password-reset/confirm",
    "POST /api/stripe/webhook",
    "POST /api/v1/caregiver/submit",
    "GET /api/v1/unsubscribe",
    "POST /api/v1/unsubscribe",
}


# The same, for refusals that name no field.
BEYOND_SCHEMA_DETAILS = {"instants lie between the years 2000 and 2200"}


def _beyond_schema(response: Any) -> bool:
    if response.status_code != 422:
        return False
    problem = response.json()
    if problem.get("detail") in BEYOND_SCHEMA_DETAILS:
        return True
    errors = problem.get("errors") or [{}]
    return all((e.get("field"), e.get("message")) in BEYOND_SCHEMA for e in errors)


def valid_data_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """positive_data_acceptance, but for the refusals listed in BEYOND_SCHEMA."""
    if _beyond_schema(response) or case.operation.label in STATEFUL:
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    valid_data_accepted,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def app(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Litestar]:
    async def empty() -> None:
        await (await empty_database(pg_url)).get_engine().dispose()

    in_thread(lambda: asyncio.run(empty()))
    settings = replace(
        Settings(data_dir=Path(tmp_path_factory.mktemp("schemathesis"))),
        env=Environment.TEST,
        database_url=pg_url,
        direct_url=pg_url,
        rate_limit_per_minute=1_000_000,
        auth_rate_limit_per_minute=1_000_000,
    )
    app = create_app(settings, make_container(settings, CheapHashing()))
    app.state["settings"] = settings
    yield app
    asgi.shutdown_lifespans()  # the app's connections go back before the database is dropped


def _signed_in(client: Any, email: str) -> dict[str, str]:
    body = {"email": email, "password": PASSWORD, "full_name": "Schema Tester"}
    created = client.post(f"{BASE}/api/v1/auth/register", json=body)
    assert created.status_code == 201, created.text
    login = client.post(f"{BASE}/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


@pytest.fixture(scope="module")
def tokens(app: Litestar) -> dict[str, dict[str, str]]:
    """An owner with a pet, and a caregiver with a profile."""
    with asgi.get_client(cast(Any, app)) as client:
        owner = _signed_in(client, "schema-owner@example.be")
        pet = client.post(f"{BASE}/api/v1/pets", json=PET_BODY, headers=owner)
        assert pet.status_code == 201, pet.text
        caregiver = _signed_in(client, "schema-caregiver@example.be")
        profile = client.post(f"{BASE}/api/v1/caregiver/profile", json=PROFILE, headers=caregiver)
        assert profile.status_code == 201, profile.text
    return {"owner": owner, "caregiver": caregiver}


Operation = APIOperation[Any, Any, Any, Any]

# A bounded run per operation and mode; the hypothesis profile derandomizes it in CI.
EXAMPLES = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def served_schema(app: Litestar) -> BaseSchema:
    loaded = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    # The test sends the token itself (none in the anonymous run, an owner's or
    # a caregiver's signed in): generated Authorization headers would fight it.
    loaded.config.generation.update(with_security_parameters=False)
    return loaded


def _failures(operation: Operation, mode: GenerationMode, headers: dict[str, str]) -> list[str]:
    """What went wrong on a bounded run of generated requests to one operation."""
    found: list[str] = []

    @EXAMPLES
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (AssertionError, FailureGroup) as failure:
            found.append(f"{operation.label} ({mode.value}): {failure}")
            raise

    try:
        run()
    except (AssertionError, FailureGroup):
        pass  # recorded above; the other operations still run
    except Unsatisfiable:
        # Nothing invalid to send: no parameters and no body.
        assert mode is GenerationMode.NEGATIVE, operation.label
    return found[-1:]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_every_operation_keeps_to_the_document(
    app: Litestar,
    served_schema: BaseSchema,
    tokens: dict[str, dict[str, str]],
    signed_in: bool,
    mode: GenerationMode,
) -> None:
    failures: list[str] = []
    for result in served_schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        headers: dict[str, str] = {}
        if signed_in:
            caregiver = operation.path.startswith("/api/v1/caregiver")
            headers = tokens["caregiver" if caregiver else "owner"]
        failures += _failures(operation, mode, headers)
        if operation.path == "/api/v1/test/clock":
            # The rest of the run on real time again.
            with asgi.get_client(cast(Any, app)) as client:
                reset = client.put(f"{BASE}/api/v1/test/clock", json={"now": None})
                assert reset.status_code == 200, reset.text
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
