"""Routing a change-topic message: markers move cursors, bad input is dead-lettered."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from sync_streams.domain.events import ChangeEvent, DeadLetter
from sync_streams.errors import RejectedError
from sync_streams.observability.metrics import WorkerMetrics
from sync_streams.pipeline.deadletters import DeadLetterSink
from sync_streams.pipeline.router import ChangeRouter
from sync_streams.pipeline.tables import SyncTables
from sync_streams.pollers.cursor import CursorMarker
from tests.support.fakes import RecordingPublisher

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class Handler:
    def __init__(self, error: Exception | None = None) -> None:
        self.seen: list[ChangeEvent] = []
        self.error = error
        self.refused: list[ChangeEvent] = []

    def remember_refusal(self, event: ChangeEvent) -> None:
        self.refused.append(event)

    async def handle(self, event: ChangeEvent) -> None:
        self.seen.append(event)
        if self.error:
            raise self.error


def _router(handler: Handler) -> tuple[ChangeRouter, SyncTables, RecordingPublisher]:
    publisher = RecordingPublisher()

    async def publish(key: bytes, value: bytes) -> None:
        await (await publisher.send("dlq", key, value))

    tables = SyncTables.in_memory()
    sink = DeadLetterSink(publish, WorkerMetrics(), clock=lambda: T0)
    return ChangeRouter(tables, handler, sink), tables, publisher


def _event(tenant: str = "acme-prod") -> ChangeEvent:
    return ChangeEvent.from_snapshot(
        tenant=tenant,
        system="sellsy",
        entity="company",
        source_id=1,
        snapshot={"name": "Dupré"},
        observed_at=T0,
    )


async def test_marker_stores_cursor_and_never_moves_it_back() -> None:
    router, tables, _ = _router(Handler())
    marker = CursorMarker(
        tenant="acme-prod", system="sellsy", entity="company", cursor=T0, polled_at=T0
    )
    older = marker.model_copy(update={"cursor": datetime(2020, 1, 1, tzinfo=UTC)})
    await router.on_message(b"acme-prod", marker.to_bytes())
    await router.on_message(b"acme-prod", older.to_bytes())
    assert tables.cursors.get(marker.table_key) == T0


async def test_event_reaches_handler() -> None:
    handler = Handler()
    router, _, publisher = _router(handler)
    await router.on_message(b"acme-prod", _event().to_bytes())
    assert [e.source_id for e in handler.seen] == ["1"]
    assert publisher.sent == []


async def test_garbage_and_wrong_shapes_are_dead_lettered_with_reason() -> None:
    handler = Handler()
    router, _, publisher = _router(handler)
    await router.on_message(b"acme-prod", b"\xff not json")
    await router.on_message(b"acme-prod", b'{"tenant": "acme-prod", "system": "sellsy"}')
    await router.on_message(b"globex", _event("acme-prod").to_bytes())
    letters = [DeadLetter.from_bytes(m.value) for m in publisher.on("dlq")]
    assert [(d.tenant, d.stage) for d in letters] == [
        ("acme-prod", "decode"),
        ("acme-prod", "decode"),
        ("globex", "decode"),
    ]
    assert letters[0].reason == "message is not valid JSON"
    assert letters[1].field == "entity"
    assert letters[2].field == "tenant"
    assert handler.seen == []


async def test_handler_failure_is_dead_lettered_and_stream_goes_on() -> None:
    body = {"error": {"code": "validation", "message": "invalide", "field": "siret"}}
    error = RejectedError("le champ siret est invalide", system="altior", status=422, body=body)
    handler = Handler(error)
    router, _, publisher = _router(handler)
    await router.on_message(b"acme-prod", _event().to_bytes())
    [letter] = [DeadLetter.from_bytes(m.value) for m in publisher.on("dlq")]
    assert letter.stage == "write"
    assert "siret" in letter.reason
    assert letter.field == "siret"  # the field the API named
    assert letter.original_event() == _event()
    assert handler.refused == [_event()]  # its poller's re-reads will not be lettered again


async def test_api_failure_counts_as_failed_and_dead_lettered() -> None:
    error = RejectedError("le champ siret est invalide", system="altior", status=422)
    router, _, _ = _router(Handler(error))
    await router.on_message(b"acme-prod", _event().to_bytes())
    metrics = router.dead_letters.metrics
    for outcome in ("failed", "dead_lettered"):
        value = metrics.registry.get_sample_value(
            "sync_streams_events_total",
            {"tenant": "acme-prod", "direction": "import", "outcome": outcome},
        )
        assert value == 1


async def test_an_unexpected_bug_is_dead_lettered_not_lost() -> None:
    router, _, publisher = _router(Handler(ZeroDivisionError("bug")))
    await router.on_message(b"acme-prod", _event().to_bytes())
    [letter] = [DeadLetter.from_bytes(m.value) for m in publisher.on("dlq")]
    assert (letter.stage, letter.tenant) == ("internal", "acme-prod")
    assert "ZeroDivisionError" in letter.reason
    assert letter.original_event() == _event()


class SlowHandler(Handler):
    """Records when each event starts and ends; an event waits until released."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}

    async def handle(self, event: ChangeEvent) -> None:
        self.log.append(f"start {event.tenant}")
        gate = self.gates.setdefault(event.tenant, asyncio.Event())
        await gate.wait()
        self.log.append(f"end {event.tenant}")


async def test_one_message_per_tenant_at_a_time_while_other_tenants_go_on() -> None:
    """The live and bulk agents share the router: a tenant's init event in flight
    holds back that tenant's next event only, never another tenant's."""
    handler = SlowHandler()
    router, _, _ = _router(handler)
    bulk = asyncio.create_task(router.on_message(b"acme-prod", _event().to_bytes()))
    live_same = asyncio.create_task(router.on_message(b"acme-prod", _event().to_bytes()))
    live_other = asyncio.create_task(
        router.on_message(b"beta-prod", _event("beta-prod").to_bytes())
    )
    await asyncio.sleep(0.01)
    assert handler.log == ["start acme-prod", "start beta-prod"]  # acme's second one waits
    handler.gates["beta-prod"].set()
    await live_other
    assert "start acme-prod" not in handler.log[2:]
    handler.gates["acme-prod"].set()
    await asyncio.gather(bulk, live_same)
    assert handler.log[2:] == ["end beta-prod", "end acme-prod", "start acme-prod", "end acme-prod"]


async def test_a_table_write_refused_for_unknown_metadata_is_tried_again_not_dead_lettered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Just after a start Faust may not know a changelog's partitions yet (fault matrix F5)."""
    from faust.exceptions import PartitionsMismatch

    from sync_streams.pipeline import router as router_module

    monkeypatch.setattr(router_module, "METADATA_PAUSE", 0.0)

    class Flaky(Handler):
        async def handle(self, event: ChangeEvent) -> None:
            self.seen.append(event)
            if len(self.seen) == 1:
                raise PartitionsMismatch("changelog has 0 partitions")

    handler = Flaky()
    router, _, publisher = _router(handler)
    await router.on_message(b"acme-prod", _event().to_bytes())
    assert len(handler.seen) == 2
    assert publisher.sent == []
