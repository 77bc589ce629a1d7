"""A local, stateful stand-in of the Stripe API, enough for the real SDK to talk to.

It is a plain ASGI app served on 127.0.0.1 (granian, embedded in the test's
event loop) and answers the endpoints the payment gateway uses, form-encoded
as the SDK sends them:

    POST /v1/accounts                      POST /v1/account_links
    POST /v1/payment_intents               GET  /v1/payment_intents/{id}
    POST /v1/payment_intents/{id}/capture  POST /v1/payment_intents/{id}/cancel
    POST /v1/refunds                       POST /v1/transfers
    GET  /v1/transfers                     POST /v1/transfers/{id}/reversals
    POST /v1/customers                     POST /v1/setup_intents
    GET  /v1/setup_intents/{id}

like Stripe does: a Bearer `sk_test_...` key is required; an `Idempotency-Key`
seen before replays the stored answer for the same request and answers 400
`idempotency_error` for another one (the answer of a request that ran is
stored even when it is an error, such as a refused transfer; one refused by
parameter validation is not); unknown and missing parameters, states that
refuse a command and amounts beyond what remains are 400/404 errors in
Stripe's shape; `expand[]` works on the fields that hold an id. Objects are
Stripe's published fixtures (tests/fixtures/stripe/fixtures3-subset.json) with
their fields filled in, so the SDK parses them as the real thing. A captured
charge gets a balance transaction whose fee is 1.5% + 25 cents (half up).
Customers and SetupIntents, absent from the fixtures, are built field by field
from Stripe's API reference.

A PaymentIntent created with `confirm` and a `payment_method` is confirmed at
once, as Stripe's test cards go (TEST_CARDS): pm_card_visa is authorized;
pm_card_authenticationRequired and pm_card_chargeDeclined are refused with a
402 card_error (authentication_required, or card_declined) that carries the
PaymentIntent, left requires_payment_method for the owner to confirm on-session
(`confirm` does that); without `off_session` the first asks for an action
(requires_action) instead. The 402 is kept for the idempotency key as Stripe
keeps it.

Test helpers live under /_standin/ (and as methods): confirm or fail a
PaymentIntent's payment, make a SetupIntent save a card or fail, set an
account's payouts_enabled (the account link's URL does that too, then
redirects to the return URL), make the next transfer fail, read the state.
Each state change records the matching event in `events`; with a webhook
target set, each is POSTed there, in order, signed with a Stripe-Signature
header; `deliver` sends any event again, so tests can repeat, duplicate or
reorder deliveries.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import re
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
from granian.constants import Interfaces
from granian.server.embed import Server

FIXTURES = Path(__file__).parent / "fixtures" / "stripe" / "fixtures3-subset.json"
SHAPES: dict[str, dict[str, Any]] = json.loads(FIXTURES.read_text())["resources"]

API_KEY = "sk_test_standin_4eC39HqLyjWDarjtT1zdp7dc"
WEBHOOK_SECRET = "whsec_standin_0123456789abcdef"
# Stripe's test payment methods: brand and last four digits of their card.
TEST_CARDS = {
    "pm_card_visa": ("visa", "4242"),
    "pm_card_authenticationRequired": ("visa", "3184"),
    "pm_card_chargeDeclined": ("visa", "0002"),
}
AUTHENTICATION_REQUIRED = "pm_card_authenticationRequired"
DECLINED = "pm_card_chargeDeclined"
SETUP_PENDING = ("requires_payment_method", "requires_confirmation", "requires_action")
CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)

Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Json = dict[str, Any]


def fee_for(amount_cents: int) -> int:
    """Stripe's EEA standard card fee: 1.5% (rounded half up) + 25 cents."""
    return (amount_cents * 15 + 500) // 1000 + 25


def sign(payload: bytes, secret: str, at: int | None = None) -> str:
    """The Stripe-Signature header for `payload`, as Stripe computes it."""
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def parse_params(pairs: Iterable[tuple[str, str]]) -> Json:
    """`a[b][c]=v`, `expand[]=x` and `expand[0]=x` pairs as nested dicts and lists."""
    root: Json = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head, *(rest.rstrip("]").split("][") if rest else [])]
        node = root
        for i, part in enumerate(parts):
            name = part or str(len(node))  # `x[]` appends
            if not isinstance(node, dict):
                raise ApiError(400, f"Invalid array or hash parameter: {key}", param=head)
            if i == len(parts) - 1:
                node[name] = value
            else:
                node = node.setdefault(name, {})
    return {name: _listify(value) for name, value in root.items()}


