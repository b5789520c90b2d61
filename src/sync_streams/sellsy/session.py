"""One Sellsy API call: pace, send, read the quota, classify, retry.

Rules (docs/sellsy-client.md explains them for ops):

* ``pacer.acquire()`` before every attempt; every response's
  ``X-Quota-Remaining-By-Second|Minute`` goes to ``pacer.observe``.  The pacer is
  shared by every client of one Sellsy account, and only that account's callers
  ever wait on it.
* 429: the pacer is paused for ``Retry-After`` (1 s when absent) and the call is
  retried, bounded by the ``RetryPolicy``.
* 5xx and transport failures are retried too -- except for calls that are not
  idempotent (creates): Sellsy has no idempotency keys, so a create whose answer
  was lost may have happened.  Those raise ``ApiUnavailableError`` at once and the
  writer looks the record up before creating again.  A create refused *before*
  reaching Sellsy (429, connection refused) is retried.
* Errors are classified by ``sync_streams.http.raise_for_status``; the secret and
  the token never appear in an error or a log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from sync_streams.errors import ApiUnavailableError, RateLimitedError, SyncStreamsError
from sync_streams.http.pacing import QuotaPacer
from sync_streams.http.responses import raise_for_status, retry_after_seconds, transport_error
from sync_streams.http.retry import RetryPolicy, call_with_retries
from sync_streams.http.tls import shared_ssl_context
from sync_streams.sellsy.auth import SellsyAuth

log = logging.getLogger(__name__)

SYSTEM = "sellsy"
DEFAULT_429_PAUSE = 1.0
QueryParams = Sequence[tuple[str, str | int]]

# Failures that prove the request never reached the server: safe to retry even a create.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class ClientStats:
    """Counters for metrics: what this client did since it was made."""

    calls: int = 0
    responses_2xx: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    transport_errors: int = 0
    retries: int = 0
    quota_remaining_by_second: int | None = None
    quota_remaining_by_minute: int | None = None


class _DoNotRetry(Exception):
    """Carries a retriable error past ``call_with_retries`` for a non-idempotent call."""

    def __init__(self, error: SyncStreamsError) -> None:
        super().__init__(str(error))
        self.error = error


class SellsySession:
    """The HTTP side of ``SellsyClient``: owns the ``httpx.AsyncClient``."""

    def __init__(
        self,
        *,
        base_url: str,
        auth: SellsyAuth,
        pacer: QuotaPacer,
        retry: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.auth = auth
        self.pacer = pacer
        self.retry = retry
        self.stats = ClientStats()
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=base_url,
            auth=auth,
            transport=transport,
            verify=shared_ssl_context(),  # one CA bundle per process, not per client
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"Accept": "application/json"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one API call (with bounded retries); return its decoded JSON, or
        ``None`` for an empty answer.  ``idempotent`` defaults to True for
        GET/PUT/DELETE and False for POST (pass True for searches)."""
        if idempotent is None:
            idempotent = method.upper() != "POST"
        body = await self._call_status(
            method, path, params=params, json=json, idempotent=idempotent
        )
        return body[1]

    async def call_status(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        idempotent: bool = True,
    ) -> tuple[int, Any]:
        """Like ``call`` but also returns the HTTP status (e.g. 200 vs 201)."""
        return await self._call_status(
            method, path, params=params, json=json, idempotent=idempotent
        )

    async def _call_status(
        self, method: str, path: str, *, params: QueryParams | None, json: Any, idempotent: bool
    ) -> tuple[int, Any]:
        async def attempt() -> tuple[int, Any]:
            return await self._attempt(method, path, params, json, idempotent)

        try:
            return await call_with_retries(
                attempt, self.retry, sleep=self._sleep, on_retry=self._on_retry
            )
        except _DoNotRetry as carrier:
            raise carrier.error from None

    async def _attempt(
        self, method: str, path: str, params: QueryParams | None, json: Any, idempotent: bool
    ) -> tuple[int, Any]:
        await self.pacer.acquire()
        self.stats.calls += 1
        kwargs: dict[str, Any] = {}
        if params:
            kwargs["params"] = list(params)
        if json is not None:
            kwargs["json"] = json
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            self.stats.transport_errors += 1
            error = transport_error(exc, system=SYSTEM)
            log.warning("sellsy %s %s: %s", method, path, error)
            if not idempotent and not isinstance(exc, _NOT_SENT):
                raise _DoNotRetry(error) from None
            raise error from None
        self._observe(response.headers)
        status = response.status_code
        log.debug("sellsy %s %s -> %s", method, path, status)
        if status == 429:
            self.stats.rate_limited += 1
            retry_after = retry_after_seconds(response)
            self.pacer.pause(DEFAULT_429_PAUSE if retry_after is None else retry_after)
        elif status >= 500:
            self.stats.server_errors += 1
        try:
            raise_for_status(response, system=SYSTEM)
            body = _json_or_none(response)
        except ApiUnavailableError as exc:
            if not idempotent and not isinstance(exc, RateLimitedError):
                raise _DoNotRetry(exc) from None
            raise
        self.stats.responses_2xx += 1
        return status, body

    def _observe(self, headers: Mapping[str, str]) -> None:
        self.pacer.observe(headers)
        second = _as_int(headers.get("x-quota-remaining-by-second"))
        minute = _as_int(headers.get("x-quota-remaining-by-minute"))
        if second is not None:
            self.stats.quota_remaining_by_second = second
        if minute is not None:
            self.stats.quota_remaining_by_minute = minute

    def _on_retry(self, error: SyncStreamsError, delay: float) -> None:
        self.stats.retries += 1
        log.info("sellsy: retrying in %.2fs after %s", delay, error)


def _json_or_none(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise ApiUnavailableError(
            "answer is not JSON (truncated or from a proxy)",
            system=SYSTEM,
            status=response.status_code,
            body=response.text[:500],
        ) from None


def _as_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
