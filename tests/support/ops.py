"""Helpers for the ops tests: tenant files from the example, change events, dead letters."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from sync_streams.domain.envelope import System
from sync_streams.domain.events import ChangeEvent, DeadLetter
from sync_streams.errors import MalformedRecordError
from sync_streams.pollers.cursor import CursorMarker

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "tenants" / "acme-prod.yaml"

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)

# Distinctive values: tests grep topics and outputs for them.
SELLSY_SECRET = "sellsy-secret-Qw93kLm2"
ALTIOR_KEY = "altior-key-Vb58nRt6"


def secret_env(tenant: str) -> dict[str, str]:
    """The environment variables the tenant file written by ``write_tenant`` references."""
    suffix = tenant.upper().replace("-", "_").replace(".", "_")
    return {
        f"SELLSY_CLIENT_SECRET_{suffix}": SELLSY_SECRET,
        f"ALTIOR_API_KEY_{suffix}": ALTIOR_KEY,
    }


def tenant_data(tenant: str, **changes: Any) -> dict[str, Any]:
    """The example configuration for ``tenant``, secrets referencing ``secret_env(tenant)``."""
    data: dict[str, Any] = copy.deepcopy(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    sellsy_env, altior_env = secret_env(tenant)
    data["tenant"] = tenant
    data["sellsy"]["client_secret"] = f"env:{sellsy_env}"
    data["altior"]["api_key"] = f"env:{altior_env}"
    data.update(changes)
    return data


def write_tenant(directory: Path, tenant: str, **changes: Any) -> Path:
    path = directory / f"{tenant}.yaml"
    path.write_text(yaml.safe_dump(tenant_data(tenant, **changes), allow_unicode=True))
    return path


def event(
    tenant: str,
    source_id: str,
    *,
    system: System = "sellsy",
    entity: str = "company",
    name: str = "Boulangerie Élise",
    at: datetime = T0,
) -> ChangeEvent:
    return ChangeEvent.from_snapshot(
        tenant=tenant,
        system=system,
        entity=entity,
        source_id=source_id,
        snapshot={"id": source_id, "name": name},
        observed_at=at,
        source_updated_at=at,
    )


def marker(tenant: str, *, system: System = "sellsy", entity: str = "company") -> CursorMarker:
    return CursorMarker(
        tenant=tenant, system=system, entity=entity, cursor=T0, polled_at=T0, events=1
    )


def dead_letter(original: Any, *, tenant: str, at: datetime = T0, stage: str = "map") -> DeadLetter:
    return DeadLetter.for_error(
        MalformedRecordError("SIRET invalide", field="legal_france.siret"),
        tenant=tenant,
        stage=stage,
        original=original,
        failed_at=at,
    )


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


async def read_all(bootstrap: str, topic: str) -> list[Any]:
    """Every record of ``topic`` now (plain consumer, every partition, partition then offset)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        cluster = await consumer._client.fetch_all_metadata()
        partitions = [TopicPartition(topic, p) for p in cluster.partitions_for_topic(topic)]
        ends = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[Any] = []
        while any([await consumer.position(tp) < end for tp, end in ends.items()]):
            batch = await consumer.getmany(timeout_ms=1000)
            for part in batch.values():
                records.extend(part)
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def produce(
    bootstrap: str,
    topic: str,
    messages: list[tuple[str, bytes | None]],
    *,
    timestamp: datetime | None = None,
) -> None:
    """Publish (key, value) pairs keyed by tenant (default partitioner = partition_of)."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        stamp = int(timestamp.timestamp() * 1000) if timestamp is not None else None
        for key, value in messages:
            await producer.send_and_wait(topic, value, key=key.encode("utf-8"), timestamp_ms=stamp)
    finally:
        await producer.stop()