def _listify(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    items = {k: _listify(v) for k, v in value.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


class ApiError(Exception):
    """An error Stripe would answer, in its shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        type_: str = "invalid_request_error",
        extra: Json | None = None,
        stored: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        # Raised once the request executed (not by parameter validation): Stripe
        # keeps such an answer for the idempotency key and replays it.
        self.stored = stored
        self.body: Json = {"type": type_, "message": message}
        if code is not None:
            self.body["code"] = code
            self.body["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param is not None:
            self.body["param"] = param
        self.body.update(extra or {})


def _missing(name: str) -> ApiError:
    return ApiError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)


def _no_such(kind: str, object_id: str, param: str, status: int = 400) -> ApiError:
    return ApiError(status, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _shape(kind: str) -> Json:
    return copy.deepcopy(SHAPES[kind])


def _list_of(url: str, data: list[Json] | None = None) -> Json:
    return {"object": "list", "data": data or [], "has_more": False, "url": url}


@dataclass
class Recorded:
    """One API request as the stand-in received it."""

    method: str
    path: str
    params: Json
    headers: dict[str, str]
    idempotency_key: str | None
    status: int = 0


@dataclass
class Delivery:
    event_id: str
    type: str
    status: int | None
    error: str | None = None


@dataclass
class State:
    accounts: dict[str, Json] = field(default_factory=dict)
    account_links: dict[str, Json] = field(default_factory=dict)
    payment_intents: dict[str, Json] = field(default_factory=dict)
    charges: dict[str, Json] = field(default_factory=dict)
    balance_transactions: dict[str, Json] = field(default_factory=dict)
    refunds: dict[str, Json] = field(default_factory=dict)
    transfers: dict[str, Json] = field(default_factory=dict)
    transfer_reversals: dict[str, Json] = field(default_factory=dict)
    customers: dict[str, Json] = field(default_factory=dict)
    setup_intents: dict[str, Json] = field(default_factory=dict)
    payment_methods: dict[str, Json] = field(default_factory=dict)

    def lookup(self, object_id: str) -> Json | None:
        prefix = object_id.split("_", 1)[0]
        table = {
            "acct": self.accounts,
            "pi": self.payment_intents,
            "ch": self.charges,
            "txn": self.balance_transactions,
            "re": self.refunds,
            "tr": self.transfers,
            "trr": self.transfer_reversals,
            "cus": self.customers,
            "seti": self.setup_intents,
            "pm": self.payment_methods,
        }.get(prefix)
        return None if table is None else table.get(object_id)


Handler = Callable[..., Json]


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    allowed: frozenset[str]


class StripeStandIn:
    """The ASGI app; its state, requests and events are there for tests to read."""

    def __init__(
        self,
        webhook_url: str | None = None,
        webhook_secret: str = WEBHOOK_SECRET,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.url = ""
        self.state = State()
        self.requests: list[Recorded] = []
        self.events: list[Json] = []
        self.deliveries: list[Delivery] = []
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.now = now
        self.api_version: str | None = None
        self.http: httpx.AsyncClient | None = None
        self._idempotent: dict[str, tuple[str, str, Json, int, bytes]] = {}
        self._failing_transfers: list[tuple[str, str]] = []
        # Stripe may leave an off-session payment that needs the owner in
        # requires_action, with no error: set to answer so.
        self.off_session_requires_action = False
        self._request: Json = {"id": None, "idempotency_key": None}
        self._last_delivery: asyncio.Task[None] | None = None
        self._routes = self._api_routes()

    # -- test helpers -------------------------------------------------------

    async def confirm(
        self, payment_intent_id: str, method: str = "card", payment_method: str | None = None
    ) -> Json:
        """The owner pays with `method`: a card with a manual capture is
        authorized (requires_capture, amount_capturable = amount, and
        payment_intent.amount_capturable_updated); a method whose capture is
        automatic (Bancontact) succeeds at once. An off-session payment that
        failed is confirmed so too, on-session (the owner authenticated, or
        gave another card); `payment_method` names the card, a new one if None."""
        intent = self._intent(payment_intent_id)
        return self._render(self._confirm(intent, method, payment_method))

    async def succeed_setup(
        self, setup_intent_id: str, payment_method: str = "pm_card_visa"
    ) -> Json:
        """The owner saved `payment_method` (kept under that id, so that its
        off-session payments go as that test card's): the SetupIntent succeeds,
        the card is attached to its customer and setup_intent.succeeded is sent."""
        return self._render(
            self._succeed_setup(self._setup_intent(setup_intent_id), payment_method)
        )

    async def fail_setup(self, setup_intent_id: str) -> Json:
        """The owner's card could not be saved: setup_intent.setup_failed."""
        return self._render(self._fail_setup(self._setup_intent(setup_intent_id)))

    async def fail_payment(self, payment_intent_id: str) -> Json:
        """The owner's card is declined: the PaymentIntent asks for another method."""
        return self._render(self._fail(self._intent(payment_intent_id)))

    async def set_payouts_enabled(self, account_id: str, enabled: bool = True) -> Json:
        """Onboarding finished (or the account lost its capabilities)."""
        account = self.state.accounts.get(account_id)
        if account is None:
            raise _no_such("account", account_id, "account", 404)
        return self._render(self._set_payouts(account, enabled))

    def fail_next_transfer(
        self,
        code: str = "balance_insufficient",
        message: str = "You have insufficient available funds in your Stripe account.",
    ) -> None:
        self._failing_transfers.append((code, message))

    def send_webhooks_to(self, url: str | None, secret: str | None = None) -> None:
        """POST each new event to `url` (None stops it)."""
        self.webhook_url = url
        if secret is not None:
            self.webhook_secret = secret

    def signed(
        self, event: Json, secret: str | None = None, at: int | None = None
    ) -> tuple[bytes, str]:
        """The body and Stripe-Signature header of a delivery of `event`."""
        payload = json.dumps(event, indent=2).encode()
        return payload, sign(payload, secret or self.webhook_secret, at)

    async def deliver(
        self,
        event: Json,
        url: str | None = None,
        secret: str | None = None,
        at: int | None = None,
    ) -> int:
        """Send `event` (again) now; returns the receiver's status code."""
        target = url or self.webhook_url
        if target is None or self.http is None:
            raise RuntimeError("no webhook target, or the stand-in is not running")
        payload, signature = self.signed(event, secret, at)
        response = await self.http.post(
            target,
            content=payload,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        self.deliveries.append(Delivery(event["id"], event["type"], response.status_code))
        return response.status_code

    async def drain(self) -> None:
        """Wait until every event sent on its own so far was delivered."""
        while self._last_delivery is not None and not self._last_delivery.done():
            await self._last_delivery

    def dump(self) -> Json:
        return asdict(self.state)

    # -- ASGI -----------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode()
        try:
            status, extra, payload = self.handle(
                scope["method"], scope["path"], query, headers, body
            )
        except Exception as exc:  # a fault of the stand-in: say so, and no retries
            status, extra = 500, {"stripe-should-retry": "false"}
            payload = json.dumps({"error": {"type": "api_error", "message": repr(exc)}}).encode()
        response_headers = [(b"content-type", b"application/json")]
        response_headers += [(k.encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})

    def handle(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """One request, start to end without awaiting: requests never interleave."""
        if path.startswith("/_standin/"):
            return self._helper(method, path, query, body)
        request_id = f"req_{secrets.token_hex(7)}"
        key = headers.get("idempotency-key")
        extra = {"request-id": request_id}
        try:
            form = body.decode() if method == "POST" else query
            params = parse_params(parse_qsl(form, keep_blank_values=True))
        except (UnicodeDecodeError, ApiError) as exc:
            bad = exc if isinstance(exc, ApiError) else ApiError(400, "Invalid request body")
            self.requests.append(Recorded(method, path, {}, headers, key, bad.status))
            return bad.status, extra, json.dumps({"error": bad.body}).encode()
        recorded = Recorded(method, path, params, headers, key)
        self.requests.append(recorded)
        status, payload = self._api(method, path, params, headers, key, request_id, extra)
        recorded.status = status
        if "stripe-version" in headers:
            extra["stripe-version"] = headers["stripe-version"]
        return status, extra, payload

    def _api(
        self,
        method: str,
        path: str,
        params: Json,
        headers: dict[str, str],
        key: str | None,
        request_id: str,
        extra: dict[str, str],
    ) -> tuple[int, bytes]:
        def error(exc: ApiError) -> tuple[int, bytes]:
            return exc.status, json.dumps({"error": exc.body}).encode()

        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return error(ApiError(401, "You did not provide an API key."))
        if not auth.removeprefix("Bearer ").startswith("sk_test_"):
            return error(ApiError(401, "Invalid API Key provided: " + auth[7:15] + "****"))
        self.api_version = headers.get("stripe-version", self.api_version)
        if method == "POST" and key is not None and key in self._idempotent:
            first_method, first_path, first_params, status, answer = self._idempotent[key]
            if (first_method, first_path, first_params) != (method, path, params):
                return error(
                    ApiError(
                        400,
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                        type_="idempotency_error",
                    )
                )
            extra["idempotent-replayed"] = "true"
            return status, answer
        self._request = {"id": request_id, "idempotency_key": key}
        try:
            route, ids = self._route(method, path)
            unknown = sorted(set(params) - route.allowed)
            if unknown:
                raise ApiError(
                    400,
                    f"Received unknown parameter: {unknown[0]}",
                    code="parameter_unknown",
                    param=unknown[0],
                )
            status, answer = 200, json.dumps(route.handler(params, *ids)).encode()
        except ApiError as exc:
            if not exc.stored:
                return error(exc)
            status, answer = error(exc)
        finally:
            self._request = {"id": None, "idempotency_key": None}
        if method == "POST" and key is not None:
            self._idempotent[key] = (method, path, params, status, answer)
        return status, answer

    def _route(self, method: str, path: str) -> tuple[_Route, tuple[str, ...]]:
        for route in self._routes:
            match = route.pattern.fullmatch(path)
            if match and route.method == method:
                return route, match.groups()
        raise ApiError(404, f"Unrecognized request URL ({method}: {path}).")

    def _api_routes(self) -> list[_Route]:
        def route(method: str, path: str, handler: Handler, *allowed: str) -> _Route:
            pattern = re.compile(path.replace("{id}", r"([A-Za-z0-9_]+)"))
            return _Route(method, pattern, handler, frozenset({"expand", *allowed}))

        return [
            route(
                "POST",
                "/v1/accounts",
                self._create_account,
                *("business_profile", "business_type", "capabilities", "controller"),
                *("country", "default_currency", "email", "metadata", "settings", "type"),
            ),
            route(
                "POST",
                "/v1/account_links",
                self._create_account_link,
                *("account", "collect", "collection_options", "refresh_url", "return_url", "type"),
            ),
            route(
                "POST",
                "/v1/payment_intents",
                self._create_payment_intent,
                *("allowed_payment_method_types", "amount", "automatic_payment_methods"),
                *("capture_method", "confirm", "currency", "customer", "description"),
                *("metadata", "off_session", "payment_method", "payment_method_options"),
                *("payment_method_types", "receipt_email"),
                *("statement_descriptor_suffix", "transfer_group"),
            ),
            route("GET", "/v1/payment_intents/{id}", self._retrieve_payment_intent),
            route(
                "POST",
                "/v1/customers",
                self._create_customer,
                *("address", "description", "email", "metadata", "name", "phone"),
                *("preferred_locales",),
            ),
            route(
                "POST",
                "/v1/setup_intents",
                self._create_setup_intent,
                *("allowed_payment_method_types", "automatic_payment_methods", "customer"),
                *("description", "metadata", "payment_method_options", "payment_method_types"),
                *("usage",),
            ),
            route("GET", "/v1/setup_intents/{id}", self._retrieve_setup_intent),
            route(
                "POST",
                "/v1/payment_intents/{id}/capture",
                self._capture,
                *("metadata", "statement_descriptor_suffix"),
            ),
            route("POST", "/v1/payment_intents/{id}/cancel", self._cancel, "cancellation_reason"),
            route(
                "POST",
                "/v1/refunds",
                self._create_refund,
                *("amount", "charge", "metadata", "payment_intent", "reason", "reverse_transfer"),
            ),
            route(
                "POST",
                "/v1/transfers",
                self._create_transfer,
                *("amount", "currency", "description", "destination", "metadata"),
                *("source_transaction", "transfer_group"),
            ),
            route(
                "GET",
                "/v1/transfers",
                self._list_transfers,
                *("destination", "limit", "starting_after", "transfer_group"),
            ),
            route(
                "POST",
                "/v1/transfers/{id}/reversals",
                self._create_reversal,
                *("amount", "description", "metadata", "refund_application_fee"),
            ),
        ]

    # -- helpers over HTTP ---------------------------------------------------

    def _helper(
        self, method: str, path: str, query: str, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        form = dict(parse_qsl(body.decode() if method == "POST" else query))
        parts = path.removeprefix("/_standin/").split("/")
        try:
            match method, parts:
                case "GET", ["health"]:
                    answer: Any = {"ok": True}
                case "GET", ["state"]:
                    answer = self.dump()
                case "GET", ["events"]:
                    answer = _list_of("/_standin/events", list(reversed(self.events)))
                case "GET", ["onboarding", token]:
                    return self._onboard(token)
                case "POST", ["payment_intents", pi, "confirm"]:
                    method = form.get("method", "card")
                    card = form.get("payment_method") or None
                    answer = self._render(self._confirm(self._intent(pi), method, card))
                case "POST", ["setup_intents", seti, "succeed"]:
                    card = form.get("payment_method", "pm_card_visa")
                    answer = self._render(self._succeed_setup(self._setup_intent(seti), card))
                case "POST", ["setup_intents", seti, "fail"]:
                    answer = self._render(self._fail_setup(self._setup_intent(seti)))
                case "POST", ["payment_intents", pi, "fail"]:
                    answer = self._render(self._fail(self._intent(pi)))
                case "POST", ["accounts", account_id, "payouts_enabled"]:
                    account = self.state.accounts.get(account_id)
                    if account is None:
                        raise _no_such("account", account_id, "account", 404)
                    enabled = form.get("enabled", "true") == "true"
                    answer = self._render(self._set_payouts(account, enabled))
                case "POST", ["transfers", "fail_next"]:
                    self.fail_next_transfer(*[form[k] for k in ("code", "message") if k in form])
                    answer = {"ok": True}
                case "POST", ["webhooks"]:
                    self.send_webhooks_to(form.get("url") or None, form.get("secret"))
                    answer = {"ok": True}
                case _:
                    raise ApiError(404, f"Unrecognized request URL ({method}: {path}).")
        except ApiError as exc:
            return exc.status, {}, json.dumps({"error": exc.body}).encode()
        return 200, {}, json.dumps(answer).encode()

    def _onboard(self, token: str) -> tuple[int, dict[str, str], bytes]:
        link = self.state.account_links.get(token)
        if link is None:
            return 404, {}, b'{"error": {"type": "invalid_request_error", "message": "gone"}}'
        if link["used"] or link["expires_at"] < self.now():
            return 303, {"location": link["refresh_url"]}, b"{}"
        link["used"] = True
        self._set_payouts(self.state.accounts[link["account"]], True)
        return 303, {"location": link["return_url"]}, b"{}"

    # -- objects --------------------------------------------------------------

    def _now(self) -> int:
        return int(self.now())

    def _intent(self, payment_intent_id: str) -> Json:
        intent = self.state.payment_intents.get(payment_intent_id)
        if intent is None:
            raise _no_such("payment_intent", payment_intent_id, "intent", 404)
        return intent

    def _setup_intent(self, setup_intent_id: str) -> Json:
        intent = self.state.setup_intents.get(setup_intent_id)
        if intent is None:
            raise _no_such("setup_intent", setup_intent_id, "intent", 404)
        return intent

    def _render(self, obj: Json, expand: Iterable[str] = ()) -> Json:
        rendered = copy.deepcopy(obj)
        for path in expand:
            self._expand(rendered, path.split("."), path)
        return rendered

    def _expand(self, obj: Json, path: list[str], full: str) -> None:
        head, rest = path[0], path[1:]
        if head not in obj:
            raise ApiError(400, f"This property cannot be expanded ({full}).", param="expand")
        value = obj[head]
        if isinstance(value, str):
            found = self.state.lookup(value)
            if found is None:
                raise ApiError(400, f"This property cannot be expanded ({full}).", param="expand")
            value = obj[head] = copy.deepcopy(found)
        if rest and isinstance(value, dict):
            self._expand(value, rest, full)

    @staticmethod
    def _expansions(params: Json) -> list[str]:
        expand = params.get("expand", [])
        if not isinstance(expand, list) or not all(isinstance(e, str) for e in expand):
            raise ApiError(400, "Invalid array", param="expand")
        return expand

    @staticmethod
    def _int(params: Json, name: str, *, required: bool = True, minimum: int = 1) -> int | None:
        raw = params.get(name)
        if raw is None:
            if required:
                raise _missing(name)
            return None
        if not isinstance(raw, str) or not raw.isdigit():
            raise ApiError(
                400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name
            )
        value = int(raw)
        if value < minimum:
            raise ApiError(
                400,
                f"This value must be greater than or equal to {minimum}.",
                code="parameter_invalid_integer",
                param=name,
            )
        return value

    @staticmethod
    def _metadata(params: Json) -> dict[str, str]:
        metadata = params.get("metadata", {})
        if metadata == "":
            return {}
        if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
            raise ApiError(400, "Invalid hash", code="parameter_invalid_hash", param="metadata")
        return metadata

    def _balance_transaction(self, amount: int, fee: int, kind: str, source: str) -> str:
        txn = _shape("balance_transaction")
        now = self._now()
        txn.update(
            id=_new_id("txn"),
            amount=amount,
            fee=fee,
            net=amount - fee,
            currency="eur",
            created=now,
            available_on=now + 7 * 86400,
            description=None,
            fee_details=(
                [
                    {
                        "amount": fee,
                        "application": None,
                        "currency": "eur",
                        "description": "Stripe processing fees",
                        "type": "stripe_fee",
                    }
                ]
                if fee
                else []
            ),
            reporting_category=kind if kind != "transfer_cancel" else "transfer_reversal",
            source=source,
            status="pending",
            type=kind,
        )
        self.state.balance_transactions[txn["id"]] = txn
        return str(txn["id"])

    def _emit(self, kind: str, obj: Json, previous: Json | None = None) -> None:
        event = _shape("event")
        event.update(
            id=_new_id("evt"),
            api_version=self.api_version,
            created=self._now(),
            data={"object": self._render(obj)},
            livemode=False,
            pending_webhooks=1 if self.webhook_url else 0,
            request=dict(self._request),
            type=kind,
        )
        if previous is not None:
            event["data"]["previous_attributes"] = previous
        self.events.append(event)
        if self.webhook_url is not None and self.http is not None:
            self._send_later(event)

    def _send_later(self, event: Json) -> None:
        before, url, secret = self._last_delivery, self.webhook_url, self.webhook_secret

        async def send() -> None:
            if before is not None:
                await before
            try:
                await self.deliver(event, url, secret)
            except (httpx.HTTPError, RuntimeError) as exc:
                self.deliveries.append(Delivery(event["id"], event["type"], None, repr(exc)))

        self._last_delivery = asyncio.get_running_loop().create_task(send())

    # -- accounts -------------------------------------------------------------

    def _create_account(self, params: Json) -> Json:
        account = _shape("account")
        account_id = _new_id("acct")
        wanted = params.get("controller", {})
        if not isinstance(wanted, dict):
            raise ApiError(400, "Invalid hash", code="parameter_invalid_hash", param="controller")
        dashboard = wanted.get("stripe_dashboard", {}).get("type", "full")
        capabilities = params.get("capabilities", {})
        if not isinstance(capabilities, dict):
            raise ApiError(400, "Invalid hash", param="capabilities")
        account.update(
            id=account_id,
            business_type=params.get("business_type"),
            capabilities={
                name: "inactive"
                for name, wish in capabilities.items()
                if isinstance(wish, dict) and wish.get("requested") == "true"
            },
            charges_enabled=False,
            controller={
                "fees": {"payer": wanted.get("fees", {}).get("payer", "account")},
                "is_controller": True,
                "losses": {"payments": wanted.get("losses", {}).get("payments", "stripe")},
                "requirement_collection": wanted.get("requirement_collection", "stripe"),
                "stripe_dashboard": {"type": dashboard},
                "type": "application",
            },
            country=params.get("country", "BE"),
            created=self._now(),
            default_currency="eur",
            details_submitted=False,
            email=params.get("email"),
            metadata=self._metadata(params),
            payouts_enabled=False,
            type="express" if dashboard == "express" else "none",
        )
        account["external_accounts"]["url"] = f"/v1/accounts/{account_id}/external_accounts"
        self.state.accounts[account_id] = account
        return self._render(account, self._expansions(params))

    def _create_account_link(self, params: Json) -> Json:
        for name in ("account", "type", "refresh_url", "return_url"):
            if not params.get(name):
                raise _missing(name)
        if params["account"] not in self.state.accounts:
            raise _no_such("account", params["account"], "account")
        if params["type"] not in ("account_onboarding", "account_update"):
            raise ApiError(400, "Invalid type", code="parameter_invalid_string", param="type")
        token = secrets.token_urlsafe(12)
        now = self._now()
        self.state.account_links[token] = {
            "account": params["account"],
            "refresh_url": params["refresh_url"],
            "return_url": params["return_url"],
            "expires_at": now + 300,
            "used": False,
        }
        link = _shape("account_link")
        link.update(
            created=now, expires_at=now + 300, url=f"{self.url}/_standin/onboarding/{token}"
        )
        return link

    def _set_payouts(self, account: Json, enabled: bool) -> Json:
        previous = {
            "payouts_enabled": account["payouts_enabled"],
            "charges_enabled": account["charges_enabled"],
        }
        if account["payouts_enabled"] == enabled:
            return account
        due = [] if enabled else ["external_account", "tos_acceptance.date", "tos_acceptance.ip"]
        account.update(payouts_enabled=enabled, charges_enabled=enabled)
        if enabled:
            account["details_submitted"] = True
        account["capabilities"] = {
            name: "active" if enabled else "inactive" for name in account["capabilities"]
        }
        account["requirements"].update(
            currently_due=due,
            eventually_due=due,
            past_due=[],
            disabled_reason=None if enabled else "requirements.past_due",
        )
        self._emit("account.updated", account, previous)
        return account

    # -- payment intents ------------------------------------------------------

    def _create_payment_intent(self, params: Json) -> Json:
        amount = self._int(params, "amount")
        assert amount is not None
        currency = params.get("currency")
        if not currency:
            raise _missing("currency")
        if amount < 50:
            raise ApiError(
                400,
                f"Amount must be at least €0.50 {currency}",
                code="amount_too_small",
                param="amount",
            )
        capture_method = params.get("capture_method", "automatic_async")
        if capture_method not in ("automatic", "automatic_async", "manual"):
            raise ApiError(400, "Invalid capture_method", param="capture_method")
        automatic = params.get("automatic_payment_methods")
        allowed = params.get("allowed_payment_method_types")
        if allowed is not None and automatic is not None:
            raise ApiError(
                400,
                "allowed_payment_method_types cannot be used with automatic_payment_methods.",
                param="allowed_payment_method_types",
            )
        options = params.get("payment_method_options") or {}
        if not isinstance(options, dict):
            raise ApiError(400, "Invalid payment_method_options", param="payment_method_options")
        for kind, option in options.items():
            wanted = option.get("capture_method") if isinstance(option, dict) else None
            # Stripe: only a method that can hold funds takes a manual capture.
            if wanted is not None and (kind != "card" or wanted != "manual"):
                raise ApiError(
                    400,
                    f"Invalid capture_method for {kind}",
                    param=f"payment_method_options[{kind}][capture_method]",
                )
        customer = params.get("customer")
        if customer is not None and customer not in self.state.customers:
            raise _no_such("customer", str(customer), "customer")
        confirm = params.get("confirm") == "true"
        off_session = params.get("off_session", "false") != "false"
        payment_method = params.get("payment_method")
        if off_session and not confirm:
            raise ApiError(
                400, "off_session can only be used with confirm=true.", param="off_session"
            )
        if confirm and not payment_method:
            raise ApiError(
                400,
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
                param="payment_method",
            )
        if payment_method is not None:
            self._card(str(payment_method), customer)
        intent = _shape("payment_intent")
        intent_id = _new_id("pi")
        intent.update(
            id=intent_id,
            amount=amount,
            amount_capturable=0,
            amount_received=0,
            automatic_payment_methods=(
                {"allow_redirects": "always", "enabled": automatic.get("enabled") == "true"}
                if isinstance(automatic, dict)
                else None
            ),
            canceled_at=None,
            cancellation_reason=None,
            capture_method=capture_method,
            client_secret=f"{intent_id}_secret_{secrets.token_urlsafe(18).replace('-', 'x')}",
            created=self._now(),
            currency=str(currency).lower(),
            customer=customer,
            description=params.get("description"),
            last_payment_error=None,
            latest_charge=None,
            managed_payments=None,
            metadata=self._metadata(params),
            next_action=None,
            payment_method=None,
            payment_method_configuration_details=None,
            payment_method_options={
                kind: dict(option) for kind, option in options.items() if isinstance(option, dict)
            },
            payment_method_types=allowed
            or params.get("payment_method_types", ["card", "bancontact"]),
            processing=None,
            shipping=None,
            status="requires_payment_method",
            transfer_data=None,
            transfer_group=params.get("transfer_group"),
        )
        self.state.payment_intents[intent_id] = intent
        if confirm:
            self._confirm_at_once(intent, str(payment_method), off_session)
        return self._render(intent, self._expansions(params))

    def _card(self, payment_method: str, customer: Any) -> Json:
        """The PaymentMethod a payment names: a test card, or one saved."""
        saved = self.state.payment_methods.get(payment_method)
        if saved is not None:
            return saved
        if payment_method not in TEST_CARDS:
            raise _no_such("PaymentMethod", payment_method, "payment_method")
        return self._payment_method(payment_method, customer)

    def _payment_method(self, payment_method: str, customer: Any) -> Json:
        brand, last4 = TEST_CARDS.get(payment_method, ("visa", "4242"))
        return {
            "id": payment_method,
            "object": "payment_method",
            "allow_redisplay": "unspecified",
            "billing_details": {
                "address": {
                    "city": None,
                    "country": None,
                    "line1": None,
                    "line2": None,
                    "postal_code": None,
                    "state": None,
                },
                "email": None,
                "name": None,
                "phone": None,
                "tax_id": None,
            },
            "card": {
                "brand": brand,
                "checks": {
                    "address_line1_check": None,
                    "address_postal_code_check": None,
                    "cvc_check": "pass",
                },
                "country": "US",
                "display_brand": brand,
                "exp_month": 12,
                "exp_year": time.gmtime(self.now()).tm_year + 3,
                "fingerprint": hashlib.sha256(payment_method.encode()).hexdigest()[:16],
                "funding": "credit",
                "generated_from": None,
                "last4": last4,
                "networks": {"available": [brand], "preferred": None},
                "regulated_status": "unregulated",
                "three_d_secure_usage": {"supported": True},
                "wallet": None,
            },
            "created": self._now(),
            "customer": customer,
            "livemode": False,
            "metadata": {},
            "type": "card",
        }

    def _confirm_at_once(self, intent: Json, payment_method: str, off_session: bool) -> None:
        """Confirmation on create, as the test card goes; a refusal is a 402
        carrying the PaymentIntent, kept for the idempotency key."""
        card = self._card(payment_method, intent["customer"])
        if payment_method == AUTHENTICATION_REQUIRED and (
            not off_session or self.off_session_requires_action
        ):
            intent.update(
                payment_method=payment_method,
                status="requires_action",
                next_action={
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {"type": "three_d_secure_redirect"},
                },
            )
            self._emit("payment_intent.requires_action", intent)
            return
        if payment_method not in (AUTHENTICATION_REQUIRED, DECLINED):
            self._confirm(intent, "card", payment_method)
            return
        if payment_method == AUTHENTICATION_REQUIRED:
            error: Json = {
                "code": "authentication_required",
                "decline_code": "authentication_required",
                "doc_url": "https://stripe.com/docs/error-codes/authentication-required",
                "message": "Your card was declined. This transaction requires authentication.",
                "payment_method": card,
                "type": "card_error",
            }
        else:
            charge = self._charge(intent, paid=False, payment_method=payment_method)
            intent["latest_charge"] = charge["id"]
            error = {
                "charge": charge["id"],
                "code": "card_declined",
                "decline_code": "generic_decline",
                "doc_url": "https://stripe.com/docs/error-codes/card-declined",
                "message": "Your card was declined.",
                "payment_method": card,
                "type": "card_error",
            }
        intent.update(
            status="requires_payment_method", payment_method=None, last_payment_error=error
        )
        self._emit("payment_intent.payment_failed", intent)
        extra = {k: v for k, v in error.items() if k not in ("type", "message", "code", "doc_url")}
        raise ApiError(
            402,
            error["message"],
            code=error["code"],
            type_="card_error",
            extra=extra | {"payment_intent": self._render(intent)},
            stored=True,
        )

    def _retrieve_payment_intent(self, params: Json, intent_id: str) -> Json:
        return self._render(self._intent(intent_id), self._expansions(params))

    def _unexpected_state(self, intent: Json, verb: str, allowed: Iterable[str]) -> ApiError:
        return ApiError(
            400,
            f"This PaymentIntent could not be {verb} because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
            f"may be {verb}: {', '.join(allowed)}.",
            code="payment_intent_unexpected_state",
            stored=True,
            extra={"payment_intent": self._render(intent)},
        )

    def _charge(
        self,
        intent: Json,
        *,
        paid: bool,
        method: str = "card",
        payment_method: str | None = None,
    ) -> Json:
        charge = _shape("charge")
        charge_id = _new_id("ch")
        card = charge["payment_method_details"]["card"]
        card.update(amount_authorized=intent["amount"] if paid else None, country="BE")
        card["overcapture"]["maximum_amount_capturable"] = intent["amount"]
        if method == "bancontact":
            charge["payment_method_details"] = {
                "type": "bancontact",
                "bancontact": {
                    "bank_code": "VAPE",
                    "bank_name": "VAN DE PUT & CO",
                    "bic": "VAPEBE22",
                    "generated_sepa_debit": None,
                    "generated_sepa_debit_mandate": None,
                    "iban_last4": "7061",
                    "preferred_language": "nl",
                    "verified_name": "Jenny Rosen",
                },
            }
        charge.update(
            id=charge_id,
            amount=intent["amount"],
            amount_captured=0,
            amount_refunded=0,
            balance_transaction=None,
            billing_details={**charge["billing_details"], "name": None},
            captured=False,
            created=self._now(),
            currency=intent["currency"],
            description=intent["description"],
            failure_code=None if paid else "card_declined",
            failure_message=None if paid else "Your card was declined.",
            metadata=dict(intent["metadata"]),
            outcome={
                "advice_code": None,
                "network_advice_code": None,
                "network_decline_code": None,
                "network_status": "approved_by_network" if paid else "declined_by_network",
                "reason": None if paid else "generic_decline",
                "risk_level": "normal",
                "seller_message": "Payment complete." if paid else "The bank declined it.",
                "type": "authorized" if paid else "issuer_declined",
            },
            paid=paid,
            payment_intent=intent["id"],
            payment_method=payment_method or _new_id("pm"),
            receipt_url=None,
            refunded=False,
            refunds=_list_of(f"/v1/charges/{charge_id}/refunds"),
            source=None,
            status="succeeded" if paid else "failed",
            transfer_data=None,
            transfer_group=intent["transfer_group"],
        )
        self.state.charges[charge_id] = charge
        return charge

    def _confirm(
        self, intent: Json, method: str = "card", payment_method: str | None = None
    ) -> Json:
        if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
            raise self._unexpected_state(intent, "confirmed", ["requires_payment_method"])
        if method not in intent["payment_method_types"]:
            raise ApiError(
                400,
                f"The payment method type provided: {method} is invalid. This payment_intent "
                "was created with payment_method_types only.",
                code="payment_intent_invalid_parameter",
                param="payment_method_type",
            )
        charge = self._charge(intent, paid=True, method=method, payment_method=payment_method)
        intent.update(latest_charge=charge["id"], last_payment_error=None, next_action=None)
        intent["payment_method"] = charge["payment_method"]
        # A per-method capture_method overrides the top-level one for that method.
        option = (intent.get("payment_method_options") or {}).get(method) or {}
        if option.get("capture_method", intent["capture_method"]) == "manual":
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
            self._emit("payment_intent.amount_capturable_updated", intent)
            return intent
        return self._do_capture(intent)

    def _fail(self, intent: Json) -> Json:
        if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
            raise self._unexpected_state(intent, "confirmed", ["requires_payment_method"])
        charge = self._charge(intent, paid=False)
        intent.update(
            latest_charge=charge["id"],
            payment_method=None,
            status="requires_payment_method",
            last_payment_error={
                "charge": charge["id"],
                "code": "card_declined",
                "decline_code": "generic_decline",
                "doc_url": "https://stripe.com/docs/error-codes/card-declined",
                "message": "Your card was declined.",
                "type": "card_error",
            },
        )
        self._emit("payment_intent.payment_failed", intent)
        return intent

    def _capture(self, params: Json, intent_id: str) -> Json:
        intent = self._intent(intent_id)
        if intent["status"] != "requires_capture":
            raise self._unexpected_state(intent, "captured", ["requires_capture"])
        if params.get("metadata"):
            intent["metadata"].update(self._metadata(params))
        return self._render(self._do_capture(intent), self._expansions(params))

    def _do_capture(self, intent: Json) -> Json:
        charge = self.state.charges[intent["latest_charge"]]
        amount = intent["amount"]
        charge.update(
            captured=True,
            amount_captured=amount,
            balance_transaction=self._balance_transaction(
                amount, fee_for(amount), "charge", charge["id"]
            ),
        )
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        self._emit("payment_intent.succeeded", intent)
        return intent

    def _cancel(self, params: Json, intent_id: str) -> Json:
        intent = self._intent(intent_id)
        if intent["status"] not in CANCELABLE:
            raise self._unexpected_state(intent, "canceled", CANCELABLE)
        # Since 2025-03-31 a cancel creates no refund: the charge keeps
        # amount_refunded 0 and refunded false, and no charge.refunded is sent.
        intent.update(
            status="canceled",
            canceled_at=self._now(),
            cancellation_reason=params.get("cancellation_reason"),
            amount_capturable=0,
        )
        self._emit("payment_intent.canceled", intent)
        return self._render(intent, self._expansions(params))

    # -- customers and setup intents ------------------------------------------

    def _create_customer(self, params: Json) -> Json:
        customer_id = _new_id("cus")
        customer = {
            "id": customer_id,
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": self._now(),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": params.get("description"),
            "discount": None,
            "email": params.get("email"),
            "invoice_prefix": secrets.token_hex(4).upper(),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "livemode": False,
            "metadata": self._metadata(params),
            "name": params.get("name"),
            "next_invoice_sequence": 1,
            "phone": params.get("phone"),
            "preferred_locales": params.get("preferred_locales") or [],
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": None,
        }
        self.state.customers[customer_id] = customer
        return self._render(customer, self._expansions(params))

    def _create_setup_intent(self, params: Json) -> Json:
        customer = params.get("customer")
        if customer is not None and customer not in self.state.customers:
            raise _no_such("customer", str(customer), "customer")
        usage = params.get("usage", "off_session")
        if usage not in ("off_session", "on_session"):
            raise ApiError(400, "Invalid usage", code="parameter_invalid_string", param="usage")
        types = params.get("allowed_payment_method_types") or params.get(
            "payment_method_types", ["card"]
        )
        intent_id = _new_id("seti")
        intent = {
            "id": intent_id,
            "object": "setup_intent",
            "application": None,
            "automatic_payment_methods": None,
            "cancellation_reason": None,
            "client_secret": f"{intent_id}_secret_{secrets.token_urlsafe(18).replace('-', 'x')}",
            "created": self._now(),
            "customer": customer,
            "customer_account": None,
            "description": params.get("description"),
            "excluded_payment_method_types": None,
            "flow_directions": None,
            "last_setup_error": None,
            "latest_attempt": None,
            "livemode": False,
            "mandate": None,
            "metadata": self._metadata(params),
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": None,
            "payment_method_configuration_details": None,
            "payment_method_options": {
                "card": {
                    "mandate_options": None,
                    "network": None,
                    "request_three_d_secure": "automatic",
                }
            },
            "payment_method_types": types,
            "single_use_mandate": None,
            "status": "requires_payment_method",
            "usage": usage,
        }
        self.state.setup_intents[intent_id] = intent
        return self._render(intent, self._expansions(params))

    def _retrieve_setup_intent(self, params: Json, intent_id: str) -> Json:
        return self._render(self._setup_intent(intent_id), self._expansions(params))

    def _setup_unexpected_state(self, intent: Json) -> ApiError:
        return ApiError(
            400,
            f"This SetupIntent could not be confirmed because it has a status of "
            f"{intent['status']}.",
            code="setup_intent_unexpected_state",
            extra={"setup_intent": self._render(intent)},
        )

    def _succeed_setup(self, intent: Json, payment_method: str) -> Json:
        if intent["status"] not in SETUP_PENDING:
            raise self._setup_unexpected_state(intent)
        self.state.payment_methods[payment_method] = self._payment_method(
            payment_method, intent["customer"]
        )
        intent.update(
            status="succeeded",
            payment_method=payment_method,
            last_setup_error=None,
            next_action=None,
        )
        self._emit("setup_intent.succeeded", intent)
        return intent

    def _fail_setup(self, intent: Json) -> Json:
        if intent["status"] not in SETUP_PENDING:
            raise self._setup_unexpected_state(intent)
        intent.update(
            status="requires_payment_method",
            payment_method=None,
            last_setup_error={
                "code": "card_declined",
                "decline_code": "generic_decline",
                "doc_url": "https://stripe.com/docs/error-codes/card-declined",
                "message": "Your card was declined.",
                "payment_method": self._payment_method(DECLINED, None),
                "type": "card_error",
            },
        )
        self._emit("setup_intent.setup_failed", intent)
        return intent

    # -- refunds ----------------------------------------------------------------

    def _create_refund(self, params: Json) -> Json:
        if ("payment_intent" in params) == ("charge" in params):
            raise ApiError(
                400,
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                code="parameter_missing",
            )
        if "payment_intent" in params:
            intent = self.state.payment_intents.get(params["payment_intent"])
            if intent is None:
                raise _no_such("payment_intent", params["payment_intent"], "payment_intent")
            if intent["status"] != "succeeded":
                raise self._unexpected_state(intent, "refunded", ["succeeded"])
            charge = self.state.charges[intent["latest_charge"]]
        else:
            found = self.state.charges.get(params["charge"])
            if found is None:
                raise _no_such("charge", params["charge"], "charge")
            charge = found
        if params.get("reverse_transfer") == "true" and charge["transfer_data"] is None:
            raise ApiError(
                400,
                "reverse_transfer can only be used on charges with a destination "
                "(destination charges); reverse the transfer itself instead.",
                param="reverse_transfer",
            )
        remaining = charge["amount_captured"] - charge["amount_refunded"]
        if remaining <= 0:
            raise ApiError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
                stored=True,
            )
        amount = self._int(params, "amount", required=False) or remaining
        if amount > remaining:
            raise ApiError(
                400,
                f"Refund amount ({amount / 100:.2f} EUR) is greater than unrefunded amount on "
                f"charge ({remaining / 100:.2f} EUR)",
                code="amount_too_large",
                stored=True,
                param="amount",
            )
        refund = _shape("refund")
        refund_id = _new_id("re")
        refund.update(
            id=refund_id,
            amount=amount,
            balance_transaction=self._balance_transaction(-amount, 0, "refund", refund_id),
            charge=charge["id"],
            created=self._now(),
            currency=charge["currency"],
            metadata=self._metadata(params),
            payment_intent=charge["payment_intent"],
            payment_method=charge["payment_method"],
            reason=params.get("reason"),
            status="succeeded",
        )
        self.state.refunds[refund_id] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]
        charge["refunds"]["data"].insert(0, refund)
        self._emit("charge.refunded", charge)
        return self._render(refund, self._expansions(params))

    # -- transfers --------------------------------------------------------------

    def _create_transfer(self, params: Json) -> Json:
        amount = self._int(params, "amount")
        assert amount is not None
        for name in ("currency", "destination"):
            if not params.get(name):
                raise _missing(name)
        if self._failing_transfers:
            code, message = self._failing_transfers.pop(0)
            raise ApiError(400, message, code=code, stored=True)
        account = self.state.accounts.get(params["destination"])
        if account is None:
            raise _no_such("destination", params["destination"], "destination")
        if account["capabilities"].get("transfers") != "active":
            raise ApiError(
                400,
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                code="insufficient_capabilities_for_transfer",
                stored=True,
                param="destination",
            )
        source = params.get("source_transaction")
        if source is not None:
            charge = self.state.charges.get(source)
            if charge is None:
                raise _no_such("charge", source, "source_transaction")
            spent = sum(
                t["amount"]
                for t in self.state.transfers.values()
                if t["source_transaction"] == source
            )
            if not charge["captured"] or amount > charge["amount_captured"] - spent:
                raise ApiError(
                    400,
                    "The transfer amount exceeds what remains of the source transaction.",
                    code="amount_too_large",
                    stored=True,
                    param="amount",
                )
        transfer = _shape("transfer")
        transfer_id = _new_id("tr")
        transfer.update(
            id=transfer_id,
            amount=amount,
            amount_reversed=0,
            balance_transaction=self._balance_transaction(-amount, 0, "transfer", transfer_id),
            created=self._now(),
            currency=str(params["currency"]).lower(),
            description=params.get("description"),
            destination=account["id"],
            destination_payment=_new_id("py"),
            metadata=self._metadata(params),
            reversals=_list_of(f"/v1/transfers/{transfer_id}/reversals"),
            reversed=False,
            source_transaction=source,
            transfer_group=params.get("transfer_group"),
        )
        self.state.transfers[transfer_id] = transfer
        self._emit("transfer.created", transfer)
        return self._render(transfer, self._expansions(params))

    def _list_transfers(self, params: Json) -> Json:
        limit = self._int(params, "limit", required=False) or 10
        if limit > 100:
            raise ApiError(400, "limit must be at most 100", param="limit")
        found = [
            t
            for t in reversed(self.state.transfers.values())  # newest first
            if all(
                t[name] == params[name]
                for name in ("transfer_group", "destination")
                if name in params
            )
        ]
        ids = [t["id"] for t in found]
        if "starting_after" in params:
            after = params["starting_after"]
            if after not in self.state.transfers:
                raise _no_such("transfer", after, "starting_after")
            found = found[ids.index(after) + 1 :] if after in ids else []
        page = [self._render(t, self._page_expansions(params)) for t in found[:limit]]
        return _list_of("/v1/transfers", page) | {"has_more": len(found) > limit}

    def _page_expansions(self, params: Json) -> list[str]:
        return [e.removeprefix("data.") for e in self._expansions(params)]

    def _create_reversal(self, params: Json, transfer_id: str) -> Json:
        transfer = self.state.transfers.get(transfer_id)
        if transfer is None:
            raise _no_such("transfer", transfer_id, "id", 404)
        remaining = transfer["amount"] - transfer["amount_reversed"]
        amount = self._int(params, "amount", required=False) or remaining
        if remaining <= 0 or amount > remaining:
            raise ApiError(
                400,
                f"You have attempted to reverse {amount} cents, but the transfer only has "
                f"{remaining} cents left to reverse.",
                code="amount_too_large",
                stored=True,
                param="amount",
            )
        reversal = _shape("transfer_reversal")
        reversal_id = _new_id("trr")
        reversal.update(
            id=reversal_id,
            amount=amount,
            balance_transaction=self._balance_transaction(
                amount, 0, "transfer_cancel", reversal_id
            ),
            created=self._now(),
            currency=transfer["currency"],
            destination_payment_refund=_new_id("pyr"),
            metadata=self._metadata(params),
            transfer=transfer_id,
        )
        self.state.transfer_reversals[reversal_id] = reversal
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
        transfer["reversals"]["data"].insert(0, reversal)
        self._emit("transfer.reversed", transfer)
        return self._render(reversal, self._expansions(params))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@asynccontextmanager
async def serve_asgi(app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> AsyncIterator[str]:
    """Serve an ASGI app on 127.0.0.1 in this event loop; yields its base URL."""
    port = free_port()
    server = Server(
        app,
        address="127.0.0.1",
        port=port,
        interface=Interfaces.ASGINL,
        websockets=False,
        log_enabled=False,
    )
    task = asyncio.get_running_loop().create_task(server.serve())
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(250):
            if task.done():
                task.result()
                raise RuntimeError("the server stopped at once")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.02)
                continue
            writer.close()
            await writer.wait_closed()
            break
        else:
            raise RuntimeError(f"nothing listens on {url}")
        yield url
    finally:
        server.stop()
        await asyncio.wait_for(task, timeout=10)


@asynccontextmanager
async def stripe_standin(
    webhook_url: str | None = None, webhook_secret: str = WEBHOOK_SECRET
) -> AsyncIterator[StripeStandIn]:
    """A running stand-in; point the SDK at `.url` with API_KEY."""
    standin = StripeStandIn(webhook_url, webhook_secret)
    async with httpx.AsyncClient(timeout=10) as http, serve_asgi(standin) as url:
        standin.url = url
        standin.http = http
        try:
            yield standin
        finally:
            await standin.drain()
