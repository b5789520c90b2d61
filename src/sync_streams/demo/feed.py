"""Read the run's change and dead-letter topics from the start, outside any group.

A plain consumer with no group id: it commits nothing and takes no partition away
from the worker.  Each demo run has its own topic prefix, so "from the start"
means "this run's messages".  Cursor markers (pollers' bookkeeping) are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition

from sync_streams.domain.events import ChangeEvent, DeadLetter
from sync_streams.errors import MalformedRecordError
from sync_streams.kafka.admin import bootstrap_servers
from sync_streams.pollers.cursor import is_marker


@dataclass
class FeedBatch:
    changes: list[ChangeEvent] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    undecodable: int = 0


def decode_change(raw: bytes | None) -> ChangeEvent | None:
    """A change event, or None for a cursor marker or anything unreadable."""
    if raw is None:
        return None
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    if is_marker(payload):
        return None
    try:
        return ChangeEvent.from_json_value(payload)
    except (MalformedRecordError, ValueError):
        return None


class KafkaFeed:
    def __init__(
        self,
        broker: str,
        change_topics: list[str],
        dead_letter_topic: str,
        partitions: Mapping[str, int],
    ) -> None:
        """``partitions``: the partition count of each topic (as declared and created)."""
        self.change_topics = change_topics
        self.dead_letter_topic = dead_letter_topic
        self.partitions = [
            TopicPartition(topic, number)
            for topic in (*change_topics, dead_letter_topic)
            for number in range(partitions[topic])
        ]
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers(broker),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )

    async def start(self) -> None:
        await self.consumer.start()
        try:
            self.consumer.assign(self.partitions)
            await self.consumer.seek_to_beginning(*self.partitions)
        except BaseException:
            await self.consumer.stop()
            raise

    async def poll(self, timeout_ms: int = 200) -> FeedBatch:
        batch = FeedBatch()
        records = await self.consumer.getmany(timeout_ms=timeout_ms, max_records=500)
        for tp, messages in records.items():
            for message in messages:
                if tp.topic == self.dead_letter_topic:
                    try:
                        batch.dead_letters.append(DeadLetter.from_bytes(message.value or b""))
                    except (MalformedRecordError, ValueError):
                        batch.undecodable += 1
                    continue
                event = decode_change(message.value)
                if event is not None:
                    batch.changes.append(event)
        batch.changes.sort(key=lambda e: e.observed_at)
        return batch

    async def stop(self) -> None:
        await self.consumer.stop()
