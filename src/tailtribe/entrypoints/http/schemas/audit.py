from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.audit import AuditAction
from tailtribe.domain.services.audit import AuditLine
from tailtribe.entrypoints.http.schemas.common import INSTANT


class AuditEntryOut(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="The entry's id.")]
    at: Annotated[datetime, msgspec.Meta(description=f"When the action was taken; {INSTANT}.")]
    actor_id: Annotated[
        UUID | None,
        msgspec.Meta(description="The admin's user id; null for the command line."),
    ]
    actor: Annotated[
        str,
        msgspec.Meta(
            description="The admin's full name, `command line`, or the id of an account "
            "no longer there."
        ),
    ]
    action: Annotated[AuditAction, msgspec.Meta(description="What was done.")]
    object_type: Annotated[
        str,
        msgspec.Meta(
            description="caregiver, booking, outbox_message, conversation or user.",
            examples=["caregiver"],
        ),
    ]
    object_id: Annotated[str, msgspec.Meta(description="The object's id.")]
    reason: Annotated[
        str | None, msgspec.Meta(description="The reason the admin gave; null if none.")
    ]
    outcome: Annotated[
        str,
        msgspec.Meta(
            description="How it ended: `approved`, `refunded 1500 cents`, ... or "
            "`refused: <why>` when the action was refused and changed nothing.",
        ),
    ]

    @classmethod
    def of(cls, line: AuditLine) -> AuditEntryOut:
        e = line.entry
        return cls(
            e.id,
            e.at,
            e.actor_id,
            line.actor,
            e.action,
            e.object_type,
            e.object_id,
            e.reason,
            e.outcome,
        )


class AuditList(msgspec.Struct):
    items: Annotated[list[AuditEntryOut], msgspec.Meta(description="This page, newest first.")]
    next_cursor: Annotated[
        str | None,
        msgspec.Meta(description="Pass as `cursor` for the next (older) page; null at the end."),
    ]
