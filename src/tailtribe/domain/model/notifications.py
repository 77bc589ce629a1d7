"""Which emails exist, which domain events send them, to whom (docs/rules.md, Notifications)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

EMAIL_TOPIC_PREFIX = "email."
EVENT_TOPIC_PREFIX = "event."


class EmailKind(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"  # noqa: S105  (an email's name)
    ACCOUNT_EXISTS = "account_exists"  # someone tried to register the address again
    APPLICATION_RECEIVED = "application_received"
    APPLICATION_APPROVED = "application_approved"
    APPLICATION_REJECTED = "application_rejected"
    CAREGIVER_SUSPENDED = "caregiver_suspended"
    BOOKING_REQUESTED = "booking_requested"
    BOOKING_ACCEPTED = "booking_accepted"
    BOOKING_DECLINED = "booking_declined"
    BOOKING_EXPIRED = "booking_expired"
    BOOKING_CANCELLED = "booking_cancelled"
    PAYMENT_FAILED = "payment_failed"
    BOOKING_REMINDER = "booking_reminder"
    BOOKING_COMPLETED = "booking_completed"
    PAYOUT_SENT = "payout_sent"
    REFUND_ISSUED = "refund_issued"
    MESSAGE_UNREAD = "message_unread"
    EXPORT_READY = "export_ready"  # the user's personal data export can be downloaded
    # A seller's own figures of the yearly DAC7 report (docs/dac7.md); essential.
    DAC7_COPY = "dac7_copy"
    # To admins: something waits for them.
    DISPUTE_OPENED = "dispute_opened"
    CHARGEBACK_OPENED = "chargeback_opened"
    PAYOUT_FAILED = "payout_failed"
    # Essential, like the account emails above: sent whatever the user's choices.
    NEW_SIGN_IN = "new_sign_in"  # a sign-in from a client not seen lately
    # Meet-and-greets: like the booking emails, the reminder may be turned off.
    MEET_REQUESTED = "meet_requested"
    MEET_ACCEPTED = "meet_accepted"
    MEET_DECLINED = "meet_declined"
    MEET_EXPIRED = "meet_expired"
    MEET_CANCELLED = "meet_cancelled"
    MEET_REMINDER = "meet_reminder"
    # Weekly series: one email for the whole series at request, answer and cancellation.
    SERIES_REQUESTED = "series_requested"
    SERIES_ACCEPTED = "series_accepted"
    SERIES_DECLINED = "series_declined"
    SERIES_EXPIRED = "series_expired"
    SERIES_CANCELLED = "series_cancelled"
    # An occurrence's off-session payment failed: the owner confirms it.
    OCCURRENCE_PAYMENT_NEEDED = "occurrence_payment_needed"
    # Still unpaid at its deadline: cancelled without charge.
    OCCURRENCE_LAPSED = "occurrence_lapsed"
    # DAC7: the caregiver's due-diligence data (docs/dac7.md).
    TAX_DETAILS_REQUESTED = "tax_details_requested"
    TAX_DETAILS_REMINDER = "tax_details_reminder"
    TAX_DETAILS_LAST_REMINDER = "tax_details_last_reminder"
    PAYOUTS_WITHHELD = "payouts_withheld"
    # Money documents (docs/documents.md): one is ready to download. Like the
    # payment emails, always sent.
    DOCUMENT_RECEIPT = "document_receipt"
    DOCUMENT_REFUND_NOTE = "document_refund_note"
    DOCUMENT_COMMISSION_INVOICE = "document_commission_invoice"
    DOCUMENT_CREDIT_NOTE = "document_credit_note"
    DOCUMENT_STATEMENT = "document_statement"

    @property
    def topic(self) -> str:
        return EMAIL_TOPIC_PREFIX + self.value


class Party(enum.StrEnum):
    OWNER = "owner"
    CAREGIVER = "caregiver"
    ADMINS = "admins"  # every admin


OWNER, CAREGIVER, ADMINS = Party.OWNER, Party.CAREGIVER, Party.ADMINS

# Event name -> the emails it sends. Events not listed send none.
# - A caregiver hears of a request once the owner's card is authorized: before
#   that it cannot be accepted, and an abandoned payment would be noise.
# - An expiry concerns the caregiver only if the card was held (the event
#   says so): otherwise they never heard of the request.
# - A reinstated profile gets the approval email again.
EVENT_EMAILS: dict[str, tuple[tuple[EmailKind, Party], ...]] = {
    "CaregiverSubmitted": ((EmailKind.APPLICATION_RECEIVED, CAREGIVER),),
    "CaregiverApproved": ((EmailKind.APPLICATION_APPROVED, CAREGIVER),),
    "CaregiverReinstated": ((EmailKind.APPLICATION_APPROVED, CAREGIVER),),
    "CaregiverRejected": ((EmailKind.APPLICATION_REJECTED, CAREGIVER),),
    "CaregiverSuspended": ((EmailKind.CAREGIVER_SUSPENDED, CAREGIVER),),
    "PaymentAuthorized": ((EmailKind.BOOKING_REQUESTED, CAREGIVER),),
    "PaymentFailed": ((EmailKind.PAYMENT_FAILED, OWNER),),
    "BookingAccepted": ((EmailKind.BOOKING_ACCEPTED, OWNER),),
    "BookingDeclined": ((EmailKind.BOOKING_DECLINED, OWNER),),
    "BookingExpired": ((EmailKind.BOOKING_EXPIRED, OWNER), (EmailKind.BOOKING_EXPIRED, CAREGIVER)),
    "BookingCancelled": (
        (EmailKind.BOOKING_CANCELLED, OWNER),
        (EmailKind.BOOKING_CANCELLED, CAREGIVER),
    ),
    "BookingReminder": (
        (EmailKind.BOOKING_REMINDER, OWNER),
        (EmailKind.BOOKING_REMINDER, CAREGIVER),
    ),
    "BookingCompleted": ((EmailKind.BOOKING_COMPLETED, OWNER),),
    "PayoutSent": ((EmailKind.PAYOUT_SENT, CAREGIVER),),
    "RefundIssued": ((EmailKind.REFUND_ISSUED, OWNER),),
    "DisputeOpened": ((EmailKind.DISPUTE_OPENED, ADMINS),),
    "ChargebackOpened": ((EmailKind.CHARGEBACK_OPENED, ADMINS),),
    "PayoutFailed": ((EmailKind.PAYOUT_FAILED, ADMINS),),
    "MeetAndGreetRequested": ((EmailKind.MEET_REQUESTED, CAREGIVER),),
    "MeetAndGreetAccepted": ((EmailKind.MEET_ACCEPTED, OWNER),),
    "MeetAndGreetDeclined": ((EmailKind.MEET_DECLINED, OWNER),),
    "MeetAndGreetExpired": ((EmailKind.MEET_EXPIRED, OWNER),),
    # Both listed; the relay skips the party who cancelled (the event's `by`).
    "MeetAndGreetCancelled": (
        (EmailKind.MEET_CANCELLED, OWNER),
        (EmailKind.MEET_CANCELLED, CAREGIVER),
    ),
    "MeetAndGreetReminder": (
        (EmailKind.MEET_REMINDER, OWNER),
        (EmailKind.MEET_REMINDER, CAREGIVER),
    ),
    # A caregiver hears of a series once the owner's card is saved.
    "SeriesPaymentMethodSaved": ((EmailKind.SERIES_REQUESTED, CAREGIVER),),
    "SeriesAccepted": ((EmailKind.SERIES_ACCEPTED, OWNER),),
    "SeriesDeclined": ((EmailKind.SERIES_DECLINED, OWNER),),
    # The caregiver only if they had been asked (the event's `asked`).
    "SeriesExpired": ((EmailKind.SERIES_EXPIRED, OWNER), (EmailKind.SERIES_EXPIRED, CAREGIVER)),
    # Both listed; the relay skips the party who cancelled (the event's `by`).
    "SeriesCancelled": (
        (EmailKind.SERIES_CANCELLED, OWNER),
        (EmailKind.SERIES_CANCELLED, CAREGIVER),
    ),
    "OccurrencePaymentNeeded": ((EmailKind.OCCURRENCE_PAYMENT_NEEDED, OWNER),),
    "TaxDetailsRequested": ((EmailKind.TAX_DETAILS_REQUESTED, CAREGIVER),),
    # The relay picks the last reminder's email for the second (the event's `reminder`).
    "TaxDetailsReminded": (
        (EmailKind.TAX_DETAILS_REMINDER, CAREGIVER),
        (EmailKind.TAX_DETAILS_LAST_REMINDER, CAREGIVER),
    ),
    "PayoutsWithheld": ((EmailKind.PAYOUTS_WITHHELD, CAREGIVER),),
    "OccurrenceLapsed": (
        (EmailKind.OCCURRENCE_LAPSED, OWNER),
        (EmailKind.OCCURRENCE_LAPSED, CAREGIVER),
    ),
}


# Events that send nothing; any other event name is unknown to this version.
# MoneyMoved goes to the ledger, never to the outbox.
SILENT_EVENTS = frozenset(
    {
        "BookingRequested",
        "BookingStarted",
        "DisputeResolved",
        "PayoutHeld",
        "MoneyMoved",
        # A series' occurrences: the series' own events tell the parties.
        "SeriesRequested",
        "SeriesSetupFailed",
        "OccurrenceAccepted",
        "OccurrenceEnded",
        "OccurrencePaymentAuthorized",
    }
)


def email_kind(topic: str) -> EmailKind | None:
    if not topic.startswith(EMAIL_TOPIC_PREFIX):
        return None
    try:
        return EmailKind(topic.removeprefix(EMAIL_TOPIC_PREFIX))
    except ValueError:
        return None


class OptionalEmails(enum.StrEnum):
    """What a user may turn off; booking, payment, account and security emails
    always go (docs/privacy.md, Emails you can turn off)."""

    REMINDERS = "reminders"
    MESSAGES = "messages"


OPTIONAL_EMAILS: dict[EmailKind, OptionalEmails] = {
    EmailKind.BOOKING_REMINDER: OptionalEmails.REMINDERS,
    EmailKind.MESSAGE_UNREAD: OptionalEmails.MESSAGES,
    EmailKind.MEET_REMINDER: OptionalEmails.REMINDERS,
}


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """Which optional emails a user gets: every one unless turned off."""

    booking_reminders: bool = True
    unread_messages: bool = True

    def wants(self, kind: EmailKind) -> bool:
        category = OPTIONAL_EMAILS.get(kind)
        return category is None or self.gets(category)

    def gets(self, category: OptionalEmails) -> bool:
        if category is OptionalEmails.REMINDERS:
            return self.booking_reminders
        return self.unread_messages

    def without(self, category: OptionalEmails) -> EmailSettings:
        if category is OptionalEmails.REMINDERS:
            return replace(self, booking_reminders=False)
        return replace(self, unread_messages=False)


@dataclass(frozen=True, slots=True)
class Weekdays:
    """The weekdays a series email names, 0 (Monday) to 6 in order: the
    renderer writes them in the recipient's language."""

    days: tuple[int, ...]
