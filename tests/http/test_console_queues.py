"""The console's queues and audit pages: each queue lists what the API and the
services made, its action goes through the API's use case and empties it, and
the audit page shows those actions, filtered and paged."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.tables import BookingRow, OutboxRow
from tailtribe.config import Settings
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.services.payments.apply_payment_events import MAX_ATTEMPTS
from tailtribe.entrypoints.http.console import audit as audit_page
from tests.http import test_console
from tests.http.payments_support import (
    PRICES,
    Caregiver,
    Json,
    Owner,
    Person,
    admin,
    brussels,
    captured_booking,
    caregiver,
    chargeback_event,
    deliver,
    first_weekday_after,
    get_booking,
    owner,
    run_at,
    set_clock,
    stored_event,
)
from tests.http.test_console import T0, Client, enrol, form, new_admin
from tests.support import Api

MONDAY = first_weekday_after(date(date.today().year + 1, 6, 1), 0)
WALK = PRICES["dog_walking"]
QUEUES = "/admin/queues"

# The console's own fixtures: an app on a fresh database, on an https base URL.
settings = test_console.settings
console = test_console.console


@dataclass(frozen=True)
class World:
    boss: Person
    carer: Caregiver
    pet_owner: Owner
    charged_back: Json  # completed, a chargeback holds its payout
    disputed: Json  # completed, the owner disputes it
    later: Json  # completed; its chargeback event is stored but failed to apply
    failed_event_id: str
    failed_email_id: str


@pytest.fixture
async def api(console: Client, settings: Settings) -> AsyncIterator[Api]:
    api = Api(console, settings)
    yield api
    await api.container.close()


async def walk(api: Api, carer: Caregiver, pet_owner: Owner, hour: int) -> Json:
    start = brussels(MONDAY, hour)
    return await captured_booking(
        api, carer, pet_owner, "dog_walking", start, start - timedelta(days=2)
    )


async def world(api: Api) -> World:
    """Every queue gets a row, made through the API (and the services for what
    the API cannot make: a failed email, an event that kept failing)."""
    c = api.client
    boss = await admin(api)
    carer, pet_owner = await caregiver(api, boss.headers), await owner(api)
    charged_back = await walk(api, carer, pet_owner, 10)
    disputed = await walk(api, carer, pet_owner, 13)
    later = await walk(api, carer, pet_owner, 16)
    await run_at(c, brussels(MONDAY, 17, 1))  # all three completed, payouts scheduled

    await set_clock(c, brussels(MONDAY, 18))
    pi = charged_back["payment"]["payment_intent_id"]
    assert (await deliver(c, chargeback_event(pi, WALK, brussels(MONDAY, 18)))).status_code == 200
    opened = await c.post(
        f"/api/v1/bookings/{disputed['id']}/dispute",
        json={"reason": "Rex came back after ten minutes"},
        headers=pet_owner.headers,
    )
    assert opened.status_code == 200, opened.text

    # A chargeback event stored on delivery whose processing failed every time.
    raw = chargeback_event(later["payment"]["payment_intent_id"], WALK, brussels(MONDAY, 18))
    event_id = json.loads(raw)["id"]
    async with api.container() as scope:
        uow = await scope.get(UnitOfWork)
        async with uow:
            stored = await uow.webhook_events.add_if_new(
                event_id, "charge.dispute.created", raw.decode(), brussels(MONDAY, 18)
            )
            assert stored
            for _ in range(MAX_ATTEMPTS):
                await uow.webhook_events.mark_failed(event_id, "ProviderUnavailable: Stripe down")
            await uow.commit()

    # An email the relay gave up on.
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        email_id = await session.scalar(select(OutboxRow.id).limit(1))
        assert email_id is not None
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == email_id)
            .values(status="failed", attempts=8, last_error="provider down")
        )
        await session.commit()
    return World(boss, carer, pet_owner, charged_back, disputed, later, event_id, str(email_id))


async def signed_in(console: Client, settings: Settings) -> None:
    await set_clock(console, T0)
    await enrol(console, await new_admin(settings))


def section(html: str, name: str) -> str:
    """The HTML of one queue's section."""
    found = re.search(rf'<section class="queue" id="{name}".*?</section>', html, re.S)
    assert found, name
    return found.group(0)


def listed(html: str) -> list[str]:
    """The actions in the audit page's table, top to bottom."""
    return re.findall(r'<td class="action">([a-z_]+)</td>', html)


def count(html: str, name: str) -> int:
    found = re.search(rf'data-testid="count-{name}">(\d+)<', html)
    assert found, name
    return int(found.group(1))


