"""Proactive request pacing against a per-account quota.

Sellsy (and, by our contract, Altior) count calls per account per second and per
minute, and tell what is left in ``X-Quota-Remaining-By-Second|Minute`` headers.
Waiting *before* a call costs less than a 429: failed calls count against the
quota too.  One ``QuotaPacer`` is shared by every tenant that uses the same
account, and a pacer only ever makes its own callers wait, so one tenant's
exhausted quota never blocks another tenant.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping

Clock = Callable[[], float]


class QuotaPacer:
    """Sliding-window limiter for ``per_second`` and ``per_minute`` calls.

    The server's remaining-quota headers, when present, tighten the local view
    (another process may share the account); a 429 pauses every caller until
    ``Retry-After`` has passed.
    """

    def __init__(
        self,
        per_second: float | None = 5.0,
        per_minute: float | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.per_second = per_second
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep or asyncio.sleep
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self.waited_seconds = 0.0

    def _delay(self, now: float) -> float:
        """Seconds to wait before one more call may go out."""
        while self._sent and now - self._sent[0] >= 60.0:
            self._sent.popleft()
        delay = max(0.0, self._paused_until - now)
        if self.per_second:
            recent = [t for t in self._sent if now - t < 1.0]
            if len(recent) >= self.per_second:
                idx = len(recent) - int(self.per_second)
                delay = max(delay, recent[idx] + 1.0 - now)
        if self.per_minute and len(self._sent) >= self.per_minute:
            idx = len(self._sent) - int(self.per_minute)
            delay = max(delay, self._sent[idx] + 60.0 - now)
        return delay

    async def acquire(self) -> None:
        """Wait until a call is allowed, then account for it."""
        async with self._lock:
            while True:
                delay = self._delay(self._clock())
                if delay <= 0:
                    break
                self.waited_seconds += delay
                result = self._sleep(delay)
                if asyncio.iscoroutine(result):
                    await result
            self._sent.append(self._clock())

    def observe(self, headers: Mapping[str, str]) -> None:
        """Tighten the window from the server's ``X-Quota-Remaining-*`` headers."""
        now = self._clock()
        second = _as_int(headers.get("x-quota-remaining-by-second"))
        minute = _as_int(headers.get("x-quota-remaining-by-minute"))
        if second is not None and second <= 0:
            self._paused_until = max(self._paused_until, now + 1.0)
        if minute is not None and minute <= 0:
            self._paused_until = max(self._paused_until, now + 60.0 - (now % 60.0))

    def pause(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` (after a 429)."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))


def _as_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
