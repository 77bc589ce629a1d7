"""Reports for the authorities and the accountant: DAC7, VAT, documents."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from tailtribe.config import Settings
from tailtribe.domain.model.dac7 import Operator
from tailtribe.domain.services.reports.accounting import ReadDocumentsReport, ReadVatReport
from tailtribe.domain.services.reports.dac7 import (
    BuildDac7Report,
    ReadDac7Report,
    SendDac7Copies,
)


class ReportsProvider(Provider):
    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    def operator(self, settings: Settings) -> Operator:
        party = settings.platform_party
        return Operator(
            name=party.name,
            street=party.street,
            postcode=party.postcode,
            city=party.city,
            country=party.country,
            enterprise_number=party.enterprise_number,
            vat_number=party.vat_number,
        )

    build_dac7_report = provide(BuildDac7Report)
    read_dac7_report = provide(ReadDac7Report)
    send_dac7_copies = provide(SendDac7Copies)
    read_vat_report = provide(ReadVatReport)
    read_documents_report = provide(ReadDocumentsReport)
