"""The path every flow stands on: topic -> Faust agent -> table -> survives a restart.

A real broker, a real Faust app started in-process; the second app instance has
an empty local store, so what it knows comes from the table's changelog topic; with
the RocksDB store on the same disk, from its files and the changelog's tail.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import faust
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from sync_streams.app import create_app
from sync_streams.config.service import ServiceSettings
from sync_streams.kafka import bulkstore
from sync_streams.kafka.admin import apply_topology
from sync_streams.kafka.declarations import load_topology
from sync_streams.pipeline.tables import acknowledged_put

pytestmark = pytest.mark.integration


def _worker(
    kafka_url: str, prefix: str, data_dir: Path, store: str = "memory"
) -> tuple[faust.App, Any]:
    settings = ServiceSettings.load(
        broker=kafka_url,
        app_id=prefix,
        web_port=0,
        data_dir=data_dir,
        topic_partitions=2,
        table_store=store,
    )
    topology = load_topology(prefix=prefix, partitions=2)
    app, _runtime = create_app(settings, topology=topology, web_enabled=False)
    topic = app.topic(
        topology.name("changes.sellsy"), key_type=str, value_type=bytes, value_serializer="raw"
    )
    seen = app.Table("events-per-tenant", default=int, partitions=2)

    @app.agent(topic, concurrency=1)
    async def count(stream: Any) -> None:
        async for event in stream.events():
            if event.value == b"delete":
                del seen[event.key]  # a tombstone on the changelog
            else:
                seen[event.key] += 1

    return app, seen


async def _wait_for(predicate: Any, limit: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.2)


@pytest.mark.parametrize(
    ("store", "same_dir"),
    [("memory", False), ("rocksdb", True), ("rocksdb", False)],
    ids=["memory", "rocksdb-same-disk", "rocksdb-new-disk"],
)
async def test_table_written_by_an_agent_is_recovered_after_restart(
    kafka_url: str,
    kafka_bootstrap: str,
    unique_prefix: str,
    tmp_path: Path,
    store: str,
    same_dir: bool,
) -> None:
    topology = load_topology(prefix=unique_prefix, partitions=2)
    await apply_topology(kafka_url, topology)

    app, seen = _worker(kafka_url, unique_prefix, tmp_path / "first", store)
    await app.start()
    try:
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
        await producer.start()
        for i in range(9):
            tenant = ("acme-prod", "globex-prod", "initech-test")[i % 3]
            await producer.send_and_wait(
                topology.name("changes.sellsy"), b"{}", key=tenant.encode()
            )
        await producer.stop()
        await _wait_for(lambda: sum(seen.values()) == 9)
        assert dict(seen.items()) == {"acme-prod": 3, "globex-prod": 3, "initech-test": 3}
    finally:
        await app.stop()

    on_disk = [f for f in (tmp_path / "first").rglob("CURRENT")]  # RocksDB's own files
    assert bool(on_disk) == (store == "rocksdb")
    second = tmp_path / ("first" if same_dir else "second")
    restarted, recovered = _worker(kafka_url, unique_prefix, second, store)
    await restarted.start()
    try:
        await _wait_for(lambda: sum(recovered.values()) == 9)
        assert dict(recovered.items()) == {"acme-prod": 3, "globex-prod": 3, "initech-test": 3}
    finally:
        await restarted.stop()


async def test_the_memory_store_loads_its_changelog_in_bulk_deletions_included(
    kafka_url: str, kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """The default store reads a changelog partition itself, then Faust replays only the
    tail: the restarted table holds exactly what the first one held (a deleted key stays
    deleted) and goes on counting from there."""
    topology = load_topology(prefix=unique_prefix, partitions=2)
    await apply_topology(kafka_url, topology)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()

    async def send(*tenants: str, value: bytes = b"{}") -> None:
        for tenant in tenants:
            await producer.send_and_wait(
                topology.name("changes.sellsy"), value, key=tenant.encode()
            )

    try:
        app, seen = _worker(kafka_url, unique_prefix, tmp_path / "first")
        await app.start()
        try:
            await send(*["acme-prod", "globex-prod", "initech-test"] * 3)
            await _wait_for(lambda: sum(seen.values()) == 9)
            await send("globex-prod", value=b"delete")
            await _wait_for(lambda: "globex-prod" not in seen)
        finally:
            await app.stop()

        restarted, recovered = _worker(kafka_url, unique_prefix, tmp_path / "second")
        await restarted.start()
        try:
            await _wait_for(lambda: sum(recovered.values()) == 6)
            assert dict(recovered.items()) == {"acme-prod": 3, "initech-test": 3}
            store = recovered.data
            assert isinstance(store, bulkstore.Store)
            loaded = [tp for tp in store._offsets if store.persisted_offset(tp) is not None]
            assert loaded, "no changelog partition was loaded in bulk"
            await send("acme-prod", "globex-prod")
            await _wait_for(lambda: sum(recovered.values()) == 8)
            assert dict(recovered.items()) == {"acme-prod": 4, "globex-prod": 1, "initech-test": 3}
        finally:
            await restarted.stop()
    finally:
        await producer.stop()


async def _changelog(bootstrap: str, topic: str, partitions: int) -> dict[bytes, bytes]:
    """Everything ``topic`` holds now, last value per key."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        assigned = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(assigned)
        ends = await consumer.end_offsets(assigned)
        starts = await consumer.beginning_offsets(assigned)
        for tp in assigned:
            consumer.seek(tp, starts[tp])
        held: dict[bytes, bytes] = {}
        while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    if record.key is not None and record.value is not None:
                        held[record.key] = record.value
        return held
    finally:
        await consumer.stop()


