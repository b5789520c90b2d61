"""``AltiorClient``: the one object pollers and writers use to talk to Altior.

It is the only code that knows the Altior contract (docs/altior-api.md); a real
Altior endpoint replaces the sandbox by changing ``base_url`` and the key.  Make
one client per tenant; its ``QuotaPacer`` is that tenant's, so one tenant's
quota never slows another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType

import httpx
from pydantic import SecretStr

from sync_streams.altior.mutations import WriteEndpoints
from sync_streams.altior.reads import MAX_LIMIT, ReadEndpoints, check_limit
from sync_streams.altior.session import AltiorSession, ClientStats
from sync_streams.http.pacing import QuotaPacer
from sync_streams.http.retry import RetryPolicy

API_PREFIX = "/api/v1"
DEFAULT_PER_SECOND = 10.0  # Altior's real quota is unknown: conservative until measured


def api_root(base_url: str) -> str:
    """``https://host`` or ``https://host/api/v1`` -> ``https://host/api/v1``."""
    root = base_url.rstrip("/")
    return root if root.endswith(API_PREFIX) else root + API_PREFIX


class AltiorClient(ReadEndpoints, WriteEndpoints):
    """Async Altior client; use it as ``async with AltiorClient(...) as client``.

    ``base_url``: the Altior host, with or without ``/api/v1``.
    ``api_key``: the tenant's key (a ``SecretStr``; never logged).
    ``user_login``: the reference user writes are made as (None: read-only client).
    ``transport``: injected in tests (``httpx.MockTransport``).
    ``pacer``: the tenant's pacer (a private ``DEFAULT_PER_SECOND`` one when omitted).
    ``retry``: bounds retries of 429, 5xx and transport failures.
    """

    def __init__(
        self,
        base_url: str,
        api_key: SecretStr,
        user_login: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        pacer: QuotaPacer | None = None,
        retry: RetryPolicy | None = None,
        *,
        timeout: float = 30.0,
        page_size: int = MAX_LIMIT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not isinstance(api_key, SecretStr):
            raise TypeError("api_key must be a pydantic.SecretStr")
        self.base_url = api_root(base_url)
        self.user_login = user_login
        self.pacer = pacer if pacer is not None else QuotaPacer(DEFAULT_PER_SECOND, sliding=True)
        self.page_size = check_limit(page_size)
        self._session = AltiorSession(
            base_url=self.base_url,
            api_key=api_key,
            user_login=user_login,
            pacer=self.pacer,
            retry=retry if retry is not None else RetryPolicy(),
            transport=transport,
            timeout=timeout,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"AltiorClient(base_url={self.base_url!r}, user_login={self.user_login!r})"

    @property
    def stats(self) -> ClientStats:
        """Calls, retries, 429s, malformed records...: read them for metrics."""
        return self._session.stats

    async def aclose(self) -> None:
        await self._session.aclose()

    async def __aenter__(self) -> AltiorClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
