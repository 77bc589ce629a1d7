"""`tailtribe reports vat` and `tailtribe reports documents` on PostgreSQL: the
documents as the real job issued them from the stored ledger."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from tailtribe.adapters.sqlalchemy.database import make_db_config
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.domain.model.accounting import quarter_of
from tailtribe.domain.model.audit import AuditAction, AuditFilter
from tailtribe.domain.model.documents import Party
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.model.time import BRUSSELS
from tailtribe.domain.services.documents.issue import DocumentTerms, IssueDocuments
from tailtribe.entrypoints.cli import main
from tests.conftest import empty_database, in_thread
from tests.factories import completed_walk
from tests.fakes.clock import FixedClock

NOW = datetime.now(UTC)
TODAY = NOW.astimezone(BRUSSELS).date()
QUARTER = str(quarter_of(TODAY))


class Ids:
    def new_id(self) -> UUID:
        return uuid4()


class OpenBox:
    def seal(self, plain: str) -> str:
        return plain

    def open(self, sealed: str) -> str:
        return sealed


async def seed(url: str) -> None:
    """Two walks: 10.00 captured and 2.42 commission each; the second gives
    1.21 of its commission back. Their documents are issued now."""
    config = await empty_database(url)
    factory = config.create_session_maker()
    async with SqlUnitOfWork(factory) as uow:
        for n, walk in enumerate((completed_walk(), completed_walk())):
            await walk.store(uow)
            b, at = walk.booking.id, NOW - timedelta(minutes=10 - n)
            moves = [
                LedgerEntry(uuid4(), b, Movement.CAPTURE, 1000, at),
                LedgerEntry(uuid4(), b, Movement.COMMISSION, 242, at),
            ]
            if n:
                moves.append(
                    LedgerEntry(
                        uuid4(), b, Movement.COMMISSION_RETURN, 121, at + timedelta(seconds=1)
                    )
                )
            await uow.ledger.add(moves)
        await uow.commit()
    terms = DocumentTerms(Party("TailTribe BV"), 21)
    issue = IssueDocuments(SqlUnitOfWork(factory), Ids(), FixedClock(NOW), terms, OpenBox())
    assert await issue() == 5
    await config.get_engine().dispose()


async def audited(url: str) -> list[tuple[str, str]]:
    cfg = make_db_config(url)
    actions = (AuditAction.READ_VAT_REPORT, AuditAction.READ_DOCUMENTS_REPORT)
    try:
        async with SqlUnitOfWork(cfg.create_session_maker()) as uow:
            found = [
                e
                for action in actions
                for e in (await uow.audit.list(AuditFilter(action=action), 10, None)).items
            ]
    finally:
        await cfg.get_engine().dispose()
    return sorted((e.object_id, e.outcome.split(":")[0]) for e in found if e.actor_id is None)


def test_the_commands_print_the_vat_and_write_the_documents(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    in_thread(lambda: asyncio.run(seed(pg_url)))
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("TAILTRIBE_SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_reports_test")
    monkeypatch.delenv("REDIS_URL", raising=False)

    assert main(["reports", "vat", "--quarter", QUARTER, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    total = report["total"]
    assert (total["invoices"]["gross_cents"], total["credit_notes"]["gross_cents"]) == (484, 121)
    assert total["balance"]["gross"] == "3.63"
    assert total["balance"]["net_cents"] + total["balance"]["vat_cents"] == 363
    [month] = [m for m in report["months"] if m["invoices"]["count"]]
    assert month["month"] == TODAY.strftime("%Y-%m")
    assert [(r["kind"], r["count"], r["complete"]) for r in month["ranges"]] == [
        ("commission_invoice", 2, True),
        ("credit_note", 1, True),
    ]

    assert main(["reports", "vat", "--quarter", QUARTER, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    [balance] = [r for r in rows if (r["period"], r["line"]) == (QUARTER, "balance")]
    assert (balance["gross_cents"], balance["gross"]) == ("363", "3.63")

    assert main(["reports", "vat", "--quarter", QUARTER]) == 0
    text = capsys.readouterr().out
    assert f"VAT report {QUARTER}" in text and "3.63" in text and "GAP" not in text

    out = tmp_path / "documents.csv"
    day = TODAY.isoformat()
    assert main(["reports", "documents", "--from", day, "--to", day, "--output", str(out)]) == 0
    assert f"5 documents from {day} to {day}" in capsys.readouterr().err
    with out.open(newline="") as f:
        documents = list(csv.DictReader(f))
    assert [d["kind"] for d in documents] == [
        "commission_invoice",
        "commission_invoice",
        "credit_note",
        "receipt",
        "receipt",
    ]
    assert sum(int(d["gross_cents"]) for d in documents) == 2 * 242 + 121 + 2 * 1000
    assert documents[2]["corrects"] == documents[1]["number"]

    assert main(["reports", "documents", "--from", day, "--to", day]) == 0
    assert capsys.readouterr().out == out.read_bytes().decode()

    assert main(["reports", "vat", "--quarter", "2027-Q1"]) == 1
    assert "a quarter written like 2027Q1" in capsys.readouterr().err
    assert main(["reports", "documents", "--from", day, "--to", "2000-01-01"]) == 1
    assert "to: not before `from`" in capsys.readouterr().err
    assert in_thread(lambda: asyncio.run(audited(pg_url))) == sorted(
        [
            (f"documents:{day}..2000-01-01", "refused"),
            (f"documents:{day}..{day}", "read"),
            (f"documents:{day}..{day}", "read"),
            ("vat:2027-Q1", "refused"),
            *[(f"vat:{QUARTER}", "read 2 invoices and 1 credit notes, VAT 63 cents")] * 3,
        ]
    )
