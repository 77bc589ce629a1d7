"""What the OpenAPI document says beyond what Litestar infers from the handlers.

Each operation's summary and description, the problem responses it really
gives, whether it needs a bearer token, and the links from the operations
that create ids to those that use them: declared here, in one table, and
applied to every route as it is registered (a Litestar route plugin), so the
decorators keep describing only what the handler does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated

import msgspec
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import (
    Link,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
    Tag,
)
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from tailtribe.domain.model.privacy import ErasureBlocker
from tailtribe.entrypoints.http.live import WS_TOKEN_ENDED

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldProblem(msgspec.Struct):
    """One refused input."""

    field: Annotated[str, msgspec.Meta(description="The field, parameter or part refused.")]
    message: Annotated[str, msgspec.Meta(description="Why, for a human.")]


class Problem(msgspec.Struct, omit_defaults=True):
    """An error, as RFC 9457 problem details (`entrypoints/http/errors.py`).

    `errors` lists the refused fields of a 400 or 422. The request's id is in
    the `X-Request-ID` header of every answer, errors included."""

    status: Annotated[int, msgspec.Meta(description="The HTTP status, repeated.")]
    title: Annotated[str, msgspec.Meta(description="The kind of problem, the same for all of it.")]
    detail: Annotated[str, msgspec.Meta(description="What went wrong this time, for a human.")]
    errors: Annotated[
        list[FieldProblem] | msgspec.UnsetType,
        msgspec.Meta(description="Each refused input (400 and 422 only)."),
    ] = msgspec.UNSET
    reasons: Annotated[
        list[ErasureBlocker] | msgspec.UnsetType,
        msgspec.Meta(description="Why an account cannot be erased yet (409 of an erasure only)."),
    ] = msgspec.UNSET


# What each status means on this API; the description of every declared error.
ERROR_MEANINGS: dict[int, str] = {
    400: "Malformed request: a body that is not valid JSON (or multipart), or a query or "
    "body value of the wrong type or out of the documented range; `errors` says which.",
    401: "No bearer token, or one that is expired or revoked (a password reset revokes "
    "every token).",
    403: "The token is valid but its user lacks the role this needs.",
    404: "No such resource, or it is not yours: another user's resource is never revealed.",
    409: "The current state refuses this: a transition not allowed from the current "
    "status, a slot taken, a duplicate, or a stale write.",
    413: "The request body is larger than this operation takes.",
    422: "Well-formed but refused by the business rules (docs/rules.md); `errors` says which "
    "field and why.",
    429: "Too many requests from this client (or for this account): wait `Retry-After` seconds.",
    502: "A provider (Stripe, Google, the email service) did not answer properly; retry later.",
    503: "The service is overloaded (no database connection free in time): retry after "
    "`Retry-After` seconds.",
}


@dataclass(frozen=True)
class Doc:
    summary: str
    description: str
    # Statuses the use case itself may answer, beyond those derived from the route.
    errors: tuple[int, ...] = ()
    # Parameter descriptions, by name, where the type says too little.
    parameters: dict[str, str] = field(default_factory=dict)
    # A file answer in one of several formats: its media types, for the 200.
    files: tuple[str, ...] = ()


def _link(operation_id: str, parameter: str, description: str) -> Link:
    return Link(
        operation_id=operation_id,
        parameters={parameter: "$response.body#/id"},
        description=description,
    )


# From an operation's success answer to those taking the id it returns.
LINKS: dict[str, dict[str, Link]] = {
    "create_booking": {
        "GetBooking": _link("get_booking", "booking_id", "The booking just requested."),
        "AcceptBooking": _link("accept_booking", "booking_id", "The caregiver accepts it."),
        "DeclineBooking": _link("decline_booking", "booking_id", "The caregiver declines it."),
        "CancelBooking": _link("cancel_booking", "booking_id", "Either party cancels it."),
        # Only in a document served without a Stripe key (the link is dropped otherwise).
        "SimulatePayment": _link(
            "simulate_payment",
            "booking_id",
            "Without Stripe: authorize, fail or abandon its payment.",
        ),
    },
    "start_conversation": {
        "ListMessages": _link("list_messages", "conversation_id", "Its messages."),
        "PostMessage": _link("post_message", "conversation_id", "Send a message in it."),
        "ReadConversation": _link("read_conversation", "conversation_id", "Mark it read."),
        "UploadConversationPhoto": _link(
            "upload_conversation_photo", "conversation_id", "Send a photo in it."
        ),
    },
    "create_pet": {
        "GetPet": _link("get_pet", "pet_id", "The pet just created."),
        "UpdatePet": _link("update_pet", "pet_id", "Change it."),
        "DeletePet": _link("delete_pet", "pet_id", "Delete it."),
        "UploadPetPhoto": _link("upload_pet_photo", "pet_id", "Add a photo of it."),
    },
    "upload_pet_photo": {
        "GetPhoto": _link("get_photo", "photo_id", "Its processing status and addresses."),
        "DeletePhoto": _link("delete_photo", "photo_id", "Delete it."),
    },
    "upload_caregiver_photo": {
        "GetPhoto": _link("get_photo", "photo_id", "Its processing status and addresses."),
        "DeletePhoto": _link("delete_photo", "photo_id", "Delete it."),
    },
    "upload_conversation_photo": {
        "GetPhoto": _link("get_photo", "photo_id", "Its processing status and addresses."),
        "DeletePhoto": _link("delete_photo", "photo_id", "Delete it."),
    },
    "review_booking": {
        "ReplyToReview": _link("reply_to_review", "review_id", "The caregiver replies to it."),
    },
}
# The booking links also hang off the booking as read, for a client that
# found it in a list.
LINKS["get_booking"] = {
    name: Link(
        operation_id=link.operation_id,
        parameters={"booking_id": "$request.path.booking_id"},
        description=link.description,
    )
    for name, link in LINKS["create_booking"].items()
    if name != "GetBooking"
}

LINKS["request_export"] = {
    "GetExport": _link("get_export", "export_id", "Its status, and its download address."),
}
LINKS["admin_request_export"] = {
    "GetExport": _link("admin_get_export", "export_id", "Its status, and its download address."),
}

_PAGE = {
    "limit": "How many items at most (1 to 100).",
    "offset": "How many items to skip, for the next page: the previous offset plus limit.",
}

LIVE = f"""\
**Live delivery: the WebSocket `/api/v1/ws`.** Connect with
`wss://<host>/api/v1/ws?token=<access_token>` (browsers cannot set headers on
a WebSocket; other clients may send `Authorization: Bearer <access_token>`).
A missing, expired or revoked token: the connection opens and is closed at once
with code 4401 (a browser's script sees close codes, not a refused handshake).
Clients send nothing. The server pushes one JSON text frame per new message in
any of the user's conversations:
`{{"type": "message", "conversation_id": "<uuid>", "message": <Message, as
GET /api/v1/conversations/{{conversation_id}}/messages lists it>}}`.
It closes with code {WS_TOKEN_ENDED} and reason `token expired` or
`token revoked` when the token ends (a password reset revokes it): sign in
again and reconnect. Live delivery is a courtesy, at most once: after a reconnect, read
the messages list for what was missed."""

MEDIA = """\
**Photo files: `/media/...`.** A photo's `urls` (GET /api/v1/photos/{photo_id})
point at its WebP variants (`thumb`, `medium`, `large`). A caregiver's are
public; a pet's or a conversation's are signed addresses carrying `expires`
(Unix seconds) and `signature`: use them as given, and read the photo again
for fresh ones once they expire. With the built-in folder store the API serves
them under `/media/`; with S3 they point at the bucket or its CDN."""

TAGS = (
    Tag(
        name="Accounts",
        description="Registration, email verification, sign-in (password or Google), "
        "password reset and the signed-in user. See docs/rules.md, *Notifications*.",
    ),
    Tag(name="Pets", description="An owner's pets, which bookings are for."),
    Tag(
        name="Caregivers",
        description="Public search and profiles, and a caregiver's own profile, services, "
        "availability and payouts. See docs/rules.md, *Services and prices*, "
        "*Availability* and *Caregiver approval*.",
    ),
    Tag(
        name="Bookings",
        description="Quotes, requests and the booking lifecycle, payments included. See "
        "docs/rules.md, *Booking lifecycle*, *Payments*, *Cancellation and refunds*.",
    ),
    Tag(
        name="Booking series",
        description="Weekly series of walks, drop-in visits or day care: asked, answered and "
        "cancelled as a whole, each occurrence a booking paid 48 hours before it starts. "
        "See docs/series.md.",
    ),
    Tag(name="Reviews", description="Reviews of completed bookings and caregivers' replies."),
    Tag(
        name="Conversations",
        description="Messages between an owner and a caregiver (docs/rules.md, "
        "*Conversations*).\n\n" + LIVE,
    ),
    Tag(name="Photos", description="Photo uploads and their variants.\n\n" + MEDIA),
    Tag(name="Admin", description="Moderation, refunds, disputes and operations: admins only."),
    Tag(name="Platform", description="Configuration, probes, metrics and the Stripe webhook."),
    Tag(
        name="Test mode",
        description="Only when the app runs with TAILTRIBE_ENV=test: control the clock and "
        "run due jobs (emails, captures, payouts) on demand.",
    ),
    Tag(
        name="Documents",
        description="Receipts, refund notes, commission invoices and credit notes, issued "
        "from the ledger. See docs/documents.md.",
    ),
    Tag(
        name="Privacy",
        description="A copy of your personal data (GDPR articles 15 and 20). See docs/privacy.md.",
    ),
)

INFO = f"""\
Pet-care marketplace: owners, caregivers, bookings and payments.

Send `Authorization: Bearer <access_token>` (from POST /api/v1/auth/login) to
every operation marked with the bearer security scheme; the others are public.
Every error is `application/problem+json` (schema `Problem`). Money is integer
cents. The business rules are in docs/rules.md.

{LIVE}

{MEDIA}"""


def openapi_config(version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="TailTribe API",
        version=version,
        description=INFO,
        path="/schema",
        tags=list(TAGS),
        render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
    )


RETRY_AFTER = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.INTEGER, minimum=1),
    description="Seconds to wait before trying again.",
    required=True,
)

REQUEST_ID = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.STRING),
    description="This request's id, also in the server's logs: quote it when reporting an error.",
    required=True,
)


ATTACHMENT = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.STRING),
    description='The file\'s name: `attachment; filename="..."`.',
    required=True,
)


@dataclass
class DocumentedOperation(Operation):
    """An operation with the links and parameter notes declared above."""

    def __post_init__(self) -> None:
        doc = DOCS.get(self.operation_id or "")
        notes = {**_PAGE, **(doc.parameters if doc else {})}
        for parameter in self.parameters or ():
            name = getattr(parameter, "name", None)
            if name in notes and not getattr(parameter, "description", None):
                parameter.description = notes[name]
        for code, response in (self.responses or {}).items():
            if not isinstance(response, OpenAPIResponse):
                continue
            for header in (response.headers or {}).values():
                # A documentation-only ResponseHeader has no schema; OpenAPI needs one.
                if isinstance(header, OpenAPIHeader) and header.schema is None:
                    header.schema = Schema(type=OpenAPIType.STRING)
            if PROBLEM_MEDIA_TYPE not in (response.content or {}):
                continue
            headers = {**(response.headers or {}), "X-Request-ID": REQUEST_ID}
            # The rate limiter and the busy pool say when to come back.
            if code in ("429", "503"):
                headers["Retry-After"] = RETRY_AFTER
            response.headers = headers
        ok = (self.responses or {}).get("200")
        if doc and doc.files and isinstance(ok, OpenAPIResponse):
            # A media type the handler declares keeps its schema (JSON); files are text.
            ok.content = {
                media: (ok.content or {}).get(media)
                or OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
                for media in doc.files
            }
            ok.headers = {**(ok.headers or {}), "Content-Disposition": ATTACHMENT}
        links = LINKS.get(self.operation_id or "")
        if links and self.responses:
            success = min(code for code in self.responses if code.startswith("2"))
            response = self.responses[success]
            if isinstance(response, OpenAPIResponse):
                response.links = dict(links)


@dataclass
class PublicOperation(DocumentedOperation):
    """An operation the authentication middleware lets through without a token:
    an empty requirement overrides the document's bearer default."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.security = []


def _problems(statuses: Iterable[int]) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=ERROR_MEANINGS[status],
            generate_examples=False,
        )
        for status in sorted(set(statuses))
    }


