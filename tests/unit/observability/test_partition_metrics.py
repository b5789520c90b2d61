"""Consumer lag per partition and the tenant/partition join the dashboard relies on."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from sync_streams.kafka.partitioning import partition_of
from sync_streams.observability.metrics import WorkerMetrics
from sync_streams.observability.partitions import PartitionLag, lag_of, partition_lags, record

TOPIC = "sync-streams.changes.sellsy"
PARTITIONS = 8


def _samples(metrics: WorkerMetrics, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def _tenants_on(partition: int, count: int) -> list[str]:
    names = (f"tenant-{i}" for i in range(10_000))
    return [t for t in names if partition_of(t, PARTITIONS) == partition][:count]


def test_lag_is_end_offset_minus_committed_and_never_negative() -> None:
    assert lag_of(120, 100) == 20
    assert lag_of(100, 100) == 0
    assert lag_of(100, None) == 100
    assert lag_of(None, 5) is None
    assert lag_of(10, 12) == 0


def test_only_the_change_topics_count() -> None:
    lags = partition_lags(
        [(TOPIC, 1), ("app-id-records-changelog", 1), (TOPIC, 0)],
        {(TOPIC, 0): 10, (TOPIC, 1): 7, ("app-id-records-changelog", 1): 99},
        {(TOPIC, 0): 4},
        topics={TOPIC},
    )
    assert lags == [PartitionLag(TOPIC, 0, 6), PartitionLag(TOPIC, 1, 7)]


def test_each_tenant_of_an_assigned_partition_is_published_with_it() -> None:
    metrics = WorkerMetrics()
    two_on_3 = _tenants_on(3, 2)
    elsewhere = _tenants_on(5, 1)
    record(metrics, [PartitionLag(TOPIC, 3, 42)], [*two_on_3, *elsewhere], PARTITIONS)

    assert _samples(metrics, "sync_streams_consumer_lag_messages") == {
        (("partition", "3"), ("topic", TOPIC)): 42.0
    }
    info = _samples(metrics, "sync_streams_tenant_partition_info")
    assert info == {(("partition", "3"), ("tenant", t), ("topic", TOPIC)): 1.0 for t in two_on_3}


def test_a_partition_lost_in_a_rebalance_disappears() -> None:
    metrics = WorkerMetrics()
    tenant_3, tenant_5 = _tenants_on(3, 1)[0], _tenants_on(5, 1)[0]
    record(metrics, [PartitionLag(TOPIC, 3, 1), PartitionLag(TOPIC, 5, 2)],
           [tenant_3, tenant_5], PARTITIONS)  # fmt: skip
    record(metrics, [PartitionLag(TOPIC, 5, 0)], [tenant_3, tenant_5], PARTITIONS)

    assert set(_samples(metrics, "sync_streams_consumer_lag_messages")) == {
        (("partition", "5"), ("topic", TOPIC))
    }
    tenants = {dict(k)["tenant"] for k in _samples(metrics, "sync_streams_tenant_partition_info")}
    assert tenants == {tenant_5}


def test_unknown_end_offset_publishes_the_tenants_but_no_lag() -> None:
    metrics = WorkerMetrics()
    tenant = _tenants_on(2, 1)[0]
    record(metrics, [PartitionLag(TOPIC, 2, None)], [tenant], PARTITIONS)
    assert _samples(metrics, "sync_streams_consumer_lag_messages") == {}
    assert len(_samples(metrics, "sync_streams_tenant_partition_info")) == 1
