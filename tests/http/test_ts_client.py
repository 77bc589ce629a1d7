"""A real client as a test: TypeScript generated from the served OpenAPI document.

The app runs for real (`tailtribe serve`, test mode, the simulated payment
gateway). Its /schema/openapi.json goes through openapi-typescript; the story
in tests/client_ts/story.ts, written against those types with openapi-fetch,
must pass `tsc --strict` and then run to its end under Node. A path, field or
type the document gets wrong fails one or the other.

Node and npm come from the system (scripts/test.sh installs them when
missing); the npm packages come from tests/client_ts/package-lock.json and stay
in tests/client_ts/node_modules between runs.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import empty_database, in_thread
from tests.stripe_standin import free_port

CLIENT = Path(__file__).resolve().parents[1] / "client_ts"
BIN = CLIENT / "node_modules" / ".bin"
CLI = [sys.executable, "-m", "tailtribe.entrypoints.cli"]
SECRET = "ts-client-story-secret-key-long-enough-0123456789"
WEBHOOK_SECRET = "whsec_ts_client_story_0a1b2c3d4e5f"
ADMIN_EMAIL = "admin@example.be"
ADMIN_PASSWORD = "admin password for the story"
# What the shell may carry that would point the app somewhere else.
FOREIGN = ("DATABASE_URL", "DIRECT_URL", "REDIS_URL", "STRIPE_", "RESEND_", "TAILTRIBE_", "APP_URL")

# Skipped only outside CI, for a pytest run by hand on a machine without Node:
# under CI (scripts/test.sh installs Node first) a missing Node fails the test.
pytestmark = pytest.mark.skipif(
    (shutil.which("node") is None or shutil.which("npm") is None) and not os.environ.get("CI"),
    reason="needs Node and npm (scripts/test.sh installs them)",
)


def _run(command: list[str], env: dict[str, str] | None = None, timeout: int = 300) -> str:
    """Run `command` in tests/client_ts; its output is the failure message."""
    done = subprocess.run(
        command,
        cwd=CLIENT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited with {done.returncode}:\n{done.stdout}")
    return done.stdout


def _npm_ci() -> None:
    """`npm ci` once, and again only when the lockfile changed."""
    installed = CLIENT / "node_modules" / ".package-lock.json"
    lock = CLIENT / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    _run(["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"])


@pytest.fixture
def served(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    """The app on empty tables, with an admin; its URL, environment and log."""
    in_thread(lambda: asyncio.run(_empty(pg_url)))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN)}
    env.update(
        TAILTRIBE_ENV="test",
        DATABASE_URL=pg_url,
        TAILTRIBE_SECRET_KEY=SECRET,
        TAILTRIBE_DATA_DIR=str(tmp_path),
        APP_URL=base,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TAILTRIBE_ADMIN_PASSWORD=ADMIN_PASSWORD,
        RATE_LIMIT_PER_MINUTE="100000",
        AUTH_RATE_LIMIT_PER_MINUTE="100000",
    )
    # The first admin: what no client can do.
    subprocess.run([*CLI, "create-admin", ADMIN_EMAIL], env=env, check=True, timeout=60)
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=sink,  # a file, not a pipe: logged tracebacks must not fill a buffer
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"the app exited: {log.read_text()[-4000:]}")
            try:
                if httpx.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not start: {log.read_text()[-4000:]}")
            time.sleep(0.1)
        yield base, env, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _empty(url: str) -> None:
    # Due jobs act on every booking: the story counts what they did.
    await (await empty_database(url)).get_engine().dispose()


def _picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(out, "JPEG")
    return out.getvalue()


def test_the_generated_typescript_client_runs_the_main_story(
    served: tuple[str, dict[str, str], Path], tmp_path: Path
) -> None:
    base, env, log = served
    _npm_ci()
    generated = CLIENT / "generated"
    generated.mkdir(exist_ok=True)
    document = httpx.get(f"{base}/schema/openapi.json")
    assert document.status_code == 200, document.text
    (generated / "openapi.json").write_bytes(document.content)
    _run([str(BIN / "openapi-typescript"), "generated/openapi.json", "-o", "generated/api.ts"])
    # One pass: type errors fail it, and nothing is emitted then (noEmitOnError).
    _run([str(BIN / "tsc"), "--strict", "-p", "."])

    picture = tmp_path / "park.jpg"
    picture.write_bytes(_picture())
    story_env = {
        **env,
        "TAILTRIBE_URL": base,
        "TAILTRIBE_EMAIL_DIR": str(Path(env["TAILTRIBE_DATA_DIR"]) / "emails"),
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PICTURE": str(picture),
    }
    story = subprocess.run(
        ["node", "build/story.js"],
        cwd=CLIENT,
        env=story_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )
    if story.returncode != 0:
        pytest.fail(f"the story failed:\n{story.stdout}\nthe app's log:\n{log.read_text()[-4000:]}")
    assert "the story ran to the end" in story.stdout
