from __future__ import annotations

from uuid import UUID

import uuid_utils


class Uuid7Generator:
    """Time-ordered ids: new rows land at the end of their indexes."""

    def new_id(self) -> UUID:
        return UUID(bytes=uuid_utils.uuid7().bytes)
