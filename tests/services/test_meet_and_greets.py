"""Meet-and-greets on the in-memory ports: whom each change emails, and the reminder opt-out."""

from __future__ import annotations

from datetime import time, timedelta

from tailtribe.adapters.jinja.renderer import JinjaEmailRenderer
from tailtribe.adapters.security.unsubscribe_tokens import HmacUnsubscribeTokens
from tailtribe.domain.model.availability import Availability, WeeklyWindow
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus
from tailtribe.domain.model.meet_and_greets import MeetStatus
from tailtribe.domain.model.notifications import EmailSettings
from tailtribe.domain.model.outbox import OutboxStatus
from tailtribe.domain.model.users import Locale, Role
from tailtribe.domain.ports.storage import DueWork
from tailtribe.domain.services.jobs.run_due import RunDueMeetAndGreetJobs
from tailtribe.domain.services.meet_and_greets.manage import (
    MeetAndGreetLifecycle,
    MeetRequest,
    RequestMeetAndGreet,
)
from tailtribe.domain.services.notifications.relay_outbox import RelayOutbox
from tailtribe.domain.services.notifications.send_email import Links, SendEmail
from tailtribe.domain.services.terms import Actor
from tests.factories import caregiver, user
from tests.fakes.mailer import MemoryMailer
from tests.services.conftest import World

ALL_DAY = tuple(WeeklyWindow(d, time(0), time(23, 59)) for d in range(7))


async def _setup(w: World) -> tuple[Actor, Actor, Caregiver]:
    now = w.clock.now()
    owner, carer = user("Olga", now, locale=Locale.FR), user("Bram", now, locale=Locale.EN)
    carer.roles = carer.roles | {Role.CAREGIVER}
    profile = caregiver(carer, now, display_name="Bram's walks")
    profile.status = CaregiverStatus.APPROVED
    profile.availability = Availability(weekly=ALL_DAY)
    async with w.uow as uow:
        await uow.users.add(owner)
        await uow.users.add(carer)
        await uow.caregivers.add(profile)
        await uow.commit()
    return Actor(owner.id, owner.roles), Actor(carer.id, carer.roles), profile


async def _deliver(w: World, mailer: MemoryMailer) -> int:
    send = SendEmail(
        w.uow,
        mailer,
        JinjaEmailRenderer(),
        w.secrets,
        Links("https://app.tailtribe.test"),
        w.clock,
        HmacUnsubscribeTokens("k" * 32),
    )
    return sum([await send(m) for m in await RelayOutbox(w.uow, w.ids, w.clock)()])


async def test_each_change_emails_the_other_party_and_reminders_can_be_turned_off(
    world: World,
) -> None:
    w, mailer = world, MemoryMailer()
    owner, carer, profile = await _setup(w)
    start = (w.clock.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    requested = await RequestMeetAndGreet(w.uow, w.outbox, w.ids, w.clock)(
        owner.user_id, MeetRequest(profile.id, start, 30, "Hello")
    )
    meeting = requested.meeting
    assert requested.message is not None
    assert requested.message.conversation.id == meeting.conversation_id
    assert await _deliver(w, mailer) == 1  # the request, to the caregiver
    lifecycle = MeetAndGreetLifecycle(w.uow, w.outbox, w.clock)
    await lifecycle.accept(carer, meeting.id)
    assert await _deliver(w, mailer) == 1  # accepted, to the owner

    # The owner turns reminders off: only the caregiver gets one.
    async with w.uow as uow:
        me = await uow.users.get(owner.user_id)
        assert me is not None
        me.change_email_settings(EmailSettings(booking_reminders=False))
        await uow.users.save(me)
        await uow.commit()
    w.clock.advance(start - timedelta(hours=1) - w.clock.now())
    assert await RunDueMeetAndGreetJobs(w.uow, w.outbox, w.clock)(DueWork.REMIND) == 1
    assert await _deliver(w, mailer) == 1
    suppressed = [r for r in w.uow.outbox_rows.values() if r.status is OutboxStatus.SUPPRESSED]
    assert [r.topic for r in suppressed] == ["email.meet_reminder"]

    cancelled = await lifecycle.cancel(owner, meeting.id)
    assert cancelled.status is MeetStatus.CANCELLED
    assert await _deliver(w, mailer) == 1  # to the caregiver only
    sent = list(mailer.sent.values())
    assert sent[-1].to.startswith("bram")
    subjects = [m.subject for m in sent]
    assert subjects[0] == "Olga would like to meet you"  # the caregiver's English
    assert subjects[1].startswith("Bram's walks vous rencontrera")  # the owner's French
