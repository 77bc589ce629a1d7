from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.meet_and_greets import (
    MAX_MINUTES,
    MIN_MINUTES,
    STEP_MINUTES,
    MeetAndGreet,
    MeetStatus,
)
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.services.meet_and_greets.manage import MAX_MESSAGE, MeetRequest
from tailtribe.entrypoints.http.schemas.common import (
    INSTANT,
    PAGE_ITEMS,
    Instant,
    PageLimit,
    PageOffset,
    Strict,
    Total,
    free_text,
)


class MeetAndGreetBody(Strict):
    """A free meet-and-greet with a caregiver, before the pair's first booking."""

    caregiver_id: Annotated[
        UUID,
        msgspec.Meta(
            description="The caregiver profile's id (as search gives it), not its user's.",
            examples=["4f7a1c2e-9b3d-4e8a-a1f0-3c5d7e9b2a64"],
        ),
    ]
    start_at: Instant
    duration_minutes: Annotated[
        int,
        msgspec.Meta(
            ge=MIN_MINUTES,
            le=MAX_MINUTES,
            multiple_of=STEP_MINUTES,
            description=f"{MIN_MINUTES} to {MAX_MINUTES} minutes, in steps of {STEP_MINUTES}.",
            examples=[30],
        ),
    ]
    message: (
        Annotated[
            str,
            free_text(MAX_MESSAGE, multiline=True),
            msgspec.Meta(
                description="To the caregiver, posted in the pair's conversation too; "
                "contact details are masked.",
                examples=["Could we meet at the park first?"],
            ),
        ]
        | None
    ) = None

    def request(self) -> MeetRequest:
        return MeetRequest(self.caregiver_id, self.start_at, self.duration_minutes, self.message)


class MeetAndGreetOut(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="The meet-and-greet's id.")]
    owner_id: Annotated[UUID, msgspec.Meta(description="The owner's user id.")]
    caregiver_id: Annotated[
        UUID, msgspec.Meta(description="The caregiver profile's id, not its user's.")
    ]
    start_at: Annotated[datetime, msgspec.Meta(description=f"When it starts; {INSTANT}.")]
    end_at: Annotated[datetime, msgspec.Meta(description=f"When it ends; {INSTANT}.")]
    duration_minutes: Annotated[int, msgspec.Meta(description="Its length in minutes.")]
    status: Annotated[
        MeetStatus,
        msgspec.Meta(
            description="requested -> accepted; declined, expired (no answer within 24 hours "
            "or by the start) and cancelled are final."
        ),
    ]
    created_at: Annotated[datetime, msgspec.Meta(description=f"When it was asked; {INSTANT}.")]
    response_deadline: Annotated[
        datetime,
        msgspec.Meta(description=f"The caregiver answers before this, or it expires; {INSTANT}."),
    ]
    message: Annotated[
        str | None,
        msgspec.Meta(description="The owner's message, contact details masked; null if none."),
    ]
    conversation_id: Annotated[
        UUID | None, msgspec.Meta(description="The owner and caregiver's conversation.")
    ]
    cancelled_by: Annotated[
        Party | None, msgspec.Meta(description="owner or caregiver when cancelled; else null.")
    ]

    @classmethod
    def of(cls, m: MeetAndGreet) -> MeetAndGreetOut:
        return cls(
            id=m.id,
            owner_id=m.owner_id,
            caregiver_id=m.caregiver_id,
            start_at=m.start,
            end_at=m.end,
            duration_minutes=m.duration_minutes,
            status=m.status,
            created_at=m.created_at,
            response_deadline=m.response_deadline,
            message=m.shown_message,
            conversation_id=m.conversation_id,
            cancelled_by=m.cancelled_by,
        )


class MeetAndGreetList(msgspec.Struct):
    items: Annotated[list[MeetAndGreetOut], msgspec.Meta(description=PAGE_ITEMS)]
    total: Total
    limit: PageLimit
    offset: PageOffset
