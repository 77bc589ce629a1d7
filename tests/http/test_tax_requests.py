"""DAC7 requests over HTTP on PostgreSQL: asked at approval, reminded at 20 and
40 days, payouts paid the day before the 60 days, withheld at the boundary and
shown so to the caregiver and admins, scheduled again and paid once the
details are given."""

from __future__ import annotations

from datetime import date, timedelta

from tests.http.payments_support import (
    admin,
    brussels,
    captured_booking,
    caregiver,
    first_weekday_after,
    get_booking,
    owner,
    run_at,
    sent_emails,
    set_clock,
)
from tests.http.test_tax_details import BODY
from tests.support import Api

DAY = timedelta(days=1)
# A Monday 09:00 in Brussels, in winter: the 60 days stay clear of the clock change.
ASKED = brussels(first_weekday_after(date(date.today().year + 1, 10, 28), 0), 9)
STATUS = "/api/v1/caregiver/tax-details/status"


async def test_requests_reminders_withholding_and_release_through_the_api(api: Api) -> None:
    c = api.client
    boss = await admin(api)
    await set_clock(c, ASKED)
    carer = await caregiver(api, boss.headers)
    pet_owner = await owner(api)
    before = (await c.get(STATUS, headers=carer.headers)).json()
    assert before == {
        "complete": False,
        "requested_at": None,
        "first_reminder_at": None,
        "second_reminder_at": None,
        "withholding_from": None,
        "payouts_withheld": False,
        "unreadable": False,
    }
    assert (await run_at(c, ASKED))["caregivers.tax_requests"] == 1
    assert (await run_at(c, ASKED + DAY))["caregivers.tax_requests"] == 0
    for days in (20, 40):
        assert (await run_at(c, ASKED + days * DAY - timedelta(minutes=1)))[
            "caregivers.tax_requests"
        ] == 0
        assert (await run_at(c, ASKED + days * DAY))["caregivers.tax_requests"] == 1
        assert (await run_at(c, ASKED + days * DAY))["caregivers.tax_requests"] == 0
    # Two walks whose payouts come due 59 and 60 days after the request.
    early = await captured_booking(
        api,
        carer,
        pet_owner,
        "dog_walking",
        ASKED + 57 * DAY - timedelta(hours=1),
        ASKED + 50 * DAY,
    )
    late = await captured_booking(
        api,
        carer,
        pet_owner,
        "dog_walking",
        ASKED + 58 * DAY - timedelta(hours=1),
        ASKED + 50 * DAY,
    )
    # Each completed at its end: the 48 hours' window runs from then.
    await run_at(c, ASKED + 57 * DAY)
    await run_at(c, ASKED + 58 * DAY)
    ran = await run_at(c, ASKED + 59 * DAY)
    assert ran["payments.payouts"] == 1
    assert (await get_booking(api, early["id"], carer.headers))["payout_status"] == "paid"
    assert (await get_booking(api, late["id"], carer.headers))["payout_status"] == "scheduled"

    ran = await run_at(c, ASKED + 60 * DAY)
    assert (ran["caregivers.tax_requests"], ran["payments.payouts"]) == (1, 0)
    assert (await get_booking(api, late["id"], carer.headers))["payout_status"] == "withheld"
    status = (await c.get(STATUS, headers=carer.headers)).json()
    assert status["payouts_withheld"] is True and status["complete"] is False
    assert status["requested_at"] is not None and status["second_reminder_at"] is not None
    assert status["withholding_from"] is not None
    admin_view = await c.get(
        f"/api/v1/admin/caregivers/{carer.profile['id']}/tax-status", headers=boss.headers
    )
    assert admin_view.status_code == 200 and admin_view.json() == status
    assert (await run_at(c, ASKED + 61 * DAY))["caregivers.tax_requests"] == 0
    assert (await get_booking(api, late["id"], carer.headers))["payout_status"] == "withheld"

    given = await c.put("/api/v1/caregiver/tax-details", json=BODY, headers=carer.headers)
    assert given.status_code == 200, given.text
    assert (await get_booking(api, late["id"], carer.headers))["payout_status"] == "scheduled"
    after = (await c.get(STATUS, headers=carer.headers)).json()
    assert (after["complete"], after["payouts_withheld"], after["withholding_from"]) == (
        True,
        False,
        None,
    )
    ran = await run_at(c, ASKED + 61 * DAY + timedelta(hours=1))
    assert (ran["caregivers.tax_requests"], ran["payments.payouts"]) == (0, 1)
    assert (await get_booking(api, late["id"], carer.headers))["payout_status"] == "paid"
    for kind in (
        "tax_details_requested",
        "tax_details_reminder",
        "tax_details_last_reminder",
        "payouts_withheld",
    ):
        assert len(await sent_emails(api, kind, carer.id)) == 1, kind


async def test_the_status_is_for_caregivers_and_an_unknown_caregiver_is_404(api: Api) -> None:
    c = api.client
    boss = await admin(api)
    _, headers = await api.new_user()
    assert (await c.get(STATUS, headers=headers)).status_code == 403
    missing = await c.get(
        "/api/v1/admin/caregivers/00000000-0000-7000-8000-000000000000/tax-status",
        headers=boss.headers,
    )
    assert missing.status_code == 404
    assert (
        await c.get(
            "/api/v1/admin/caregivers/00000000-0000-7000-8000-000000000000/tax-status",
            headers=headers,
        )
    ).status_code == 403
