"""Which emails a user may turn off, and what turning one off changes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.model.notifications import (
    OPTIONAL_EMAILS,
    EmailKind,
    EmailSettings,
    OptionalEmails,
)

SETTINGS = st.builds(EmailSettings, st.booleans(), st.booleans())


def test_only_reminders_and_unread_messages_can_be_turned_off() -> None:
    assert set(OPTIONAL_EMAILS) == {
        EmailKind.BOOKING_REMINDER,
        EmailKind.MEET_REMINDER,
        EmailKind.MESSAGE_UNREAD,
    }
    assert EmailSettings() == EmailSettings(booking_reminders=True, unread_messages=True)


@given(SETTINGS, st.sampled_from(EmailKind))
def test_every_other_email_always_goes(settings: EmailSettings, kind: EmailKind) -> None:
    if kind not in OPTIONAL_EMAILS:
        assert settings.wants(kind)
    else:
        assert settings.wants(kind) is settings.gets(OPTIONAL_EMAILS[kind])


@given(SETTINGS, st.sampled_from(OptionalEmails))
def test_turning_one_off_leaves_the_other_and_twice_is_once(
    settings: EmailSettings, category: OptionalEmails
) -> None:
    off = settings.without(category)
    assert not off.gets(category)
    for other in OptionalEmails:
        if other is not category:
            assert off.gets(other) is settings.gets(other)
    assert off.without(category) == off
