"""Tax identifiers and IBANs checked by python-stdnum (check digits and formats)."""

from __future__ import annotations

from types import ModuleType

from stdnum import iban as stdnum_iban
from stdnum.at import tin as at_tin
from stdnum.be import bis as be_bis
from stdnum.be import nn as be_nn
from stdnum.be import vat as be_vat
from stdnum.bg import egn as bg_egn
from stdnum.cz import rc as cz_rc
from stdnum.de import idnr as de_idnr
from stdnum.dk import cpr as dk_cpr
from stdnum.ee import ik as ee_ik
from stdnum.es import nif as es_nif
from stdnum.eu import vat as eu_vat
from stdnum.fi import hetu as fi_hetu
from stdnum.fr import nif as fr_nif
from stdnum.gr import amka as gr_amka
from stdnum.hr import oib as hr_oib
from stdnum.ie import pps as ie_pps
from stdnum.it import codicefiscale as it_cf
from stdnum.lt import asmens as lt_asmens
from stdnum.nl import bsn as nl_bsn
from stdnum.pl import pesel as pl_pesel
from stdnum.pt import nif as pt_nif
from stdnum.ro import cnp as ro_cnp
from stdnum.se import personnummer as se_pnr
from stdnum.si import emso as si_emso
from stdnum.sk import rc as sk_rc

# Individuals' tax numbers; Belgium also accepts the BIS number of non-residents.
# CY, HU, LU, LV and MT have no stdnum module for a person's TIN: accepted unchecked.
_TIN: dict[str, tuple[ModuleType, ...]] = {
    "AT": (at_tin,),
    "BE": (be_nn, be_bis),
    "BG": (bg_egn,),
    "CZ": (cz_rc,),
    "DE": (de_idnr,),
    "DK": (dk_cpr,),
    "EE": (ee_ik,),
    "ES": (es_nif,),
    "FI": (fi_hetu,),
    "FR": (fr_nif,),
    "GR": (gr_amka,),
    "HR": (hr_oib,),
    "IE": (ie_pps,),
    "IT": (it_cf,),
    "LT": (lt_asmens,),
    "NL": (nl_bsn,),
    "PL": (pl_pesel,),
    "PT": (pt_nif,),
    "RO": (ro_cnp,),
    "SE": (se_pnr,),
    "SI": (si_emso,),
    "SK": (sk_rc,),
}


class StdnumTaxIdValidator:
    def valid_tin(self, country: str, tin: str) -> bool | None:
        modules = _TIN.get(country)
        if modules is None:
            return None
        return any(module.is_valid(tin) for module in modules)

    def valid_iban(self, iban: str) -> bool:
        return bool(stdnum_iban.is_valid(iban))

    def valid_enterprise_number(self, number: str) -> bool:
        return bool(be_vat.is_valid(number))

    def valid_vat(self, number: str) -> bool:
        return bool(eu_vat.is_valid(number))