async def test_each_queue_lists_its_rows_and_its_action_empties_it(
    console: Client, settings: Settings, api: Api
) -> None:
    w = await world(api)
    await signed_in(console, settings)

    page = await console.get(QUEUES)
    assert page.status_code == 200, page.text
    html = page.text
    assert (count(html, "disputes"), count(html, "payouts")) == (1, 2)
    assert (count(html, "chargebacks"), count(html, "events")) == (1, 1)
    # Verification emails whose links expired as the clock moved failed too.
    failed_emails = count(html, "emails")
    assert failed_emails >= 1
    assert f'href="/admin/bookings/{w.disputed["id"]}"' in section(html, "disputes")
    held = section(html, "payouts")
    assert w.charged_back["id"] in held and w.disputed["id"] in held
    assert f'action="/admin/queues/payouts/{w.charged_back["id"]}/release"' in held
    assert f'href="/admin/bookings/{w.charged_back["id"]}"' in section(html, "chargebacks")
    assert w.failed_email_id in section(html, "emails")
    assert "provider down" in section(html, "emails")
    events = section(html, "events")
    assert w.failed_event_id in events and "charge.dispute.created" in events
    assert "ProviderUnavailable: Stripe down" in events and f">{MAX_ATTEMPTS}<" in events

    # Not confirmed: refused, nothing changes.
    release = f"/admin/queues/payouts/{w.charged_back['id']}/release"
    unconfirmed = await form(console, release, {"reason": "won"}, QUEUES)
    assert unconfirmed.status_code == 409
    assert "confirmation box" in unconfirmed.text
    state = await get_booking(api, w.charged_back["id"], w.carer.headers)
    assert state["payout_status"] == "held"

    # The held payout is released (ManageDisputes.resolve, as the API's resolve-dispute).
    done = await form(console, release, {"reason": "chargeback won", "confirm": "yes"}, QUEUES)
    assert done.status_code == 303 and done.headers["location"] == QUEUES + "?done=payout"
    state = await get_booking(api, w.charged_back["id"], w.carer.headers)
    assert (state["status"], state["payout_status"]) == ("completed", "scheduled")
    again = await console.get(QUEUES + "?done=payout")
    assert "payout was released" in again.text
    assert w.charged_back["id"] not in section(again.text, "payouts")
    assert count(again.text, "payouts") == 1
    # A second release of the same payout is the domain's refusal, shown on the page.
    twice = await form(console, release, {"confirm": "yes"}, QUEUES)
    assert twice.status_code == 409 and "That was refused" in twice.text

    # The failed email is queued again (ManageOutbox.retry, as the API's retry).
    retry_email = f"/admin/queues/outbox/{w.failed_email_id}/retry"
    done = await form(console, retry_email, {"confirm": "yes"}, QUEUES)
    assert done.status_code == 303
    listed = await console.get("/api/v1/admin/outbox?limit=100", headers=w.boss.headers)
    [row] = [m for m in listed.json()["items"] if m["id"] == w.failed_email_id]
    assert (row["status"], row["attempts"]) == ("pending", 0)
    html = (await console.get(QUEUES)).text
    assert count(html, "emails") == failed_emails - 1
    assert w.failed_email_id not in section(html, "emails")

    # The failed event is applied: its chargeback holds the later booking's payout.
    retry_event = f"/admin/queues/payment-events/{w.failed_event_id}/retry"
    done = await form(console, retry_event, {"confirm": "yes"}, QUEUES)
    assert done.status_code == 303, done.text
    stored = await stored_event(api, w.failed_event_id)
    assert stored is not None and stored.processed_at is not None
    state = await get_booking(api, w.later["id"], w.carer.headers)
    assert state["payout_status"] == "held"
    html = (await console.get(QUEUES)).text
    assert count(html, "events") == 0
    assert w.later["id"] in section(html, "chargebacks")
    assert w.later["id"] in section(html, "payouts")
    # Applied already: nothing waits under that id.
    gone = await form(console, retry_event, {"confirm": "yes"}, QUEUES)
    assert gone.status_code == 409 and "no payment event" in gone.text


