"""The admin audit trail: who did what to which object, why, and how it ended.

Entries are only ever added: they are kept ten years and never erased, also
when the admin's account is (the actor id then stays as a bare id).
"""

from __future__ import annotations

import base64
import binascii
import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

MAX_REASON = 2000
MAX_OUTCOME = 500
MAX_OBJECT_ID = 100
REFUSED = "refused: "
COMMAND_LINE = "command line"  # how an action without an actor (the CLI) is shown


class AuditAction(enum.StrEnum):
    APPROVE_CAREGIVER = "approve_caregiver"
    REJECT_CAREGIVER = "reject_caregiver"
    SUSPEND_CAREGIVER = "suspend_caregiver"
    REINSTATE_CAREGIVER = "reinstate_caregiver"
    REFUND_BOOKING = "refund_booking"
    RESOLVE_DISPUTE = "resolve_dispute"
    RETRY_OUTBOX = "retry_outbox"
    RETRY_PAYMENT_EVENT = "retry_payment_event"
    READ_CONVERSATION = "read_conversation"
    ERASE_ACCOUNT = "erase_account"
    EXPORT_ACCOUNT = "export_account"
    READ_TAX_DETAILS = "read_tax_details"
    READ_DAC7_REPORT = "read_dac7_report"
    READ_VAT_REPORT = "read_vat_report"
    READ_DOCUMENTS_REPORT = "read_documents_report"
    READ_DOCUMENTS = "read_documents"


class AuditObject(enum.StrEnum):
    """The kinds of object an admin acts on (an entry's `object_type`)."""

    CAREGIVER = "caregiver"
    BOOKING = "booking"
    OUTBOX_MESSAGE = "outbox_message"
    PAYMENT_EVENT = "payment_event"
    CONVERSATION = "conversation"
    USER = "user"
    REPORT = "report"  # the object id names the report and its period: dac7:2027, vat:2027Q1
    DOCUMENT = "document"  # object id "all": a search of every recipient's documents


OBJECT_TYPES = frozenset(AuditObject)


def bounded(text: str | None, limit: int) -> str | None:
    """Trimmed text cut to `limit` characters; None for nothing or blank.
    The trail keeps what was given even when the action refused it as too long."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def refused(detail: str) -> str:
    """The outcome of an action the domain refused."""
    return REFUSED + (bounded(detail, MAX_OUTCOME - len(REFUSED)) or "refused")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: UUID
    at: datetime
    actor_id: UUID | None  # None: the command line
    action: AuditAction
    object_type: str  # one of OBJECT_TYPES
    object_id: str
    reason: str | None
    outcome: str  # "approved", "refunded 1500 cents", "refused: <detail>"

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("an audit entry's time must be timezone-aware")
        if self.object_type not in OBJECT_TYPES:
            raise ValueError(f"unknown audit object type {self.object_type!r}")
        if not 0 < len(self.object_id) <= MAX_OBJECT_ID:
            raise ValueError("an audit entry names its object")
        if self.reason is not None and not 0 < len(self.reason) <= MAX_REASON:
            raise ValueError("an audit reason is None or 1..2000 characters")
        if not 0 < len(self.outcome) <= MAX_OUTCOME:
            raise ValueError("an audit outcome is 1..500 characters")

    @property
    def refused(self) -> bool:
        return self.outcome.startswith(REFUSED)


@dataclass(frozen=True, slots=True)
class AuditCursor:
    """Where a page of the trail (newest first) ended: the next page holds the
    entries strictly before (at, id), so entries added meanwhile, which are
    newer, neither shift nor repeat a page."""

    at: datetime
    id: UUID

    def encode(self) -> str:
        raw = f"{self.at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> AuditCursor:
        """ValueError for a token `encode` did not make."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            at, id_ = raw.split("|")
            cursor = cls(datetime.fromisoformat(at), UUID(id_))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ValueError("not a cursor of this list") from None
        if cursor.at.tzinfo is None:
            raise ValueError("not a cursor of this list")
        return cursor


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Every given criterion must hold; the period is [since, until)."""

    actor_id: UUID | None = None
    object_type: str | None = None
    object_id: str | None = None
    action: AuditAction | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, entry: AuditEntry) -> bool:
        return (
            (self.actor_id is None or entry.actor_id == self.actor_id)
            and (self.object_type is None or entry.object_type == self.object_type)
            and (self.object_id is None or entry.object_id == self.object_id)
            and (self.action is None or entry.action is self.action)
            and (self.since is None or entry.at >= self.since)
            and (self.until is None or entry.at < self.until)
        )
