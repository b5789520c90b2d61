"""What the sync did recently, per tenant, flow and direction, inside one worker.

Prometheus counters only grow since the worker started; "events applied in the
last hour" and "p95 sync lag over the last hour" need a window.  Prometheus
answers those for the dashboards, but ``sync-streams status`` must work without
a Prometheus, so the worker keeps a small ring of per-minute counts: 60 slots
per key, a few kilobytes per tenant.

The event metrics carry no ``flow`` label (dashboards do not need one); here the
flow is derived from the entity of the event, so the status can say which flow
did what.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

WINDOW_MINUTES = 60

FLOW_OF_ENTITY: dict[str, str] = {
    # Sellsy
    "company": "third_parties",
    "individual": "third_parties",
    "contact": "third_parties",
    "opportunity": "deals",
    # Altior
    "third_party": "third_parties",
    "altior_contact": "third_parties",
    "affaire": "deals",
    "quote": "deals",
    "order": "deals",
    "affaire_closure": "deals",
}

OTHER_FLOW = "other"
"""Flow of an entity this table does not know yet (shown as such, never dropped)."""


def flow_of(entity: str | None) -> str:
    """The tenant flow a record entity belongs to (``other`` when unknown)."""
    if entity is None:
        return OTHER_FLOW
    return FLOW_OF_ENTITY.get(entity, OTHER_FLOW)


Key = tuple[str, ...]


@dataclass
class MinuteCounts:
    """Counts per key: since start, and per minute over the last ``minutes`` minutes."""

    minutes: int = WINDOW_MINUTES
    clock: Callable[[], float] = time.time
    _total: dict[Key, float] = field(default_factory=dict)
    _slots: dict[Key, dict[int, float]] = field(default_factory=dict)

    def add(self, key: Key, amount: float = 1.0) -> None:
        now = self._minute()
        self._total[key] = self._total.get(key, 0.0) + amount
        slots = self._slots.setdefault(key, {})
        slots[now] = slots.get(now, 0.0) + amount
        for minute in [m for m in slots if m <= now - self.minutes]:
            del slots[minute]

    def recent(self, key: Key) -> float:
        """The count over the last ``minutes`` minutes (the current one included)."""
        oldest = self._minute() - self.minutes
        return sum(n for m, n in self._slots.get(key, {}).items() if m > oldest)

    def total(self, key: Key) -> float:
        return self._total.get(key, 0.0)

    def known(self) -> list[Key]:
        """Every key counted since start."""
        return list(self._total)

    def _minute(self) -> int:
        return int(self.clock() // 60)


@dataclass(frozen=True)
class LagHistogram:
    """Sync lag observations per bucket (not cumulative); ``counts[-1]`` is above the last bound."""

    bounds: tuple[float, ...]
    counts: tuple[int, ...]

    @property
    def samples(self) -> int:
        return sum(self.counts)

    def quantile(self, q: float) -> float | None:
        return histogram_quantile(q, self.bounds, self.counts)

    def __add__(self, other: LagHistogram) -> LagHistogram:
        if other.bounds != self.bounds:
            raise ValueError("histograms with different buckets cannot be added")
        return LagHistogram(
            self.bounds, tuple(a + b for a, b in zip(self.counts, other.counts, strict=True))
        )


def histogram_quantile(q: float, bounds: Sequence[float], counts: Sequence[int]) -> float | None:
    """Estimate the ``q`` quantile as Prometheus' ``histogram_quantile`` does.

    Linear interpolation inside the bucket where the rank falls, the first bucket
    starting at 0; a rank in the overflow bucket answers the highest bound.  None
    without observations.
    """
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    seen = 0.0
    for index, upper in enumerate(bounds):
        count = counts[index]
        if seen + count >= rank and count > 0:
            lower = bounds[index - 1] if index > 0 else 0.0
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
    return float(bounds[-1])


class RecentActivity:
    """Outcomes and sync lag per (tenant, flow, direction): since start and last hour."""

    def __init__(
        self,
        lag_bounds: Iterable[float],
        *,
        minutes: int = WINDOW_MINUTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lag_bounds = tuple(float(b) for b in lag_bounds)
        self.minutes = minutes
        self.outcomes = MinuteCounts(minutes, clock)
        self.lags = MinuteCounts(minutes, clock)

    def count(self, tenant: str, flow: str, direction: str, outcome: str, n: int = 1) -> None:
        self.outcomes.add((tenant, flow, direction, outcome), n)

    def observe_lag(self, tenant: str, flow: str, direction: str, seconds: float) -> None:
        bucket = next(
            (i for i, bound in enumerate(self.lag_bounds) if seconds <= bound),
            len(self.lag_bounds),
        )
        self.lags.add((tenant, flow, direction, str(bucket)))

    def outcome_counts(
        self, tenant: str, flow: str, direction: str, *, recent: bool
    ) -> dict[str, int]:
        """Outcome -> events (only outcomes that happened)."""
        counts: dict[str, int] = {}
        for key in self.outcomes.known():
            if key[:3] == (tenant, flow, direction):
                value = self.outcomes.recent(key) if recent else self.outcomes.total(key)
                if value:
                    counts[key[3]] = int(value)
        return counts

    def lag(self, tenant: str, flow: str, direction: str, *, recent: bool) -> LagHistogram:
        read = self.lags.recent if recent else self.lags.total
        counts = tuple(
            int(read((tenant, flow, direction, str(i)))) for i in range(len(self.lag_bounds) + 1)
        )
        return LagHistogram(self.lag_bounds, counts)

    def flows(self, tenant: str) -> set[str]:
        """The flows that counted something for ``tenant``."""
        return {key[1] for key in self.outcomes.known() + self.lags.known() if key[0] == tenant}
