"""Payments end to end, with Stripe played by the local stand-in.

The app runs for real (`tailtribe serve`, test mode) with STRIPE_SECRET_KEY and
STRIPE_API_BASE pointing the Stripe SDK at the stand-in; the stand-in POSTs
its webhooks to the app's /api/stripe/webhook, signed with the app's
STRIPE_WEBHOOK_SECRET. `tailtribe payments reconcile` runs as a second
process with the same environment.
"""

from __future__ import annotations

import asyncio
import email
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from tailtribe.config import Environment, Settings
from tailtribe.domain.services.payments.ledger import Mismatch, Reconcile
from tests.conftest import empty_database
from tests.factories import next_monday, walk
from tests.stripe_standin import API_KEY, StripeStandIn, fee_for, free_port, stripe_standin
from tests.support import AVAILABILITY, PROFILE, SERVICES, Api

SECRET = "stripe-story-secret-key-long-enough-0123456789"
WEBHOOK_SECRET = "whsec_story_5f2c1e0d9b8a7f6e"
CLI = [sys.executable, "-m", "tailtribe.entrypoints.cli"]
# What the shell may carry that would point the app somewhere else.
FOREIGN = ("DATABASE_URL", "DIRECT_URL", "REDIS_URL", "STRIPE_", "RESEND_", "TAILTRIBE_", "APP_URL")


@dataclass
class Stack:
    standin: StripeStandIn
    app: httpx.AsyncClient
    base: str
    api: Api
    env: dict[str, str]
    data_dir: Path
    log: Path

    async def at(self, moment: datetime) -> dict[str, int]:
        """Move the app's clock to `moment` and run what is due."""
        moved = await self.app.put("/api/v1/test/clock", json={"now": moment.isoformat()})
        assert moved.status_code == 200, moved.text
        response = await self.app.post("/api/v1/test/run-due-jobs")
        assert response.status_code == 200, response.text
        ran: dict[str, int] = response.json()["ran"]
        assert all(count >= 0 for count in ran.values()), ran
        await self.webhooks_delivered()
        return ran

    async def webhooks_delivered(self) -> None:
        """Every event the stand-in sent so far reached the app and was accepted."""
        await self.standin.drain()
        refused = [d for d in self.standin.deliveries if d.status != 200]
        assert not refused, (refused, self.log.read_text()[-4000:])

    async def booking(self, booking_id: str, headers: dict[str, str]) -> dict[str, Any]:
        response = await self.app.get(f"/api/v1/bookings/{booking_id}", headers=headers)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def ledger(self, booking_id: str, admin: dict[str, str]) -> dict[str, Any]:
        response = await self.app.get(f"/api/v1/admin/ledger/{booking_id}", headers=admin)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def reconcile(self) -> tuple[int, str]:
        """`tailtribe payments reconcile`, as an operator runs it beside the app."""
        process = await asyncio.create_subprocess_exec(
            *CLI,
            "payments",
            "reconcile",
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        # Awaited, not blocking: the stand-in it asks lives in this event loop.
        out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode is not None
        return process.returncode, out.decode()

    async def reconcile_in_container(self) -> tuple[int, list[Mismatch]]:
        """The Reconcile use case, in a container wired as the app's."""
        async with self.api.container() as scope:
            return await (await scope.get(Reconcile))(None)


def _environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN)}
    env.update(values)
    return env


