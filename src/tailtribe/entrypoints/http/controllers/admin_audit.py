from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from tailtribe.domain.model.audit import (
    MAX_OBJECT_ID,
    AuditAction,
    AuditCursor,
    AuditFilter,
    AuditObject,
)
from tailtribe.domain.model.users import Role
from tailtribe.domain.services.audit import ReadAuditTrail
from tailtribe.entrypoints.http.auth import requires
from tailtribe.entrypoints.http.schemas.audit import AuditEntryOut, AuditList
from tailtribe.entrypoints.http.schemas.common import DEFAULT_LIMIT, Limit

_PERIOD = "An instant with its UTC offset; the period is [from, to)."


def _refuse(field: str, message: str) -> ValidationException:
    """A 400 naming the query parameter, as the schema's own refusals do."""
    return ValidationException(
        f"Validation failed for GET /api/v1/admin/audit: {field} {message}",
        extra=[{"key": field, "message": message, "source": "query"}],
    )


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise _refuse(field, "needs its UTC offset")
    return value


class AdminAuditController(Controller):
    path = "/api/v1/admin/audit"
    tags = ("Admin",)
    guards = (requires(Role.ADMIN),)

    @get(operation_id="admin_audit_trail")
    @inject
    async def list_audit(
        self,
        read: FromDishka[ReadAuditTrail],
        actor: Annotated[
            UUID | None, QueryParameter(description="Only this admin's actions.")
        ] = None,
        object_type: Annotated[
            AuditObject | None, QueryParameter(description="Only actions on this kind of object.")
        ] = None,
        object_id: Annotated[
            str | None,
            QueryParameter(
                min_length=1, max_length=MAX_OBJECT_ID, description="Only this object's actions."
            ),
        ] = None,
        action: Annotated[AuditAction | None, QueryParameter(description="Only this action.")] = (
            None
        ),
        from_: Annotated[datetime | None, QueryParameter(name="from", description=_PERIOD)] = None,
        to: Annotated[datetime | None, QueryParameter(description=_PERIOD)] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Annotated[
            str | None,
            QueryParameter(
                max_length=200, description="The `next_cursor` of the page before; absent: newest."
            ),
        ] = None,
    ) -> AuditList:
        try:
            after = None if cursor is None else AuditCursor.decode(cursor)
        except ValueError:
            raise _refuse("cursor", "is not a cursor this list gave") from None
        criteria = AuditFilter(
            actor_id=actor,
            object_type=None if object_type is None else object_type.value,
            object_id=object_id,
            action=action,
            since=_aware(from_, "from"),
            until=_aware(to, "to"),
        )
        page = await read(criteria, limit, after)
        return AuditList(
            [AuditEntryOut.of(line) for line in page.items],
            None if page.next is None else page.next.encode(),
        )
