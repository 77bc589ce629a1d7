"""A local OpenID Connect provider, enough for the real sign-in code to run:
discovery, the authorize redirect, the token endpoint (with PKCE and client
credentials checked) and the JWKS, signing ID tokens with a test RSA key.

`tamper` changes the next ID token (another signing key, audience, nonce,
expiry) so tests can check each refusal.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "tailtribe-test.apps.example"
CLIENT_SECRET = "test-client-secret"


@dataclass
class OidcStandIn:
    url: str = ""
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, {"kid": "k1"}, private=True)
    )
    # Who the next sign-in is, as the provider would say.
    user: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "1001",
            "email": "noor@example.be",
            "email_verified": True,
            "name": "Noor",
        }
    )
    tamper: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: int = 0
    jwks_requests: int = 0
    now: Callable[[], float] = time.time  # the tests' clock, when they move it

    async def discovery(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
            }
        )

    async def jwks(self, _: web.Request) -> web.Response:
        self.jwks_requests += 1
        return web.json_response(KeySet([self.key]).as_dict(private=False))

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            return web.Response(status=400, text="bad client or response type")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return web.Response(status=400, text="PKCE required")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": q["redirect_uri"],
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce"),
            "user": dict(self.user),
        }
        target = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        raise web.HTTPFound(target)

    async def token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        grant = self.codes.pop(str(form.get("code")), None)  # single use
        verifier = str(form.get("code_verifier", ""))
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
            or form.get("redirect_uri") != grant["redirect_uri"]
            or challenge != grant["challenge"]
        ):
            return web.json_response({"error": "invalid_grant"}, status=400)
        now = int(self.now())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 3600,
            "nonce": grant["nonce"],
            **grant["user"],
        }
        claims.update({k: v for k, v in self.tamper.items() if k not in ("key", "alg")})
        claims = {k: v for k, v in claims.items() if v is not None}
        key = self.tamper.get("key", self.key)
        algorithm = self.tamper.get("alg", "RS256")
        id_token = jwt.encode({"alg": algorithm, "kid": key.kid}, claims, key)
        return web.json_response(
            {"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": id_token}
        )


def _app(provider: OidcStandIn) -> web.Application:
    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", provider.discovery)
    app.router.add_get("/jwks", provider.jwks)
    app.router.add_get("/authorize", provider.authorize)
    app.router.add_post("/token", provider.token)
    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def oidc_standin(*, own_thread: bool = False) -> AsyncIterator[OidcStandIn]:
    """Served by this event loop, or by one of its own in a thread: Litestar's
    test client runs the app in another thread, which blocks this loop."""
    provider = OidcStandIn()
    port = _free_port()
    provider.url = f"http://127.0.0.1:{port}"
    if not own_thread:
        runner = web.AppRunner(_app(provider))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield provider
        finally:
            await runner.cleanup()
        return
    loop = asyncio.new_event_loop()

    async def serve() -> web.AppRunner:
        # Built inside the thread's loop: aiohttp binds to the loop it starts in.
        runner = web.AppRunner(_app(provider))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner = asyncio.run_coroutine_threadsafe(serve(), loop).result(10)
    try:
        yield provider
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
