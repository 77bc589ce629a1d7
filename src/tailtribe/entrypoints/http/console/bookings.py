"""Bookings: a search, a booking's page (timeline, payment, payout, ledger) and
the admins' money decisions on it.

Refunds and resolutions go through `ManageDisputes`, the use case of
/api/v1/admin/bookings/{id}/refund and /resolve-dispute (the same rules, the
same audit trail); releasing a held payout is a resolution with the outcome
`release`. The ledger is `ReadLedger`'s, as GET /api/v1/admin/ledger/{id}
gives it. Each decision asks for confirmation first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY as UNPROCESSABLE

from tailtribe.domain.errors import DomainError, NotFound
from tailtribe.domain.model.audit import AuditFilter, AuditObject
from tailtribe.domain.model.booking_dispute import DisputeOutcome
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.ledger import Account
from tailtribe.domain.services.admin.find_bookings import BookingSearch, FindBookings
from tailtribe.domain.services.audit import ReadAuditTrail
from tailtribe.domain.services.payments.disputes import ManageDisputes
from tailtribe.domain.services.payments.ledger import ReadLedger
from tailtribe.entrypoints.http.console.formatting import (
    PAGE_SIZE,
    cents_of,
    day_of,
    fields,
    money,
    page_number,
    plain_text,
    when,
)
from tailtribe.entrypoints.http.console.pages import ConsoleRequest, language_of, page
from tailtribe.entrypoints.http.console.refused import missing
from tailtribe.entrypoints.http.console.security import CONSOLE_PATH, console_guard
from tailtribe.entrypoints.http.errors import status_for

BOOKINGS_PATH = CONSOLE_PATH + "/bookings"
MAX_REASON = 2000
# The newest audit entries on a booking the timeline shows.
AUDIT_LINES = 100
# The search form's fields, as the query names them.
CRITERIA = ("owner", "caregiver", "status", "from", "to", "series")


class Refused(Exception):
    """A search or a form the page refuses before any use case runs."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class Moment:
    """One line of a booking's timeline."""

    at: datetime
    key: str
    values: dict[str, str]


def _uuid(text: str, key: str) -> UUID:
    try:
        return UUID(text.strip())
    except ValueError:
        raise Refused(key) from None


def _search(query: dict[str, str]) -> BookingSearch:
    status = query.get("status", "")
    series = query.get("series", "")
    try:
        first_day, last_day = day_of(query.get("from", "")), day_of(query.get("to", ""))
    except ValueError:
        raise Refused("bookings.bad_date") from None
    try:
        chosen = BookingStatus(status) if status else None
    except ValueError:
        raise Refused("bookings.bad_status") from None
    try:
        owner = plain_text(query.get("owner", "")).strip()
        caregiver = plain_text(query.get("caregiver", "")).strip()
    except ValueError:
        raise Refused("bookings.bad_party") from None
    return BookingSearch(
        owner=owner or None,
        caregiver=caregiver or None,
        status=chosen,
        series_id=_uuid(series, "bookings.bad_series") if series.strip() else None,
        first_day=first_day,
        last_day=last_day,
    )


def _timeline(booking: Booking, ledger: Any, audit: Any, language: str) -> list[Moment]:
    """The booking's own times, its money movements and the admins' actions, oldest first."""
    moments = [Moment(booking.created_at, "timeline.requested", {})]
    moments += [
        Moment(
            e.occurred_at,
            "timeline.movement",
            {"movement": e.movement.value, "amount": money(e.amount_cents, language)},
        )
        for e in ledger.entries
    ]
    if booking.completed_at is not None:
        moments.append(Moment(booking.completed_at, "timeline.completed", {}))
    moments += [
        Moment(
            line.entry.at,
            "timeline.admin",
            {
                "action": line.entry.action.value,
                "actor": line.actor,
                "outcome": line.entry.outcome,
                "reason": line.entry.reason or "—",
            },
        )
        for line in audit.items
    ]
    return sorted(moments, key=lambda m: m.at)


