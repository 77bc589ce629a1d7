"""The embedded mailer: each email becomes an .eml file in a folder."""

from __future__ import annotations

import asyncio
import hashlib
from email.message import EmailMessage
from pathlib import Path

from tailtribe.adapters.filesystem.atomic import write_atomically
from tailtribe.domain.ports.messaging import Email


class FolderMailer:
    def __init__(self, folder: Path, sender: str) -> None:
        self._folder = folder
        self._sender = sender

    async def send(self, email: Email, idempotency_key: str) -> str:
        name = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        path = self._folder / f"{name}.eml"
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        await asyncio.to_thread(self._write, path, bytes(message))
        return name

    def _write(self, path: Path, data: bytes) -> None:
        if path.exists():  # the same key was sent already: send nothing twice
            return
        write_atomically(path, data)
