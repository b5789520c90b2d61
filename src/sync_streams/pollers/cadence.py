"""When a poller polls: at a fixed rate, each poller at its own phase.

A poller that slept its whole interval *after* each poll had a period of the
interval plus the poll's own duration; with 200 tenants on one worker, polls of
~3.8 s turned a 5 s interval into ~8.8 s and the lag p95 into 3 × the interval
(docs/performance.md, P1).  At a fixed rate the next poll is due one interval
after the previous one *started*; a poll that overruns its interval is followed
after a short rest by the next one, never by a burst of catch-up polls.

Fixed-rate loops started together would stay together: a worker's pollers start in
the same instant (one reconcile) and would then all fire in the same instant,
every interval.  Each poller gets a phase in the interval from a hash of its key,
so a worker's polls are spread evenly, and a restarted poller keeps its phase.
"""

from __future__ import annotations

import hashlib
import math


def phase_of(key: str) -> float:
    """A stable fraction in [0, 1) for ``key`` (uniform over keys)."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def first_start(now: float, interval: float, phase: float) -> float:
    """The first instant at or after ``now`` that is ``phase`` × ``interval`` past a
    multiple of ``interval`` (on the same monotonic clock as ``now``)."""
    offset = phase * interval
    return offset + math.ceil((now - offset) / interval) * interval


OVERRUN_REST = 0.2
"""After a poll that overran its interval, rest this share of the interval: the API
quota is the client's, shared with its other programs, and a poller whose polls are
slow (waiting for that quota) must not take all of it back to back."""


def next_start(started: float, interval: float, now: float) -> float:
    """Fixed rate: one interval after the previous start; soon after (a short rest)
    when the poll overran its interval -- the schedule then continues from this late
    start, so missed polls are skipped, not caught up."""
    return max(started + interval, now + OVERRUN_REST * interval)
