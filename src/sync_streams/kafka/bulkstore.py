"""A memory table store that reads a newly assigned changelog partition in bulk.

Faust's memory store rebuilds a table at each start by replaying its changelog through
the stream machinery, one message at a time: about 0.5 ms per message here, so a
worker with 1,000,000 id mappings took about 17 minutes to become ready
(docs/performance.md, P6).  This store reads each changelog partition it is given with
a plain aiokafka consumer, in large fetches, when the partition is assigned, and then
tells Faust's recovery the offset it reached (``persisted_offset``), so Faust replays
only what was written after that: the tail.

The values are decoded exactly as Faust's recovery decodes them (the changelog topic's
key and value serializers, then the table's ``_to_key``/``_to_value``), and deletions
(tombstones) are applied, so the table holds the same entries either way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

import faust.stores
from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.stores import memory
from faust.types import TP

from sync_streams.kafka.admin import bootstrap_servers

log = logging.getLogger(__name__)

SCHEME = "bulkmemory"
"""Store URL scheme (``bulkmemory://``): the worker's ``table_store: memory``."""

FETCH_RECORDS = 20_000
FETCH_BYTES = 64 * 1024 * 1024
STALL_FETCHES = 10
"""Empty fetches in a row (of up to 1 s each) after which the load stops; Faust's
recovery then replays the rest."""


class Store(memory.Store[Any, Any]):
    """Faust's memory store, loaded in bulk on assignment (see the module docstring)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._offsets: dict[TP, int] = {}

    def persisted_offset(self, tp: TP) -> int | None:
        """The last offset of ``tp`` already in memory (None: replay it all)."""
        return self._offsets.get(tp)

    def set_persisted_offset(self, tp: TP, offset: int) -> None:
        """Our own write of ``offset`` is in memory already."""
        if tp in self._offsets and offset > self._offsets[tp]:
            self._offsets[tp] = offset

    async def on_rebalance(
        self,
        assigned: set[TP],
        revoked: set[TP],
        newly_assigned: set[TP],
        generation_id: int = 0,
    ) -> None:
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)
        for tp in revoked:
            self._offsets.pop(tp, None)
        topics = self.table.changelog_topic.topics
        mine = sorted(tp for tp in newly_assigned if tp.topic in topics)
        if mine:
            await self._load(mine)

    async def _load(self, tps: list[TP]) -> None:
        started = time.monotonic()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers(str(self.app.conf.broker[0])),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=FETCH_BYTES,
            fetch_max_bytes=FETCH_BYTES,
        )
        await consumer.start()
        loaded = 0
        try:
            partitions = [TopicPartition(tp.topic, tp.partition) for tp in tps]
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            # an explicit seek: seek_to_beginning right after assign() could resolve to
            # the end (the default reset racing it), and nothing would be loaded
            starts = await consumer.beginning_offsets(partitions)
            for partition in partitions:
                consumer.seek(partition, starts[partition])
            self._forget_partitions({tp.partition for tp in tps})
            todo = {p for p in partitions if ends[p] > starts[p]}
            last: dict[TopicPartition, int] = {}
            idle = 0
            while todo and idle < STALL_FETCHES:
                batches = await consumer.getmany(*todo, timeout_ms=1000, max_records=FETCH_RECORDS)
                idle = 0 if batches else idle + 1
                for partition, messages in batches.items():
                    wanted = [m for m in messages if m.offset < ends[partition]]
                    loaded += self._apply(partition, wanted)
                    if wanted:
                        last[partition] = wanted[-1].offset
                    if await consumer.position(partition) >= ends[partition]:
                        todo.discard(partition)
            for tp in tps:
                # Faust's recovery replays from the offset after the last one applied
                # (everything, for a partition read to no end: a stalled fetch)
                offset = last.get(TopicPartition(tp.topic, tp.partition))
                if offset is not None:
                    self._offsets[tp] = offset
        finally:
            await consumer.stop()
        log.info(
            "table %s: %d changelog entries of %d partitions loaded in %.1f s",
            self.table.name,
            loaded,
            len(tps),
            time.monotonic() - started,
        )

    def _forget_partitions(self, partitions: set[int]) -> None:
        """Drop what an earlier assignment left of these partitions (one pass)."""
        stale = [k for k, p in self._key_partition.items() if p in partitions]
        for key in stale:
            self.data.pop(key, None)
            self._key_partition.pop(key, None)

    def _apply(self, partition: TopicPartition, messages: Iterable[Any]) -> int:
        """Decode and apply one fetched batch as Faust's recovery would; returns its size."""
        schema = self.table.changelog_topic.schema
        table: Any = self.table  # the Collection behind CollectionT: its decoding hooks
        to_key, to_value = table._to_key, table._to_value
        count = 0
        for message in messages:
            count += 1
            key = to_key(schema.loads_key(self.app, message))
            if message.value is None:
                self.data.pop(key, None)
                self._key_partition.pop(key, None)
                continue
            self.data[key] = to_value(schema.loads_value(self.app, message))
            self._key_partition[key] = partition.partition
        return count


def register() -> None:
    """Make ``bulkmemory://`` a store URL Faust knows."""
    faust.stores.STORES[SCHEME] = f"{__name__}:Store"
