"""A live socket ends with its token: revoked (a password reset) or expired,
whichever API process holds it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from tailtribe.config import Settings
from tailtribe.domain.services.outbox import EMAIL_PASSWORD_RESET
from tailtribe.entrypoints.http.auth import TOKEN_VERSION_CLAIM, jwt_auth
from tests.conftest import REDIS_URL, empty_database
from tests.http.conftest import ClientFactory, api_for
from tests.http.test_live_delivery import SECRET, api_process
from tests.support import Api

REVOKED = 4401  # the close code of a socket whose token no longer holds


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def _conversation(api: Api) -> tuple[dict[str, Any], dict[str, str], dict[str, str], str]:
    """An owner (whose password will change) in a conversation with a caregiver."""
    admin = await api.new_admin()
    profile, caregiver = await api.approved_caregiver(admin)
    owner_user, owner = await api.new_user()
    started = await api.client.post(
        "/api/v1/conversations",
        json={"caregiver_id": profile["id"], "body": "Hallo"},
        headers=owner,
    )
    assert started.status_code == 201, started.text
    return owner_user, owner, caregiver, started.json()["id"]


async def _reset_password(api: Api, base: str, user: dict[str, Any]) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}/api/v1/auth/password-reset", json={"email": user["email"]}
        ) as asked:
            assert asked.status == 202
        secret = await api.email_token(EMAIL_PASSWORD_RESET, user["id"])
        async with http.post(
            f"{base}/api/v1/auth/password-reset/confirm",
            json={"token": secret, "new_password": "a brand new password"},
        ) as confirmed:
            assert confirmed.status == 204, await confirmed.text()


async def _post(base: str, conversation: str, body: str, headers: dict[str, str]) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{base}/api/v1/conversations/{conversation}/messages",
            json={"body": body},
            headers=headers,
        ) as posted,
    ):
        assert posted.status == 201, await posted.text()


async def _assert_closed_for_revocation(ws: aiohttp.ClientWebSocketResponse) -> None:
    """The next frame is the close, with nothing pushed before it."""
    frame = await ws.receive(timeout=5)
    assert frame.type is aiohttp.WSMsgType.CLOSE, frame
    assert (frame.data, frame.extra) == (REVOKED, "token revoked")


async def _serving_and_api(make_client: ClientFactory, pg_url: str, redis_url: str | None) -> Any:
    await (await empty_database(pg_url)).get_engine().dispose()
    return make_client(
        database_url=pg_url,
        redis_url=redis_url,
        secret_key=SECRET,
        rate_limit_per_minute=100_000,
        auth_rate_limit_per_minute=100_000,
    )


async def test_a_password_reset_closes_the_users_socket_in_the_same_process(
    pg_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    # Embedded: no Redis, the channels live in the serving process's memory.
    async with (
        await _serving_and_api(make_client, pg_url, None) as client,
        api_process(pg_url, tmp_path / "served", redis_url=None) as base,
    ):
        api = api_for(client)
        owner_user, owner, caregiver, conversation = await _conversation(api)
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(f"{base.replace('http', 'ws')}/api/v1/ws?token={_token(owner)}") as ws,
        ):
            await asyncio.sleep(0.3)
            await _post(base, conversation, "before", caregiver)
            frame = await ws.receive(timeout=5)
            assert json.loads(frame.data)["message"]["body"] == "before"

            await _reset_password(api, base, owner_user)
            await _post(base, conversation, "after the reset", caregiver)
            await _assert_closed_for_revocation(ws)
        await api.container.close()


async def test_a_password_reset_through_one_instance_closes_a_socket_on_the_other(
    pg_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    async with (
        await _serving_and_api(make_client, pg_url, REDIS_URL) as client,
        api_process(pg_url, tmp_path / "second") as second,
    ):
        api = api_for(client)
        owner_user, owner, caregiver, conversation = await _conversation(api)
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(
                f"{second.replace('http', 'ws')}/api/v1/ws?token={_token(owner)}"
            ) as ws,
        ):
            await asyncio.sleep(0.5)  # the subscriptions reach Redis
            # Reset and posted through the first instance, in this process.
            asked = await client.post(
                "/api/v1/auth/password-reset", json={"email": owner_user["email"]}
            )
            assert asked.status_code == 202
            secret = await api.email_token(EMAIL_PASSWORD_RESET, owner_user["id"])
            confirmed = await client.post(
                "/api/v1/auth/password-reset/confirm",
                json={"token": secret, "new_password": "a brand new password"},
            )
            assert confirmed.status_code == 204, confirmed.text
            posted = await client.post(
                f"/api/v1/conversations/{conversation}/messages",
                json={"body": "after the reset"},
                headers=caregiver,
            )
            assert posted.status_code == 201, posted.text
            await _assert_closed_for_revocation(ws)
        await api.container.close()


async def test_a_socket_is_closed_when_its_token_expires(
    pg_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    async with (
        await _serving_and_api(make_client, pg_url, None) as client,
        api_process(pg_url, tmp_path / "served", redis_url=None) as base,
    ):
        api = api_for(client)
        owner_user, _, _, _ = await _conversation(api)
        # Tokens expire by the wall clock (the JWT library's), not the test clock.
        auth = jwt_auth(replace(Settings(), secret_key=SECRET))
        short = auth.create_token(
            identifier=owner_user["id"],
            token_expiration=timedelta(seconds=2),
            token_extras={TOKEN_VERSION_CLAIM: 0},
        )
        loop = asyncio.get_running_loop()
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(f"{base.replace('http', 'ws')}/api/v1/ws?token={short}") as ws,
        ):
            opened = loop.time()
            frame = await ws.receive(timeout=6)
            assert frame.type is aiohttp.WSMsgType.CLOSE, frame
            assert (frame.data, frame.extra) == (REVOKED, "token expired")
            assert loop.time() - opened > 0.5  # at its expiry, not on arrival
        await api.container.close()


async def test_a_new_password_from_the_command_line_closes_the_admins_socket(
    pg_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    async with (
        await _serving_and_api(make_client, pg_url, REDIS_URL) as client,
        api_process(pg_url, tmp_path / "served") as base,
    ):
        api = api_for(client)
        admin = await api.new_admin()
        email = (await client.get("/api/v1/me", headers=admin)).json()["email"]
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(f"{base.replace('http', 'ws')}/api/v1/ws?token={_token(admin)}") as ws,
        ):
            await asyncio.sleep(0.5)  # the subscription reaches Redis
            command = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tailtribe.entrypoints.cli",
                "create-admin",
                email,
                env={
                    **os.environ,
                    "TAILTRIBE_ENV": "test",
                    "DATABASE_URL": pg_url,
                    "REDIS_URL": REDIS_URL,
                    "TAILTRIBE_SECRET_KEY": SECRET,
                    "TAILTRIBE_DATA_DIR": str(tmp_path / "cli"),
                    "TAILTRIBE_ADMIN_PASSWORD": "a brand new password",
                },
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            output, _ = await command.communicate()
            assert command.returncode == 0, output.decode()
            await _assert_closed_for_revocation(ws)
        await api.container.close()


async def test_a_revocation_whose_notice_was_lost_still_closes_the_socket(
    pg_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    """Pub/sub delivers at most once: the socket also looks at its token now and
    then. Here the reset runs in another process with no channel between them,
    as when a notice is lost."""
    async with (
        await _serving_and_api(make_client, pg_url, None) as client,
        api_process(
            pg_url, tmp_path / "served", redis_url=None, LIVE_TOKEN_RECHECK_SECONDS="1"
        ) as base,
    ):
        api = api_for(client)
        owner_user, owner, _, _ = await _conversation(api)
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(f"{base.replace('http', 'ws')}/api/v1/ws?token={_token(owner)}") as ws,
        ):
            await asyncio.sleep(0.3)
            # Through the in-process app: its channels are its own memory.
            asked = await client.post(
                "/api/v1/auth/password-reset", json={"email": owner_user["email"]}
            )
            assert asked.status_code == 202
            secret = await api.email_token(EMAIL_PASSWORD_RESET, owner_user["id"])
            confirmed = await client.post(
                "/api/v1/auth/password-reset/confirm",
                json={"token": secret, "new_password": "a brand new password"},
            )
            assert confirmed.status_code == 204, confirmed.text
            await _assert_closed_for_revocation(ws)
        await api.container.close()
