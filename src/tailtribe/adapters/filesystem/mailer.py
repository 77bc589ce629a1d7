"""The embedded mailer: each email becomes an .eml file in a folder."""

from __future__ import annotations

import asyncio
import hashlib
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from tailtribe.adapters.filesystem.atomic import write_atomically
from tailtribe.domain.ports.messaging import Email
from tailtribe.domain.ports.time import Clock

# Written with lines up to RFC 5322's limit: at the default 78 characters a
# List-Unsubscribe address (one long word) is turned into encoded words,
# which no mail client reads as an address.
EML_POLICY = policy.default.clone(max_line_length=998)


class FolderMailer:
    def __init__(self, folder: Path, sender: str, clock: Clock, app_url: str) -> None:
        self._folder = folder
        self._sender = sender
        self._clock = clock
        # Message-IDs name the app's host, as a mail server would (RFC 5322 3.6.4).
        self._domain = urlsplit(app_url).hostname or "localhost"

    async def send(self, email: Email, idempotency_key: str) -> str:
        name = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        path = self._folder / f"{name}.eml"
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = email.to
        message["Subject"] = email.subject
        # Mail clients sort and thread by these; a mail server would add them.
        message["Date"] = format_datetime(self._clock.now())
        message["Message-ID"] = make_msgid(idstring=name[:12], domain=self._domain)
        for header, value in email.headers:
            message[header] = value
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        await asyncio.to_thread(self._write, path, message.as_bytes(policy=EML_POLICY))
        return name

    def _write(self, path: Path, data: bytes) -> None:
        if path.exists():  # the same key was sent already: send nothing twice
            return
        write_atomically(path, data)
