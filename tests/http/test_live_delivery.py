"""Live delivery across processes: two API instances share Redis, and a message
posted through one reaches a WebSocket client connected to the other."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tailtribe.domain.model.conversations import SENDS_PER_MINUTE
from tests.conftest import REDIS_URL, empty_database
from tests.factories import marketplace, next_monday, walk
from tests.http.conftest import ClientFactory, api_for

SECRET = "live-delivery-secret-key-that-is-long-enough-0123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@asynccontextmanager
async def api_process(
    pg_url: str, data_dir: Path, redis_url: str | None = REDIS_URL, **settings: str
) -> AsyncIterator[str]:
    """`tailtribe serve` (granian) on PostgreSQL and Redis: the second instance.
    Without Redis, its channels live in its own memory (embedded mode)."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "TAILTRIBE_ENV": "test",
        "DATABASE_URL": pg_url,
        "TAILTRIBE_SECRET_KEY": SECRET,
        "TAILTRIBE_DATA_DIR": str(data_dir),
        **({"REDIS_URL": redis_url} if redis_url else {}),
        **settings,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tailtribe.entrypoints.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            # Up to two minutes: a loaded machine imports slowly.
            for _ in range(1200):
                if process.returncode is not None:
                    output, _ = await process.communicate()
                    raise AssertionError(f"the second instance exited: {output.decode()}")
                try:
                    async with http.get(f"{base}/api/health") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
            else:
                process.kill()
                output, _ = await process.communicate()
                raise AssertionError(f"the second instance did not start: {output.decode()}")
        yield base
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.communicate(), timeout=30)
        except TimeoutError:
            process.kill()


async def _next_push(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    frame = await ws.receive(timeout=10)
    assert frame.type is aiohttp.WSMsgType.TEXT, frame
    push: dict[str, Any] = json.loads(frame.data)
    return push


async def test_a_message_posted_through_one_instance_reaches_a_client_of_the_other(
    pg_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    await (await empty_database(pg_url)).get_engine().dispose()
    async with (
        make_client(
            database_url=pg_url,
            redis_url=REDIS_URL,
            secret_key=SECRET,
            rate_limit_per_minute=100_000,
            auth_rate_limit_per_minute=100_000,
        ) as client,
        api_process(pg_url, tmp_path / "second") as second,
    ):
        api = api_for(client)
        profile, caregiver, owner, _, pet = await marketplace(api)
        _, stranger = await api.new_user()
        ws_url = second.replace("http", "ws") + "/api/v1/ws"

        def token(headers: dict[str, str]) -> str:
            return headers["Authorization"].removeprefix("Bearer ")

        async with aiohttp.ClientSession() as http:
            for bad in ("", "?token=not-a-token"):
                async with http.ws_connect(ws_url + bad) as refused:
                    frame = await refused.receive(timeout=5)
                    assert (frame.type, frame.data) == (aiohttp.WSMsgType.CLOSE, 4401)
            async with (
                http.ws_connect(f"{ws_url}?token={token(caregiver)}") as sitter_ws,
                http.ws_connect(f"{ws_url}?token={token(stranger)}") as stranger_ws,
            ):
                await asyncio.sleep(0.5)  # the subscriptions reach Redis
                # Posted through the first instance (in this process).
                started = await client.post(
                    "/api/v1/conversations",
                    json={"caregiver_id": profile["id"], "body": "Mail me: an@example.be"},
                    headers=owner,
                )
                assert started.status_code == 201, started.text
                push = await _next_push(sitter_ws)
                assert push["type"] == "message"
                assert push["conversation_id"] == started.json()["id"]
                message = push["message"]
                assert message["id"] == started.json()["last_message"]["id"]
                assert message["body"] == "Mail me: [hidden]"  # masked live too
                assert message["sender_id"] == started.json()["owner_id"]

                # And the other way: posted through the second, seen by the owner on it.
                async with http.ws_connect(f"{ws_url}?token={token(owner)}") as owner_ws:
                    await asyncio.sleep(0.5)
                    reply = await http.post(
                        f"{second}/api/v1/conversations/{push['conversation_id']}/messages",
                        json={"body": "Graag!"},
                        headers=caregiver,
                    )
                    assert reply.status == 201, await reply.text()
                    assert (await _next_push(owner_ws))["message"]["body"] == "Graag!"
                    # The sender's own other devices see it too.
                    assert (await _next_push(sitter_ws))["message"]["body"] == "Graag!"
                # A booking request's message joins the conversation, live as well.
                body = {**walk(profile, pet, next_monday(10)), "message": "Rex trekt wat"}
                booked = await client.post("/api/v1/bookings", json=body, headers=owner)
                assert booked.status_code == 201, booked.text
                pushed = await _next_push(sitter_ws)
                assert pushed["conversation_id"] == booked.json()["conversation_id"]
                assert pushed["message"]["body"] == "Rex trekt wat"
                # Nobody else hears a thing.
                with pytest.raises(TimeoutError):
                    await stranger_ws.receive(timeout=1)
        await api.container.close()


async def test_the_send_limit_holds_across_instances(
    pg_url: str, make_client: ClientFactory
) -> None:
    await (await empty_database(pg_url)).get_engine().dispose()
    shared = {
        "database_url": pg_url,
        "redis_url": REDIS_URL,
        "secret_key": SECRET,
        "rate_limit_per_minute": 100_000,
        "auth_rate_limit_per_minute": 100_000,
    }
    async with make_client(**shared) as first, make_client(**shared) as second:
        api = api_for(first)
        profile, _, owner, _, _ = await marketplace(api)
        started = await first.post(
            "/api/v1/conversations",
            json={"caregiver_id": profile["id"], "body": "Hallo"},
            headers=owner,
        )
        assert started.status_code == 201
        url = f"/api/v1/conversations/{started.json()['id']}/messages"
        sends = [
            (first if i % 2 else second).post(url, json={"body": f"m{i}"}, headers=owner)
            for i in range(80)
        ]
        statuses = [r.status_code for r in await asyncio.gather(*sends)]
        assert statuses.count(201) == SENDS_PER_MINUTE - 1  # the inquiry was the first
        assert statuses.count(429) == 80 - (SENDS_PER_MINUTE - 1)
        page = (await first.get(f"{url}?limit=100", headers=owner)).json()
        assert len(page["items"]) == SENDS_PER_MINUTE
        await api.container.close()
