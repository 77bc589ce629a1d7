"""DAC7 due-diligence data over HTTP on PostgreSQL: the caregiver's own, audited admin reads."""

from __future__ import annotations

import json
import zipfile
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.tables import TaxDetailsRow
from tailtribe.domain.services.caregivers.tax_details import IBAN_MESSAGE, TIN_MESSAGE
from tests.http.payments_support import run_due_jobs
from tests.support import PASSWORD, PROFILE, Api

PATH = "/api/v1/caregiver/tax-details"
BODY: dict[str, Any] = {
    "first_name": "Sofie",
    "last_name": "Peeters",
    "birth_date": "1985-07-30",
    "street": "Kouter 1",
    "postcode": "9000",
    "city": "Gent",
    "country": "BE",
    "tin": "85.07.30-033.28",
    "tin_country": "BE",
    "iban": "BE71 0961 2345 6769",
}
CLEAR = ("Peeters", "85073003328", "BE71096123456769", "Kouter", "1985-07-30")


async def caregiver(api: Api) -> tuple[dict[str, Any], dict[str, str]]:
    _, headers = await api.new_user()
    created = await api.client.post("/api/v1/caregiver/profile", json=PROFILE, headers=headers)
    assert created.status_code == 201, created.text
    return created.json(), headers


async def sealed_rows(api: Api) -> list[str]:
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        return list(await session.scalars(select(TaxDetailsRow.sealed)))


async def test_a_caregiver_gives_and_reads_their_tax_details(api: Api) -> None:
    c = api.client
    profile, headers = await caregiver(api)
    assert (await c.get(PATH, headers=headers)).status_code == 404
    body = {**BODY, "enterprise_number": "0403.170.701", "vat_number": "BE 0403 170 701"}
    stored = await c.put(PATH, json=body, headers=headers)
    assert stored.status_code == 200, stored.text
    shown = stored.json()
    assert shown["tin"] == "85073003328" and shown["iban"] == "BE71096123456769"
    assert shown["enterprise_number"] == "0403170701" and shown["vat_number"] == "BE0403170701"
    assert (await c.get(PATH, headers=headers)).json() == shown
    # Replaced as a whole: without the business numbers, they are gone.
    again = await c.put(PATH, json=BODY, headers=headers)
    assert again.json()["enterprise_number"] is None
    # The database holds one sealed row, nothing in clear.
    [sealed] = await sealed_rows(api)
    assert not any(value in sealed for value in CLEAR)
    # Nothing of it on the public profile.
    public = await c.get(f"/api/v1/caregivers/{profile['id']}")
    assert not any(value in public.text for value in CLEAR)


async def test_each_invalid_field_is_named(api: Api) -> None:
    c = api.client
    _, headers = await caregiver(api)
    refused = await c.put(
        PATH,
        json={**BODY, "tin": "85073003329", "iban": "BE71096123456768", "birth_date": "1899-01-01"},
        headers=headers,
    )
    assert refused.status_code == 422
    errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert errors.keys() == {"tin", "iban", "birth_date"}
    assert errors["tin"] == TIN_MESSAGE and errors["iban"] == IBAN_MESSAGE
    minor = await c.put(PATH, json={**BODY, "birth_date": "2020-01-01"}, headers=headers)
    assert [e["field"] for e in minor.json()["errors"]] == ["birth_date"]
    # Nothing was stored.
    assert (await c.get(PATH, headers=headers)).status_code == 404
    assert await sealed_rows(api) == []


async def test_only_caregivers_give_them_and_only_admins_read_others(api: Api) -> None:
    c = api.client
    profile, headers = await caregiver(api)
    _, owner = await api.new_user()
    assert (await c.put(PATH, json=BODY, headers=owner)).status_code == 403
    assert (await c.get(PATH, headers=owner)).status_code == 403
    assert (await c.put(PATH, json=BODY)).status_code == 401
    assert (await c.put(PATH, json=BODY, headers=headers)).status_code == 200
    admin_path = f"/api/v1/admin/caregivers/{profile['id']}/tax-details"
    assert (await c.get(admin_path, headers=headers)).status_code == 403
    admin = await api.new_admin()
    read = await c.get(admin_path, headers=admin)
    assert read.status_code == 200 and read.json()["last_name"] == "Peeters"
    missing = f"/api/v1/admin/caregivers/{UUID(int=5)}/tax-details"
    assert (await c.get(missing, headers=admin)).status_code == 404
    # Each admin read is in the audit trail, the refused one too.
    trail = await c.get("/api/v1/admin/audit?action=read_tax_details", headers=admin)
    assert [(e["object_id"], e["outcome"]) for e in trail.json()["items"]] == [
        (str(UUID(int=5)), "refused: this caregiver has given no tax details"),
        (profile["id"], "read the tax details"),
    ]
    # Not in the admin's list of profiles either.
    listed = await c.get("/api/v1/admin/caregivers", headers=admin)
    assert "85073003328" not in listed.text


async def test_the_export_holds_them_and_erasure_deletes_them(api: Api) -> None:
    c = api.client
    _, headers = await caregiver(api)
    assert (await c.put(PATH, json=BODY, headers=headers)).status_code == 200
    assert (await c.post("/api/v1/me/export", headers=headers)).status_code == 202
    assert (await run_due_jobs(c))["exports.built"] == 1
    [archive] = sorted((api.settings.media_dir / "private" / "exports").glob("*.zip"))
    with zipfile.ZipFile(archive) as opened:
        exported = json.loads(opened.read("tax_details.json"))
        requests = json.loads(opened.read("tax_requests.json"))
    assert exported["tin"] == "85073003328" and exported["last_name"] == "Peeters"
    assert (requests["complete"], requests["payouts_withheld"]) == (True, False)

    erased = await c.request("DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=headers)
    assert erased.status_code == 204, erased.text
    assert await sealed_rows(api) == []
