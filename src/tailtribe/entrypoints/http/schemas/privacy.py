from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.exports import ExportStatus
from tailtribe.domain.services.privacy.export import ExportView
from tailtribe.entrypoints.http.schemas.common import INSTANT, Strict, text


class ExportOut(msgspec.Struct):
    """A personal data export: one ZIP of everything about a user."""

    id: Annotated[UUID, msgspec.Meta(description="The export's id.")]
    user_id: Annotated[UUID, msgspec.Meta(description="The user whose data it holds.")]
    status: Annotated[
        ExportStatus,
        msgspec.Meta(
            description="pending: being built (within minutes); ready: download it; "
            "expired: its file was deleted a day after it was ready; failed: ask again."
        ),
    ]
    requested_at: Annotated[
        datetime, msgspec.Meta(description=f"When it was asked for; {INSTANT}.")
    ]
    ready_at: Annotated[
        datetime | None,
        msgspec.Meta(description=f"When the file was ready; {INSTANT}; null before."),
    ]
    expires_at: Annotated[
        datetime | None,
        msgspec.Meta(
            description=f"When the file is deleted, a day after ready_at; {INSTANT}; null before."
        ),
    ]
    size_bytes: Annotated[
        int | None, msgspec.Meta(description="The ZIP file's size in bytes; null before ready.")
    ]
    download_url: Annotated[
        str | None,
        msgspec.Meta(
            description="While ready: a signed address of the ZIP, valid for minutes and "
            "never past expires_at; ask again for a fresh one. Null otherwise."
        ),
    ] = None

    @classmethod
    def of(cls, view: ExportView) -> ExportOut:
        e = view.export
        return cls(
            e.id,
            e.user_id,
            view.status,
            e.requested_at,
            e.ready_at,
            e.expires_at,
            e.size_bytes,
            view.download_url,
        )


class AdminExportBody(Strict):
    reason: (
        Annotated[
            str,
            text(2000),
            msgspec.Meta(
                description="Why, such as the reference of the data subject's request; "
                "kept in the audit trail. Null or absent: none."
            ),
        ]
        | None
    ) = None
