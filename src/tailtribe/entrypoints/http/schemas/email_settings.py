"""The signed-in user's optional emails."""

from __future__ import annotations

from typing import Annotated

import msgspec

from tailtribe.domain.model.notifications import EmailSettings
from tailtribe.entrypoints.http.schemas.common import Strict

BookingReminders = Annotated[
    bool, msgspec.Meta(description="Reminder emails 24 hours before a booking starts.")
]
UnreadMessages = Annotated[
    bool, msgspec.Meta(description="Emails about messages left unread for a while.")
]


class EmailSettingsBody(Strict):
    """Both settings, always: the answer is what is stored."""

    booking_reminders: BookingReminders
    unread_messages: UnreadMessages

    def settings(self) -> EmailSettings:
        return EmailSettings(self.booking_reminders, self.unread_messages)


class EmailSettingsOut(msgspec.Struct):
    """Which optional emails the user gets. Booking, payment, account and
    security emails always go."""

    booking_reminders: BookingReminders
    unread_messages: UnreadMessages

    @classmethod
    def of(cls, settings: EmailSettings) -> EmailSettingsOut:
        return cls(settings.booking_reminders, settings.unread_messages)
