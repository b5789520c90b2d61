"""Topics as code against a real broker: create what is missing, report drift, never destroy."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from sync_streams.cli import topics as topics_cli
from sync_streams.kafka.admin import apply_topology, describe
from sync_streams.kafka.declarations import load_topology

pytestmark = pytest.mark.integration


async def test_apply_creates_every_declared_topic_with_its_settings(
    kafka_url: str, kafka_bootstrap: str, unique_prefix: str
) -> None:
    topology = load_topology(prefix=unique_prefix, partitions=3)
    report = await apply_topology(kafka_url, topology)
    assert sorted(report.created) == sorted(t.full_name for t in topology.topics)
    assert report.drifts == []

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        actual = await describe(admin, [t.full_name for t in topology.topics])
    finally:
        await admin.close()
    tenants = actual[f"{unique_prefix}.tenants"]
    assert tenants[0] == 1
    assert tenants[1]["cleanup.policy"] == "compact"
    changes = actual[f"{unique_prefix}.changes.sellsy"]
    assert changes[0] == 3
    assert changes[1]["retention.ms"] == "1209600000"


async def test_second_apply_is_a_no_op_and_keeps_data(
    kafka_url: str, kafka_bootstrap: str, unique_prefix: str
) -> None:
    topology = load_topology(prefix=unique_prefix, partitions=2)
    await apply_topology(kafka_url, topology)
    topic = topology.name("changes.altior")
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    await producer.send_and_wait(topic, b"kept", key=b"acme-prod")
    await producer.stop()

    again = await apply_topology(kafka_url, topology)
    assert again.created == []
    assert sorted(again.unchanged) == sorted(t.full_name for t in topology.topics)

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        group_id=f"{unique_prefix}-reader",
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=10000)
    finally:
        await consumer.stop()
    values = [record.value for records in batch.values() for record in records]
    assert values == [b"kept"]


async def test_drift_in_partitions_and_config_is_reported_not_repaired(
    kafka_url: str, kafka_bootstrap: str, unique_prefix: str
) -> None:
    await apply_topology(kafka_url, load_topology(prefix=unique_prefix, partitions=2))
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    deadletter = f"{unique_prefix}.deadletter"
    try:
        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, deadletter, {"retention.ms": "3600000"})]
        )
        # the broker applies a config change asynchronously (KRaft metadata log)
        for _ in range(100):
            if (await describe(admin, [deadletter]))[deadletter][1]["retention.ms"] == "3600000":
                break
            await asyncio.sleep(0.1)
    finally:
        await admin.close()

    report = await apply_topology(kafka_url, load_topology(prefix=unique_prefix, partitions=4))
    described = {(d.topic, d.field): (d.declared, d.actual) for d in report.drifts}
    assert described[(f"{unique_prefix}.changes.sellsy", "partitions")] == ("4", "2")
    assert described[(deadletter, "retention.ms")] == ("2592000000", "3600000")
    assert (f"{unique_prefix}.tenants", "partitions") not in described  # declared 1, has 1

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        actual = await describe(admin, [f"{unique_prefix}.changes.sellsy", deadletter])
    finally:
        await admin.close()
    assert actual[f"{unique_prefix}.changes.sellsy"][0] == 2
    assert actual[deadletter][1]["retention.ms"] == "3600000"


def test_cli_apply_exits_non_zero_on_drift_when_asked(
    kafka_url: str, unique_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    topics_cli.register(parser.add_subparsers())
    first = parser.parse_args(["topics", "apply", "--broker", kafka_url, "--prefix", unique_prefix])
    assert first.func(first) == 0
    assert "created" in capsys.readouterr().out
    second = parser.parse_args(
        [
            "topics",
            "apply",
            "--broker",
            kafka_url,
            "--prefix",
            unique_prefix,
            "--partitions",
            "16",
            "--fail-on-drift",
        ]
    )
    assert second.func(second) == 1
    assert "DRIFT" in capsys.readouterr().out
