"""Plain aiokafka readers and writers for the ops commands (no consumer group).

Ops commands read a bounded range of a topic (from an offset or a time up to the
end offsets seen when they started) and never commit anything: they must not
disturb the workers' consumer group, and re-running one reads the same data.
Bounding the range by the end offsets taken at start matters for replay and
requeue, which write to the topics they read: they never read their own output.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from sync_streams.errors import FatalError
from sync_streams.kafka.admin import bootstrap_servers
from sync_streams.ops.timespec import from_millis, to_millis

STALL_SECONDS = 30.0
"""A range read that makes no progress this long fails instead of hanging."""


@asynccontextmanager
async def reader(broker: str) -> AsyncIterator[AIOKafkaConsumer]:
    """A started consumer without group (nothing committed, nobody rebalanced)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers(broker),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=15000,
    )
    try:
        await consumer.start()
    except KafkaError as exc:
        await consumer.stop()
        raise FatalError(f"cannot reach Kafka at {broker}: {exc}") from exc
    try:
        yield consumer
    finally:
        await consumer.stop()


@asynccontextmanager
async def writer(broker: str) -> AsyncIterator[AIOKafkaProducer]:
    """A started producer waiting for every in-sync replica (acks=all)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers(broker), acks="all", request_timeout_ms=15000
    )
    try:
        await producer.start()
    except KafkaError as exc:
        await producer.stop()
        raise FatalError(f"cannot reach Kafka at {broker}: {exc}") from exc
    try:
        yield producer
    finally:
        await producer.stop()


async def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """Every partition of ``topic``; FatalError naming the fix when it does not exist."""
    numbers = await partition_numbers(consumer, topic)
    if not numbers:
        raise FatalError(
            f"topic {topic} does not exist on this cluster (wrong --prefix? "
            "create it with `sync-streams topics apply`)"
        )
    return [TopicPartition(topic, number) for number in numbers]


async def partition_numbers(consumer: AIOKafkaConsumer, topic: str) -> list[int]:
    """Partition numbers of ``topic`` from fresh metadata (empty when it does not exist).

    A consumer without subscription tracks no topic, so ``partitions_for_topic``
    knows nothing; ``consumer.topics()`` fetches a separate metadata snapshot and
    returns only names.  The client's ``fetch_all_metadata`` (aiokafka is pinned)
    returns that snapshot with the partitions.
    """
    cluster = await consumer._client.fetch_all_metadata()
    return sorted(cluster.partitions_for_topic(topic) or ())


@dataclass(frozen=True)
class Span:
    """Offsets ``[start, end)`` of one partition to read."""

    start: int
    end: int

    @property
    def size(self) -> int:
        return max(0, self.end - self.start)


async def spans(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], since: datetime | None = None
) -> dict[TopicPartition, Span]:
    """From the first offset at or after ``since`` (all retained if None) to the end now."""
    if not partitions:
        return {}
    ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    starts: dict[TopicPartition, int] = await consumer.beginning_offsets(partitions)
    if since is not None:
        found = await consumer.offsets_for_times({tp: to_millis(since) for tp in partitions})
        for tp in partitions:
            hit = found.get(tp)
            # None: no message at or after ``since`` in this partition: nothing to read.
            starts[tp] = max(starts[tp], hit.offset) if hit is not None else ends[tp]
    return {tp: Span(starts[tp], ends[tp]) for tp in partitions}


async def read_spans(
    consumer: AIOKafkaConsumer,
    ranges: dict[TopicPartition, Span],
    *,
    stall_seconds: float = STALL_SECONDS,
) -> AsyncGenerator[Any, None]:
    """Every record of ``ranges`` (per partition in offset order), then stop."""
    pending = {tp for tp, span in ranges.items() if span.size > 0}
    if not pending:
        return
    consumer.assign(sorted(pending))
    for tp in pending:
        consumer.seek(tp, ranges[tp].start)
    last_progress = time.monotonic()
    while pending:
        batch = await consumer.getmany(*sorted(pending), timeout_ms=500)
        for tp, records in batch.items():
            for record in records:
                if record.offset < ranges[tp].end:
                    yield record
        progressed = any(batch.values())
        for tp in sorted(pending):
            if await consumer.position(tp) >= ranges[tp].end:
                pending.discard(tp)
                progressed = True
        if progressed:
            last_progress = time.monotonic()
        elif time.monotonic() - last_progress > stall_seconds:
            where = ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(pending))
            raise FatalError(f"reading {where} made no progress for {stall_seconds:.0f}s")


async def oldest_retained(
    consumer: AIOKafkaConsumer, tp: TopicPartition
) -> tuple[int, datetime | None]:
    """Log start offset of ``tp`` and the timestamp of its oldest message (None: empty).

    A start offset above 0 means retention (or a records deletion) dropped older data.
    """
    span = (await spans(consumer, [tp]))[tp]
    async with aclosing(read_spans(consumer, {tp: span})) as records:
        async for record in records:
            return span.start, from_millis(record.timestamp)
    return span.start, None