class BookingsPage(Controller):
    path = BOOKINGS_PATH
    guards = [console_guard]  # noqa: RUF012  (Litestar's own attribute)
    include_in_schema = False

    @get("/")
    @inject
    async def search(
        self, request: ConsoleRequest, find: FromDishka[FindBookings]
    ) -> Template | Redirect:
        query = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
        number = page_number(query.get("page"))
        context: dict[str, Any] = {
            "query": query,
            "statuses": list(BookingStatus),
            "number": number,
        }
        language = language_of(request)
        try:
            if booking_id := query.get("id", "").strip():
                return Redirect(
                    f"{BOOKINGS_PATH}/{_uuid(booking_id, 'bookings.bad_id')}", status_code=303
                )
            found = await find(_search(query), PAGE_SIZE, (number - 1) * PAGE_SIZE)
        except Refused as exc:
            return page(
                request,
                "bookings.html.j2",
                UNPROCESSABLE,
                error=exc.key,
                found=None,
                **context,
            )
        except DomainError as exc:
            return page(
                request,
                "bookings.html.j2",
                status_for(exc),
                detail=exc.detail,
                found=None,
                **context,
            )
        kept = {k: query[k] for k in CRITERIA if query.get(k)}
        return page(
            request,
            "bookings.html.j2",
            found=found,
            pages=max(1, -(-found.total // PAGE_SIZE)),
            link=lambda n: f"{BOOKINGS_PATH}?{urlencode({**kept, 'page': n})}",
            money=lambda cents: money(cents, language),
            when=lambda at: when(at, language),
            **context,
        )

    @get("/{booking_id:uuid}")
    @inject
    async def booking(
        self,
        request: ConsoleRequest,
        booking_id: FromPath[UUID],
        find: FromDishka[FindBookings],
        read_ledger: FromDishka[ReadLedger],
        audit: FromDishka[ReadAuditTrail],
    ) -> Template:
        return await _booking_page(request, booking_id, find, read_ledger, audit)

    @post("/{booking_id:uuid}/refund")
    @inject
    async def refund(
        self,
        request: ConsoleRequest,
        booking_id: FromPath[UUID],
        disputes: FromDishka[ManageDisputes],
        find: FromDishka[FindBookings],
        read_ledger: FromDishka[ReadLedger],
        audit: FromDishka[ReadAuditTrail],
    ) -> Template | Redirect:
        form = await fields(request)
        reason = form.get("reason", "").strip()
        amount = cents_of(form.get("amount", ""))
        refused = None
        if amount is None or amount <= 0:
            refused = "booking.bad_amount"
        elif not reason:
            refused = "booking.reason_required"
        elif len(reason) > MAX_REASON:
            refused = "booking.reason_too_long"
        if refused is not None or amount is None:
            return await _booking_page(
                request, booking_id, find, read_ledger, audit, UNPROCESSABLE, refused
            )
        language = language_of(request)
        if form.get("confirmed") != "yes":
            return page(
                request,
                "confirm.html.j2",
                heading="booking.confirm.refund",
                heading_values={"amount": money(amount, language)},
                action=f"{BOOKINGS_PATH}/{booking_id}/refund",
                back=f"{BOOKINGS_PATH}/{booking_id}",
                summary=[("booking.amount", money(amount, language)), ("booking.reason", reason)],
                hidden={"amount": form.get("amount", ""), "reason": reason},
                submit="booking.action.refund",
            )
        try:
            await disputes.refund(request.user.id, booking_id, amount, reason)
        except DomainError as exc:
            return await _booking_page(
                request, booking_id, find, read_ledger, audit, status_for(exc), detail=exc.detail
            )
        return Redirect(f"{BOOKINGS_PATH}/{booking_id}?done=refund", status_code=303)

    @post("/{booking_id:uuid}/resolve")
    @inject
    async def resolve(
        self,
        request: ConsoleRequest,
        booking_id: FromPath[UUID],
        disputes: FromDishka[ManageDisputes],
        find: FromDishka[FindBookings],
        read_ledger: FromDishka[ReadLedger],
        audit: FromDishka[ReadAuditTrail],
    ) -> Template | Redirect:
        form = await fields(request)
        reason = form.get("reason", "").strip()
        raw_amount = form.get("amount", "").strip()
        amount = cents_of(raw_amount) if raw_amount else None
        refused = None
        try:
            outcome = DisputeOutcome(form.get("outcome", ""))
        except ValueError:
            refused = "booking.bad_outcome"
        else:
            if raw_amount and (outcome is DisputeOutcome.RELEASE or not amount):
                refused = "booking.bad_amount"
        if refused is None and len(reason) > MAX_REASON:
            refused = "booking.reason_too_long"
        if refused is not None:
            return await _booking_page(
                request, booking_id, find, read_ledger, audit, UNPROCESSABLE, refused
            )
        language = language_of(request)
        if form.get("confirmed") != "yes":
            shown = money(amount, language) if amount else None
            return page(
                request,
                "confirm.html.j2",
                heading=f"booking.confirm.resolve_{outcome.value}",
                heading_values={},
                action=f"{BOOKINGS_PATH}/{booking_id}/resolve",
                back=f"{BOOKINGS_PATH}/{booking_id}",
                summary=[
                    ("booking.outcome", outcome.value),
                    *([("booking.amount", shown)] if shown else []),
                    ("booking.reason", reason or "—"),
                ],
                hidden={"outcome": outcome.value, "amount": raw_amount, "reason": reason},
                submit=f"booking.action.{outcome.value}",
            )
        try:
            await disputes.resolve(request.user.id, booking_id, outcome, amount, reason or None)
        except DomainError as exc:
            return await _booking_page(
                request, booking_id, find, read_ledger, audit, status_for(exc), detail=exc.detail
            )
        return Redirect(f"{BOOKINGS_PATH}/{booking_id}?done={outcome.value}", status_code=303)


async def _booking_page(
    request: ConsoleRequest,
    booking_id: UUID,
    find: FindBookings,
    read_ledger: ReadLedger,
    audit: ReadAuditTrail,
    status_code: int = 200,
    error: str | None = None,
    detail: str | None = None,
) -> Template:
    try:
        booking, parties = await find.one(booking_id)
        ledger = await read_ledger(booking_id)
    except NotFound:
        return missing(request)
    trail = await audit(
        AuditFilter(object_type=AuditObject.BOOKING.value, object_id=str(booking_id)),
        AUDIT_LINES,
        None,
    )
    language = language_of(request)
    done = request.query_params.get("done")
    held = booking.payout.status is PayoutStatus.HELD
    return page(
        request,
        "booking.html.j2",
        status_code,
        booking=booking,
        parties=parties,
        ledger=ledger,
        accounts=list(Account),
        timeline=_timeline(booking, ledger, trail, language),
        can_refund=booking.payment.remaining_cents > 0,
        disputed=booking.status is BookingStatus.DISPUTED,
        held=held,
        done=done if done in ("refund", "release") and status_code == 200 else None,
        error=error,
        detail=detail,
        money=lambda cents: money(cents, language),
        when=lambda at: when(at, language),
    )
