"""Test mode: a movable clock and the scheduled jobs on demand, only under TAILTRIBE_ENV=test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tailtribe.config import Environment
from tests.conftest import empty_database
from tests.factories import marketplace, next_monday, requested_walk
from tests.http.conftest import ClientFactory, api_for
from tests.support import PASSWORD

TEST_MODE = {
    "env": Environment.TEST,
    "rate_limit_per_minute": 100_000,
    "auth_rate_limit_per_minute": 100_000,
}


async def test_test_endpoints_are_404_outside_test_mode(
    pg_url: str, make_client: ClientFactory
) -> None:
    for env in (Environment.DEVELOPMENT, Environment.PRODUCTION):
        async with make_client(database_url=pg_url, env=env) as client:
            assert (await client.put("/api/v1/test/clock", json={"now": None})).status_code == 404
            assert (await client.post("/api/v1/test/run-due-jobs")).status_code == 404


async def test_unpaid_requests_expire_after_30_minutes(
    pg_url: str, make_client: ClientFactory
) -> None:
    # Jobs act on every due booking: start from empty tables.
    await (await empty_database(pg_url)).get_engine().dispose()
    async with make_client(database_url=pg_url, **TEST_MODE) as client:
        api = api_for(client)
        profile, _, owner, _, pet = await marketplace(api)
        booking = await requested_walk(api, profile, pet, owner, next_monday(10))
        created = datetime.fromisoformat(booking["created_at"])

        await client.put(
            "/api/v1/test/clock", json={"now": (created + timedelta(minutes=29)).isoformat()}
        )
        ran = (await client.post("/api/v1/test/run-due-jobs")).json()["ran"]
        assert ran["bookings.expire"] == 0
        await client.put(
            "/api/v1/test/clock", json={"now": (created + timedelta(minutes=31)).isoformat()}
        )
        ran = (await client.post("/api/v1/test/run-due-jobs")).json()["ran"]
        assert ran["bookings.expire"] == 1
        expired = (await client.get(f"/api/v1/bookings/{booking['id']}", headers=owner)).json()
        assert expired["status"] == "expired" and expired["payment_status"] == "canceled"
        # Idempotent: running again changes nothing more.
        assert (await client.post("/api/v1/test/run-due-jobs")).json()["ran"][
            "bookings.expire"
        ] == 0
        await api.container.close()


async def test_accepted_bookings_start_complete_and_get_reminded(
    pg_url: str, make_client: ClientFactory
) -> None:
    # Jobs act on every due booking: start from empty tables.
    await (await empty_database(pg_url)).get_engine().dispose()
    async with make_client(database_url=pg_url, **TEST_MODE) as client:
        api = api_for(client)
        profile, caregiver, owner, _, pet = await marketplace(api)
        start = next_monday(10)
        booking = await requested_walk(api, profile, pet, owner, start)
        await api.authorize_and_accept(booking, caregiver)

        async def at(moment: datetime) -> dict[str, int]:
            await client.put("/api/v1/test/clock", json={"now": moment.isoformat()})
            ran: dict[str, int] = (await client.post("/api/v1/test/run-due-jobs")).json()["ran"]
            return ran

        assert (await at(start - timedelta(hours=23)))["bookings.remind"] == 1
        assert (await at(start - timedelta(hours=22)))["bookings.remind"] == 0
        assert (await at(start + timedelta(minutes=1)))["bookings.start"] == 1
        state = (await client.get(f"/api/v1/bookings/{booking['id']}", headers=owner)).json()
        assert state["status"] == "in_progress"
        assert (await at(start + timedelta(hours=2)))["bookings.complete"] == 1
        done = (await client.get(f"/api/v1/bookings/{booking['id']}", headers=owner)).json()
        assert done["status"] == "completed" and done["payout_status"] == "scheduled"

        review = await client.post(
            f"/api/v1/bookings/{booking['id']}/review",
            json={"rating": 5, "comment": "<b>Top</b>"},
            headers=owner,
        )
        assert review.status_code == 201
        assert review.json()["comment"] == "<b>Top</b>"  # stored as given; JSON carries it as text
        twice = await client.post(
            f"/api/v1/bookings/{booking['id']}/review", json={"rating": 4}, headers=owner
        )
        assert twice.status_code == 409
        reply = await client.post(
            f"/api/v1/reviews/{review.json()['id']}/reply",
            json={"comment": "Thanks!"},
            headers=caregiver,
        )
        assert reply.status_code == 201 and reply.json()["reply"] == "Thanks!"
        again = await client.post(
            f"/api/v1/reviews/{review.json()['id']}/reply",
            json={"comment": "Again"},
            headers=caregiver,
        )
        assert again.status_code == 409
        await client.put("/api/v1/test/clock", json={"now": None})
        await api.container.close()


async def test_retention_runs_on_demand_only(pg_url: str, make_client: ClientFactory) -> None:
    await (await empty_database(pg_url)).get_engine().dispose()
    async with make_client(database_url=pg_url, **TEST_MODE) as client:
        api = api_for(client)
        user = await api.register()
        month_later = datetime.now(UTC) + timedelta(days=31)  # registered on real time
        await client.put("/api/v1/test/clock", json={"now": month_later.isoformat()})
        ran = (await client.post("/api/v1/test/run-due-jobs")).json()["ran"]
        assert not any(key.startswith("retention.") for key in ran)
        await api.login(user["email"])  # still there

        response = await client.post("/api/v1/test/run-due-jobs", params={"retention": "true"})
        ran = response.json()["ran"]
        assert ran["retention.unverified_accounts"] == 1
        assert ran["retention.sent_outbox"] == 0  # the verification email went a moment ago
        gone = await client.post(
            "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
        )
        assert gone.status_code == 401
        await api.container.close()
