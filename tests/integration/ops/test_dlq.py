"""``sync-streams dlq list|requeue`` on a real broker, with dead letters of two tenants."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from sync_streams.cli import main
from sync_streams.domain.events import ChangeEvent, DeadLetter
from sync_streams.kafka.admin import apply_topology
from sync_streams.kafka.declarations import Topology, load_topology
from sync_streams.kafka.partitioning import partition_of
from tests.support.ops import dead_letter, event, produce, read_all

pytestmark = pytest.mark.integration

PARTITIONS = 3


@pytest.fixture
def topology(kafka_url: str, unique_prefix: str) -> Topology:
    topology = load_topology(prefix=unique_prefix, partitions=PARTITIONS)
    asyncio.run(apply_topology(kafka_url, topology))
    return topology


@pytest.fixture
def letters(topology: Topology, kafka_bootstrap: str) -> dict[str, DeadLetter]:
    """acme: an old and a recent failure of Sellsy company 1, an Altior one, an undecodable
    message; beta: one failure.  Kafka timestamps match the failure times."""
    now = datetime.now(UTC)
    old, recent = now - timedelta(hours=3), now - timedelta(minutes=10)
    company = event("acme-prod", "1", at=old)
    made = {
        "acme-old": dead_letter(company, tenant="acme-prod", at=old),
        "acme-recent": dead_letter(company, tenant="acme-prod", at=recent),
        "acme-altior": dead_letter(
            event("acme-prod", "A7", system="altior", entity="third_party"),
            tenant="acme-prod",
            at=recent,
            stage="write",
        ),
        "acme-raw": dead_letter(b"\xff garbage", tenant="acme-prod", at=recent, stage="decode"),
        "beta": dead_letter(event("beta-prod", "1"), tenant="beta-prod", at=recent),
    }
    topic = topology.name("deadletter")
    for name, letter in made.items():
        at = old if name == "acme-old" else recent
        asyncio.run(produce(kafka_bootstrap, topic, [(letter.tenant, letter.to_bytes())],
                            timestamp=at))  # fmt: skip
    return made


def _dlq(kafka_url: str, prefix: str, *args: str) -> int:
    return main(["dlq", *args, "--broker", kafka_url, "--prefix", prefix])


def test_list_shows_a_tenants_dead_letters_newest_last(
    letters: dict[str, DeadLetter],
    kafka_url: str,
    unique_prefix: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _dlq(kafka_url, unique_prefix, "list", "--tenant", "acme-prod") == 0
    captured = capsys.readouterr()
    header, *rows = captured.out.splitlines()
    assert header.split()[:5] == ["time", "tenant", "stage", "field", "reason"]
    assert len(rows) == 4
    assert all("acme-prod" in row for row in rows)
    assert "legal_france.siret" in rows[0] and "SIRET invalide" in rows[0]
    assert (letters["acme-old"].event_id or "?") in rows[0]
    assert "4 dead letter(s) match" in captured.err

    assert _dlq(kafka_url, unique_prefix, "list") == 0
    assert "beta-prod" in capsys.readouterr().out


def test_list_since_limit_and_json(
    letters: dict[str, DeadLetter],
    kafka_url: str,
    unique_prefix: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _dlq(kafka_url, unique_prefix, "list", "--tenant", "acme-prod", "--since", "1h",
                "--json") == 0  # fmt: skip
    items = json.loads(capsys.readouterr().out)
    assert len(items) == 3
    assert {item["stage"] for item in items} == {"map", "write", "decode"}
    assert all(item["tenant"] == "acme-prod" for item in items)
    assert all(item["partition"] == partition_of("acme-prod", PARTITIONS) for item in items)

    assert _dlq(kafka_url, unique_prefix, "list", "--limit", "1", "--json") == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


def test_requeue_republishes_the_original_events_of_one_tenant(
    letters: dict[str, DeadLetter],
    topology: Topology,
    kafka_url: str,
    kafka_bootstrap: str,
    unique_prefix: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sellsy, altior = topology.name("changes.sellsy"), topology.name("changes.altior")
    args = ("requeue", "--tenant", "acme-prod", "--all")

    assert _dlq(kafka_url, unique_prefix, *args, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "4 dead letter(s) matched; would requeue 2 event(s)" in out
    assert asyncio.run(read_all(kafka_bootstrap, sellsy)) == []

    assert _dlq(kafka_url, unique_prefix, *args) == 0
    out = capsys.readouterr().out
    assert f"requeued 2 event(s): 1 to {altior}, 1 to {sellsy}" in out
    assert "1 dead letter(s) were further failures" in out
    assert "1 dead letter(s) cannot be requeued" in out and "not a change event" in out
    assert "already been requeued" not in out

    records = asyncio.run(read_all(kafka_bootstrap, sellsy))
    assert [(r.key, r.partition) for r in records] == [
        (b"acme-prod", partition_of("acme-prod", PARTITIONS))
    ]
    requeued = ChangeEvent.from_bytes(records[0].value)
    original = letters["acme-old"].original_event()
    assert requeued.origin == "requeue"
    assert (requeued.event_id, requeued.snapshot) == (original.event_id, original.snapshot)
    altior_records = asyncio.run(read_all(kafka_bootstrap, altior))
    assert [ChangeEvent.from_bytes(r.value).source_id for r in altior_records] == ["A7"]

    # Again: harmless for the sync, and said so.
    assert _dlq(kafka_url, unique_prefix, *args) == 0
    assert "2 of these event(s) had already been requeued" in capsys.readouterr().out
    assert len(asyncio.run(read_all(kafka_bootstrap, sellsy))) == 2


def test_requeue_one_event_by_id(
    letters: dict[str, DeadLetter],
    topology: Topology,
    kafka_url: str,
    kafka_bootstrap: str,
    unique_prefix: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    event_id = letters["acme-altior"].event_id or ""
    assert _dlq(kafka_url, unique_prefix, "requeue", "--tenant", "acme-prod",
                "--event-id", event_id) == 0  # fmt: skip
    assert "requeued 1 event(s)" in capsys.readouterr().out
    assert asyncio.run(read_all(kafka_bootstrap, topology.name("changes.sellsy"))) == []
    assert len(asyncio.run(read_all(kafka_bootstrap, topology.name("changes.altior")))) == 1

    # Another tenant's event id is never requeued for acme.
    beta_id = letters["beta"].event_id or ""
    assert _dlq(kafka_url, unique_prefix, "requeue", "--tenant", "acme-prod",
                "--event-id", beta_id) == 1  # fmt: skip
    assert "no dead letter of tenant acme-prod" in capsys.readouterr().err
