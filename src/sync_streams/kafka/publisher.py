"""Publishing to Kafka with explicit acknowledgement.

``send`` returns once the message is handed to the producer and gives back an
awaitable that completes when the broker acknowledged it (acks=all): pollers
send a whole page, then wait for every acknowledgement before their cursor
marker, which is what makes "cursor advances only after Kafka acknowledged the
events" true.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Protocol

from sync_streams.kafka.partitioning import partition_of


class Publisher(Protocol):
    async def send(self, topic: str, key: bytes, value: bytes) -> Awaitable[Any]:
        """Queue one message; the result resolves when the broker acknowledged it."""


class FaustPublisher:
    """Publisher over a Faust app's producer; partitions by tenant key explicitly."""

    def __init__(self, app: Any, partitions: int) -> None:
        self._app = app
        self._partitions = partitions

    async def send(self, topic: str, key: bytes, value: bytes) -> Awaitable[Any]:
        partition = partition_of(key.decode("utf-8"), self._partitions)
        future: Awaitable[Any] = await self._app.producer.send(
            topic, key, value, partition, None, None
        )
        return future

    async def send_and_wait(self, topic: str, key: bytes, value: bytes) -> None:
        await (await self.send(topic, key, value))


class ProducerPublisher:
    """Publisher over a plain aiokafka producer, for commands run outside a worker."""

    def __init__(self, broker: str, partitions: int) -> None:
        from aiokafka import AIOKafkaProducer

        from sync_streams.kafka.admin import bootstrap_servers

        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers(broker), acks="all", linger_ms=5
        )
        self._partitions = partitions

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(self, topic: str, key: bytes, value: bytes) -> Awaitable[Any]:
        partition = partition_of(key.decode("utf-8"), self._partitions)
        future: Awaitable[Any] = await self._producer.send(
            topic, value, key=key, partition=partition
        )
        return future

    async def send_and_wait(self, topic: str, key: bytes, value: bytes) -> None:
        await (await self.send(topic, key, value))
