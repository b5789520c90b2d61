"""The last-hour window of outcomes and sync lag, and the p95 estimate."""

from __future__ import annotations

import pytest

from sync_streams.observability.metrics import LAG_BUCKETS, WorkerMetrics
from sync_streams.observability.recent import (
    LagHistogram,
    MinuteCounts,
    RecentActivity,
    flow_of,
    histogram_quantile,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def minutes(self, n: float) -> None:
        self.now += n * 60


BOUNDS = (1.0, 2.0, 5.0)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # all in the first bucket: interpolated from 0 to its bound
        ((10, 0, 0, 0), 0.95),
        # all in (2, 5]: 2 + 3 * 0.95
        ((0, 0, 10, 0), 4.85),
        # rank 19 of 20 falls in (2, 5], first of its 10: 2 + 3 * (19 - 10) / 10
        ((5, 5, 10, 0), 4.7),
        # above the last bound: Prometheus answers the highest finite bound
        ((1, 0, 0, 99), 5.0),
    ],
)
def test_quantile_is_estimated_like_prometheus_histogram_quantile(
    counts: tuple[int, ...], expected: float
) -> None:
    assert histogram_quantile(0.95, BOUNDS, counts) == pytest.approx(expected)


def test_no_observation_has_no_quantile() -> None:
    assert histogram_quantile(0.95, BOUNDS, (0, 0, 0, 0)) is None


def test_histograms_of_two_workers_add_up() -> None:
    total = LagHistogram(BOUNDS, (1, 0, 0, 0)) + LagHistogram(BOUNDS, (0, 0, 3, 1))
    assert total.counts == (1, 0, 3, 1)
    assert total.samples == 5
    with pytest.raises(ValueError):
        _ = total + LagHistogram((1.0,), (0, 0))


def test_minute_counts_forget_what_is_older_than_the_window() -> None:
    clock = Clock()
    counts = MinuteCounts(minutes=60, clock=clock)
    counts.add(("acme", "applied"), 2)
    clock.minutes(30)
    counts.add(("acme", "applied"))
    assert counts.recent(("acme", "applied")) == 3
    clock.minutes(31)  # the first two are 61 minutes old now
    assert counts.recent(("acme", "applied")) == 1
    assert counts.total(("acme", "applied")) == 3
    clock.minutes(60)
    assert counts.recent(("acme", "applied")) == 0
    assert counts.recent(("globex", "applied")) == 0


def test_lag_observations_land_in_the_buckets_of_the_prometheus_histogram() -> None:
    clock = Clock()
    recent = RecentActivity(BOUNDS, clock=clock)
    for seconds in (0.2, 1.0, 1.5, 4.0, 30.0):
        recent.observe_lag("acme", "third_parties", "import", seconds)
    assert recent.lag("acme", "third_parties", "import", recent=True).counts == (2, 1, 1, 1)
    clock.minutes(61)
    recent.observe_lag("acme", "third_parties", "import", 3.0)
    assert recent.lag("acme", "third_parties", "import", recent=True).counts == (0, 0, 1, 0)
    assert recent.lag("acme", "third_parties", "import", recent=False).samples == 6
    assert recent.lag("acme", "third_parties", "export", recent=True).samples == 0


def test_flow_follows_the_entity_of_the_event() -> None:
    for entity in ("company", "individual", "contact", "third_party", "altior_contact"):
        assert flow_of(entity) == "third_parties"
    for entity in ("opportunity", "affaire", "quote", "order"):
        assert flow_of(entity) == "deals"
    assert flow_of("invoice") == "other"
    assert flow_of(None) == "other"


def test_worker_metrics_count_feeds_prometheus_and_the_window() -> None:
    metrics = WorkerMetrics()
    metrics.count("acme", "import", "applied", entity="company")
    metrics.count("acme", "import", "applied", entity="opportunity")
    metrics.count("acme", "export", "echo", entity="third_party")
    metrics.observe_lag("acme", "import", 3.0, entity="company")

    sample = metrics.registry.get_sample_value
    labels = {"tenant": "acme", "direction": "import", "outcome": "applied"}
    assert sample("sync_streams_events_total", labels) == 2
    assert sample("sync_streams_sync_lag_seconds_count", {"tenant": "acme", "direction": "import"})
    recent = metrics.recent
    assert recent.outcome_counts("acme", "third_parties", "import", recent=True) == {"applied": 1}
    assert recent.outcome_counts("acme", "deals", "import", recent=True) == {"applied": 1}
    assert recent.outcome_counts("acme", "third_parties", "export", recent=True) == {"echo": 1}
    lag = recent.lag("acme", "third_parties", "import", recent=True)
    assert lag.bounds == tuple(float(b) for b in LAG_BUCKETS)
    assert lag.samples == 1
    assert recent.flows("acme") == {"third_parties", "deals"}
