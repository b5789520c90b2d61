"""``SellsyClient``: the one object the pollers and writers use to talk to Sellsy.

It assembles the auth flow, the paced and retried session, and the endpoint
groups (companies and individuals, contacts, opportunities, custom fields).
Make one client per tenant and share one ``QuotaPacer`` between the clients of
the same Sellsy account: the quota is the account's, not the client's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

import httpx
from pydantic import SecretStr

from sync_streams.http.pacing import QuotaPacer
from sync_streams.http.retry import RetryPolicy
from sync_streams.sellsy.auth import (
    DEFAULT_TOKEN_URL,
    ClientCredentials,
    SellsyAuth,
    TokenCache,
)
from sync_streams.sellsy.endpoints.companies import CompanyEndpoints
from sync_streams.sellsy.endpoints.contacts import ContactEndpoints
from sync_streams.sellsy.endpoints.custom_fields import CustomFieldEndpoints
from sync_streams.sellsy.endpoints.opportunities import OpportunityEndpoints
from sync_streams.sellsy.queries import MAX_LIMIT, check_limit
from sync_streams.sellsy.session import ClientStats, SellsySession

DEFAULT_BASE_URL = "https://api.sellsy.com/v2"
SELLSY_DOCUMENTED_PER_SECOND = 5.0


class SellsyClient(CompanyEndpoints, ContactEndpoints, OpportunityEndpoints, CustomFieldEndpoints):
    """Async Sellsy API v2 client; use it as ``async with SellsyClient(...) as client``.

    ``pacer``: the account's shared pacer (a private 5 calls/s one when omitted).
    ``retry``: bounds retries of 429, 5xx and transport failures.
    ``token_cache``: share it to reuse tokens between clients of the same credentials.
    ``page_size``: records per list call (at most 100).
    ``sleep``/``clock``: injected in tests (retry backoff, token expiry).
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        token_url: str = DEFAULT_TOKEN_URL,
        client_id: str,
        client_secret: SecretStr,
        transport: httpx.AsyncBaseTransport | None = None,
        pacer: QuotaPacer | None = None,
        retry: RetryPolicy | None = None,
        token_cache: TokenCache | None = None,
        token_refresh_margin: float = 60.0,
        timeout: float = 30.0,
        page_size: int = MAX_LIMIT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(client_secret, SecretStr):
            raise TypeError("client_secret must be a pydantic.SecretStr")
        self.credentials = ClientCredentials(client_id, client_secret, token_url)
        self.auth = SellsyAuth(
            self.credentials, cache=token_cache, refresh_margin=token_refresh_margin, clock=clock
        )
        self.pacer = pacer if pacer is not None else QuotaPacer(SELLSY_DOCUMENTED_PER_SECOND)
        self.page_size = check_limit(page_size)
        self._session = SellsySession(
            base_url=base_url,
            auth=self.auth,
            pacer=self.pacer,
            retry=retry if retry is not None else RetryPolicy(),
            transport=transport,
            timeout=timeout,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"SellsyClient(client_id={self.credentials.client_id!r})"

    @property
    def stats(self) -> ClientStats:
        """Calls made, 429s, retries, last quota remaining...: read them for metrics."""
        return self._session.stats

    @property
    def token_requests(self) -> int:
        """Access tokens fetched so far (first one, refreshes and re-authentications)."""
        return self.auth.token_requests

    async def aclose(self) -> None:
        await self._session.aclose()

    async def __aenter__(self) -> SellsyClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