async def test_queue_actions_need_the_csrf_token_and_a_session(
    console: Client, settings: Settings, api: Api
) -> None:
    w = await world(api)
    refused = await console.get(QUEUES, follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/admin/login"
    assert (await console.get("/admin/audit", follow_redirects=False)).status_code == 303
    await signed_in(console, settings)
    release = f"/admin/queues/payouts/{w.charged_back['id']}/release"
    forged = await console.post(release, data={"confirm": "yes"}, follow_redirects=False)
    assert forged.status_code == 403
    state = await get_booking(api, w.charged_back["id"], w.carer.headers)
    assert state["payout_status"] == "held"


async def test_the_payment_event_retry_endpoint(console: Client, api: Api) -> None:
    w = await world(api)
    url = f"/api/v1/admin/payment-events/{w.failed_event_id}/retry"
    assert (await console.post(url)).status_code == 401
    _, user = await api.new_user()
    assert (await console.post(url, headers=user)).status_code == 403
    done = await console.post(url, headers=w.boss.headers)
    assert done.status_code == 200, done.text
    assert done.json() == {"id": w.failed_event_id, "applied": True}
    again = await console.post(url, headers=w.boss.headers)
    assert again.status_code == 404
    assert again.headers["content-type"].startswith("application/problem+json")
    trail = await console.get(
        "/api/v1/admin/audit?action=retry_payment_event", headers=w.boss.headers
    )
    outcomes = [(e["object_id"], e["outcome"]) for e in trail.json()["items"]]
    assert outcomes == [
        (w.failed_event_id, "refused: no payment event with this id waits to be applied"),
        (w.failed_event_id, "applied"),
    ]


async def test_the_audit_page_shows_console_actions_filtered_and_paged(
    console: Client, settings: Settings, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await world(api)
    await signed_in(console, settings)
    release = f"/admin/queues/payouts/{w.charged_back['id']}/release"
    assert (await form(console, release, {"reason": "won", "confirm": "yes"}, QUEUES)).is_redirect
    retry_email = f"/admin/queues/outbox/{w.failed_email_id}/retry"
    assert (await form(console, retry_email, {"confirm": "yes"}, QUEUES)).is_redirect

    page = await console.get("/admin/audit")
    assert page.status_code == 200, page.text
    assert listed(page.text)[:2] == ["retry_outbox", "resolve_dispute"]
    assert "release: refunded 0 cents" in page.text and "<td>won</td>" in page.text
    assert f'href="/admin/bookings/{w.charged_back["id"]}"' in page.text
    # The API's trail shows the same actions, by the console's admin.
    trail = await console.get("/api/v1/admin/audit", headers=w.boss.headers)
    items = trail.json()["items"]
    assert [e["action"] for e in items] == ["retry_outbox", "resolve_dispute", "approve_caregiver"]
    me = items[0]["actor_id"]
    assert items[1]["actor_id"] == me and items[1]["reason"] == "won"

    only = await console.get("/admin/audit?action=retry_outbox")
    assert listed(only.text) == ["retry_outbox"]
    by_object = await console.get(
        f"/admin/audit?object_type=booking&object_id={w.charged_back['id']}"
    )
    assert listed(by_object.text) == ["resolve_dispute"]
    mine = (await console.get(f"/admin/audit?actor={me}")).text
    assert listed(mine) == ["retry_outbox", "resolve_dispute"]
    assert listed((await console.get(f"/admin/audit?actor={w.boss.id}")).text) == [
        "approve_caregiver"
    ]
    # The period, typed in Brussels time: [from, to).
    assert "No action matches." in (await console.get("/admin/audit?to=2026-01-01T00:00")).text
    assert len(listed((await console.get("/admin/audit?from=2026-01-01T00:00")).text)) == 3

    bad = await console.get("/admin/audit?actor=nobody")
    assert bad.status_code == 400 and "must be a user id" in bad.text
    assert (await console.get("/admin/audit?action=drop_tables")).status_code == 400
    assert (await console.get("/admin/audit?cursor=nonsense")).status_code == 400

    # One entry a page: the cursor walks through the admin's two, newest first,
    # with the filter kept.
    monkeypatch.setattr(audit_page, "PAGE_SIZE", 1)
    first = await console.get(f"/admin/audit?actor={me}")
    assert listed(first.text) == ["retry_outbox"]
    older = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert older
    second = await console.get(older.group(1).replace("&amp;", "&"))
    assert listed(second.text) == ["resolve_dispute"]
    assert 'rel="next"' not in second.text  # approve_caregiver is someone else's


async def test_withheld_payouts_are_listed_with_their_reason_and_shown_on_the_booking(
    console: Client, settings: Settings, api: Api
) -> None:
    boss = await admin(api)
    carer, pet_owner = await caregiver(api, boss.headers), await owner(api)
    booking = await walk(api, carer, pet_owner, 10)
    await run_at(api.client, brussels(MONDAY, 11, 1))  # completed, payout scheduled
    await signed_in(console, settings)
    assert count((await console.get(QUEUES)).text, "withheld") == 0
    # Withheld as the payout run leaves it for a caregiver without tax details
    # (tests/http/test_tax_requests.py walks the 60 days).
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        await session.execute(
            update(BookingRow)
            .where(BookingRow.id == UUID(booking["id"]))
            .values(payout_status="withheld")
        )
        await session.commit()
    html = (await console.get(QUEUES)).text
    assert (count(html, "withheld"), count(html, "payouts")) == (1, 0)
    withheld = section(html, "withheld")
    assert f'href="/admin/bookings/{booking["id"]}"' in withheld
    assert 'data-testid="withheld-reason">tax details missing<' in withheld
    page = (await console.get(f"/admin/bookings/{booking['id']}")).text
    assert 'data-testid="payout-status">withheld<' in page
    assert 'data-testid="payout-withheld"' in page
    # The caregiver's page: asked by the job run above, nothing given, nothing withheld yet.
    carer_page = (await console.get(f"/admin/caregivers/{carer.profile['id']}")).text
    assert 'data-testid="tax-complete">No<' in carer_page
    assert 'data-testid="tax-withheld">No<' in carer_page
    assert 'data-testid="tax-requested">—<' not in carer_page
