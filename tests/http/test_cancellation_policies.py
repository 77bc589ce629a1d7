"""Cancellation refunds through HTTP on PostgreSQL, in test mode: each policy's
cut-offs (noon Brussels, or the start) a minute before and after, in ordinary
weeks and in the weeks Belgium changes clock, visits always flexible, and the
caregiver's, the admin's and pre-capture cancellations.

docs/rules.md, Cancellation and refunds:
| policy   | 100% until                 | 50% until                  | then |
| flexible | noon the day before        | the start                  | 0%   |
| moderate | noon 3 days before         | the start                  | 0%   |
| strict   | noon 7 days before         | noon the day before        | 0%   |
"until" is strictly before the cut-off instant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient

from tailtribe.config import Environment, Settings
from tailtribe.entrypoints.http.app import create_app
from tailtribe.ioc import make_container
from tests.conftest import empty_database
from tests.http.payments_support import (
    PRICES,
    Caregiver,
    Json,
    Owner,
    Person,
    accept,
    admin,
    authorize,
    book,
    booking_body,
    brussels,
    caregiver,
    first_weekday_after,
    get_booking,
    half_up_percent,
    ledger,
    money,
    moved,
    owner,
    period,
    set_clock,
)
from tests.support import Api, CheapHashing

POLICIES = ("flexible", "moderate", "strict")
MINUTE = timedelta(minutes=1)
YEAR = date.today().year + 1


def last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


ORDINARY = first_weekday_after(date(YEAR, 6, 1), 2)  # a Wednesday in June
SPRING = last_sunday(YEAR, 3)  # 02:00 CET becomes 03:00 CEST
AUTUMN = last_sunday(YEAR, 10)  # 03:00 CEST becomes 02:00 CET


def noon_before(start_day: date, days: int) -> datetime:
    """Noon in Brussels, `days` days before the start day."""
    return brussels(start_day - timedelta(days=days), 12)


@dataclass(frozen=True)
class Case:
    policy: str
    service: str
    start: datetime
    cancel_at: datetime
    percent: int
    name: str


def around(
    policy: str,
    service: str,
    start: datetime,
    cutoff: datetime,
    before: int,
    after: int,
    label: str,
    at_cutoff: bool = False,
) -> list[Case]:
    """One cancellation a minute before the cut-off, one at it or a minute after."""
    later, when = (cutoff, "at") if at_cutoff else (cutoff + MINUTE, "1min after")
    return [
        Case(policy, service, start, cutoff - MINUTE, before, f"{label}-1min before"),
        Case(policy, service, start, later, after, f"{label}-{when}"),
    ]


def ordinary_week() -> list[Case]:
    day = ORDINARY
    start = brussels(day, 10)
    return [
        *around("flexible", "boarding", start, noon_before(day, 1), 100, 50, "noon D-1", True),
        *around("flexible", "boarding", start, start, 50, 0, "start", True),
        *around("moderate", "house_sitting", start, noon_before(day, 3), 100, 50, "noon D-3", True),
        *around("moderate", "house_sitting", start, start, 50, 0, "start", True),
        *around("strict", "day_care", start, noon_before(day, 7), 100, 50, "noon D-7", True),
        *around("strict", "day_care", start, noon_before(day, 1), 50, 0, "noon D-1", True),
    ]


def dst_week(sunday: date, season: str) -> list[Case]:
    """The start on the Sunday of the change, after it; each noon cut-off before it."""
    start = brussels(sunday, 10)
    return [
        *around("flexible", "day_care", start, noon_before(sunday, 1), 100, 50, f"{season} D-1"),
        *around("moderate", "boarding", start, noon_before(sunday, 3), 100, 50, f"{season} D-3"),
        *around("strict", "house_sitting", start, noon_before(sunday, 7), 100, 50, f"{season} D-7"),
        *around("strict", "house_sitting", start, noon_before(sunday, 1), 50, 0, f"{season} D-1"),
    ]


def visits() -> list[Case]:
    """Walks and drop-ins follow `flexible` whatever the caregiver chose."""
    day = ORDINARY
    start = brussels(day, 10)
    d1 = noon_before(day, 1)
    return [
        # strict would give 50 % here, moderate 50 % too.
        Case("strict", "dog_walking", start, d1 - MINUTE, 100, "strict walk before noon D-1"),
        Case("moderate", "drop_in", start, d1 - MINUTE, 100, "moderate drop-in before noon D-1"),
        # strict would give nothing here.
        Case("strict", "drop_in", start, start - MINUTE, 50, "strict drop-in before the start"),
        Case("moderate", "dog_walking", start, start, 0, "moderate walk at the start"),
    ]


CASES = [*ordinary_week(), *dst_week(SPRING, "spring"), *dst_week(AUTUMN, "autumn"), *visits()]


@dataclass(frozen=True)
class World:
    api: Api
    admin: Person
    caregivers: dict[str, Caregiver]
    owner: Owner


@pytest.fixture(scope="module")
async def world(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    """One app, one admin, a caregiver per policy and an owner, for the whole module."""
    await (await empty_database(pg_url)).get_engine().dispose()
    settings = replace(
        Settings(data_dir=tmp_path_factory.mktemp("cancellations")),
        env=Environment.TEST,
        database_url=pg_url,
        direct_url=pg_url,
        rate_limit_per_minute=100_000,
        auth_rate_limit_per_minute=100_000,
    )
    app = create_app(settings, make_container(settings, CheapHashing()))
    app.state["settings"] = settings
    async with AsyncTestClient(app=app) as client:
        api = Api(client, settings)
        try:
            boss = await admin(api)
            carers = {p: await caregiver(api, boss.headers, p) for p in POLICIES}
            yield World(api, boss, carers, await owner(api))
        finally:
            await api.container.close()


async def cancel(
    world: World,
    policy: str,
    service: str,
    start: datetime,
    cancel_at: datetime,
    by: str = "owner",
    payment: str = "captured",
) -> tuple[Json, Json]:
    """Book an hour before whichever comes first, the cancellation or the
    start; authorize and accept (as far as `payment` says); cancel at
    `cancel_at`. Returns the booking as created and the cancel response."""
    api, carer = world.api, world.caregivers[policy]
    created_at = min(cancel_at, start) - timedelta(hours=1)
    await set_clock(api.client, created_at)
    booking = await book(
        api, booking_body(carer, world.owner, service, *period(service, start)), world.owner
    )
    headers = {
        "owner": world.owner.headers,
        "caregiver": carer.headers,
        "admin": world.admin.headers,
    }
    url = f"/api/v1/bookings/{booking['id']}/cancel"
    try:
        assert booking["price"]["units"] == 1
        assert booking["price"]["total"] == money(PRICES[service])
        if payment in ("authorized", "captured"):
            await authorize(api, booking, created_at)
        if payment == "captured":
            await accept(api, booking, carer)
        await set_clock(api.client, cancel_at)
        response = await api.client.post(url, json={"reason": "plans changed"}, headers=headers[by])
        assert response.status_code == 200, response.text
    except BaseException:
        # Free the caregiver's calendar for the next cases.
        await api.client.post(url, headers=world.admin.headers)
        raise
    body: Json = response.json()
    return booking, body


# The payment's state after an owner's refund of that share.
PAYMENT_AFTER = {100: "refunded", 50: "partially_refunded", 0: "captured"}


def check_refund(body: Json, total: int, percent: int) -> None:
    refund = half_up_percent(total, percent)
    assert body["status"] == "cancelled"
    assert (body["refund"], body["refunded"]) == (money(refund), money(refund)), percent
    assert body["payment_status"] == PAYMENT_AFTER[percent]
    # What the owner does not get back is the caregiver's, once the window passes.
    assert body["payout_status"] == ("none" if refund == total else "scheduled")


def test_the_dst_cases_straddle_the_change() -> None:
    hour = timedelta(hours=1)
    assert brussels(SPRING, 10).utcoffset() == 2 * hour
    assert brussels(AUTUMN, 10).utcoffset() == hour
    for days in (1, 3, 7):
        assert noon_before(SPRING, days).utcoffset() == hour
        assert noon_before(AUTUMN, days).utcoffset() == 2 * hour
    assert noon_before(ORDINARY, 7).utcoffset() == brussels(ORDINARY, 10).utcoffset()


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.policy}-{c.service}-{c.name}")
async def test_owner_cancellation_refunds_by_policy_and_cutoff(world: World, case: Case) -> None:
    booking, body = await cancel(world, case.policy, case.service, case.start, case.cancel_at)
    expected_policy = "flexible" if case.service in ("dog_walking", "drop_in") else case.policy
    assert booking["cancellation_policy"] == expected_policy
    check_refund(body, PRICES[case.service], case.percent)
    stored = await get_booking(world.api, booking["id"], world.owner.headers)
    assert stored["refunded"] == body["refund"] and stored["status"] == "cancelled"


@pytest.mark.parametrize(
    ("by", "policy", "service", "cancel_before_start"),
    [
        ("caregiver", "strict", "day_care", MINUTE),
        ("caregiver", "moderate", "dog_walking", MINUTE),
        ("admin", "strict", "house_sitting", timedelta(hours=2)),
    ],
)
async def test_caregiver_and_admin_cancellations_refund_everything(
    world: World, by: str, policy: str, service: str, cancel_before_start: timedelta
) -> None:
    start = brussels(ORDINARY + timedelta(days=1), 10)
    _, body = await cancel(world, policy, service, start, start - cancel_before_start, by=by)
    check_refund(body, PRICES[service], 100)


@pytest.mark.parametrize(
    ("by", "payment"), [("owner", "authorized"), ("owner", "pending"), ("admin", "authorized")]
)
async def test_cancelling_before_capture_refunds_nothing_and_releases_the_hold(
    world: World, by: str, payment: str
) -> None:
    start = brussels(ORDINARY + timedelta(days=2), 10)
    booking, body = await cancel(
        world, "strict", "boarding", start, start - timedelta(hours=2), by=by, payment=payment
    )
    assert (body["status"], body["payment_status"], body["payout_status"]) == (
        "cancelled",
        "canceled",
        "none",
    )
    assert (body["refund"], body["refunded"]) == (money(0), money(0))
    book_ledger = await ledger(world.api, booking["id"], world.admin.headers)
    assert book_ledger["balanced"] is True, book_ledger["problems"]
    total = PRICES["boarding"]
    held = {"authorization": total, "authorization_release": total}
    assert moved(book_ledger) == (held if payment == "authorized" else {})
