"""Which rows this transaction has locked already, so a second lock costs no round trip."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

_KEY = "tailtribe.locked_rows"


def remember(session: AsyncSession, table: str, row_id: UUID) -> None:
    session.info.setdefault(_KEY, set()).add((table, row_id))


def held(session: AsyncSession, table: str, row_id: UUID) -> bool:
    return (table, row_id) in session.info.get(_KEY, ())


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, _transaction: SessionTransaction, *_: Any) -> None:
    # Any end, savepoints included: a rolled-back savepoint releases its locks.
    session.info.pop(_KEY, None)
