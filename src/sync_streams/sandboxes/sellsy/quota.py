"""Per-account request quotas, counted like Sellsy counts them.

Fixed calendar windows (second, minute, day, month, UTC), one counter set per
account.  Every API request of the account counts, including failed and
refused ones ("the quotas are counted on each request, even in the event of an
error").  Counters live in memory: a restart gives every account a fresh quota.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from sync_streams.sandboxes.sellsy.settings import UNLIMITED_REMAINING, Quota

WINDOWS = ("second", "minute", "day", "month")
HEADER_NAMES = {
    "second": "X-Quota-Remaining-By-Second",
    "minute": "X-Quota-Remaining-By-Minute",
    "day": "X-Quota-Remaining-By-Day",
    "month": "X-Quota-Remaining-By-Month",
}


@dataclass
class QuotaDecision:
    allowed: bool
    remaining: dict[str, int]
    exhausted: str | None = None
    retry_after: int = 0

    def headers(self) -> dict[str, str]:
        return {HEADER_NAMES[w]: str(self.remaining[w]) for w in WINDOWS}


def _window_ids(now_us: int) -> dict[str, int]:
    seconds = now_us // 1_000_000
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return {
        "second": seconds,
        "minute": seconds // 60,
        "day": seconds // 86_400,
        "month": moment.year * 12 + moment.month,
    }


def _seconds_left(window: str, now_us: int) -> int:
    """Whole seconds until ``window`` rolls over (at least 1): the ``Retry-After``."""
    seconds = now_us / 1_000_000
    if window == "second":
        return 1
    if window == "minute":
        return max(1, int(60 - seconds % 60 + 0.999))
    if window == "day":
        return max(1, int(86_400 - seconds % 86_400 + 0.999))
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    days = calendar.monthrange(moment.year, moment.month)[1]
    month_end = moment.replace(day=days, hour=23, minute=59, second=59, microsecond=999_999)
    return max(1, int((month_end - moment).total_seconds() + 0.999))


def _limit(quota: Quota, window: str) -> int:
    limit: int = getattr(quota, f"per_{window}")
    return limit


@dataclass
class _Counters:
    window_ids: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


class QuotaTracker:
    """Counts requests per account and decides 429s."""

    def __init__(self) -> None:
        self._accounts: dict[int, _Counters] = {}

    def _roll(self, account_id: int, now_us: int) -> _Counters:
        counters = self._accounts.setdefault(account_id, _Counters())
        for window, ident in _window_ids(now_us).items():
            if counters.window_ids.get(window) != ident:
                counters.window_ids[window] = ident
                counters.counts[window] = 0
        return counters

    def consume(self, account_id: int, quota: Quota, now_us: int) -> QuotaDecision:
        """Count one request; refuse it if any window is over its limit."""
        counters = self._roll(account_id, now_us)
        for window in WINDOWS:
            counters.counts[window] += 1
        return self._decide(counters, quota, now_us)

    def peek(self, account_id: int, quota: Quota, now_us: int) -> QuotaDecision:
        """The current state without counting (for admin reads)."""
        return self._decide(self._roll(account_id, now_us), quota, now_us)

    def forget(self, account_id: int | None = None) -> None:
        if account_id is None:
            self._accounts.clear()
        else:
            self._accounts.pop(account_id, None)

    @staticmethod
    def _decide(counters: _Counters, quota: Quota, now_us: int) -> QuotaDecision:
        remaining: dict[str, int] = {}
        exhausted: str | None = None
        retry_after = 0
        for window in WINDOWS:
            limit = _limit(quota, window)
            if limit == 0:
                remaining[window] = UNLIMITED_REMAINING
                continue
            used = counters.counts.get(window, 0)
            remaining[window] = max(0, limit - used)
            if used > limit:
                wait = _seconds_left(window, now_us)
                if wait > retry_after:
                    exhausted, retry_after = window, wait
        return QuotaDecision(exhausted is None, remaining, exhausted, retry_after)
