"""A WebSocket refused for its token: one status for the client, the access
log and the metrics, through the real server (granian) a browser talks to."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import aiohttp

from tailtribe.config import Settings
from tailtribe.entrypoints.http.auth import TOKEN_VERSION_CLAIM, jwt_auth
from tests.http.test_live_delivery import SECRET, _free_port

TAILTRIBE = [sys.executable, "-m", "tailtribe.entrypoints.cli"]


async def test_a_refused_socket_is_401_for_the_client_the_access_log_and_the_metrics(
    tmp_path: Path,
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))},
        "TAILTRIBE_DATA_DIR": str(tmp_path),
        "TAILTRIBE_SECRET_KEY": SECRET,
    }
    upgrade = await asyncio.create_subprocess_exec(
        *TAILTRIBE, "db", "upgrade", env=env, stdout=subprocess.DEVNULL
    )
    assert await upgrade.wait() == 0
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = await asyncio.create_subprocess_exec(
            *TAILTRIBE, "serve", "--port", str(port), env=env, stdout=out, stderr=out
        )
    base = f"127.0.0.1:{port}"
    auth = jwt_auth(replace(Settings(), secret_key=SECRET))
    expired = auth.create_token(
        identifier=str(uuid4()),
        token_expiration=timedelta(seconds=1),
        token_extras={TOKEN_VERSION_CLAIM: 0},
    )
    # A well-signed token for a user who is gone (or whose tokens were voided).
    no_such_user = auth.create_token(identifier=str(uuid4()), token_extras={TOKEN_VERSION_CLAIM: 0})
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(f"http://{base}/api/health") as health:
                        if health.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.2)  # `expired` is past its expiry now
            refusals = ["", "?token=not-a-token", f"?token={expired}", f"?token={no_such_user}"]
            for query in refusals:
                # The handshake succeeds, so that a browser's script can read
                # the close code (a refused handshake shows it only 1006).
                async with http.ws_connect(f"ws://{base}/api/v1/ws{query}") as ws:
                    frame = await ws.receive(timeout=5)
                    assert frame.type is aiohttp.WSMsgType.CLOSE, (query, frame)
                    assert frame.data == 4401, (query, frame)
            async with http.get(f"http://{base}/metrics") as metrics:
                exposition = await metrics.text()
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.wait(), timeout=30)

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    statuses = [
        line["status"]
        for line in lines
        if line.get("logger") == "tailtribe.access" and line.get("path") == "/api/v1/ws"
    ]
    assert statuses == [401] * len(refusals)
    counted = {
        status: int(float(count))
        for status, count in re.findall(
            r'^tailtribe_requests_total\{[^}]*path="/api/v1/ws",status_code="(\d+)"\} (\S+)$',
            exposition,
            re.M,
        )
    }
    assert counted == {"401": len(refusals)}
