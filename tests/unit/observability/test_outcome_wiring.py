"""Outcomes the status and the dashboards read are counted where they happen."""

from __future__ import annotations

from sync_streams.errors import RejectedError
from sync_streams.observability.metrics import WorkerMetrics
from sync_streams.pipeline.deadletters import DeadLetterSink
from tests.unit.pipeline.factories import event


async def test_a_dead_lettered_event_counts_as_its_outcome_and_its_stage() -> None:
    metrics = WorkerMetrics()
    sent: list[tuple[bytes, bytes]] = []

    async def publish(key: bytes, value: bytes) -> None:
        sent.append((key, value))

    sink = DeadLetterSink(publish, metrics)
    change = event({"name": "Dupré"}, system="altior", tenant="acme-prod")
    await sink.send(
        RejectedError("name too long", system="sellsy"),
        tenant="acme-prod",
        stage="write",
        original=change,
    )
    await sink.send(ValueError("not JSON"), tenant="acme-prod", stage="decode", original=b"{")

    sample = metrics.registry.get_sample_value
    outcome = {"tenant": "acme-prod", "direction": "export", "outcome": "dead_lettered"}
    assert sample("sync_streams_events_total", outcome) == 1  # the bytes were never an event
    assert sample("sync_streams_dead_letters_total", {"tenant": "acme-prod", "stage": "write"}) == 1
    assert (
        sample("sync_streams_dead_letters_total", {"tenant": "acme-prod", "stage": "decode"}) == 1
    )
    window = metrics.recent.outcome_counts("acme-prod", "third_parties", "export", recent=True)
    assert window == {"dead_lettered": 1}
    assert len(sent) == 2
