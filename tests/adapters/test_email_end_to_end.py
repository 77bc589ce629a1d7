"""Register through the API; a real `tailtribe worker` process, on PostgreSQL and
Redis, sends the verification email through Resend (a local stand-in of it)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tailtribe.adapters.sqlalchemy.tables import OutboxRow
from tailtribe.config import Settings
from tailtribe.entrypoints.http.app import create_app
from tailtribe.ioc import make_container
from tests.conftest import REDIS_URL, empty_database
from tests.resend_standin import API_KEY, resend_standin, resend_standin_in_thread
from tests.support import PASSWORD, CheapHashing

SECRET = "e2e-secret-key-that-is-long-enough-0123456789"


async def test_registration_email_is_sent_by_the_worker_process(
    pg_url: str, tmp_path: Path
) -> None:
    config = await empty_database(pg_url)
    async with resend_standin() as resend:
        env = {
            **os.environ,
            "DATABASE_URL": pg_url,
            "REDIS_URL": REDIS_URL,
            "TAILTRIBE_SECRET_KEY": SECRET,
            "STRIPE_WEBHOOK_SECRET": "whsec_e2e",
            "RESEND_API_KEY": API_KEY,
            "RESEND_API_URL": resend.url,
            "EMAIL_FROM": "TailTribe <noreply@tailtribe.test>",
            "APP_URL": "https://app.tailtribe.test",
            "TAILTRIBE_DATA_DIR": str(tmp_path),
            "WORKER_GRACE_SECONDS": "2",
        }
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tailtribe.entrypoints.cli",
            "worker",
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            settings = Settings.from_env(env)
            app = create_app(settings, make_container(settings, CheapHashing()))
            async with AsyncTestClient(app=app) as client:
                response = await client.post(
                    "/api/v1/auth/register",
                    json={
                        "email": "lea@example.be",
                        "password": PASSWORD,
                        "full_name": "Léa",
                        "locale": "fr",
                    },
                )
                assert response.status_code == 201
                for _ in range(300):  # the relay runs every 5 seconds
                    if resend.delivered:
                        break
                    await asyncio.sleep(0.1)
        finally:
            worker.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(worker.communicate(), timeout=60)
        assert worker.returncode == 0, output.decode()  # a graceful stop
    [call] = [c for c in resend.calls if c["body"]["to"] == ["lea@example.be"]]
    body = call["body"]
    assert body["subject"] == "Confirmez votre adresse e-mail"
    assert body["from"] == "TailTribe <noreply@tailtribe.test>"
    assert (
        "Bonjour Léa," in body["text"]
        and "https://app.tailtribe.test/verify-email?token=" in (body["text"])
    )
    assert "<p>Bonjour Léa,</p>" in body["html"]
    async with config.create_session_maker()() as session:
        row = await session.scalar(select(OutboxRow).where(OutboxRow.topic == "email.verify_email"))
    await config.get_engine().dispose()
    assert row is not None and row.status == "sent"
    assert call["idempotency_key"] == str(row.id)  # the outbox row's id


async def test_test_mode_sends_through_a_resend_stand_in(pg_url: str, tmp_path: Path) -> None:
    """An end-to-end environment runs the real Resend adapter against a stand-in:
    test mode takes a Resend key when RESEND_API_URL is not Resend's own API."""
    await (await empty_database(pg_url)).get_engine().dispose()
    with resend_standin_in_thread() as resend:
        env = {
            "TAILTRIBE_ENV": "test",
            "DATABASE_URL": pg_url,
            "RESEND_API_KEY": API_KEY,
            "RESEND_API_URL": resend.url,
            "TAILTRIBE_DATA_DIR": str(tmp_path),
        }
        settings = Settings.from_env(env)
        app = create_app(settings, make_container(settings, CheapHashing()))
        async with AsyncTestClient(app=app) as client:
            response = await client.post(
                "/api/v1/auth/register",
                json={
                    "email": "jan@example.be",
                    "password": PASSWORD,
                    "full_name": "Jan",
                    "locale": "nl",
                },
            )
            assert response.status_code == 201
            ran = await client.post("/api/v1/test/run-due-jobs")
            assert ran.status_code == 200
            assert ran.json()["ran"]["outbox.sent"] == 1
    [call] = [c for c in resend.calls if c["body"]["to"] == ["jan@example.be"]]
    assert call["body"]["subject"] == "Bevestig je e-mailadres"
