"""The `tailtribe` command, run as a user runs it: a real process serving HTTP."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tailtribe.adapters.sqlalchemy.database import make_db_config, upgrade
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.config import Settings
from tailtribe.domain.services.outbox import Outbox
from tailtribe.entrypoints.cli import build_parser, demo_environment
from tests.factories import booking_request, caregiver, complete, pet, user
from tests.fakes.clock import FixedClock

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
    port: int, proc: subprocess.Popen[bytes], timeout: float = 120
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


def _bare_env(**extra: str) -> dict[str, str]:
    """A shell with none of the app's settings, as a newcomer's."""
    names = ("DATABASE_URL", "DIRECT_URL", "REDIS_URL", "TAILTRIBE_", "APP_URL", "NEXT_PUBLIC_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(names)}
    env.update(extra)
    return env


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Every runnable command: ("serve",), ("db", "upgrade"), ..."""
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        yield path
    for action in subparsers:
        for name, sub in action.choices.items():
            yield from _commands(sub, (*path, name))


def _parser_of(command: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in command:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def test_every_command_and_option_has_help() -> None:
    missing = []
    for command in _commands(build_parser()):
        for depth in range(len(command) + 1):
            parser = _parser_of(command[:depth])
            for action in parser._actions:
                if isinstance(action, argparse._SubParsersAction):
                    missing += [
                        f"{' '.join(command[:depth])} {c.dest}"
                        for c in action._choices_actions
                        if not c.help
                    ]
                elif not action.help:
                    missing.append(f"{' '.join(command[:depth])} {action.dest}")
    assert missing == []


COMMAND_WORD = re.compile(r"[a-z][a-z0-9-]*")  # `db copy --from URL`: the words before options


def test_the_readme_tables_list_every_command() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    listed = set()
    for line in readme.splitlines():
        if line.startswith("| `uv run tailtribe "):
            words = line.removeprefix("| `uv run tailtribe ").split("`")[0].split()
            listed.add(tuple(itertools.takewhile(lambda w: COMMAND_WORD.fullmatch(w), words)))
    assert listed == set(_commands(build_parser()))


def test_metrics_with_no_environment_and_no_database_says_what_to_set(tmp_path: Path) -> None:
    result = subprocess.run(
        [*TAILTRIBE, "metrics"],
        env=_bare_env(),
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, lines  # one line, no traceback
    assert "DATABASE_URL" in lines[0] and "var/demo/tailtribe.db" in lines[0]
    assert list(tmp_path.iterdir()) == []  # no empty database, no secret key


def test_demo_environment_keeps_emails_where_the_readme_says_and_links_to_its_port() -> None:
    env = {"DATABASE_URL": "postgresql://elsewhere/tt", "RESEND_API_KEY": "re_live"}
    demo_environment(env, "0.0.0.0", 8123)
    settings = Settings.from_env({**env, "TAILTRIBE_SECRET_KEY": secrets.token_urlsafe(48)})
    assert settings.embedded and settings.resend_api_key is None
    assert settings.email_dir == Path("var/demo/emails")
    assert settings.app_url == "http://127.0.0.1:8123"
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "`var/demo/emails/`" in readme
    # A web app of one's own keeps its address.
    env = {"APP_URL": "https://app.example.be"}
    demo_environment(env, "127.0.0.1", 8123)
    assert env["APP_URL"] == "https://app.example.be"
    # scripts/demo.sh hands its arguments (--port N) to the command.
    script = (Path(__file__).resolve().parents[1] / "scripts" / "demo.sh").read_text()
    assert 'tailtribe demo "$@"' in script


def test_demo_emails_link_to_its_port_and_metrics_then_finds_its_data(
    tmp_path: Path, running: list[subprocess.Popen[bytes]]
) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*TAILTRIBE, "demo", "--port", str(port)],
        env=_bare_env(),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    running.append(proc)
    wait_for_health(port, proc)
    body = {"email": "new@example.be", "password": "a long enough password", "full_name": "New"}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/register",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    emails = tmp_path / "var" / "demo" / "emails"
    deadline = time.monotonic() + 30
    found: list[str] = []
    while not found and time.monotonic() < deadline:
        time.sleep(0.3)
        found = [
            p.read_text()
            for p in (emails.glob("*.eml") if emails.is_dir() else [])
            if "new@example.be" in p.read_text()
        ]
    assert found, "no verification email in var/demo/emails"
    assert f"http://127.0.0.1:{port}/verify-email?token=" in found[0].replace("=\n", "")
    proc.terminate()
    proc.wait(timeout=10)

    result = subprocess.run(
        [*TAILTRIBE, "metrics"],
        env=_bare_env(),
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert not (tmp_path / "var" / "tailtribe.db").exists()


async def _paid_booking_on(url: str) -> None:
    """A walk paid by card, done and paid out, in the embedded database."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    owner, carer = user("Olga", now), user("Bram", now)
    profile = caregiver(carer, now, "Bram")
    rex = pet(owner, now)
    booking = complete(
        booking_request(owner.id, profile.id, (rex.id,), now + timedelta(days=1), now=now)
    )
    booking.pay_out(booking.end + timedelta(hours=48), "tr_1")
    config = make_db_config(url)
    uow = SqlUnitOfWork(config.create_session_maker())
    async with uow:
        await uow.users.add(owner)
        await uow.users.add(carer)
        await uow.caregivers.add(profile)
        await uow.pets.add(rex)
        await uow.bookings.add(booking)
        await Outbox(Uuid7Generator(), FixedClock(now)).publish(uow, [booking])  # its ledger
        await uow.commit()
    await config.get_engine().dispose()


def test_documents_backfill_issues_what_the_ledger_owes_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'tailtribe.db'}"
    upgrade(url)
    asyncio.run(_paid_booking_on(url))
    env = _bare_env(TAILTRIBE_DATA_DIR=str(tmp_path))
    runs = [
        subprocess.run(
            [*TAILTRIBE, "documents", "backfill"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
            check=False,
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr.decode()[-2000:] for r in runs]
    # A receipt for the capture, an invoice for the commission and, March
    # 2026 being over, that month's statement; then nothing.
    first = "2 documents issued, 1 monthly statements issued, 3 files stored"
    assert first in runs[0].stdout.decode()
    again = "0 documents issued, 0 monthly statements issued, 0 files stored"
    assert again in runs[1].stdout.decode()
    stored = sorted(p.name for p in tmp_path.rglob("*.pdf"))
    assert len(stored) == 3 and all(name.startswith("TT-") for name in stored)
    assert any(name.startswith("TT-S-") for name in stored)
