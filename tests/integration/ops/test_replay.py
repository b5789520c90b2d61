"""``sync-streams replay`` on a real broker: two tenants share the change topics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sync_streams.cli import main
from sync_streams.domain.events import ChangeEvent
from sync_streams.kafka.admin import apply_topology
from sync_streams.kafka.declarations import Topology, load_topology
from sync_streams.kafka.partitioning import partition_of
from sync_streams.pollers.cursor import is_marker
from tests.support.ops import event, marker, produce, read_all

pytestmark = pytest.mark.integration


def _setup(kafka_url: str, bootstrap: str, prefix: str, partitions: int,
           beta: str = "beta-prod") -> Topology:  # fmt: skip
    """acme and ``beta`` events 3 h ago and 30 min ago, with an acme cursor marker."""
    topology = load_topology(prefix=prefix, partitions=partitions)
    asyncio.run(apply_topology(kafka_url, topology))
    now = datetime.now(UTC)
    old, recent = now - timedelta(hours=3), now - timedelta(minutes=30)
    sellsy, altior = topology.name("changes.sellsy"), topology.name("changes.altior")

    def send(topic: str, at: datetime, items: list[Any]) -> None:
        messages = [(item.tenant, item.to_bytes()) for item in items]
        asyncio.run(produce(bootstrap, topic, messages, timestamp=at))

    send(sellsy, old, [event("acme-prod", "1", name="v1", at=old), event(beta, "1", at=old)])
    send(sellsy, recent, [
        event("acme-prod", "1", name="v2", at=recent),
        marker("acme-prod"),
        event(beta, "2", at=recent),
        event("acme-prod", "C1", entity="contact", at=recent),
    ])  # fmt: skip
    send(altior, recent, [
        event("acme-prod", "A1", system="altior", entity="third_party", at=recent),
        event(beta, "A1", system="altior", entity="third_party", at=recent),
    ])  # fmt: skip
    return topology


def _replayed(bootstrap: str, topic: str) -> list[tuple[bytes, ChangeEvent]]:
    found = []
    for record in asyncio.run(read_all(bootstrap, topic)):
        value = (
            ChangeEvent.model_validate_json(record.value) if b'"replay"' in record.value else None
        )
        if value is not None and value.origin == "replay":
            found.append((record.key, value))
    return found


async def _expire(bootstrap: str, topic: str, before_offset: int) -> None:
    """What retention does to old segments: the log start offset moves forward."""
    from aiokafka import TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_records({TopicPartition(topic, 0): RecordsToDelete(before_offset)})
    finally:
        await admin.close()


def _replay(kafka_url: str, prefix: str, *args: str) -> int:
    return main(["replay", "--broker", kafka_url, "--prefix", prefix, "--tenant", "acme-prod",
                 *args])  # fmt: skip


def test_replay_republishes_only_the_tenants_events_and_skips_markers(
    kafka_url: str, kafka_bootstrap: str, unique_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    topology = _setup(kafka_url, kafka_bootstrap, unique_prefix, partitions=1)
    sellsy, altior = topology.name("changes.sellsy"), topology.name("changes.altior")

    assert _replay(kafka_url, unique_prefix, "--since", "1h") == 0
    captured = capsys.readouterr()
    assert "replayed 3 event(s) of 6 message(s) scanned" in captured.out
    assert f"{sellsy}[0]: 2 replayed, 1 cursor marker(s) skipped, 1 of other tenants" in (
        captured.out
    )
    assert "(retention dropped none yet)" in captured.err
    assert "scanned 4/4, replayed 2 done" in captured.err
    assert "note:" not in captured.out

    # replays go to the bulk topic: handled beside live changes, not in front of them
    replayed = _replayed(kafka_bootstrap, topology.name("changes.bulk"))
    assert [(key, e.system, e.source_id, e.snapshot["name"]) for key, e in replayed] == [
        (b"acme-prod", "sellsy", "1", "v2"),
        (b"acme-prod", "sellsy", "C1", "Boulangerie Élise"),
        (b"acme-prod", "altior", "A1", "Boulangerie Élise"),
    ]
    assert not any(e.force for _, e in replayed)
    assert _replayed(kafka_bootstrap, sellsy) == _replayed(kafka_bootstrap, altior) == []
    after = asyncio.run(read_all(kafka_bootstrap, sellsy))
    assert sum(1 for r in after if is_marker_value(r.value)) == 1  # the marker was not copied


def is_marker_value(value: bytes) -> bool:
    import json

    return is_marker(json.loads(value))


def test_dry_run_filters_force_and_the_retention_horizon(
    kafka_url: str, kafka_bootstrap: str, unique_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    topology = _setup(kafka_url, kafka_bootstrap, unique_prefix, partitions=1)
    sellsy, altior = topology.name("changes.sellsy"), topology.name("changes.altior")

    assert _replay(kafka_url, unique_prefix, "--since", "2d", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "would replay 4 event(s) of 8 message(s) scanned" in out
    assert "note:" not in out  # nothing dropped yet: the whole history is there
    assert _replayed(kafka_bootstrap, sellsy) == []

    asyncio.run(_expire(kafka_bootstrap, sellsy, before_offset=2))  # the 3-hour-old pair
    assert _replay(kafka_url, unique_prefix, "--since", "2d", "--dry-run") == 0
    captured = capsys.readouterr()
    assert "would replay 3 event(s) of 6 message(s) scanned" in captured.out
    assert f"note: {sellsy}[0]: retention keeps messages since" in captured.out
    assert f"note: {altior}" not in captured.out
    assert f"{sellsy}[0]: retention keeps messages since" in captured.err

    assert _replay(kafka_url, unique_prefix, "--since", "2d", "--direction", "import",
                   "--entity", "contact", "--force") == 0  # fmt: skip
    assert "(forced: dedupe bypassed)" in capsys.readouterr().out
    replayed = _replayed(kafka_bootstrap, topology.name("changes.bulk"))
    assert [(e.source_id, e.force) for _, e in replayed] == [("C1", True)]


def test_only_the_tenants_partition_is_read(
    kafka_url: str, kafka_bootstrap: str, unique_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    partitions = 4
    beta = next(
        name
        for name in (f"beta-{n}" for n in range(100))
        if partition_of(name, partitions) != partition_of("acme-prod", partitions)
    )
    topology = _setup(kafka_url, kafka_bootstrap, unique_prefix, partitions, beta=beta)
    assert _replay(kafka_url, unique_prefix, "--since", "2d") == 0
    out = capsys.readouterr().out
    # acme's messages only: 4 on Sellsy (3 events + marker), 1 on Altior; beta's never scanned.
    assert "replayed 4 event(s) of 5 message(s) scanned" in out
    part = partition_of("acme-prod", partitions)
    assert f"{topology.name('changes.sellsy')}[{part}]: 3 replayed" in out
    assert "0 of other tenants" in out


def test_init_events_are_replayed_from_the_bulk_topic_but_earlier_replays_are_not(
    kafka_url: str, kafka_bootstrap: str, unique_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    topology = _setup(kafka_url, kafka_bootstrap, unique_prefix, partitions=1)
    bulk = topology.name("changes.bulk")
    recent = datetime.now(UTC) - timedelta(minutes=20)
    init = event("acme-prod", "7", name="from init", at=recent).with_origin("init")
    copy = event("acme-prod", "8", at=recent).with_origin("replay")
    messages = [(item.tenant, item.to_bytes()) for item in (init, copy)]
    asyncio.run(produce(kafka_bootstrap, bulk, messages, timestamp=recent))

    assert _replay(kafka_url, unique_prefix, "--since", "1h", "--direction", "import") == 0
    assert "replayed 3 event(s)" in capsys.readouterr().out  # Sellsy 1 and C1, init 7
    replayed = [e.source_id for _, e in _replayed(kafka_bootstrap, bulk)]
    assert replayed == ["8", "1", "C1", "7"]  # the old copy, then this replay's three
