from __future__ import annotations

from tailtribe.domain.model.audit import AuditCursor, AuditEntry, AuditFilter
from tailtribe.domain.ports.storage import AuditPage


class MemoryAuditRepository:
    """Entries are frozen: kept as given, never changed."""

    def __init__(self, rows: list[AuditEntry] | None = None) -> None:
        self.rows: list[AuditEntry] = [] if rows is None else rows

    async def add(self, entry: AuditEntry) -> None:
        if any(e.id == entry.id for e in self.rows):
            raise ValueError(f"audit entry {entry.id} exists")
        self.rows.append(entry)

    async def list(self, criteria: AuditFilter, limit: int, after: AuditCursor | None) -> AuditPage:
        found = sorted(
            (
                e
                for e in self.rows
                if criteria.matches(e) and (after is None or (e.at, e.id) < (after.at, after.id))
            ),
            key=lambda e: (e.at, e.id),
            reverse=True,
        )
        items = found[:limit]
        more = len(found) > limit
        return AuditPage(items, AuditCursor(items[-1].at, items[-1].id) if more else None)
