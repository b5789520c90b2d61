"""One Altior API call: pace, send, read the quota, classify, retry.

* ``pacer.acquire()`` before every attempt; every answer's
  ``X-Quota-Remaining-By-Second|Minute`` goes to ``pacer.observe``; a 429 pauses
  the pacer for ``Retry-After`` and is retried (bounded by the ``RetryPolicy``).
* 5xx and transport failures are retried for idempotent calls (reads, PATCH,
  close/reopen, creates that carry an external reference).  Other creates are
  retried only when the request provably never left (connect failure, 429):
  otherwise the record may exist and retrying could make a second one.
* A retried create that hits ``duplicate_external_reference`` calls ``recover``
  (the client fetches the record the lost first attempt made).
* The API key travels in a header only; it never appears in errors or logs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from sync_streams.errors import (
    ApiUnavailableError,
    RateLimitedError,
    RejectedError,
    SyncStreamsError,
)
from sync_streams.http.pacing import QuotaPacer
from sync_streams.http.responses import raise_for_status, retry_after_seconds, transport_error
from sync_streams.http.retry import RetryPolicy, call_with_retries
from sync_streams.http.tls import shared_ssl_context

log = logging.getLogger(__name__)

SYSTEM = "altior"
DEFAULT_429_PAUSE = 1.0
DUPLICATE_REFERENCE = "duplicate_external_reference"
QueryParams = Sequence[tuple[str, str | int]]
Recover = Callable[[RejectedError], Awaitable[Any]]

# Failures that prove the request never reached the server: safe to resend even a create.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class ClientStats:
    """Counters for metrics: what this client did since it was made."""

    calls: int = 0  # HTTP attempts, retries included
    retries: int = 0
    rate_limited: int = 0  # 429 answers
    server_errors: int = 0  # 5xx answers
    transport_errors: int = 0  # timeouts, refused or dropped connections
    malformed_records: int = 0  # records in pages that did not decode
    recovered_creates: int = 0  # retried creates resolved by their external reference
    quota_remaining_by_second: int | None = None
    quota_remaining_by_minute: int | None = None


class _DoNotRetry(Exception):
    """Carries a retriable error past ``call_with_retries`` for a non-idempotent call."""

    def __init__(self, error: SyncStreamsError) -> None:
        super().__init__(str(error))
        self.error = error


class AltiorSession:
    """The HTTP side of ``AltiorClient``: owns the ``httpx.AsyncClient``."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr,
        user_login: str | None,
        pacer: QuotaPacer,
        retry: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.pacer = pacer
        self.retry = retry
        self.user_login = user_login
        self.stats = ClientStats()
        self._api_key = api_key
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=base_url,
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
        idempotent: bool = True,
        recover: Recover | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one call with bounded retries; return its decoded JSON body.
        ``headers`` are added to the session's own (a precondition, say)."""
        tries = 0

        async def attempt() -> Any:
            nonlocal tries
            tries += 1
            try:
                return await self._attempt(method, path, params, json, idempotent, headers)
            except RejectedError as exc:
                if recover is not None and tries > 1 and exc.code == DUPLICATE_REFERENCE:
                    self.stats.recovered_creates += 1
                    return await recover(exc)
                raise

        try:
            return await call_with_retries(
                attempt, self.retry, sleep=self._sleep, on_retry=self._on_retry
            )
        except _DoNotRetry as carrier:
            raise carrier.error from None

    def _headers(self, method: str) -> dict[str, str]:
        headers = {"X-Api-Key": self._api_key.get_secret_value()}
        if method != "GET" and self.user_login:
            headers["X-Altior-User"] = self.user_login
        return headers

    async def _attempt(
        self,
        method: str,
        path: str,
        params: QueryParams | None,
        json: Any,
        idempotent: bool,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        await self.pacer.acquire()
        self.stats.calls += 1
        kwargs: dict[str, Any] = {"headers": {**(headers or {}), **self._headers(method)}}
        if params:
            kwargs["params"] = list(params)
        if json is not None:
            kwargs["json"] = json
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            self.stats.transport_errors += 1
            error = transport_error(exc, system=SYSTEM)
            log.warning("altior %s %s: %s", method, path, error)
            if not idempotent and not isinstance(exc, _NOT_SENT):
                raise _DoNotRetry(error) from None
            raise error from None
        self._observe(response.headers)
        status = response.status_code
        log.debug("altior %s %s -> %s", method, path, status)
        if status == 429:
            self.stats.rate_limited += 1
            retry_after = retry_after_seconds(response)
            self.pacer.pause(DEFAULT_429_PAUSE if retry_after is None else retry_after)
        elif status >= 500:
            self.stats.server_errors += 1
        try:
            raise_for_status(response, system=SYSTEM)
            return _json_body(response)
        except ApiUnavailableError as exc:
            if not idempotent and not isinstance(exc, RateLimitedError):
                raise _DoNotRetry(exc) from None
            raise

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
        log.info("altior: retrying in %.2fs after %s", delay, error)


def _json_body(response: httpx.Response) -> Any:
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
