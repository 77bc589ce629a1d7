"""Photos of pets and caregivers: uploaded once, served as WebP variants."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_GALLERY = 12
# Longest side in pixels of each variant (never enlarged).
VARIANTS = {"thumb": 160, "medium": 640, "large": 1280}


class PhotoStatus(enum.StrEnum):
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"
    # Its uploader's account was erased: the files go, then the row (a job
    # finishes what a crash interrupted). Shown to nobody meanwhile.
    DELETING = "deleting"


class Subject(enum.StrEnum):
    PET = "pet"
    CAREGIVER = "caregiver"
    CONVERSATION = "conversation"  # care updates: seen by the two parties only


@dataclass(eq=False)
class Photo:
    id: UUID
    owner_id: UUID  # the user who uploaded it and may delete it
    subject: Subject
    subject_id: UUID  # the pet, the caregiver profile or the conversation
    created_at: datetime
    status: PhotoStatus = PhotoStatus.PROCESSING
    reason: str | None = None

    # Keys by visibility: a CDN exposes `public/` only; uploads (which may carry
    # a GPS position) and pet photos are never under it.
    @property
    def original_key(self) -> str:
        return f"uploads/{self.id}"

    def variant_key(self, name: str) -> str:
        return f"{'private' if self.private else 'public'}/photos/{self.id}/{name}.webp"

    @property
    def keys(self) -> list[str]:
        """Everything stored for it: the upload and every variant."""
        return [self.original_key, *(self.variant_key(n) for n in VARIANTS)]

    @property
    def private(self) -> bool:
        """Pet and conversation photos are shown through short-lived signed
        addresses only; a caregiver's gallery is public."""
        return self.subject is not Subject.CAREGIVER

    def mark_ready(self) -> None:
        self.status, self.reason = PhotoStatus.READY, None

    def mark_failed(self, reason: str) -> None:
        self.status, self.reason = PhotoStatus.FAILED, reason[:500]
