"""An OpenID Connect provider (Google in production) over httpx, ID tokens
verified with joserfc. Every address comes from the discovery document, so
the same code runs against Google and against a local stand-in."""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from tailtribe.domain.errors import ProviderUnavailable, SignInFailed
from tailtribe.domain.ports.identity import ExternalIdentity
from tailtribe.domain.ports.time import Clock

logger = logging.getLogger(__name__)
LEEWAY_SECONDS = 60
# Discovery and keys are read again after this, so withdrawn keys stop counting.
REFRESH = timedelta(hours=1)
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
ALGORITHMS = ["RS256"]


def s256(verifier: str) -> str:
    """The PKCE challenge of a verifier (RFC 7636, S256)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcIdentityProvider:
    def __init__(
        self,
        discovery_url: str,
        client_id: str,
        client_secret: str,
        clock: Clock,
        http: httpx.AsyncClient,
    ) -> None:
        self._discovery_url, self._client_id, self._secret = discovery_url, client_id, client_secret
        self._clock, self._http = clock, http
        self._config: tuple[dict[str, Any], datetime] | None = None
        self._keys: tuple[KeySet, datetime] | None = None

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("identity provider: GET %s failed: %r", url, exc)
            raise ProviderUnavailable("the identity provider could not be reached") from exc
        if not isinstance(body, dict):
            raise ProviderUnavailable("the identity provider answered nonsense")
        return body

    def _fresh(self, fetched: datetime) -> bool:
        return self._clock.now() - fetched < REFRESH

    async def _discovery(self) -> dict[str, Any]:
        if self._config is None or not self._fresh(self._config[1]):
            config = await self._get_json(self._discovery_url)
            if not all(isinstance(config.get(k), str) for k in REQUIRED):
                raise ProviderUnavailable(
                    "the identity provider's discovery document is incomplete"
                )
            self._config = (config, self._clock.now())
        return self._config[0]

    async def _key_set(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh or not self._fresh(self._keys[1]):
            jwks = await self._get_json((await self._discovery())["jwks_uri"])
            try:
                keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError) as exc:
                raise ProviderUnavailable("the identity provider's keys are unreadable") from exc
            self._keys = (keys, self._clock.now())
        return self._keys[0]

    async def authorization_url(
        self, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        params = {
            "response_type": "code",
            "client_id": self._client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid email profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": s256(code_verifier),
            "code_challenge_method": "S256",
            "prompt": "select_account",
        }
        return f"{(await self._discovery())['authorization_endpoint']}?{urlencode(params)}"

    async def identify(
        self, code: str, redirect_uri: str, code_verifier: str, nonce: str
    ) -> ExternalIdentity:
        config = await self._discovery()
        try:
            response = await self._http.post(
                config["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "client_id": self._client_id,
                    "client_secret": self._secret,
                    "code_verifier": code_verifier,
                },
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise SignInFailed(
                f"the identity provider could not be reached: {type(exc).__name__} {exc}"
            ) from exc
        if response.status_code != 200:
            raise SignInFailed("the identity provider refused the code")
        id_token = response.json().get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed("the identity provider sent no ID token")
        claims = await self._verify(id_token, nonce, str(config["issuer"]))
        verified = claims.get("email_verified")
        return ExternalIdentity(
            subject=str(claims["sub"]),
            email=str(claims["email"]),
            email_verified=verified is True or verified == "true",
            name=claims.get("name") if isinstance(claims.get("name"), str) else None,
        )

    async def _verify(self, id_token: str, nonce: str, issuer: str) -> dict[str, Any]:
        try:
            try:
                token = jwt.decode(id_token, await self._key_set(), algorithms=ALGORITHMS)
            except InvalidKeyIdError:  # a key we do not know yet: the provider rotated its keys
                token = jwt.decode(
                    id_token, await self._key_set(refresh=True), algorithms=ALGORITHMS
                )
            # Google's issuer comes with and without its scheme.
            issuers = [issuer, issuer.removeprefix("https://")]
            jwt.JWTClaimsRegistry(
                now=lambda: int(self._clock.now().timestamp()),
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "values": issuers},
                aud={"essential": True, "value": self._client_id},
                exp={"essential": True},
                sub={"essential": True},
                email={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(token.claims)
        except (JoseError, ValueError) as exc:
            logger.info("identity provider: ID token refused: %r", exc)
            raise SignInFailed(f"the ID token is not valid ({type(exc).__name__})") from exc
        claims = dict(token.claims)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        azp = claims.get("azp")
        if (azp is not None or len(audiences) > 1) and azp != self._client_id:
            raise SignInFailed("the ID token was issued to another client")
        return claims
