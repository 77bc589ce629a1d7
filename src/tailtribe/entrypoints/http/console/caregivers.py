"""The caregivers' review queue and a caregiver's page, with the review decisions.

Decisions go through `ReviewCaregivers.decide`, the use case of
/api/v1/admin/caregivers/{id}/{verdict}: the same rules and the same audit
trail. Each one asks for confirmation first (a page repeating the decision).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from babel.dates import get_day_names
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_404_NOT_FOUND, HTTP_422_UNPROCESSABLE_ENTITY

from tailtribe.domain.errors import DomainError, NotFound
from tailtribe.domain.model.audit import AuditFilter, AuditObject
from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.photos import VARIANTS, Subject
from tailtribe.domain.ports.files import ServedMedia
from tailtribe.domain.services.admin.review_caregivers import ReviewCaregivers, Verdict
from tailtribe.domain.services.audit import ReadAuditTrail
from tailtribe.domain.services.caregivers.tax_details_access import TaxDetailsRequests
from tailtribe.domain.services.photos.manage_photos import ManagePhotos
from tailtribe.entrypoints.http.console.formatting import (
    PAGE_SIZE,
    fields,
    money,
    page_number,
    when,
)
from tailtribe.entrypoints.http.console.pages import ConsoleRequest, language_of, page
from tailtribe.entrypoints.http.console.refused import missing
from tailtribe.entrypoints.http.console.security import CONSOLE_PATH, console_guard
from tailtribe.entrypoints.http.errors import status_for

CAREGIVERS_PATH = CONSOLE_PATH + "/caregivers"
# Without a status: every caregiver, the submitted ones (waiting for a decision) first.
ALL = "all"
# The API requires a reason for these (ReasonBody); reinstating takes one if given.
NEEDS_REASON = frozenset({Verdict.APPROVE, Verdict.REJECT, Verdict.SUSPEND})
MAX_REASON = 2000
# The newest audit entries on a caregiver the page reads.
AUDIT_LINES = 100
# The decisions each status allows, in the order the page offers them.
OFFERED: dict[CaregiverStatus, tuple[Verdict, ...]] = {
    CaregiverStatus.PENDING_REVIEW: (Verdict.APPROVE, Verdict.REJECT),
    CaregiverStatus.APPROVED: (Verdict.SUSPEND,),
    CaregiverStatus.SUSPENDED: (Verdict.REINSTATE,),
}


def _status_filter(raw: str | None) -> tuple[CaregiverStatus | None, bool]:
    """The status asked for (None: all), and whether the query named a known one."""
    if not raw or raw == ALL:
        return None, True
    try:
        return CaregiverStatus(raw), True
    except ValueError:
        return None, False


class CaregiversPage(Controller):
    path = CAREGIVERS_PATH
    guards = [console_guard]  # noqa: RUF012  (Litestar's own attribute)
    include_in_schema = False

    @get("/")
    @inject
    async def queue(
        self, request: ConsoleRequest, review: FromDishka[ReviewCaregivers]
    ) -> Template:
        chosen, known = _status_filter(request.query_params.get("status"))
        number = page_number(request.query_params.get("page"))
        shown = ALL if chosen is None else chosen.value
        context: dict[str, Any] = {"statuses": list(CaregiverStatus), "chosen": shown}
        if not known:
            return page(
                request,
                "caregivers.html.j2",
                HTTP_422_UNPROCESSABLE_ENTITY,
                error="caregivers.bad_status",
                found=None,
                **context,
            )
        found = await review.list(chosen, PAGE_SIZE, (number - 1) * PAGE_SIZE)
        return page(
            request,
            "caregivers.html.j2",
            found=found,
            number=number,
            pages=max(1, -(-found.total // PAGE_SIZE)),
            link=lambda n: f"{CAREGIVERS_PATH}?{urlencode({'status': shown, 'page': n})}",
            when=lambda at: when(at, language_of(request)),
            **context,
        )

    @get("/{caregiver_id:uuid}")
    @inject
    async def caregiver(
        self,
        request: ConsoleRequest,
        caregiver_id: FromPath[UUID],
        review: FromDishka[ReviewCaregivers],
        photos: FromDishka[ManagePhotos],
        audit: FromDishka[ReadAuditTrail],
        tax: FromDishka[TaxDetailsRequests],
    ) -> Template:
        return await _caregiver_page(request, caregiver_id, review, photos, audit, tax)

    @get("/{caregiver_id:uuid}/photos/{photo_id:uuid}/{variant:str}")
    @inject
    async def photo(
        self,
        request: ConsoleRequest,
        caregiver_id: FromPath[UUID],
        photo_id: FromPath[UUID],
        variant: FromPath[str],
        photos: FromDishka[ManagePhotos],
        served: FromDishka[ServedMedia | None],
    ) -> Response[bytes] | Redirect | Template:
        """A gallery photo for the reviewer. /media serves a profile's photos
        only once it is public, and the review comes before that: with the
        embedded store the console serves the file itself; otherwise it sends
        the browser to the storage's own (signed) address."""
        gallery = await photos.ready(Subject.CAREGIVER, caregiver_id)
        view = next((v for v in gallery if v.photo.id == photo_id), None)
        if view is None or view.variants is None or variant not in VARIANTS:
            return missing(request)
        if served is None:
            return Redirect(view.variants[variant], status_code=303)
        data = await served.get(view.photo.variant_key(variant))
        if data is None:
            return missing(request)
        return Response(data, media_type="image/webp")

    @post("/{caregiver_id:uuid}/{verdict:str}")
    @inject
    async def decide(
        self,
        request: ConsoleRequest,
        caregiver_id: FromPath[UUID],
        verdict: FromPath[str],
        review: FromDishka[ReviewCaregivers],
        photos: FromDishka[ManagePhotos],
        audit: FromDishka[ReadAuditTrail],
        tax: FromDishka[TaxDetailsRequests],
    ) -> Template | Redirect:
        form = await fields(request)

        async def refuse(status: int, error: str | None, detail: str | None = None) -> Template:
            return await _caregiver_page(
                request, caregiver_id, review, photos, audit, tax, status, error, detail
            )

        try:
            chosen = Verdict(verdict)
        except ValueError:
            return await refuse(HTTP_404_NOT_FOUND, "caregiver.no_action")
        reason = form.get("reason", "").strip()
        if chosen in NEEDS_REASON and not reason:
            return await refuse(HTTP_422_UNPROCESSABLE_ENTITY, "caregiver.reason_required")
        if len(reason) > MAX_REASON:
            return await refuse(HTTP_422_UNPROCESSABLE_ENTITY, "caregiver.reason_too_long")
        if form.get("confirmed") != "yes":
            try:
                caregiver = await review.get(caregiver_id)
            except NotFound:
                return missing(request)
            return page(
                request,
                "confirm.html.j2",
                heading=f"caregiver.confirm.{chosen.value}",
                heading_values={"name": caregiver.profile.display_name},
                action=f"{CAREGIVERS_PATH}/{caregiver_id}/{chosen.value}",
                back=f"{CAREGIVERS_PATH}/{caregiver_id}",
                summary=[("caregiver.reason", reason or "—")],
                hidden={"reason": reason},
                submit=f"caregiver.action.{chosen.value}",
            )
        try:
            await review.decide(request.user.id, caregiver_id, chosen, reason or None)
        except DomainError as exc:
            return await refuse(status_for(exc), None, exc.detail)
        return Redirect(f"{CAREGIVERS_PATH}/{caregiver_id}?done={chosen.value}", status_code=303)