# Arguments Litestar fills from the connection itself, never from the client's input.
_RESERVED = frozenset(
    {"request", "socket", "state", "scope", "headers", "cookies", "query", "body"}
)


def _takes_parameters(handler: HTTPRouteHandler, route: HTTPRoute) -> bool:
    """Whether the handler reads query, header or cookie parameters, which
    Litestar refuses with a 400 when they do not fit."""
    ignored = _RESERVED | set(handler.resolve_dependencies()) | set(route.path_parameters)
    return any(name not in ignored for name in handler.parsed_fn_signature.parameters)


def _matches(patterns: Sequence[str], path: str) -> bool:
    return any(re.search(pattern, path) for pattern in patterns)


class OperationDocs(ReceiveRoutePlugin):
    """Applies DOCS to each HTTP route as it is registered, and derives the
    errors every route can give from how it is served: 401 behind the token,
    403 behind a role guard, 404 with a path id, 400/413/422 with a body,
    400 with query parameters, 429 under a rate limit, 503 when the pool is
    exhausted."""

    def __init__(self, public_paths: Sequence[str], unlimited_paths: Sequence[str]) -> None:
        self._public = public_paths
        self._unlimited = unlimited_paths

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if handler.resolve_include_in_schema():
                self._document(route, handler)

    def _document(self, route: HTTPRoute, handler: HTTPRouteHandler) -> None:
        doc = DOCS.get(handler.operation_id if isinstance(handler.operation_id, str) else "")
        public = bool(handler.opt.get("exclude_from_auth")) or _matches(self._public, route.path)
        statuses = set(doc.errors if doc else ())
        signature = handler.parsed_fn_signature.parameters
        takes_body = "data" in signature
        if not public:
            statuses.add(401)
        if handler.resolve_guards():
            statuses.add(403)
        if route.path_parameters:
            statuses.add(404)
        if takes_body:
            statuses.update((400, 413, 422))
        if route.path_parameters or _takes_parameters(handler, route):
            statuses.add(400)
        if not _matches(self._unlimited, route.path):
            statuses.add(429)
        statuses.add(503)
        declared = dict(handler.responses or {})
        handler.responses = {**_problems(s for s in statuses if s not in declared), **declared}
        if doc is not None:
            handler.summary = doc.summary
            handler.description = doc.description
        handler.operation_class = PublicOperation if public else DocumentedOperation


