"""The request ids RequestContext makes when the client gives none."""

from __future__ import annotations

import asyncio
import os
import re
from typing import Any

from tailtribe.entrypoints.http.middleware import REQUEST_ID_HEADER, RequestContext


async def _answer(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _ids(count: int) -> list[str]:
    middleware = RequestContext(_answer)
    ids = []
    for _ in range(count):
        sent: list[Any] = []

        async def send(message: Any, sent: list[Any] = sent) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
        await middleware(scope, None, send)  # type: ignore[arg-type]
        headers = dict(sent[0]["headers"])
        ids.append(headers[REQUEST_ID_HEADER.lower().encode()].decode())
    return ids


def test_each_request_gets_an_id_of_its_own() -> None:
    ids = asyncio.run(_ids(50))
    assert len(set(ids)) == 50
    assert all(re.fullmatch(r"[0-9a-f]{12}4[0-9a-f]{19}", i) for i in ids)  # UUID v4, hex


def test_forked_workers_make_different_ids() -> None:
    # granian forks its workers: they must not draw the same sequence.
    before = asyncio.run(_ids(1))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child)
        os.write(write, ",".join(asyncio.run(_ids(3))).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 4096).decode().split(",")
    os.close(read)
    assert len(child) == 3
    assert not set(child) & set(asyncio.run(_ids(3)) + before)