async def _caregiver_page(
    request: ConsoleRequest,
    caregiver_id: UUID,
    review: ReviewCaregivers,
    photos: ManagePhotos,
    audit: ReadAuditTrail,
    tax: TaxDetailsRequests,
    status_code: int = 200,
    error: str | None = None,
    detail: str | None = None,
) -> Template:
    """The caregiver's page, with a refused decision's error when there is one."""
    try:
        caregiver = await review.get(caregiver_id)
    except NotFound:
        return missing(request)
    gallery = await photos.ready(Subject.CAREGIVER, caregiver.id)
    tax_status = await tax.of(caregiver.id)
    # The trail names the admins; it also keeps refused attempts, shown apart.
    trail = await audit(
        AuditFilter(object_type=AuditObject.CAREGIVER.value, object_id=str(caregiver.id)),
        AUDIT_LINES,
        None,
    )
    names = {line.entry.actor_id: line.actor for line in trail.items}
    done = request.query_params.get("done")
    language = language_of(request)
    return page(
        request,
        "caregiver.html.j2",
        status_code,
        caregiver=caregiver,
        photos=gallery,
        tax=tax_status,
        offered=OFFERED.get(caregiver.status, ()),
        needs_reason=NEEDS_REASON,
        names=names,
        refusals=[line for line in trail.items if line.entry.outcome.startswith("refused")],
        done=done if done in set(Verdict) and status_code == 200 else None,
        error=error,
        detail=detail,
        day_names=get_day_names("wide", locale=language),
        money=lambda cents: money(cents, language),
        when=lambda at: when(at, language),
    )
