"""/admin/audit: the audit trail through the API's own use case, filtered and
paged by the same cursor. The period's times are typed in Brussels time (a
datetime-local field has no offset)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST

from tailtribe.domain.model.audit import (
    MAX_OBJECT_ID,
    AuditAction,
    AuditCursor,
    AuditFilter,
    AuditObject,
)
from tailtribe.domain.model.time import BRUSSELS
from tailtribe.domain.services.audit import ReadAuditTrail
from tailtribe.entrypoints.http.console.formats import formats
from tailtribe.entrypoints.http.console.formatting import plain_text
from tailtribe.entrypoints.http.console.pages import ConsoleRequest, language_of, page
from tailtribe.entrypoints.http.console.security import CONSOLE_PATH, console_guard

AUDIT_PATH = CONSOLE_PATH + "/audit"
PAGE_SIZE = 50
FIELDS = ("actor", "object_type", "object_id", "action", "from", "to")


class BadFilter(ValueError):
    """A filter the page cannot use: its text key names the field."""


def _instant(text: str, key: str) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise BadFilter(key) from None
    if not 2000 <= at.year <= 2199:  # where instants may lie
        raise BadFilter(key)
    return at.replace(tzinfo=BRUSSELS) if at.tzinfo is None else at


def _criteria(given: dict[str, str]) -> AuditFilter:
    actor = given["actor"]
    try:
        actor_id = UUID(actor) if actor else None
    except ValueError:
        raise BadFilter("audit.bad.actor") from None
    object_type = given["object_type"]
    if object_type and object_type not in AuditObject.__members__.values():
        raise BadFilter("audit.bad.object_type")
    action = given["action"]
    if action and action not in AuditAction.__members__.values():
        raise BadFilter("audit.bad.action")
    if len(given["object_id"]) > MAX_OBJECT_ID:
        raise BadFilter("audit.bad.object_id")
    try:
        plain_text(given["object_id"])
    except ValueError:
        raise BadFilter("audit.bad.object_id") from None
    return AuditFilter(
        actor_id=actor_id,
        object_type=object_type or None,
        object_id=given["object_id"] or None,
        action=AuditAction(action) if action else None,
        since=_instant(given["from"], "audit.bad.period"),
        until=_instant(given["to"], "audit.bad.period"),
    )


class AuditController(Controller):
    path = CONSOLE_PATH
    guards = [console_guard]  # noqa: RUF012  (Litestar's own attribute)
    include_in_schema = False

    @get("/audit")
    @inject
    async def audit(self, request: ConsoleRequest, read: FromDishka[ReadAuditTrail]) -> Template:
        query = request.query_params
        given = {name: str(query.get(name) or "").strip() for name in FIELDS}
        cursor = str(query.get("cursor") or "")
        error, lines, older = None, None, None
        try:
            criteria = _criteria(given)
            try:
                after = AuditCursor.decode(cursor) if cursor else None
            except ValueError:
                raise BadFilter("audit.bad.cursor") from None
            lines = await read(criteria, PAGE_SIZE, after)
        except BadFilter as exc:
            error = str(exc)
        kept = {k: v for k, v in given.items() if v}
        newest = AUDIT_PATH + ("?" + urlencode(kept) if kept else "")
        if lines is not None and lines.next is not None:
            older = AUDIT_PATH + "?" + urlencode({**kept, "cursor": lines.next.encode()})
        return page(
            request,
            "audit.html.j2",
            HTTP_400_BAD_REQUEST if error else HTTP_200_OK,
            given=given,
            lines=[] if lines is None else lines.items,
            older=older,
            newest=newest if cursor else None,
            error=error,
            actions=[a.value for a in AuditAction],
            object_types=[o.value for o in AuditObject],
            **formats(language_of(request)),
        )
