"""A served tenant's series exist at zero before its first event."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from sync_streams.domain.events import KNOWN_STAGES
from sync_streams.observability.metrics import DIRECTIONS, OUTCOMES, WorkerMetrics


def _series(metrics: WorkerMetrics) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            if sample.name.endswith("_created"):  # creation timestamps, not counts
                continue
            assert sample.value == 0 or sample.name == "sync_streams_worker_ready"
            found.setdefault(sample.name, []).append(sample.labels)
    return found


def test_init_tenant_creates_every_outcome_direction_and_stage_at_zero() -> None:
    metrics = WorkerMetrics()
    metrics.init_tenant("acme-prod")
    series = _series(metrics)

    events = {(s["direction"], s["outcome"]) for s in series["sync_streams_events_total"]}
    assert events == {(d, o) for d in DIRECTIONS for o in OUTCOMES}
    stages = {s["stage"] for s in series["sync_streams_dead_letters_total"]}
    assert stages == set(KNOWN_STAGES)
    assert {s["direction"] for s in series["sync_streams_conflicts_total"]} == set(DIRECTIONS)
    assert {s["direction"] for s in series["sync_streams_sync_lag_seconds_count"]} == set(
        DIRECTIONS
    )
    assert all(
        s["tenant"] == "acme-prod" for samples in series.values() for s in samples if "tenant" in s
    )


def test_init_tenant_keeps_counts_already_made() -> None:
    metrics = WorkerMetrics()
    metrics.events.labels("acme-prod", "import", "applied").inc(3)
    metrics.init_tenant("acme-prod")
    metrics.init_tenant("acme-prod")
    labels = {"tenant": "acme-prod", "direction": "import", "outcome": "applied"}
    assert metrics.registry.get_sample_value("sync_streams_events_total", labels) == 3


def test_gauges_without_a_meaningful_zero_are_not_invented() -> None:
    metrics = WorkerMetrics()
    metrics.init_tenant("acme-prod")
    series = _series(metrics)
    assert "sync_streams_poller_last_success_timestamp_seconds" not in series
    assert "sync_streams_api_quota_remaining" not in series
