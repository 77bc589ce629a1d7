"""Typed domain errors. The HTTP layer maps each family to one status code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """Base of every rule the domain refuses. `title` is short and stable."""

    title = "Domain rule violated"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """Missing, or not the caller's to see (never reveal which)."""

    title = "Not found"


class Unauthorized(DomainError):
    title = "Authentication required"


class Forbidden(DomainError):
    title = "Not allowed"


class Conflict(DomainError):
    title = "Conflict"


class InvalidTransition(Conflict):
    """A state machine refused a command in its current state."""

    title = "Transition not allowed"

    def __init__(self, entity: str, state: str, command: str) -> None:
        super().__init__(f"{entity} in state '{state}' cannot {command}")
        self.entity = entity
        self.state = state
        self.command = command


class EmailTaken(Conflict):
    title = "Email already registered"

    def __init__(self) -> None:
        super().__init__("an account with this email address exists")


class SlotTaken(Conflict):
    title = "Slot taken"


class PaymentNotAuthorized(Conflict):
    title = "Payment not authorized"


class InvalidInput(DomainError):
    """Input that breaks a domain rule; `errors` names the offending fields."""

    title = "Invalid input"

    def __init__(self, detail: str, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(detail)
        self.errors = tuple(errors)


class ProfileIncomplete(InvalidInput):
    title = "Profile incomplete"

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(
            "the profile is missing: " + ", ".join(missing),
            [FieldError(name, "required") for name in missing],
        )
        self.missing = tuple(missing)


class RateLimited(DomainError):
    title = "Too many requests"

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = max(1, retry_after_seconds)


class InvalidCredentials(Unauthorized):
    title = "Invalid credentials"

    def __init__(self) -> None:
        super().__init__("the email address or the password is wrong")


class InvalidWebhook(DomainError):
    """A provider callback whose signature or body cannot be trusted."""

    title = "Invalid webhook"


class SignInFailed(DomainError):
    """A sign-in with an outside identity provider did not prove who this is."""

    title = "Sign-in failed"


class ProviderUnavailable(DomainError):
    """An outside provider (the identity provider) did not answer properly."""

    title = "Provider unavailable"


class PaymentProviderError(ProviderUnavailable):
    """The payment provider refused a call or could not be reached; no money moved."""

    title = "Payment provider error"


class DeliveryFailed(ProviderUnavailable):
    """The email provider did not take the email (down, refused, unreachable)."""

    title = "Delivery failed"


class SeriesClash(SlotTaken):
    """Occurrences of a weekly series the caregiver cannot take: `dates` names them."""

    def __init__(self, detail: str, dates: Sequence[str]) -> None:
        super().__init__(detail)
        self.dates = tuple(dates)
