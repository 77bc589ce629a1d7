"""Early refusals under granian, on a client that reuses its connection.

The app may answer before reading the request body (a 413 on the declared
length, a 400 on too many multipart parts, a 401 before any handler runs).
The unread bytes are left on the connection: the next request sent down it
must still be answered, either because the refusal said `Connection: close`
and the client reconnected, or because the connection stayed usable.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.support import PASSWORD
from tests.test_cli import TAILTRIBE, _env, free_port, wait_for_health

ITERATIONS = 20
BIG = 2 * 1024 * 1024  # over the 1 MB JSON limit, under the 10 MB upload limit


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def closes(self) -> bool:
        return "close" in self.headers.get("connection", "").lower()


class KeepAliveClient:
    """HTTP/1.1 on one socket, reused until the server says it closes it."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._sock: socket.socket | None = None
        self._buffer = b""
        self.reused = 0

    def request(self, head: str, body: bytes = b"") -> Response:
        if self._sock is None:
            self._sock = socket.create_connection(("127.0.0.1", self._port), timeout=5)
            self._buffer = b""
        else:
            self.reused += 1
        # Refused mid-body: the answer may be waiting all the same.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._sock.sendall(head.encode("latin-1") + body)
        response = self._read()
        if response.closes:
            # Announced: the server must then really close, and cleanly.
            assert self._recv() == b"", "the server said close but kept the connection"
            self.close()
        return response

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _recv(self) -> bytes:
        assert self._sock is not None
        if self._buffer:
            data, self._buffer = self._buffer, b""
            return data
        return self._sock.recv(65536)

    def _read(self) -> Response:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self._recv()
            assert chunk, f"the connection ended before a response ({data[:80]!r})"
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)}
        length = int(headers["content-length"])
        while len(rest) < length:
            chunk = self._recv()
            assert chunk, "the connection ended inside a response"
            rest += chunk
        self._buffer = rest[length:]
        return Response(int(status_line.split()[1]), headers, rest[:length])


def post(path: str, body: bytes, content_type: str, token: str | None = None) -> str:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"POST {path} HTTP/1.1\r\nHost: api\r\n{auth}Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )


def chunked_post(path: str, body: bytes) -> tuple[str, bytes]:
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    return head, framed


def multipart(parts: int, file_size: int) -> tuple[str, bytes]:
    boundary = "tailtribe-boundary"
    fields = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nx\r\n'.encode()
        for i in range(parts)
    )
    file = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + b"\xff" * file_size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return f"multipart/form-data; boundary={boundary}", fields + file


@pytest.fixture(scope="module")
def server(pg_url: str) -> Iterator[tuple[int, str]]:
    """`tailtribe serve` (granian, one worker) on PostgreSQL, and a signed-in user."""
    port = free_port()
    proc = subprocess.Popen(
        [*TAILTRIBE, "serve", "--port", str(port)],
        env=_env(
            DATABASE_URL=pg_url,
            TAILTRIBE_ENV="test",
            TAILTRIBE_SECRET_KEY="k" * 40,
            RATE_LIMIT_PER_MINUTE="100000",
            AUTH_RATE_LIMIT_PER_MINUTE="100000",
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_health(port, proc)
        client = KeepAliveClient(port)
        email = f"keepalive-{port}@example.be"
        account = json.dumps({"email": email, "password": PASSWORD, "full_name": "K"}).encode()
        created = client.request(
            post("/api/v1/auth/register", account, "application/json"), account
        )
        assert created.status == 201, created.body
        assert not created.closes, "a request read to its end keeps its connection"
        login = json.dumps({"email": email, "password": PASSWORD}).encode()
        signed_in = client.request(post("/api/v1/auth/login", login, "application/json"), login)
        assert signed_in.status == 200, signed_in.body
        assert not signed_in.closes
        client.close()
        yield port, json.loads(signed_in.body)["access_token"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _too_large(token: str) -> tuple[str, bytes, int]:
    body = b"x" * BIG
    return post("/api/v1/auth/login", body, "application/json"), body, 413


def _too_large_chunked(token: str) -> tuple[str, bytes, int]:
    return *chunked_post("/api/v1/auth/login", b"x" * BIG), 413


def _too_many_parts(token: str) -> tuple[str, bytes, int]:
    content_type, body = multipart(1001, BIG)
    return post("/api/v1/caregiver/photos", body, content_type, token), body, 400


def _unauthenticated_upload(token: str) -> tuple[str, bytes, int]:
    content_type, body = multipart(1, BIG)
    return post("/api/v1/caregiver/photos", body, content_type), body, 401


@pytest.mark.parametrize(
    "refusal",
    [_too_large, _too_large_chunked, _too_many_parts, _unauthenticated_upload],
    ids=["413-content-length", "413-chunked", "400-multipart-parts", "401-upload"],
)
def test_the_request_after_an_early_refusal_is_answered(
    server: tuple[int, str], refusal: Callable[[str], tuple[str, bytes, int]]
) -> None:
    port, token = server
    head, body, status = refusal(token)
    client = KeepAliveClient(port)
    try:
        for i in range(ITERATIONS):
            refused = client.request(head, body)
            assert refused.status == status, (i, refused.body[:200])
            health = client.request("GET /api/health HTTP/1.1\r\nHost: api\r\n\r\n")
            assert health.status == 200, (i, health.body[:200])
        # Every refusal after the first went down a connection already used.
        assert client.reused >= ITERATIONS - 1
    finally:
        client.close()
