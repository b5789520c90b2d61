"""Bounded retries with exponential backoff for retriable errors only.

Bounded on purpose: a retry storm burns the client's API quota and hides the
fault.  After ``attempts`` the last error propagates and the pipeline
dead-letters the event.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sync_streams.errors import SyncStreamsError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 10.0
    jitter: float = 0.2

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Delay before retry number ``attempt`` (1-based); ``Retry-After`` wins."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay * 6)
        raw = min(self.base_delay * (2.0 ** (attempt - 1)), self.max_delay)
        return raw * (1 + random.uniform(-self.jitter, self.jitter))


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    on_retry: Callable[[SyncStreamsError, float], None] | None = None,
) -> T:
    """Run ``call``; on an error whose ``retriable`` flag is set, wait and try again."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except SyncStreamsError as exc:
            if not exc.retriable or attempt >= policy.attempts:
                raise
            delay = policy.delay(attempt, getattr(exc, "retry_after", None))
            if on_retry is not None:
                on_retry(exc, delay)
            await sleep(delay)
