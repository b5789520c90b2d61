"""Timestamps: stored as UTC microseconds, shown as Sellsy shows them.

Sellsy answers in Paris local time with an explicit offset (``+01:00`` /
``+02:00``); the sandbox does the same, with microseconds, which the spec's
``date-time`` format allows.  The clock never returns the same instant twice,
so every write gets a distinct, strictly increasing ``updated_at``.
"""

from __future__ import annotations

import datetime as dt
import time

try:
    from zoneinfo import ZoneInfo

    PARIS: dt.tzinfo = ZoneInfo("Europe/Paris")
except Exception:  # pragma: no cover - hosts without a tz database
    PARIS = dt.UTC

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Clock:
    """Strictly increasing wall-clock microseconds (one per write)."""

    def __init__(self) -> None:
        self._last = 0

    def now_us(self) -> int:
        now = time.time_ns() // 1000
        if now <= self._last:
            now = self._last + 1
        self._last = now
        return now


def to_iso(us: int) -> str:
    """Microseconds since the epoch -> ``2024-05-02T10:11:12.345678+02:00``."""
    moment = _EPOCH + dt.timedelta(microseconds=us)
    return moment.astimezone(PARIS).isoformat(timespec="microseconds")


def to_us(moment: dt.datetime) -> int:
    """An aware (or Paris-local naive) datetime -> microseconds since the epoch."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def parse_iso(value: str) -> int:
    """ISO 8601 text (``Z`` or offset, optional fraction) -> microseconds; ValueError if bad."""
    return to_us(dt.datetime.fromisoformat(value))


def date_to_us(value: dt.date, *, end_of_day: bool = False) -> int:
    """A calendar day in Paris -> its first (or last) microsecond."""
    clock = dt.time.max if end_of_day else dt.time.min
    return to_us(dt.datetime.combine(value, clock, tzinfo=PARIS))