async def test_a_durable_table_write_is_on_the_changelog_when_it_returns(
    kafka_url: str, kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """``acknowledged_put`` (a create's announce) returns only once the broker holds the
    write: read from the changelog by another client right then, it is there; and a
    restarted worker recovers it like any table write."""
    topology = load_topology(prefix=unique_prefix, partitions=2)
    await apply_topology(kafka_url, topology)
    found_at_return: list[bool] = []

    def worker(data_dir: Path) -> tuple[faust.App, Any]:
        settings = ServiceSettings.load(
            broker=kafka_url, app_id=unique_prefix, web_port=0, data_dir=data_dir,
            topic_partitions=2,
        )  # fmt: skip
        app, _runtime = create_app(settings, topology=topology, web_enabled=False)
        topic = app.topic(
            topology.name("changes.sellsy"), key_type=str, value_type=bytes, value_serializer="raw"
        )
        table = app.Table(
            "announced",
            default=None,
            partitions=2,
            key_type=str,
            value_type=bytes,
            schema=faust.Schema(
                key_type=str, value_type=bytes, key_serializer="json", value_serializer="raw"
            ),
        )
        put = acknowledged_put(table)
        changelog = table.changelog_topic.get_topic_name()

        @app.agent(topic, concurrency=1)
        async def announce(stream: Any) -> None:
            async for event in stream.events():
                await put(event.key, event.value)
                held = await _changelog(kafka_bootstrap, changelog, partitions=2)
                found_at_return.append(held.get(f'"{event.key}"'.encode()) == event.value)

        return app, table

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        app, table = worker(tmp_path / "first")
        await app.start()
        try:
            for n, tenant in enumerate(["acme-prod", "globex-prod", "acme-prod"]):
                await producer.send_and_wait(
                    topology.name("changes.sellsy"), f"intent {n}".encode(), key=tenant.encode()
                )
            await _wait_for(lambda: len(found_at_return) == 3)
            assert found_at_return == [True, True, True]
            assert dict(table.items()) == {"acme-prod": b"intent 2", "globex-prod": b"intent 1"}
        finally:
            await app.stop()
        restarted, recovered = worker(tmp_path / "second")
        await restarted.start()
        try:
            await _wait_for(lambda: len(recovered) == 2)
            assert dict(recovered.items()) == {"acme-prod": b"intent 2", "globex-prod": b"intent 1"}
        finally:
            await restarted.stop()
    finally:
        await producer.stop()
