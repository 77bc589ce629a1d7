"""Messaging: emails (rendering, sending) and background jobs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from tailtribe.domain.model.notifications import EmailKind
from tailtribe.domain.model.users import Locale


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    # Extra headers, in order (List-Unsubscribe on the emails one can turn off).
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class EmailRenderer(Protocol):
    def render(
        self, kind: EmailKind, locale: Locale, variables: Mapping[str, object]
    ) -> RenderedEmail:
        """The email in the locale. Variables are plain values: str, int,
        `Money` (formatted as currency), aware `datetime` (Brussels time),
        `Service` (its name in the locale). Raises KeyError for a missing one."""
        ...


class Mailer(Protocol):
    async def send(self, email: Email, idempotency_key: str) -> str:
        """Returns the provider's message id; the same key never sends twice."""
        ...


class TaskQueue(Protocol):
    async def enqueue(self, job: str, key: str | None = None, **kwargs: object) -> None:
        """Run `job` in the background; a key already queued is not queued again."""
        ...
