from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.outbox import OutboxMessage
from tailtribe.entrypoints.http.schemas.common import (
    INSTANT,
    PAGE_ITEMS,
    PageLimit,
    PageOffset,
    Total,
)


class OutboxMessageOut(msgspec.Struct):
    """No payload: it may carry the id a sign-in link is derived from."""

    id: Annotated[UUID, msgspec.Meta(description="The outbox message's id.")]
    topic: Annotated[
        str,
        msgspec.Meta(
            description="`email.<kind>`: an email to send; `event.<name>`: a domain event."
        ),
    ]
    status: Annotated[
        str,
        msgspec.Meta(
            description="pending: due or backing off; sent; failed: given up (an admin may "
            "retry); suppressed: not sent, its recipient turned that kind of email off."
        ),
    ]
    attempts: Annotated[
        int, msgspec.Meta(description="Attempts to send it so far; an admin retry resets it.")
    ]
    last_error: Annotated[
        str | None,
        msgspec.Meta(description="The error of the latest failed attempt; null if none failed."),
    ]
    user_id: Annotated[
        str | None,
        msgspec.Meta(description="The user id in the payload, if it has one as text; else null."),
    ]
    created_at: Annotated[datetime, msgspec.Meta(description=f"When it was queued; {INSTANT}.")]
    available_at: Annotated[
        datetime, msgspec.Meta(description=f"When it is next due to be tried; {INSTANT}.")
    ]
    sent_at: Annotated[
        datetime | None, msgspec.Meta(description=f"When it was sent; {INSTANT}; null until then.")
    ]

    @classmethod
    def of(cls, m: OutboxMessage) -> OutboxMessageOut:
        user_id = m.payload.get("user_id")
        return cls(
            m.id,
            m.topic,
            m.status.value,
            m.attempts,
            m.last_error,
            user_id if isinstance(user_id, str) else None,
            m.created_at,
            m.available_at,
            m.sent_at,
        )


class OutboxList(msgspec.Struct):
    items: Annotated[list[OutboxMessageOut], msgspec.Meta(description=PAGE_ITEMS)]
    total: Total
    limit: PageLimit
    offset: PageOffset
