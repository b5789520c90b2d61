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
SATURATED_SHARE = 0.2
"""Share of a poll interval the tenant's calls must have spent waiting for the quota for
its polls to yield (``saturated``): a burst of writes does not delay them, a backfill
that keeps the quota in full use does."""
SLIDING_MARGIN = 0.05
"""Kept after a call leaves a sliding window before the next one: the server stamps
calls when they arrive, and two calls' latencies differ by a few milliseconds."""


@dataclass
class _Budget:
    """What the server last said is left in one window, and until when that holds."""

    remaining: int
    until: float
    then: _Budget | None = None
    """What holds from ``until`` on (a sliding window frees one call at a time)."""

    def current(self, now: float) -> _Budget | None:
        """The budget that applies at ``now`` (None: none is known any more)."""
        budget: _Budget | None = self
        while budget is not None and now >= budget.until:
            budget = budget.then
        return budget


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
        sliding: bool = False,
    ) -> None:
        """``sliding``: the server's per-second window slides (Altior's contract), so a
        call leaves it one second after it was made; else (Sellsy) an exhausted window
        is assumed to reset only a full second after the server said so."""
        self.per_second = per_second
        self.sliding = sliding
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep or asyncio.sleep
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._second_budget: _Budget | None = None
        self._minute_budget: _Budget | None = None
        self._lock = asyncio.Lock()
        self.waited_seconds = 0.0
        self._waits: deque[tuple[float, float]] = deque()
        """(when a call was let go, how long it had waited), for ``saturated``."""

    @property
    def paused_until(self) -> float:
        """Clock time before which no call goes out (0.0 when never paused)."""
        return self._paused_until

    def saturated(self, within: float, share: float = SATURATED_SHARE) -> bool:
        """Whether callers spent at least ``share`` of the last ``within`` seconds waiting
        for the quota: it is in steady full use (a backfill), not just hit by a burst,
        and one more optional call (a poll) would take a slot from a waiting one
        (docs/performance.md, P3)."""
        now = self._clock()
        waited = sum(delay for at, delay in self._waits if now - at < within)
        return waited >= share * within

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
        for known in (self._second_budget, self._minute_budget):
            budget = known.current(now) if known is not None else None
            if budget is not None and budget.remaining <= 0:
                delay = max(delay, budget.until - now)
        return delay

    async def acquire(self) -> None:
        """Wait until a call is allowed, then account for it."""
        async with self._lock:
            waited_before = self.waited_seconds
            while True:
                delay = self._delay(self._clock())
                if delay <= 0:
                    break
                self.waited_seconds += delay
                result = self._sleep(delay)
                if asyncio.iscoroutine(result):
                    await result
            now = self._clock()
            if self.waited_seconds > waited_before:
                self._waits.append((now, self.waited_seconds - waited_before))
            while self._waits and now - self._waits[0][0] >= MINUTE:
                self._waits.popleft()  # bounded even when nobody asks ``saturated``
            self._sent.append(now)
            for known in (self._second_budget, self._minute_budget):
                budget = known.current(now) if known is not None else None
                if budget is not None:
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
            self._second_budget = self._second_window(max(second, 0), now)
        if minute is not None:
            self._minute_budget = _Budget(max(minute, 0), self._minute_reset(now))

    def _second_window(self, remaining: int, now: float) -> _Budget:
        """The per-second budget after the server said ``remaining``.

        A sliding window with nothing left frees its first call when the oldest call
        it counted is a second old: at the latest, our own oldest call of the second
        before the server counted (the server's is no younger; it may be past already).
        Waiting a full second from the answer instead lost the round trips, a fifth of
        the quota or more for a serial writer
        (docs/performance.md, P3).  Only that one call is let through before the
        server's next answer says more.
        """
        full = _Budget(remaining, now + SECOND)
        if not self.sliding or remaining > 0 or not self._sent:
            return full
        counted_at = self._sent[-1]  # about when the server counted (our latest call)
        window = [t for t in self._sent if counted_at - t < SECOND]
        return _Budget(0, window[0] + SECOND + SLIDING_MARGIN, then=_Budget(1, full.until))

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
