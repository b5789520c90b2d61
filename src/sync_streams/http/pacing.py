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
from dataclasses import dataclass

Clock = Callable[[], float]

SECOND = 1.0
MINUTE = 60.0


@dataclass
class _Budget:
    """What the server last said is left in one window, and until when that holds."""

    remaining: int
    until: float


class QuotaPacer:
    """Sliding-window limiter for ``per_second`` and ``per_minute`` calls.

    The server's remaining-quota headers, when present, tighten the local view
    (another process may share the account): after a response says ``r`` calls
    are left in the current second (minute), at most ``r`` more calls start before
    that window can have reset.  The newest observation wins, so the budget also
    loosens again as soon as the server says so.  A 429 pauses every caller until
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
        self._second_budget: _Budget | None = None
        self._minute_budget: _Budget | None = None
        self._lock = asyncio.Lock()
        self.waited_seconds = 0.0

    @property
    def paused_until(self) -> float:
        """Clock time before which no call goes out (0.0 when never paused)."""
        return self._paused_until

    def _delay(self, now: float) -> float:
        """Seconds to wait before one more call may go out."""
        while self._sent and now - self._sent[0] >= MINUTE:
            self._sent.popleft()
        delay = max(0.0, self._paused_until - now)
        if self.per_second:
            recent = [t for t in self._sent if now - t < SECOND]
            if len(recent) >= self.per_second:
                idx = len(recent) - int(self.per_second)
                delay = max(delay, recent[idx] + SECOND - now)
        if self.per_minute and len(self._sent) >= self.per_minute:
            idx = len(self._sent) - int(self.per_minute)
            delay = max(delay, self._sent[idx] + MINUTE - now)
        for budget in (self._second_budget, self._minute_budget):
            if budget is not None and budget.remaining <= 0 and now < budget.until:
                delay = max(delay, budget.until - now)
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
            now = self._clock()
            self._sent.append(now)
            for budget in (self._second_budget, self._minute_budget):
                if budget is not None and now < budget.until:
                    budget.remaining -= 1

    def observe(self, headers: Mapping[str, str]) -> None:
        """Tighten (or loosen) the window from the server's ``X-Quota-Remaining-*`` headers.

        The server's windows are not aligned with our clock, so "until the window
        resets" is taken conservatively: one second for the per-second quota, and
        for the per-minute quota the moment our oldest call of the last minute
        leaves a sliding window (a full minute when we made none).
        """
        now = self._clock()
        second = _as_int(headers.get("x-quota-remaining-by-second"))
        minute = _as_int(headers.get("x-quota-remaining-by-minute"))
        if second is not None:
            self._second_budget = _Budget(max(second, 0), now + SECOND)
        if minute is not None:
            self._minute_budget = _Budget(max(minute, 0), self._minute_reset(now))

    def _minute_reset(self, now: float) -> float:
        recent = [t for t in self._sent if now - t < MINUTE]
        return (recent[0] + MINUTE) if recent else now + MINUTE

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
