"""A local stand-in of Resend's email API, enough for the real SDK to talk to.

It answers POST /emails like Resend: 401 without the API key, 422 without the
required fields, the same email id again for a repeated Idempotency-Key with
the same body (nothing is sent twice) and 409 `invalid_idempotent_request`
for one with another body. `fail_next` makes the next calls answer 500.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

API_KEY = "re_test_key"


@dataclass
class ResendStandIn:
    url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    delivered: dict[str, dict[str, Any]] = field(default_factory=dict)  # by idempotency key
    fail_next: int = 0

    async def emails(self, request: web.Request) -> web.Response:
        body = await request.json()
        key = request.headers.get("Idempotency-Key")
        self.calls.append({"body": body, "idempotency_key": key, "headers": dict(request.headers)})
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return web.json_response(
                {"statusCode": 401, "name": "missing_api_key", "message": "bad key"}, status=401
            )
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.json_response(
                {"statusCode": 500, "name": "internal_server_error", "message": "try later"},
                status=500,
            )
        if not all(body.get(k) for k in ("from", "to", "subject")):
            return web.json_response(
                {"statusCode": 422, "name": "validation_error", "message": "missing"}, status=422
            )
        if key is not None and key in self.delivered:
            first = self.delivered[key]
            if {k: v for k, v in first.items() if k != "id"} != body:
                return web.json_response(
                    {
                        "statusCode": 409,
                        "name": "invalid_idempotent_request",
                        "message": "same idempotency key, different payload",
                    },
                    status=409,
                )
            return web.json_response({"id": first["id"]})
        sent = {"id": str(uuid.uuid4()), **body}
        self.delivered[key or sent["id"]] = sent
        return web.json_response({"id": sent["id"]})


@asynccontextmanager
async def resend_standin() -> AsyncIterator[ResendStandIn]:
    standin = ResendStandIn()
    app = web.Application()
    app.router.add_post("/emails", standin.emails)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    standin.url = f"http://127.0.0.1:{port}"
    try:
        yield standin
    finally:
        await runner.cleanup()


@contextmanager
def resend_standin_in_thread() -> Iterator[ResendStandIn]:
    """The stand-in on a loop of its own, for callers whose loop blocks while
    the app works (Litestar's test client runs the app behind a portal)."""
    ready: threading.Event = threading.Event()
    box: list[ResendStandIn] = []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def serve() -> None:
        async with resend_standin() as standin:
            box.append(standin)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    ready.wait(timeout=10)
    try:
        yield box[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
        loop.close()