DOCS: dict[str, Doc] = {
    # Accounts
    "register": Doc(
        "Create an account",
        "Public. Creates an owner account (a caregiver account is an owner account with a "
        "caregiver profile) and emails a verification link. An address already registered "
        "gets an email saying so instead, and the answer is the same, so that addresses "
        "cannot be probed. Passwords: at least 10 characters.",
    ),
    "login": Doc(
        "Sign in with email and password",
        "Public. Returns a bearer access token (send it as `Authorization: Bearer ...`) and "
        "how long it lasts. Wrong credentials answer 401; repeated failures for an account "
        "answer 429 for a while (see the rate limits in docs/api.md).",
        errors=(401,),
    ),
    "verify_email": Doc(
        "Verify an email address",
        "Public. Confirms the address with the token from the verification email; "
        "422 when the link is invalid or has expired.",
    ),
    "request_password_reset": Doc(
        "Ask for a password reset email",
        "Public. Emails a reset link when the address has an account; the answer is the same "
        "either way (202), and at most 3 emails go to an address per hour.",
    ),
    "confirm_password_reset": Doc(
        "Set a new password with a reset token",
        "Public. Sets the password and revokes every token issued before (open WebSockets "
        "close with 4401). The token is single use and expires: 422 "
        "when it is invalid or has expired.",
    ),
    "google_start": Doc(
        "Start Google sign-in",
        "Public. Returns the Google authorization address to send the browser to, and sets "
        "an HttpOnly cookie binding the sign-in to this browser. `redirect_uri` must be on "
        "the web app's origin (APP_URL), 422 otherwise. 404 when Google sign-in is not "
        "configured.",
        errors=(404,),
        parameters={"redirect_uri": "Where Google sends the browser back: on APP_URL."},
    ),
    "google_callback": Doc(
        "Finish Google sign-in",
        "Public. Exchanges Google's `code` and `state` for a bearer token, creating the "
        "account on first sign-in. 400 when the sign-in expired, was used "
        "already, started in another browser, or Google has not verified the address; 404 "
        "when Google sign-in is not configured.",
        errors=(404, 502),
    ),
    "me": Doc(
        "The signed-in user",
        "Any signed-in user: their id, email, roles and whether the email is verified.",
    ),
    "list_security_events": Doc(
        "My security events",
        "Any signed-in user: their own sign-ins (password or Google), password resets and "
        "password changes of the last 365 days, newest first, paged; each with its time and "
        'the client named coarsely ("Firefox on Windows"), never the User-Agent or the '
        "address. Failed sign-ins are not listed. A sign-in from a client not seen in 90 days "
        "is emailed to the user too (docs/privacy.md, Security events).",
    ),
    "get_email_settings": Doc(
        "My optional emails",
        "Any signed-in user: whether they get booking reminders and emails about unread "
        "messages (both on for a new account). Booking, payment, account and security "
        "emails always go and have no setting.",
    ),
    "set_email_settings": Doc(
        "Turn optional emails on or off",
        "Any signed-in user: both settings, always; answers what is stored. Applies to "
        "emails already waiting to be sent too.",
    ),
    "unsubscribe_page": Doc(
        "Unsubscribe page",
        "Public, from the link in a booking reminder or an unread-message email: a small "
        "HTML page in the user's language with a button that POSTs to this address. "
        "Changes nothing (link scanners follow links). 400 for a token this server did "
        "not sign.",
        parameters={"token": "The signed token from the email's link."},
    ),
    "unsubscribe": Doc(
        "One-click unsubscribe (RFC 8058)",
        "Public, no sign-in: the address of the email's `List-Unsubscribe` header, which "
        "mailbox providers POST with the form body `List-Unsubscribe=One-Click` (an empty "
        "body works too). Turns off the kind of email the token names and answers a small "
        "HTML page saying so; doing it again changes nothing. 400 for a token this server "
        "did not sign, and nothing changes.",
        parameters={"token": "The signed token from the email's List-Unsubscribe header."},
    ),
    "erase_me": Doc(
        "Erase my account",
        "Any signed-in user. Erases the account for good (docs/privacy.md): name, address, "
        "password, pets' details, profile texts, photos and message bodies go; bookings, "
        "ledger entries and reviews stay, anonymous. Send the password; an account without "
        "one (Google sign-in only) needs a token from a Google sign-in of the last 10 "
        "minutes. 403 for a wrong password (counted like login attempts: 429 past the "
        "limit) or an older sign-in, and nothing changes; 409 with `reasons` "
        "(booking_in_progress, payout_pending, dispute_open, meet_and_greet_open) while any "
        "holds. Every token "
        "of the account stops working, so a repeat answers 401.",
        errors=(403, 409, 429),
    ),
    # Pets
    "create_pet": Doc(
        "Add a pet",
        "Owners only. Adds a pet to the owner's list; bookings name the pets they are for. "
        "409 when the owner has as many pets as allowed.",
        errors=(409,),
    ),
    "list_pets": Doc("List my pets", "Owners only. The owner's pets, paged."),
    "get_pet": Doc("Get one of my pets", "Owners only; another owner's pet is 404."),
    "update_pet": Doc(
        "Change one of my pets",
        "Owners only. Changes the fields sent, leaving the others as they are.",
    ),
    "delete_pet": Doc(
        "Delete one of my pets",
        "Owners only; another owner's pet is 404. Its photos go too.",
    ),
    # Caregivers
    "create_caregiver_profile": Doc(
        "Become a caregiver",
        "Any signed-in user. Creates the user's caregiver profile "
        "(a draft, not listed until an admin approves it; docs/rules.md, *Caregiver "
        "approval*) and grants the caregiver role. One profile per user.",
        errors=(409,),
    ),
    "get_caregiver_profile": Doc(
        "My caregiver profile",
        "Caregivers only. The profile as its owner sees it: approval status, services, "
        "availability and payout status included.",
        errors=(404,),
    ),
    "update_caregiver_profile": Doc(
        "Edit my caregiver profile",
        "Caregivers only. Changes the fields sent. Bookings already made keep their terms.",
        errors=(404, 409),
    ),
    "set_caregiver_services": Doc(
        "Set my services and prices",
        "Caregivers only. Replaces the list of services offered, with their prices in "
        "integer cents and cancellation policies (docs/rules.md, *Services and prices*).",
        errors=(404,),
    ),
    "set_caregiver_availability": Doc(
        "Set my availability",
        "Caregivers only. Replaces the weekly availability and exceptions "
        "(docs/rules.md, *Availability*).",
        errors=(404,),
    ),
    "start_payout_onboarding": Doc(
        "Start payout onboarding",
        "Caregivers only. Returns the Stripe Connect onboarding address where the caregiver "
        "gives their bank details; payouts need it done.",
        errors=(404, 409, 502),
    ),
    "submit_caregiver_profile": Doc(
        "Submit my profile for approval",
        "Caregivers only. Sends a complete draft to the admins for review; 409 when it is "
        "not a draft or a rejected profile, 422 when it is incomplete.",
        errors=(404, 409, 422),
    ),
    "get_caregiver_tax_details": Doc(
        "My tax details (DAC7)",
        "Caregivers only. The due-diligence data the platform reports to the tax authority "
        "(EU Directive 2021/514); 404 until given. Only the caregiver and admins see it.",
        errors=(404,),
    ),
    "get_caregiver_tax_status": Doc(
        "Where my tax details requests stand (DAC7)",
        "Caregivers only. When the details were first asked for (at approval) and reminded "
        "of (20 and 40 days later), and whether payouts are withheld while they are missing: "
        "from the later of 60 days after the request and the second reminder, until the "
        "details are given. Answers also before any request.",
        errors=(404,),
    ),
    "set_caregiver_tax_details": Doc(
        "Give my tax details (DAC7)",
        "Caregivers only. Replaces the whole record: legal name, date of birth (18 or older), "
        "primary address, tax identification number (checked for its EU country; for Belgium "
        "the national or BIS number with its check digits), IBAN and, for businesses, the "
        "enterprise and VAT numbers. 422 names every field refused. Stored encrypted. "
        "Payouts withheld for missing details become `scheduled` again in the same change.",
        errors=(404, 422),
    ),
    "search_caregivers": Doc(
        "Search caregivers",
        "Public. Approved caregivers offering `service`, near a place (`postcode` or "
        "`latitude`/`longitude`, within `radius_km`), free for `start`..`end` when given, "
        "with prices for the pets described. Paged. 422 when neither a postcode nor both "
        "coordinates are given, or the period is not a valid one for the service. A bearer "
        "token is optional: with one, `favorite` marks the caller's saved caregivers (false "
        "without); a token sent but expired or revoked is 401.",
        errors=(401, 422),
    ),
    "get_caregiver": Doc(
        "A caregiver's public profile",
        "Public. An approved caregiver's profile, services, prices and rating. Suspended or "
        "unapproved caregivers are 404.",
    ),
    "list_caregiver_reviews": Doc(
        "A caregiver's reviews",
        "Public. Reviews of an approved caregiver, with the caregiver's replies. Paged.",
    ),
    # Bookings
    "quote": Doc(
        "Price a booking",
        "Any signed-in user, as the owner. Prices the request exactly as "
        "POST /api/v1/bookings would, without booking: the total and its parts in cents. "
        "404 for no such approved caregiver; 422 when the rules refuse the request. "
        "With `repeat` instead of `start` and `end`, prices a weekly series as "
        "POST /api/v1/booking-series would: the total and each occurrence's price "
        "(docs/series.md).",
        errors=(404,),
    ),
    "create_booking": Doc(
        "Request a booking",
        "Any signed-in user, as the owner. Requests a caregiver's service for the owner's pets "
        "and opens a payment authorization (nothing is charged before the caregiver "
        "accepts). The answer carries what the client needs to authorize the payment. "
        "409 when the slot is taken. See docs/rules.md, *Booking lifecycle* and "
        "*Payments*.",
        errors=(404, 409, 502),
    ),
    "list_bookings": Doc(
        "List my bookings",
        "Any signed-in user: the bookings where the user is the owner or, with "
        "`role=caregiver`, the caregiver. Paged.",
        errors=(403,),
        parameters={
            "role": "Which side of the bookings to list: `owner` (bookings I made) or "
            "`caregiver` (bookings made with me; needs the caregiver role).",
            "status": "Only bookings in this status.",
            **_PAGE,
        },
    ),
    "get_booking": Doc(
        "Get a booking",
        "The booking's owner or caregiver (admins too). Anyone else gets 404.",
    ),
    "accept_booking": Doc(
        "Accept a booking request",
        "The booking's caregiver only, once its payment is authorized (409 until "
        "then); accepting captures the payment (docs/rules.md, *Booking lifecycle*).",
        errors=(403, 409, 502),
    ),
    "decline_booking": Doc(
        "Decline a booking request",
        "The booking's caregiver only, while it is requested. Releases the payment "
        "authorization; 409 from any other status.",
        errors=(403, 409, 502),
    ),
    "cancel_booking": Doc(
        "Cancel a booking",
        "The booking's owner or caregiver, before it starts. The refund follows the "
        "booking's cancellation policy (docs/rules.md, *Cancellation and refunds*) and is "
        "in the answer; 409 when it can no longer be cancelled.",
        errors=(403, 409, 502),
    ),
    "complete_booking": Doc(
        "Mark a booking done",
        "The booking's caregiver, once it has ended; it then becomes reviewable and the "
        "payout follows (docs/rules.md, *Booking lifecycle*). 409 before its end.",
        errors=(403, 409),
    ),
    "dispute_booking": Doc(
        "Dispute a booking",
        "The booking's owner, until its dispute window ends and while the payout is unsent; "
        "holds the payout until an admin resolves it (docs/rules.md, *Payments*). 409 "
        "otherwise.",
        errors=(403, 409),
    ),
    "review_booking": Doc(
        "Review a completed booking",
        "The booking's owner, once, after it is completed: a rating from 1 to 5 and an "
        "optional comment (docs/rules.md, *Reviews*). 409 when already reviewed.",
        errors=(403, 409),
    ),
    "simulate_payment": Doc(
        "Complete, fail or abandon a simulated payment",
        "The booking's owner, only when the simulated payment gateway is in use (no "
        "STRIPE_SECRET_KEY, `payment_provider` `simulated` in GET /api/v1/config; 404 "
        "otherwise). Plays what Stripe.js and Stripe do when the owner confirms the payment: "
        "the gateway signs the event Stripe sends for the outcome "
        "(`payment_intent.amount_capturable_updated`, `payment_intent.payment_failed`, "
        "`payment_intent.canceled`, or `payment_intent.succeeded` for `bancontact`, paid "
        "at once without a hold), the app receives it through its webhook path, then "
        "answers the booking. 409 when its payment no longer waits for authorization "
        "(already authorized or canceled, the request answered, its payment window over): "
        "a second `succeeded` is refused, never applied twice.",
        errors=(409,),
    ),
    "reply_to_review": Doc(
        "Reply to a review",
        "The reviewed caregiver, once per review: `comment` is the public reply shown under "
        "the review. 409 when already replied.",
        errors=(409,),
    ),
    # Photos
    "upload_pet_photo": Doc(
        "Upload a photo of my pet",
        "The pet's owner. A multipart body with one part, `file`: a JPEG, PNG, WebP or HEIC image "
        "of at most 10 MB. The photo is processed in the background: read it with "
        "GET /api/v1/photos/{photo_id} until its status is ready.",
        errors=(409,),
    ),
    "upload_caregiver_photo": Doc(
        "Upload a photo to my caregiver profile",
        "A user with a caregiver profile (404 otherwise). A multipart body with one part, "
        "`file` (JPEG, PNG, WebP or HEIC, at most 10 MB). Profile photos are public once "
        "processed; 409 when the profile's status takes no photos or its gallery is full.",
        errors=(409,),
    ),
    "get_photo": Doc(
        "Get a photo's status and addresses",
        "Whoever may see the photo (its uploader; the other party for a conversation photo; "
        "anyone for a caregiver's). Its processing status and, once ready, the addresses "
        "of its variants (signed for private photos).",
    ),
    "delete_photo": Doc("Delete a photo", "The photo's uploader only. Its files go too."),
    "media": Doc(
        "A photo file",
        "Public, by address: the WebP file a photo's `urls` point at, served by the API with "
        "the built-in folder store. Private variants need the `expires` and `signature` the "
        "address carries; a wrong or expired signature is 404. The same path serves, only "
        "through their signed addresses, data export ZIPs and money documents' PDFs "
        "(`download_url` of GET /api/v1/documents).",
        parameters={
            "key": "The file's key, as the photo's address gives it: "
            "`public|private/photos/<photo id>/thumb|medium|large.webp`.",
            "expires": "When the signed address expires (Unix seconds), as given.",
            "signature": "The address's signature, as given.",
        },
    ),
    # Conversations
    "start_conversation": Doc(
        "Start or open a conversation",
        "Any signed-in user, with an approved caregiver: returns the pair's conversation, "
        "creating it on first use (a pair has one conversation, bookings included); 404 "
        "for no such approved caregiver.",
        errors=(404,),
    ),
    "list_conversations": Doc(
        "List my conversations",
        "Any signed-in user: the conversations the user is a party to. Paged.",
    ),
    "list_messages": Doc(
        "Read a conversation's messages",
        "Its two parties only, and admins while a booking of the pair is disputed (each "
        "such read is recorded in the audit trail). Paged back in time: pass the answer's "
        "`next_before` as `before` for older messages. Contact details in "
        "messages are masked before a booking is accepted (docs/rules.md, *Conversations*).",
        parameters={
            "before": "Only messages older than this message id (the last one of the "
            "previous page).",
        },
    ),
    "post_message": Doc(
        "Send a message",
        "Its two parties only, at most 30 messages a minute per user. The other party gets it "
        "live over the WebSocket /api/v1/ws and by email when not connected.",
    ),
    "read_conversation": Doc(
        "Mark messages read",
        "Its two parties only. `up_to` is a message id: every message up to it, that one "
        "included, counts as read by the caller.",
    ),
    "upload_conversation_photo": Doc(
        "Send a photo in a conversation",
        "Its two parties only. A multipart body with one part, `file` (JPEG, PNG, WebP or HEIC, at "
        "most 10 MB); the photo is private to the pair.",
        errors=(409,),
    ),
    # Admin
    "admin_list_caregivers": Doc(
        "List caregiver profiles",
        "Admins only. Caregiver profiles by approval status, for review. Paged.",
        parameters={"status": "Only profiles in this approval status.", **_PAGE},
    ),
    "admin_get_caregiver_tax_details": Doc(
        "Read a caregiver's tax details (DAC7)",
        "Admins only. Each read, and each refused one, is recorded in the audit trail; "
        "404 when the caregiver has given none.",
        errors=(404,),
    ),
    "admin_get_caregiver_tax_status": Doc(
        "A caregiver's tax details requests (DAC7)",
        "Admins only. When the caregiver was asked for the details and reminded, and whether "
        "their payouts are withheld; no personal data, so not audited. 404 for an unknown "
        "caregiver.",
        errors=(404,),
    ),
    "admin_erase_user": Doc(
        "Erase a user's account",
        "Admins only. Erases the account as `DELETE /api/v1/me` does, with the same 409 and "
        "`reasons`; a `reason` is required. An account erased already answers 204 again "
        "and nothing changes.",
        errors=(409,),
    ),
    "admin_approve_caregiver": Doc(
        "Approve a caregiver",
        "Admins only. Lists a submitted profile in search, with a reason (required); 409 "
        "from any other status. Recorded in the audit trail, refused or not.",
        errors=(409,),
    ),
    "admin_reject_caregiver": Doc(
        "Reject a caregiver",
        "Admins only. Sends a submitted profile back with a reason; 409 otherwise. Audited.",
        errors=(409,),
    ),
    "admin_suspend_caregiver": Doc(
        "Suspend a caregiver",
        "Admins only. Hides an approved caregiver from search and refuses new bookings; a "
        "reason is required. Audited.",
        errors=(409,),
    ),
    "admin_reinstate_caregiver": Doc(
        "Reinstate a caregiver",
        "Admins only. Lists a suspended caregiver again; the reason is optional. Audited.",
        errors=(409,),
    ),
    "admin_refund_booking": Doc(
        "Refund a booking",
        "Admins only. Refunds up to what was captured, in cents, with a reason (required); "
        "recorded in the ledger and the audit trail.",
        errors=(409, 502),
    ),
    "admin_resolve_dispute": Doc(
        "Resolve a dispute",
        "Admins only. Ends a disputed booking with a refund to the owner, the payout to the "
        "caregiver, or a split (docs/rules.md, *Payments*); the reason is optional. Audited.",
        errors=(409, 502),
    ),
    "admin_booking_ledger": Doc(
        "A booking's ledger",
        "Admins only. Every money movement recorded for the booking, in cents.",
    ),
    "admin_list_outbox": Doc(
        "List outgoing emails",
        "Admins only. Emails waiting, sent or failed.",
        parameters={"status": "Only emails in this delivery status.", **_PAGE},
    ),
    "admin_retry_outbox": Doc(
        "Retry an email",
        "Admins only. Queues a failed email again; 409 when it did not fail. Audited.",
        errors=(409,),
    ),
    "admin_retry_payment_event": Doc(
        "Apply a payment event again",
        "Admins only. Applies a stored Stripe event whose processing failed (also one past "
        "the scheduled retry's attempts) through the same path as a delivery: once in "
        "effect. 404 when no such event waits to be applied; 409 when it fails again (the "
        "attempt is counted and its error kept). Audited.",
        parameters={"event_id": "The Stripe event id (evt_...), as stored on delivery."},
        errors=(404, 409),
    ),
    "admin_dac7_report": Doc(
        "The yearly DAC7 report",
        "Admins only. The year's report of the sellers' income for the Belgian tax authority "
        "(docs/dac7.md): per reportable seller the consideration, fees and number of "
        "activities of each Brussels quarter, with their due-diligence data. `format=xml` "
        "(default) answers the OECD DPI XML (schema 1.0, `application/xml`; amounts in whole "
        "euros), `format=csv` a CSV (`text/csv`, exact cents and the euros reported), both as "
        "an attachment named `dac7-<year>.<format>`. Each read, and each refused one, is "
        "recorded in the audit trail (`read_dac7_report`); 422 for a year before 2023 or not "
        "begun in Brussels.",
        errors=(422,),
        files=("application/xml", "text/csv"),
        parameters={
            "year": "The Brussels calendar year reported, from 2023 to the current one.",
            "format": "`xml` (OECD DPI 1.0) or `csv`.",
        },
    ),
    "admin_vat_report": Doc(
        "The quarter's VAT report",
        "Admins only. The VAT on the commission for the accountant (docs/documents.md, "
        "Reports), from the documents issued in the quarter (Brussels dates): per month the "
        "commission invoices' net, VAT and gross, the credit notes' apart, the balance "
        "(invoices minus credit notes), the VAT rates, and each series' first and last number "
        "issued that month with their count (`complete` is false on a gap); then the "
        "quarter's totals. Amounts in cents and in euros as decimal text. `format=json` "
        "(default) answers JSON, `format=csv` a CSV attachment named `vat-<quarter>.csv`. "
        "Each read, and each refused one, is recorded in the audit trail "
        "(`read_vat_report`); 422 naming `quarter` for anything but a quarter like `2027Q1` "
        "from 2000Q1 to the current one.",
        errors=(422,),
        files=("application/json", "text/csv"),
        parameters={
            "quarter": "The quarter, `YYYYQn` (2027Q1 is January to March 2027, Brussels).",
            "format": "`json` or `csv`.",
        },
    ),
    "admin_documents_report": Doc(
        "Every document issued in a period",
        "Admins only. A CSV (`text/csv`, an attachment named `documents-<from>-<to>.csv`) of "
        "every money document issued from `from` to `to` (Brussels dates of issue, both "
        "included), in number order per kind: number, kind, issue date, recipient's name and "
        "VAT number, booking, net, VAT and gross in cents and in euros, VAT rate, currency, "
        "the document corrected, payment method (docs/documents.md, Reports). Streamed, read "
        "a thousand documents at a time. Each read, and each refused one, is recorded in the "
        "audit trail (`read_documents_report`); 422 naming `from` or `to` for a date not "
        "written YYYY-MM-DD, before 2000, or `to` before `from`.",
        errors=(422,),
        files=("text/csv",),
        parameters={
            "from": "The first Brussels date of issue, YYYY-MM-DD (included).",
            "to": "The last Brussels date of issue, YYYY-MM-DD (included).",
        },
    ),
    "admin_metrics": Doc(
        "Business metrics",
        "Admins only. Bookings, revenue (cents) and conversion between `from` and `to`.",
        parameters={"from": "Start of the period (inclusive).", "to": "End (exclusive)."},
    ),
    "admin_audit_trail": Doc(
        "The admin audit trail",
        "Admins only. Every admin action, refused ones included, newest first "
        "(docs/audit.md). Filter by `actor`, `object_type`, `object_id`, `action` and the "
        "period [`from`, `to`); pass the answer's `next_cursor` as `cursor` for older ones.",
        parameters={
            "from": "Only actions at or after this instant (with its UTC offset).",
            "to": "Only actions before this instant (with its UTC offset).",
        },
    ),
    # Platform
    "get_config": Doc(
        "Public client configuration",
        "Public. What a client needs to pay: the payment provider in use (`stripe`: load "
        "Stripe.js with `stripe_publishable_key` and confirm the booking's "
        "`payment.client_secret`; `simulated`: POST "
        "/api/v1/bookings/{booking_id}/simulated-payment), whether that is live money, and "
        "whether test mode is on.",
    ),
    "health": Doc(
        "Liveness and dependencies",
        "Public, not rate limited. 200 when the database and Redis answer, 503 otherwise.",
    ),
    "ready": Doc(
        "Readiness",
        "Public, not rate limited. 200 when the dependencies answer and the job queue's "
        "backlog is short; 503 with the failing check otherwise.",
    ),
    "metrics": Doc(
        "Prometheus metrics",
        "Public, not rate limited, in the Prometheus text format: request counts and "
        "latencies by route and status, and the app's gauges. With `METRICS_TOKEN` set, "
        "only for `Authorization: Bearer <that token>` (401 otherwise).",
        errors=(401,),
    ),
    "stripe_webhook": Doc(
        "Stripe events",
        "Called by Stripe only, not rate limited: verified with the `Stripe-Signature` "
        "header (400 when it does not hold), applied once per event id.",
        errors=(400,),
    ),
    # Test mode
    "test_set_clock": Doc(
        "Set the clock (test mode)",
        "Public, only when TAILTRIBE_ENV=test (404 otherwise). Sets the instant every rule "
        "reads as now, e.g. to reach a booking's end.",
    ),
    "test_run_due_jobs": Doc(
        "Run due jobs (test mode)",
        "Public, only when TAILTRIBE_ENV=test (404 otherwise). Runs every scheduled job due "
        "at the clock's now (emails, expiries, captures, payouts) and says what ran; "
        "`retention=true` applies the daily retention rules too.",
    ),
    # Privacy
    "request_export": Doc(
        "Ask for a copy of my data",
        "Any signed-in user. Starts building one ZIP of everything about the caller "
        "(account, pets, caregiver profile, bookings with payments, messages, reviews, "
        "photos; docs/privacy.md, *Your data export*) and answers 202 with the export, "
        "`pending`. Within minutes it is `ready` and the user is emailed a link. One a day: "
        "another within 24 hours of the last is 429, with `Retry-After` saying when.",
    ),
    "get_export": Doc(
        "One of my data exports",
        "Any signed-in user, their own exports only (404 for anyone else's). While `ready`, "
        "`download_url` is a signed address of the ZIP valid for minutes and never past "
        "`expires_at` (a day after it was ready): read the export again for a fresh one. "
        "After that day the file is deleted and the export is `expired`.",
    ),
    "admin_request_export": Doc(
        "Export a user's data",
        "Admins only. For a data subject's request by letter: builds the same ZIP as the "
        "user's own export, answers 202 with it `pending`; the user is not emailed and does "
        "not see it, and the daily limit does not apply. The optional reason (the request's "
        "reference) goes to the audit trail with the ask. 404 when there is no such user.",
    ),
    "admin_get_export": Doc(
        "A data export",
        "Admins only. Any user's export, with `download_url` while it is ready (as for "
        "GET /api/v1/me/exports/{export_id}).",
    ),
    # Money documents
    "list_documents": Doc(
        "My money documents",
        "Any signed-in user. The documents issued to the caller, newest first: receipts and "
        "refund notes to an owner, commission invoices and credit notes to a caregiver "
        "(docs/documents.md). Filter by `kind` and by `year` (the year of the number's "
        "series). Paged. Each has a `download_url` once its PDF is stored, signed and valid "
        "for 5 minutes. 400 with the parameter named for an unknown kind or a year out of "
        "range.",
        parameters={"kind": "Only documents of this kind.", "year": "Only this year's series."},
    ),
    "get_document": Doc(
        "One of my money documents",
        "Any signed-in user, their own documents only (404 for anyone else's, admins "
        "included: they use the admin list). Read it again for a fresh `download_url`.",
    ),
    "admin_list_documents": Doc(
        "Money documents",
        "Admins only. Every issued document, newest first, with the same filters as the "
        "user's list plus `recipient_id` (the user it is issued to) and `booking_id`. Paged. "
        "Each read is in the audit trail (`read_documents`).",
        parameters={
            "kind": "Only documents of this kind.",
            "year": "Only this year's series.",
            "recipient_id": "Only documents issued to this user.",
            "booking_id": "Only documents about this booking.",
        },
    ),
    # Favourites
    "list_favorites": Doc(
        "My favourite caregivers",
        "Any signed-in user. The caregivers the caller saved, newest first, each as its public "
        "profile shows it, with when it was saved. Paged. A caregiver who is suspended or "
        "rejected is left out (and not counted) while it lasts, and is back once reinstated.",
    ),
    "save_favorite": Doc(
        "Save a caregiver",
        "Any signed-in user. Adds the caregiver to the caller's favourites; saving it again "
        "changes nothing (it keeps its place). 404 for a caregiver that is not approved, as "
        "its public page; 422 for the caller's own caregiver profile.",
        errors=(422,),
    ),
    "remove_favorite": Doc(
        "Forget a saved caregiver",
        "Any signed-in user. Removes the caregiver from the caller's favourites; 204 also when "
        "it was not saved.",
    ),
    # Calendar feeds
    "create_calendar_feed": Doc(
        "Make my calendar feed's address",
        "Any signed-in user. Turns on their private iCalendar feed of accepted bookings, as "
        "owner and as caregiver (docs/calendar.md), and answers 201 with its secret `url` "
        "for a calendar app's subscription. Each call makes a new address and the previous "
        "one stops working at once (404). The address is shown only here: the server keeps "
        "a hash of it, so to see it again, make a new one.",
    ),
    "get_calendar_feed": Doc(
        "My calendar feed",
        "Any signed-in user: whether their calendar feed is on, and since when. The address "
        "is never shown again after it was made (only its hash is kept): POST for a new one.",
    ),
    "delete_calendar_feed": Doc(
        "Turn my calendar feed off",
        "Any signed-in user. The feed's address stops working at once (404). Answers 204, "
        "also when the feed was off already.",
    ),
    "calendar_feed": Doc(
        "A calendar feed (iCalendar)",
        "Public, no sign-in: the secret address a calendar app subscribes to, "
        "`/api/v1/calendar/<token>.ics`, answered as `text/calendar; charset=utf-8` "
        "(RFC 5545). One event per accepted, in-progress or recent booking of the feed's "
        "user, as owner or as caregiver (those that ended in the last 30 days, and all "
        "ahead), in Europe/Brussels time; requested, declined, expired and cancelled "
        "bookings are never in it; accepted meet-and-greets are, over the same window. "
        "404 for an address that is not a live feed's (made again, turned off, or never "
        "made).",
        parameters={"feed": "The feed's token followed by `.ics`, as in the address made."},
    ),
    # Meet-and-greets
    "create_meet_and_greet": Doc(
        "Ask a caregiver for a meet-and-greet",
        "Any signed-in user, as the owner, before the pair's first booking: a free meeting "
        "of 15 to 60 minutes (15-minute steps) starting on a quarter hour in the future, "
        "inside the caregiver's availability (422 otherwise). It joins the pair's "
        "conversation, its message as a message there. 409 when the pair has an accepted "
        "booking or an open meet-and-greet already, or when the caregiver is booked or "
        "meeting someone else then (docs/rules.md, *Meet-and-greets*).",
        errors=(404, 409),
    ),
    "list_meet_and_greets": Doc(
        "List my meet-and-greets",
        "Any signed-in user: those asked for as the owner and, for a caregiver, those asked "
        "of them; newest request first. Paged.",
        parameters=dict(_PAGE),
    ),
    "get_meet_and_greet": Doc(
        "Get a meet-and-greet",
        "Its owner or caregiver (admins too). Anyone else gets 404.",
    ),
    "accept_meet_and_greet": Doc(
        "Accept a meet-and-greet",
        "Its caregiver only, while requested and before its response deadline; 409 otherwise.",
        errors=(403, 409),
    ),
    "decline_meet_and_greet": Doc(
        "Decline a meet-and-greet",
        "Its caregiver only, while requested; 409 otherwise.",
        errors=(403, 409),
    ),
    "cancel_meet_and_greet": Doc(
        "Cancel a meet-and-greet",
        "Its owner or caregiver, while requested or accepted and before it starts; the "
        "other party is emailed. 409 otherwise.",
        errors=(403, 409),
    ),
    # Weekly series
    "create_series": Doc(
        "Request a weekly series",
        "Any signed-in user, as the owner: walks, drop-in visits or day care on the same "
        "weekdays and Brussels time every week, for a count or until a date (at most 26 "
        "weeks). Every occurrence is checked and priced like a booking (422 naming the dates "
        "outside the caregiver's availability), then capacity for all of them under the "
        "caregiver's calendar lock: 409 with `dates` naming the clashes. Each occurrence is a "
        "booking of the series. The answer's `card` carries the SetupIntent with which the "
        "owner saves a card (Stripe.js); the caregiver is asked once it is saved, and the "
        "request lapses if it is not within 30 minutes (docs/series.md).",
        errors=(404, 409, 502),
    ),
    "list_series": Doc(
        "List my weekly series",
        "Any signed-in user: the series asked for as the owner or, for a caregiver, those "
        "asked of them; newest first, each with its occurrences. Paged.",
        parameters=dict(_PAGE),
    ),
    "get_series": Doc(
        "Get a weekly series",
        "Its owner or caregiver (admins too), with its occurrences. Anyone else gets 404.",
    ),
    "accept_series": Doc(
        "Accept a weekly series",
        "Its caregiver only, once the owner's card is saved and before the response deadline "
        "(409 otherwise): every occurrence still requested is accepted. Nothing is charged "
        "now: each occurrence is paid off-session 48 hours before its start.",
        errors=(403, 409),
    ),
    "decline_series": Doc(
        "Decline a weekly series",
        "Its caregiver only, while requested; every occurrence is declined. 409 otherwise.",
        errors=(403, 409),
    ),
    "cancel_series": Doc(
        "Cancel a weekly series from a date",
        "Its owner or caregiver (admins too). Before the caregiver answered, withdraws the "
        "request. After, cancels every occurrence on or after `from_date` (default: every "
        "occurrence not started), each by its own cancellation policy as if cancelled alone; "
        "one email tells the other party. One occurrence is cancelled through "
        "POST /api/v1/bookings/{booking_id}/cancel. 409 when nothing is left to cancel.",
        errors=(403, 409, 502),
    ),
    "simulate_series_card": Doc(
        "Save a simulated card for a series",
        "Only while payments are simulated (no Stripe key): the series' owner saves one of "
        "Stripe's test cards, as Stripe.js would, through the webhook's own path. The card "
        "decides how the occurrences' off-session payments go. 409 unless the series waits "
        "for its card.",
        errors=(404, 409),
    ),
}
