"""Document numbers and the VAT split of a VAT-inclusive amount."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.documents import DocumentKind, document_number, vat_split


def test_numbers_per_kind() -> None:
    assert document_number(DocumentKind.COMMISSION_INVOICE, 2027, 1) == "TT-2027-000001"
    assert document_number(DocumentKind.CREDIT_NOTE, 2027, 12) == "TT-C-2027-000012"
    assert document_number(DocumentKind.RECEIPT, 2028, 999999) == "TT-R-2028-999999"
    assert document_number(DocumentKind.REFUND_NOTE, 2027, 3) == "TT-N-2027-000003"
    assert document_number(DocumentKind.STATEMENT, 2027, 4) == "TT-S-2027-000004"
    with pytest.raises(ValueError, match="no document number"):
        document_number(DocumentKind.RECEIPT, 2027, 0)


@pytest.mark.parametrize(
    ("gross", "net", "vat"),
    [(121, 100, 21), (300, 248, 52), (1, 1, 0), (0, 0, 0), (500, 413, 87)],
)
def test_vat_split_known_values(gross: int, net: int, vat: int) -> None:
    assert vat_split(gross, 21) == (net, vat)


@given(st.integers(0, 10**9), st.integers(0, 100))
def test_vat_split_adds_up_and_rounds_half_up(gross: int, rate: int) -> None:
    net, vat = vat_split(gross, rate)
    assert net + vat == gross
    exact = Fraction(gross * 100, 100 + rate)
    assert exact - Fraction(1, 2) < net <= exact + Fraction(1, 2)
    assert 0 <= vat <= gross


def test_vat_rate_out_of_range() -> None:
    with pytest.raises(InvalidInput):
        vat_split(100, 101)
