"""Sealed tax details on PostgreSQL and SQLite: the row holds no clear text."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import text

from tailtribe.adapters.security.second_factor import AesGcmSecretBox, tax_details_box
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.stdnum.tax_ids import StdnumTaxIdValidator
from tailtribe.domain.model.tax_details import SealedTaxDetails, TaxDetails
from tailtribe.domain.services.caregivers.tax_details import build_tax_details
from tests import factories
from tests.conftest import SQL_BACKENDS, empty_database, sql_url

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
KEY = "a secret key long enough for the tests of sealing"


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_the_row_holds_no_clear_text(request: pytest.FixtureRequest, backend: str) -> None:
    config = await empty_database(sql_url(request, backend))
    uow = SqlUnitOfWork(config.create_session_maker())
    try:
        user = factories.user("Sofie", NOW)
        caregiver = factories.caregiver(user, NOW)
        async with uow:
            await uow.users.add(user)
            await uow.caregivers.add(caregiver)
            await uow.commit()
        details = build_tax_details(
            caregiver_id=caregiver.id,
            first_name="Sofie",
            last_name="Peeters",
            birth_date=date(1985, 7, 30),
            street="Kouter 1",
            postcode="9000",
            city="Gent",
            country="BE",
            tin="85073003328",
            tin_country="BE",
            iban="BE71096123456769",
            enterprise_number=None,
            vat_number=None,
            now=NOW,
            validator=StdnumTaxIdValidator(),
        )
        box = tax_details_box(KEY)
        async with uow:
            sealed = box.seal(details.seal_text())
            await uow.tax_details.save(SealedTaxDetails(caregiver.id, sealed, NOW))
            await uow.commit()
        async with uow:
            rows = (await uow.session.execute(text("SELECT * FROM caregiver_tax_details"))).all()
            stored = await uow.tax_details.get(caregiver.id)
        assert len(rows) == 1
        dumped = repr(rows)
        for clear in ("Peeters", "Sofie", "85073003328", "BE71096123456769", "Kouter", "1985"):
            assert clear not in dumped
        assert stored is not None
        assert TaxDetails.from_seal_text(box.open(stored.sealed)) == details
        # The admin console's TOTP box (another key, other associated data) cannot open it.
        with pytest.raises(InvalidTag):
            AesGcmSecretBox(KEY).open(stored.sealed)
        async with uow:
            await uow.tax_details.delete(caregiver.id)
            await uow.commit()
        async with uow:
            assert await uow.tax_details.get(caregiver.id) is None
    finally:
        await config.get_engine().dispose()
