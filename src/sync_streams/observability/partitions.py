"""Consumer lag per partition, and which tenants live in each partition.

Kafka's lag is per partition, but the platform team thinks in tenants: a
partition behind means every tenant keyed to it is behind.  A worker timer
publishes, for the change-topic partitions this worker is assigned, the lag
(end offset minus committed offset) and one ``tenant_partition_info`` series per
tenant of that partition, so a dashboard can join the two on
``(topic, partition)`` and filter by tenant.  Series of partitions this worker
lost in a rebalance are dropped at the next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sync_streams.kafka.partitioning import partition_of
from sync_streams.observability.metrics import WorkerMetrics

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class PartitionLag:
    """Lag of one assigned partition; ``lag`` is None while its end offset is unknown."""

    topic: str
    partition: int
    lag: int | None


def lag_of(end_offset: int | None, committed: int | None) -> int | None:
    """Messages in ``[committed, end_offset)``; all of them when nothing is committed yet."""
    if end_offset is None:
        return None
    return max(0, end_offset - (committed or 0))


def partition_lags(
    assigned: Iterable[tuple[str, int]],
    end_offsets: Mapping[tuple[str, int], int | None],
    committed: Mapping[tuple[str, int], int | None],
    topics: Collection[str],
) -> list[PartitionLag]:
    """The lag of each assigned partition of ``topics`` (others, e.g. changelogs, ignored)."""
    return sorted(
        PartitionLag(tp[0], tp[1], lag_of(end_offsets.get(tp), committed.get(tp)))
        for tp in assigned
        if tp[0] in topics
    )


def record(
    metrics: WorkerMetrics,
    lags: Iterable[PartitionLag],
    tenants: Iterable[str],
    partitions: int,
) -> None:
    """Replace the lag and tenant/partition series with the current assignment."""
    lags = list(lags)
    by_partition: dict[int, list[str]] = {}
    for tenant in tenants:
        by_partition.setdefault(partition_of(tenant, partitions), []).append(tenant)
    metrics.consumer_lag.clear()
    metrics.tenant_partition.clear()
    for item in lags:
        if item.lag is not None:
            metrics.consumer_lag.labels(item.topic, str(item.partition)).set(item.lag)
        for tenant in by_partition.get(item.partition, ()):
            metrics.tenant_partition.labels(tenant, item.topic, str(item.partition)).set(1)


def install_partition_metrics(
    app: Any,
    metrics: WorkerMetrics,
    *,
    topics: Collection[str],
    tenants: Callable[[], Iterable[str]],
    partitions: int,
    interval: float = 5.0,
) -> None:
    """Register a Faust timer on ``app`` that calls :func:`record` every ``interval`` s.

    ``topics`` are the full names of the change topics; ``tenants`` returns the
    ids of every tenant the worker knows (ownership is computed here).
    """

    async def tick() -> None:
        consumer = app.consumer
        if consumer is None:
            return
        assigned = [(tp.topic, tp.partition) for tp in consumer.assignment()]
        ends: dict[tuple[str, int], int | None] = {}
        committed: dict[tuple[str, int], int | None] = {}
        # Faust keeps the offsets it committed per TP; not part of its typed API.
        committed_by_tp = getattr(consumer, "_committed_offset", {})
        for tp in consumer.assignment():
            if tp.topic not in topics:
                continue
            try:
                ends[(tp.topic, tp.partition)] = consumer.highwater(tp)
            except Exception:  # no fetch yet for a newly assigned partition
                ends[(tp.topic, tp.partition)] = None
            committed[(tp.topic, tp.partition)] = committed_by_tp.get(tp)
        record(metrics, partition_lags(assigned, ends, committed, topics), tenants(), partitions)

    app.timer(interval, name="partition-metrics")(tick)
