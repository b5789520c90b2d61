"""OAuth2 client credentials for Sellsy, as an ``httpx.Auth`` flow.

Sellsy's personal API clients trade ``client_id``/``client_secret`` for a bearer
token at the token URL; there is no refresh token, so a token is fetched again
shortly before ``expires_in`` runs out.  The token request is yielded from the
auth flow, so it goes through the client's own (injected) transport: unit tests
see it in ``httpx.MockTransport`` and the sandbox serves it over real HTTP.

A 401 on an API call means the token was revoked or expired early: the flow
fetches one new token and replays the request once.  A second 401 is returned to
the caller, which turns it into ``AuthenticationError`` (fatal: a human must fix
the credentials).  The secret never leaves ``SecretStr`` except in the token
request body.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from sync_streams.errors import AuthenticationError
from sync_streams.http.responses import raise_for_status

log = logging.getLogger(__name__)

SYSTEM = "sellsy"
DEFAULT_TOKEN_URL = "https://login.sellsy.com/oauth2/access-tokens"  # noqa: S105 - a URL

Clock = Callable[[], float]


@dataclass(frozen=True)
class ClientCredentials:
    """One Sellsy API client (one tenant's access to one Sellsy account)."""

    client_id: str
    client_secret: SecretStr
    token_url: str = DEFAULT_TOKEN_URL

    def cache_key(self) -> tuple[str, str, str]:
        """Key of the token cache: a digest of the secret, so two configurations that
        share a client id but not its secret never share a token."""
        digest = hashlib.sha256(self.client_secret.get_secret_value().encode()).hexdigest()
        return (self.token_url, self.client_id, digest)


@dataclass
class _CachedToken:
    access_token: str | None = None
    refresh_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __repr__(self) -> str:  # the token is a credential too
        return (
            f"_CachedToken(present={self.access_token is not None}, refresh_at={self.refresh_at})"
        )


class TokenCache:
    """Bearer tokens by credentials.  Share one instance between the clients of a
    tenant (or a whole process) to reuse tokens; each ``SellsyClient`` makes its own
    when given none.  Use it from one event loop."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, str], _CachedToken] = {}

    def _entry(self, credentials: ClientCredentials) -> _CachedToken:
        return self._entries.setdefault(credentials.cache_key(), _CachedToken())

    def forget(self, credentials: ClientCredentials) -> None:
        """Drop the token of ``credentials`` (e.g. after rotating the secret)."""
        self._entries.pop(credentials.cache_key(), None)


class SellsyAuth(httpx.Auth):
    """Client-credentials flow with early refresh and one re-authentication on 401.

    ``refresh_margin`` seconds before expiry the token counts as stale (at most half
    its lifetime, so very short-lived tokens still get used).
    """

    def __init__(
        self,
        credentials: ClientCredentials,
        *,
        cache: TokenCache | None = None,
        refresh_margin: float = 60.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.credentials = credentials
        self.cache = cache if cache is not None else TokenCache()
        self.refresh_margin = refresh_margin
        self._clock = clock
        self.token_requests = 0
        self.reauthentications = 0

    def __repr__(self) -> str:
        return f"SellsyAuth(client_id={self.credentials.client_id!r})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("SellsyAuth works with httpx.AsyncClient only")
        yield request  # pragma: no cover - makes this a generator

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        entry = self.cache._entry(self.credentials)
        async with entry.lock:
            if entry.access_token is None or self._clock() >= entry.refresh_at:
                token_response = yield self._token_request()
                await self._store(entry, token_response)
            token = entry.access_token
        assert token is not None
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        async with entry.lock:
            if entry.access_token == token:  # nobody refreshed it meanwhile
                log.info("sellsy: 401 with a cached token, authenticating again")
                self.reauthentications += 1
                token_response = yield self._token_request()
                await self._store(entry, token_response)
            token = entry.access_token
        assert token is not None
        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    def _token_request(self) -> httpx.Request:
        self.token_requests += 1
        creds = self.credentials
        return httpx.Request(
            "POST",
            creds.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": creds.client_id,
                "client_secret": creds.client_secret.get_secret_value(),
            },
            headers={"Accept": "application/json"},
        )

    async def _store(self, entry: _CachedToken, response: httpx.Response) -> None:
        # httpx reads bodies for auth flows only in its default ``async_auth_flow``,
        # which this class replaces: read the token answer here.
        await response.aread()
        token, expires_in = parse_token_response(response)
        margin = min(self.refresh_margin, expires_in / 2)
        entry.access_token = token
        entry.refresh_at = self._clock() + expires_in - margin


def parse_token_response(response: httpx.Response) -> tuple[str, float]:
    """``(access_token, expires_in)`` from the token endpoint, or the matching error.

    429 and 5xx stay retriable; any other refusal is an ``AuthenticationError``
    (the OAuth error body, which never echoes the secret, is kept for diagnosis).
    """
    status = response.status_code
    if status == 429 or status >= 500:
        raise_for_status(response, system=SYSTEM)
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = response.text[:500]
    if status >= 400:
        code = _oauth_error_code(body)
        raise AuthenticationError(
            f"token endpoint refused the client credentials ({code or status})",
            system=SYSTEM,
            status=status,
            code=code,
            body=body,
        )
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise AuthenticationError(
            "token endpoint answered without an access_token", system=SYSTEM, status=status
        )
    try:
        expires_in = float(body.get("expires_in", 3600))
    except (TypeError, ValueError):
        expires_in = 3600.0
    return body["access_token"], max(expires_in, 0.0)


def _oauth_error_code(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, str):  # RFC 6749 shape: {"error": "invalid_client", ...}
        return error
    if isinstance(error, dict) and error.get("code") is not None:  # Sellsy's error shape
        return str(error.get("context") or error["code"])
    return None
