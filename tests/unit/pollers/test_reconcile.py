"""Reconciliation passes: everything listed, on the bulk topic, on a wall-clock schedule."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from sync_streams.domain.events import ChangeEvent, DeadLetter
from sync_streams.errors import MalformedRecordError
from sync_streams.observability.metrics import WorkerMetrics
from sync_streams.pipeline.deadletters import DeadLetterSink
from sync_streams.pipeline.rosters import Rosters
from sync_streams.pollers.cadence import phase_of
from sync_streams.pollers.poller import BadRecord, PollResult
from sync_streams.pollers.reconcile import Reconciler
from tests.support.fakes import RecordingPublisher
from tests.unit.pollers.test_poller import T0, ListSource, _record


def _reconciler(
    source: ListSource, publisher: RecordingPublisher, wall: list[float] | None = None
) -> Reconciler:
    metrics = WorkerMetrics()

    async def publish_dlq(key: bytes, value: bytes) -> None:
        await (await publisher.send("dlq", key, value))

    clock = wall if wall is not None else [0.0]

    async def sleep(seconds: float) -> None:
        clock[0] += seconds
        await asyncio.sleep(0)

    return Reconciler(
        tenant="acme-prod",
        source=source,  # type: ignore[arg-type]
        publisher=publisher,
        topic="changes.bulk",
        dead_letters=DeadLetterSink(publish_dlq, metrics, clock=lambda: T0),
        metrics=metrics,
        clock=lambda: T0,
        wall=lambda: clock[0],
        sleep=sleep,
    )


async def test_a_pass_lists_everything_whatever_its_age_onto_the_bulk_topic() -> None:
    old = _record(1, T0 - timedelta(days=400))  # far behind any poll cursor
    bad = BadRecord(MalformedRecordError("expected text, got number", field="name"), {"id": 3})
    source = ListSource([old, _record(2, T0), bad])
    publisher = RecordingPublisher()
    reconciler = _reconciler(source, publisher)

    result = await reconciler.pass_once()

    assert source.asked == [None]  # no cursor: the whole collection
    events = [ChangeEvent.from_bytes(m.value) for m in publisher.on("changes.bulk")]
    assert [(e.source_id, e.origin) for e in events] == [("1", "reconcile"), ("2", "reconcile")]
    assert publisher.on("changes") == []  # nothing on the live topics, no cursor marker
    [letter] = [DeadLetter.from_bytes(m.value) for m in publisher.on("dlq")]
    assert letter.field == "name"
    assert (result.events, result.bad) == (2, 1)
    passes = reconciler.metrics.reconcile_passes.labels("acme-prod", "sellsy", "company")
    assert passes._value.get() == 1


async def test_passes_follow_the_wall_clock_at_the_keys_phase_without_catch_up() -> None:
    wall = [10_000.0]
    publisher = RecordingPublisher()
    reconciler = _reconciler(ListSource([_record(1, T0)]), publisher, wall)
    interval = 600.0
    phase = phase_of(reconciler.key) * interval
    starts: list[float] = []
    enough = asyncio.Event()
    real_pass = reconciler.pass_once

    async def timed_pass() -> PollResult:
        starts.append(wall[0])
        if len(starts) == 2:
            wall[0] += 2.5 * interval  # a pass far longer than the period
        if len(starts) == 4:
            enough.set()
        return await real_pass()

    reconciler.pass_once = timed_pass  # type: ignore[method-assign]
    task = asyncio.create_task(reconciler.run(interval))
    await enough.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert all(start % interval == pytest.approx(phase) for start in starts)
    assert starts[1] - starts[0] == interval
    assert starts[2] - starts[1] == 3 * interval  # the overrun skips, never bursts
    assert starts[3] - starts[2] == interval


async def test_a_failed_pass_is_retried_later_and_the_loop_goes_on() -> None:
    wall = [0.0]
    publisher = RecordingPublisher()
    reconciler = _reconciler(ListSource([]), publisher, wall)
    calls: list[float] = []
    retried = asyncio.Event()

    async def failing_then_fine() -> PollResult:
        calls.append(wall[0])
        if len(calls) == 1:
            raise MalformedRecordError("API down")
        retried.set()
        return PollResult()

    reconciler.pass_once = failing_then_fine  # type: ignore[method-assign]
    task = asyncio.create_task(reconciler.run(3600.0))
    await retried.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls[1] - calls[0] == 300.0


async def test_a_complete_pass_leaves_the_ids_it_listed_malformed_ones_included() -> None:
    bad = BadRecord(MalformedRecordError("expected text", field="name"), {"id": 3})
    source = ListSource([_record(1, T0), bad])
    reconciler = _reconciler(source, RecordingPublisher())
    reconciler.rosters = Rosters()
    await reconciler.pass_once()
    before = T0 - timedelta(seconds=1)
    assert not reconciler.rosters.missing("acme-prod", "sellsy", "company", "1", before)
    assert not reconciler.rosters.missing("acme-prod", "sellsy", "company", "3", before)
    assert reconciler.rosters.missing("acme-prod", "sellsy", "company", "2", before)
