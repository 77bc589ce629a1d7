"""The `tailtribe` command, run as a user runs it: a real process serving HTTP."""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

TAILTRIBE = [sys.executable, "-m", "tailtribe.entrypoints.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    env.update(extra)
    return env


def wait_for_health(
    port: int, proc: subprocess.Popen[bytes], timeout: float = 30
) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                body: dict[str, object] = json.loads(r.read())
                return body
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError("the server did not answer in time")


@pytest.fixture
def running() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    result = subprocess.run(
        [*TAILTRIBE, "db", "upgrade"],
        env=_env(DATABASE_URL=f"sqlite:///{db}"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    tables = {row[0] for row in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert {"alembic_version", "outbox_message"} <= tables


def test_serve_answers_health_on_postgres(
    pg_url: str, running: list[subprocess.Popen[bytes]]
) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*TAILTRIBE, "serve", "--port", str(port)],
        env=_env(
            DATABASE_URL=pg_url,
            TAILTRIBE_SECRET_KEY=secrets.token_urlsafe(48),
            STRIPE_WEBHOOK_SECRET="whsec_cli_test",
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    running.append(proc)
    assert wait_for_health(port, proc) == {"status": "ok", "checks": {"database": "ok"}}


def test_demo_migrates_and_serves_with_no_environment(
    tmp_path: Path, running: list[subprocess.Popen[bytes]]
) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*TAILTRIBE, "demo", "--port", str(port)],
        env=_env(TAILTRIBE_DATA_DIR=str(tmp_path / "demo")),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    running.append(proc)
    assert wait_for_health(port, proc)["status"] == "ok"
    assert (tmp_path / "demo" / "tailtribe.db").exists()


def test_production_refuses_the_default_secret() -> None:
    result = subprocess.run(
        [*TAILTRIBE, "serve"],
        env=_env(TAILTRIBE_ENV="production", DATABASE_URL="postgresql://db/tt"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert b"TAILTRIBE_SECRET_KEY" in result.stderr
