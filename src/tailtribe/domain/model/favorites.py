"""A caregiver an owner saved to find again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tailtribe.domain.model.caregivers import CaregiverStatus, bookable

# Only caregivers anyone may see are listed; the saved rows of the others are
# kept, so a suspended caregiver who is reinstated comes back to the list.
LISTED = frozenset(s for s in CaregiverStatus if bookable(s))


@dataclass(frozen=True, slots=True)
class Favorite:
    caregiver_id: UUID
    display_name: str  # as stored: shown_publicly masks it for pages
    created_at: datetime
