"""Which feature reacts to which domain event, and in which phase.

The one place that knows several features: each feature's package imports
only the model and the shared modules, never another feature's package.
"""

from __future__ import annotations

from tailtribe.domain.model.events import (
    BookingAccepted,
    CaregiverDecision,
    CaregiverEvent,
    SeriesAccepted,
)
from tailtribe.domain.ports.storage import Cache
from tailtribe.domain.services.caregivers.search import invalidate_search
from tailtribe.domain.services.conversations.share_contacts import (
    share_contacts,
    share_series_contacts,
)
from tailtribe.domain.services.dispatch import EventDispatcher


def reactions(cache: Cache) -> EventDispatcher:
    dispatcher = EventDispatcher()
    # In the transaction: the acceptance and the contacts commit together.
    dispatcher.in_transaction(BookingAccepted, share_contacts)
    dispatcher.in_transaction(SeriesAccepted, share_series_contacts)

    # After commit: an admin's decision empties cached search results (a
    # suspended caregiver vanishes at once); a lost invalidation only lets
    # results live to their expiry, and must never undo the decision.
    async def refresh_search(_: CaregiverEvent) -> None:
        await invalidate_search(cache)

    dispatcher.after_commit(CaregiverDecision, refresh_search)
    return dispatcher