@asynccontextmanager
async def served_app(pg_url: str, data_dir: Path) -> AsyncIterator[Stack]:
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    log = data_dir / "server.log"
    async with stripe_standin() as standin:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = _environment(
            TAILTRIBE_ENV="test",
            DATABASE_URL=pg_url,
            TAILTRIBE_SECRET_KEY=SECRET,
            TAILTRIBE_DATA_DIR=str(data_dir),
            APP_URL=base,
            STRIPE_SECRET_KEY=API_KEY,
            STRIPE_API_BASE=standin.url,
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            RATE_LIMIT_PER_MINUTE="100000",
            AUTH_RATE_LIMIT_PER_MINUTE="100000",
        )
        with log.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                *CLI,
                *("serve", "--host", "127.0.0.1", "--port", str(port)),
                env=env,
                stdout=sink,  # a file, not a pipe: logged tracebacks must not fill a buffer
                stderr=asyncio.subprocess.STDOUT,
            )
        try:
            async with httpx.AsyncClient(base_url=base, timeout=30) as app:
                for _ in range(900):
                    if process.returncode is not None:
                        raise AssertionError(f"the app exited: {log.read_text()[-4000:]}")
                    try:
                        if (await app.get("/api/health")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError(f"the app did not start: {log.read_text()[-4000:]}")
                standin.send_webhooks_to(f"{base}/api/stripe/webhook", WEBHOOK_SECRET)
                # A container built as the app's (the Stripe adapter on the stand-in),
                # for what the test does directly: admins, reconciliation.
                settings = Settings(
                    env=Environment.TEST,
                    database_url=pg_url,
                    secret_key=SECRET,
                    data_dir=data_dir,
                    stripe_secret_key=API_KEY,
                    stripe_api_base=standin.url,
                    stripe_webhook_secret=WEBHOOK_SECRET,
                )
                api = Api(cast(Any, app), settings)
                try:
                    yield Stack(standin, app, base, api, env, data_dir, log)
                finally:
                    await api.container.close()
        finally:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=20)
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest.fixture(scope="module")
async def served(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """One app process and one stand-in for the module: starting the app is slow."""
    async with served_app(pg_url, tmp_path_factory.mktemp("stripe-story")) as stack:
        yield stack


@pytest.fixture
async def stack(served: Stack) -> Stack:
    """The served app on empty tables, its clock real again, webhooks flowing."""
    await (await empty_database(served.api.settings.database_url)).get_engine().dispose()
    assert (await served.app.put("/api/v1/test/clock", json={"now": None})).status_code == 200
    served.standin.send_webhooks_to(f"{served.base}/api/stripe/webhook", WEBHOOK_SECRET)
    return served


async def onboarded_caregiver(
    stack: Stack, admin: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """A caregiver who finished Stripe onboarding at the stand-in and was approved."""
    app, standin = stack.app, stack.standin
    user, caregiver = await stack.api.new_user()
    assert (await app.post("/api/v1/caregiver/profile", json=PROFILE, headers=caregiver)).is_success
    assert (
        await app.put("/api/v1/caregiver/services", json=SERVICES, headers=caregiver)
    ).is_success
    assert (
        await app.put("/api/v1/caregiver/availability", json=AVAILABILITY, headers=caregiver)
    ).is_success
    assert (await app.post("/api/v1/caregiver/submit", headers=caregiver)).is_success
    profile = (await app.get("/api/v1/caregiver/profile", headers=caregiver)).json()
    approve = f"/api/v1/admin/caregivers/{profile['id']}/approve"
    reason = {"reason": "identity checked"}
    assert (await app.post(approve, json=reason, headers=admin)).status_code == 409  # no payouts

    started = await app.post("/api/v1/caregiver/payouts/onboarding", headers=caregiver)
    assert started.status_code == 200, started.text
    link = started.json()["url"]
    assert link.startswith(f"{standin.url}/_standin/onboarding/")
    profile = (await app.get("/api/v1/caregiver/profile", headers=caregiver)).json()
    account = standin.state.accounts[profile["stripe_account_id"]]
    assert account["email"] == user["email"]
    assert account["type"] == "express"
    assert account["controller"]["fees"] == {"payer": "application"}
    assert account["controller"]["losses"] == {"payments": "application"}
    assert profile["payouts_enabled"] is False

    # The caregiver fills Stripe's form; Stripe sends them back to the app.
    async with httpx.AsyncClient() as browser:
        done = await browser.get(link)
    assert done.status_code == 303
    assert done.headers["location"] == f"{stack.base}/caregiver/payouts/done"
    await stack.webhooks_delivered()
    assert [d.type for d in standin.deliveries][-1] == "account.updated"
    profile = (await app.get("/api/v1/caregiver/profile", headers=caregiver)).json()
    assert profile["payouts_enabled"] is True

    approved = await app.post(approve, json=reason, headers=admin)
    assert approved.status_code == 200, approved.text
    return approved.json(), caregiver


async def accepted_walk(
    stack: Stack, profile: dict[str, Any], caregiver: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """An owner books a walk, Stripe authorizes the card, the caregiver accepts."""
    app, standin = stack.app, stack.standin
    _, owner = await stack.api.new_user()
    pet = (
        await app.post("/api/v1/pets", json={"name": "Rex", "species": "dog"}, headers=owner)
    ).json()
    created = await app.post(
        "/api/v1/bookings", json=walk(profile, pet["id"], next_monday(10)), headers=owner
    )
    assert created.status_code == 201, created.text
    booking = created.json()
    pi = booking["payment"]["payment_intent_id"]
    intent = standin.state.payment_intents[pi]
    assert intent["amount"] == booking["price"]["total"]["amount_cents"] == 1500
    assert intent["currency"] == "eur"
    assert intent["capture_method"] == "automatic"  # Bancontact is taken at once
    assert intent["payment_method_options"] == {"card": {"capture_method": "manual"}}
    assert intent["payment_method_types"] == ["card", "bancontact"]
    assert intent["transfer_group"] == booking["id"]
    assert intent["metadata"] == {"booking_id": booking["id"]}
    assert intent["client_secret"] == booking["payment"]["client_secret"]
    sent = [r for r in standin.requests if r.path == "/v1/payment_intents"][-1]
    assert sent.idempotency_key is not None and booking["id"] in sent.idempotency_key

    too_soon = await app.post(f"/api/v1/bookings/{booking['id']}/accept", headers=caregiver)
    assert too_soon.status_code == 409
    await standin.confirm(pi)  # the owner's card is authorized
    await stack.webhooks_delivered()
    authorized = await stack.booking(booking["id"], owner)
    assert authorized["payment_status"] == "authorized"

    accepted = await app.post(f"/api/v1/bookings/{booking['id']}/accept", headers=caregiver)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["payment_status"] == "captured"
    await stack.webhooks_delivered()  # payment_intent.succeeded: known already
    assert standin.state.payment_intents[pi]["status"] == "succeeded"
    return await stack.booking(booking["id"], owner), owner


async def completed(stack: Stack, booking: dict[str, Any], owner: dict[str, str]) -> datetime:
    """The walk takes place; returns when its dispute window closes."""
    ran = await stack.at(datetime.fromisoformat(booking["end"]) + timedelta(minutes=1))
    assert ran["bookings.start"] == 1 and ran["bookings.complete"] == 1
    assert ran["payments.payouts"] == 0
    done = await stack.booking(booking["id"], owner)
    assert done["status"] == "completed" and done["payout_status"] == "scheduled"
    window_end = datetime.fromisoformat(done["payout_not_before"])
    assert window_end == datetime.fromisoformat(booking["end"]) + timedelta(hours=48, minutes=1)
    return window_end


def movements(ledger: dict[str, Any]) -> list[tuple[str, int, str | None]]:
    return [(e["movement"], e["amount"]["amount_cents"], e["reference"]) for e in ledger["entries"]]


def transfers_of(standin: StripeStandIn, booking_id: str) -> list[dict[str, Any]]:
    return [t for t in standin.state.transfers.values() if t["transfer_group"] == booking_id]


async def test_a_booking_paid_out_refunded_and_reconciled_with_stripe(stack: Stack) -> None:
    standin, app = stack.standin, stack.app
    admin = await stack.api.new_admin()
    profile, caregiver = await onboarded_caregiver(stack, admin)
    account_id = profile["stripe_account_id"]
    booking, owner = await accepted_walk(stack, profile, caregiver)
    booking_id = booking["id"]

    # An event signed with another secret is refused.
    forged = {**standin.events[-1], "id": "evt_forged_0000000000000001"}
    assert await standin.deliver(forged, secret="whsec_not_the_apps") == 400
    standin.deliveries.pop()

    # Captured at Stripe: the fee comes from the charge's balance transaction.
    intent = standin.state.payment_intents[booking["payment"]["payment_intent_id"]]
    charge = standin.state.charges[intent["latest_charge"]]
    fee = standin.state.balance_transactions[charge["balance_transaction"]]["fee"]
    assert fee == fee_for(1500) == 48  # 1.5% + 25 cents
    ledger = await stack.ledger(booking_id, admin)
    assert movements(ledger) == [
        ("authorization", 1500, None),
        ("capture", 1500, intent["id"]),
        ("stripe_fee", 48, charge["id"]),
    ]
    assert ledger["balanced"] is True

    window_end = await completed(stack, booking, owner)
    assert (await stack.at(window_end - timedelta(minutes=1)))["payments.payouts"] == 0
    assert transfers_of(standin, booking_id) == []
    assert (await stack.at(window_end))["payments.payouts"] == 1

    # The caregiver's share, from the owner's charge, to their account.
    [transfer] = transfers_of(standin, booking_id)
    assert transfer["amount"] == 1200
    assert transfer["currency"] == "eur"
    assert transfer["destination"] == account_id
    assert transfer["source_transaction"] == charge["id"]
    assert transfer["metadata"] == {"booking_id": booking_id}
    paid = await stack.booking(booking_id, owner)
    assert paid["payout_status"] == "paid" and paid["paid_out"]["amount_cents"] == 1200
    assert (await stack.at(window_end + timedelta(days=1)))["payments.payouts"] == 0
    assert len(transfers_of(standin, booking_id)) == 1

    # An admin refunds part of it after the payout: the owner gets 5 EUR back
    # at Stripe, and the caregiver's share of it comes back from the transfer.
    refunded = await app.post(
        f"/api/v1/admin/bookings/{booking_id}/refund",
        json={"amount_cents": 500, "reason": "Walk was cut short"},
        headers=admin,
    )
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["refunded"]["amount_cents"] == 500
    assert refunded.json()["paid_out"]["amount_cents"] == 800
    await stack.webhooks_delivered()  # charge.refunded, transfer.reversed: ours already
    [refund] = [r for r in standin.state.refunds.values() if r["charge"] == charge["id"]]
    assert refund["amount"] == 500
    assert charge["amount_refunded"] == 500
    [reversal] = transfer["reversals"]["data"]
    assert (reversal["amount"], reversal["transfer"]) == (400, transfer["id"])
    assert transfer["amount_reversed"] == 400
    ledger = await stack.ledger(booking_id, admin)
    assert movements(ledger)[3:] == [
        ("commission", 300, None),
        ("transfer", 1200, transfer["id"]),
        ("reversal", 400, transfer["id"]),
        ("commission_return", 100, None),
        ("refund", 500, None),
    ]
    assert ledger["balanced"] is True, ledger["problems"]
    after = await stack.booking(booking_id, owner)
    assert after["refunded"]["amount_cents"] == 500  # the webhooks booked nothing twice

    code, out = await stack.reconcile()
    assert (code, out.strip().splitlines()[-1]) == (0, "1 bookings compared, 0 mismatches")

    # Someone refunds 2 EUR in Stripe's dashboard, and the webhook never arrives.
    standin.send_webhooks_to(None)
    async with httpx.AsyncClient(
        base_url=standin.url, headers={"Authorization": f"Bearer {API_KEY}"}
    ) as dashboard:
        made = await dashboard.post("/v1/refunds", data={"charge": charge["id"], "amount": 200})
    assert made.status_code == 200, made.text
    missed = standin.events[-1]
    assert missed["type"] == "charge.refunded"
    assert missed["id"] not in {d.event_id for d in standin.deliveries}

    code, out = await stack.reconcile()
    assert code == 1, out
    assert f"{booking_id}  refunded: the ledger has 500, Stripe 700" in out.splitlines()
    assert out.strip().splitlines()[-1] == "1 bookings compared, 1 mismatches"

    # The event is delivered at last: the app books the refund, takes the
    # caregiver's share of it back, and the books agree with Stripe again.
    assert await standin.deliver(missed, f"{stack.base}/api/stripe/webhook") == 200
    standin.send_webhooks_to(f"{stack.base}/api/stripe/webhook", WEBHOOK_SECRET)
    await stack.webhooks_delivered()
    caught_up = await stack.booking(booking_id, owner)
    assert caught_up["refunded"]["amount_cents"] == 700
    assert caught_up["paid_out"]["amount_cents"] == 640
    assert transfer["amount_reversed"] == 560
    assert (await stack.ledger(booking_id, admin))["balanced"] is True
    assert await stack.reconcile_in_container() == (1, [])


def emails_in(folder: Path) -> list[EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=default)
        for p in sorted(folder.glob("*.eml"))
    ]


async def held_after_five_failures(
    stack: Stack, admin: dict[str, str]
) -> tuple[str, dict[str, str], datetime]:
    """A completed walk whose five transfer attempts all failed; returns the
    booking, its owner and the time of the last attempt."""
    standin = stack.standin
    profile, caregiver = await onboarded_caregiver(stack, admin)
    booking, owner = await accepted_walk(stack, profile, caregiver)
    booking_id = booking["id"]
    window_end = await completed(stack, booking, owner)
    for _ in range(5):
        standin.fail_next_transfer()

    # Tried at the end of the window, then 5, 20, 80 and 320 minutes after each failure.
    moment = window_end
    for attempt, wait in enumerate((5, 20, 80, 320, None), start=1):
        ran = await stack.at(moment)
        assert ran["payments.payouts"] == 0
        assert len(transfer_posts(standin, booking_id)) == attempt
        assert transfer_lookups(standin, booking_id) == attempt  # every attempt looks first
        state = await stack.booking(booking_id, owner)
        if wait is None:
            break
        assert state["payout_status"] == "scheduled"
        # Not before the backoff has passed.
        assert (await stack.at(moment + timedelta(minutes=wait - 1)))["payments.payouts"] == 0
        assert len(transfer_posts(standin, booking_id)) == attempt
        moment += timedelta(minutes=wait)
    assert state["payout_status"] == "held"
    assert len(set(transfer_posts(standin, booking_id))) == 5  # a key for each attempt
    assert transfers_of(standin, booking_id) == []
    return booking_id, owner, moment


def transfer_posts(standin: StripeStandIn, booking_id: str) -> list[str | None]:
    """The idempotency keys of the transfers the app asked Stripe for."""
    return [
        r.idempotency_key
        for r in standin.requests
        if (r.method, r.path) == ("POST", "/v1/transfers")
        and r.params.get("transfer_group") == booking_id
    ]


def transfer_lookups(standin: StripeStandIn, booking_id: str) -> int:
    return sum(
        1
        for r in standin.requests
        if (r.method, r.path) == ("GET", "/v1/transfers")
        and r.params.get("transfer_group") == booking_id
    )


async def test_a_failing_transfer_is_retried_with_backoff_then_held_for_admins(
    stack: Stack,
) -> None:
    admin = await stack.api.new_admin()
    admin_email = (await stack.app.get("/api/v1/me", headers=admin)).json()["email"]
    booking_id, _, last_attempt = await held_after_five_failures(stack, admin)

    # Held: no more attempts, and the admins are told.
    await stack.at(last_attempt + timedelta(days=2))
    assert len(transfer_posts(stack.standin, booking_id)) == 5
    told = [m for m in emails_in(stack.data_dir / "emails") if m["To"] == admin_email]
    assert [m["Subject"].split(":")[0] for m in told] == ["Payout held"]
    body = told[0].get_body(("plain",))
    assert body is not None
    assert "balance_insufficient" in body.get_content()  # Stripe's reason, for the admin


async def test_a_payout_released_after_failures_is_paid_once_the_balance_allows(
    stack: Stack,
) -> None:
    admin = await stack.api.new_admin()
    booking_id, owner, last_attempt = await held_after_five_failures(stack, admin)

    # The platform's balance is topped up within the hour; an admin releases it.
    released = await stack.app.post(
        f"/api/v1/admin/bookings/{booking_id}/resolve-dispute",
        json={"outcome": "release"},
        headers=admin,
    )
    assert released.status_code == 200, released.text
    assert released.json()["payout_status"] == "scheduled"
    ran = await stack.at(last_attempt + timedelta(minutes=30))
    assert len(transfer_posts(stack.standin, booking_id)) == 6
    assert ran["payments.payouts"] == 1, stack.standin.requests[-1]
    [transfer] = transfers_of(stack.standin, booking_id)
    assert transfer["amount"] == 1200
    assert (await stack.booking(booking_id, owner))["payout_status"] == "paid"
    assert await stack.reconcile_in_container() == (1, [])


async def requested_walk_at_stripe(
    stack: Stack, profile: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    _, owner = await stack.api.new_user()
    pet = (
        await stack.app.post("/api/v1/pets", json={"name": "Rex", "species": "dog"}, headers=owner)
    ).json()
    created = await stack.app.post(
        "/api/v1/bookings", json=walk(profile, pet["id"], next_monday(10)), headers=owner
    )
    assert created.status_code == 201, created.text
    return created.json(), owner


async def test_bancontact_is_paid_at_once_refunded_on_decline_and_reconciled(
    stack: Stack,
) -> None:
    standin = stack.standin
    admin = await stack.api.new_admin()
    profile, caregiver = await onboarded_caregiver(stack, admin)
    booking, owner = await requested_walk_at_stripe(stack, profile)
    booking_id, pi = booking["id"], booking["payment"]["payment_intent_id"]

    # The PaymentIntent holds a card until acceptance and takes Bancontact at once.
    sent = [r for r in standin.requests if r.path == "/v1/payment_intents"][-1]
    assert sent.params["capture_method"] == "automatic"
    assert sent.params["payment_method_options"] == {"card": {"capture_method": "manual"}}
    assert sent.params["allowed_payment_method_types"] == ["card", "bancontact"]
    assert "automatic_payment_methods" not in sent.params

    await standin.confirm(pi, "bancontact")  # the owner pays in the banking app
    await stack.webhooks_delivered()
    intent = standin.state.payment_intents[pi]
    assert intent["status"] == "succeeded"
    charge = standin.state.charges[intent["latest_charge"]]
    assert charge["payment_method_details"]["type"] == "bancontact"
    paid = await stack.booking(booking_id, owner)
    assert (paid["status"], paid["payment_status"], paid["payment_method"]) == (
        "requested",
        "captured",
        "bancontact",
    )
    fee = fee_for(1500)
    assert movements(await stack.ledger(booking_id, admin)) == [
        ("immediate_capture", 1500, pi),
        ("stripe_fee", fee, charge["id"]),
    ]

    # Delivered again: applied once.
    [succeeded] = [
        e
        for e in standin.events
        if e["type"] == "payment_intent.succeeded" and e["data"]["object"]["id"] == pi
    ]
    assert await standin.deliver(succeeded, f"{stack.base}/api/stripe/webhook") == 200
    assert len((await stack.ledger(booking_id, admin))["entries"]) == 2

    declined = await stack.app.post(f"/api/v1/bookings/{booking_id}/decline", headers=caregiver)
    assert declined.status_code == 200, declined.text
    assert declined.json()["payment_status"] == "refunded"
    await stack.webhooks_delivered()  # charge.refunded: booked already
    assert charge["amount_refunded"] == 1500
    assert not any(r.path.startswith(f"/v1/payment_intents/{pi}/") for r in standin.requests)
    ledger = await stack.ledger(booking_id, admin)
    assert movements(ledger)[2:] == [("refund", 1500, None)]
    assert ledger["balanced"] is True, ledger["problems"]
    # Stripe keeps its fee on a refunded payment: the platform bears it.
    assert ledger["balances"]["platform"]["amount_cents"] == -fee
    assert (await stack.booking(booking_id, owner))["refunded"]["amount_cents"] == 1500

    code, out = await stack.reconcile()
    assert (code, out.strip().splitlines()[-1]) == (0, "1 bookings compared, 0 mismatches")


async def test_bancontact_is_accepted_without_a_capture(stack: Stack) -> None:
    standin = stack.standin
    admin = await stack.api.new_admin()
    profile, caregiver = await onboarded_caregiver(stack, admin)
    booking, _ = await requested_walk_at_stripe(stack, profile)
    pi = booking["payment"]["payment_intent_id"]
    await standin.confirm(pi, "bancontact")
    await stack.webhooks_delivered()

    accepted = await stack.app.post(f"/api/v1/bookings/{booking['id']}/accept", headers=caregiver)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["payment_method"] == "bancontact"
    assert not any(r.path == f"/v1/payment_intents/{pi}/capture" for r in standin.requests)
    assert (await stack.ledger(booking["id"], admin))["balanced"] is True
    assert await stack.reconcile_in_container() == (1, [])


async def test_a_weekly_series_saves_a_card_and_pays_each_occurrence_off_session(
    stack: Stack,
) -> None:
    """The series' card is a SetupIntent on the owner's Customer; each
    occurrence is held off-session 48 hours ahead through the SDK; a payment
    the bank wants authenticated waits for the owner's confirmation."""
    standin, app = stack.standin, stack.app
    admin = await stack.api.new_admin()
    profile, caregiver = await onboarded_caregiver(stack, admin)
    owner_user, owner = await stack.api.new_user()
    pet = (
        await app.post("/api/v1/pets", json={"name": "Rex", "species": "dog"}, headers=owner)
    ).json()
    first = next_monday(10)
    moved = await app.put(
        "/api/v1/test/clock", json={"now": (first - timedelta(days=5)).isoformat()}
    )
    assert moved.status_code == 200
    body = {
        "caregiver_id": profile["id"],
        "service": "dog_walking",
        "pet_ids": [pet["id"]],
        "repeat": {
            "weekdays": ["mon"],
            "start_time": "10:00",
            "duration_minutes": 60,
            "first_date": first.date().isoformat(),
            "count": 2,
        },
    }
    created = await app.post("/api/v1/booking-series", json=body, headers=owner)
    assert created.status_code == 201, created.text
    series = created.json()
    setup = standin.state.setup_intents[series["card"]["setup_intent_id"]]
    assert setup["usage"] == "off_session"
    assert setup["client_secret"] == series["card"]["client_secret"]
    customer = standin.state.customers[setup["customer"]]
    assert customer["metadata"]["owner_id"] == owner_user["id"]
    assert not customer.get("email") and not customer.get("name")  # no personal data

    # The owner saves a card whose payments the bank wants authenticated.
    await standin.succeed_setup(setup["id"], "pm_card_authenticationRequired")
    await stack.webhooks_delivered()
    accepted = await app.post(f"/api/v1/booking-series/{series['id']}/accept", headers=caregiver)
    assert accepted.status_code == 200, accepted.text
    occurrence = accepted.json()["occurrences"][0]

    ran = await stack.at(first - timedelta(hours=48))
    assert ran["series.charge"] == 1
    waiting = await stack.booking(occurrence["id"], owner)
    assert waiting["payment_status"] == "failed"
    pi = waiting["payment"]["payment_intent_id"]
    intent = standin.state.payment_intents[pi]
    assert intent["customer"] == setup["customer"]
    assert intent["capture_method"] == "manual"
    assert intent["metadata"] == {"booking_id": occurrence["id"]}
    assert intent["amount"] == occurrence["price"]["total"]["amount_cents"]

    # The owner authenticates (Stripe.js, on-session): held, then taken.
    await standin.confirm(pi)
    await stack.webhooks_delivered()
    paid = await stack.booking(occurrence["id"], owner)
    assert paid["payment_status"] == "captured"
    assert standin.state.payment_intents[pi]["status"] == "succeeded"
    ledger = await stack.ledger(occurrence["id"], admin)
    assert [m for m, _, _ in movements(ledger)][:2] == ["authorization", "capture"]
    assert ledger["balanced"] is True, ledger["problems"]
    # A second run changes nothing: the webhooks and the job agree.
    assert (await stack.at(first - timedelta(hours=47)))["series.charge"] == 0
    returncode, out = await stack.reconcile()
    assert returncode == 0, out
