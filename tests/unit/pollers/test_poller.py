"""Poller cycle rules: events then a cursor marker, look-back, bad records dead-lettered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from sync_streams.domain.events import ChangeEvent, DeadLetter
from sync_streams.errors import MalformedRecordError
from sync_streams.observability.metrics import WorkerMetrics
from sync_streams.pipeline.deadletters import DeadLetterSink
from sync_streams.pollers.cursor import CursorMarker, advance, next_cursor
from sync_streams.pollers.poller import BadRecord, PolledRecord, Poller
from tests.support.fakes import RecordingPublisher

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class ListSource:
    system = "sellsy"
    entity = "company"

    def __init__(self, records: list[PolledRecord | BadRecord]) -> None:
        self.records = records
        self.asked: list[datetime | None] = []

    async def changed_since(
        self, since: datetime | None
    ) -> AsyncIterator[PolledRecord | BadRecord]:
        self.asked.append(since)
        for record in self.records:
            if (
                isinstance(record, BadRecord)
                or since is None
                or (record.updated_at is not None and record.updated_at >= since)
            ):
                yield record


def _record(i: int, at: datetime) -> PolledRecord:
    return PolledRecord(str(i), at, {"id": i, "name": f"Société {i}"}, f"{i:064x}")


def _poller(
    source: ListSource, cursors: dict[str, datetime], publisher: RecordingPublisher
) -> Poller:
    metrics = WorkerMetrics()

    async def publish_dlq(key: bytes, value: bytes) -> None:
        await (await publisher.send("dlq", key, value))

    return Poller(
        tenant="acme-prod",
        source=source,  # type: ignore[arg-type]
        publisher=publisher,
        topic="changes",
        read_cursor=cursors.get,
        dead_letters=DeadLetterSink(publish_dlq, metrics, clock=lambda: T0),
        metrics=metrics,
        lookback=timedelta(seconds=30),
        clock=lambda: T0 + timedelta(minutes=5),
    )


def test_cursor_is_listing_start_minus_lookback_and_never_goes_back() -> None:
    lookback = timedelta(seconds=30)
    started = T0 + timedelta(minutes=1)
    assert next_cursor(None, started, lookback) == started - lookback
    assert next_cursor(T0, started, lookback) == started - lookback
    assert next_cursor(T0 + timedelta(hours=1), started, lookback) == T0 + timedelta(hours=1)
    assert advance(T0, [T0 - timedelta(hours=1), None]) == T0
    assert advance(None, []) is None


async def test_first_poll_only_places_the_cursor_at_now_minus_lookback() -> None:
    source = ListSource([_record(1, T0)])
    publisher = RecordingPublisher()
    result = await _poller(source, {}, publisher).poll_once()
    assert result.events == 0
    assert source.asked == []
    [marker] = publisher.on("changes")
    decoded = CursorMarker.from_bytes(marker.value)
    assert decoded.cursor == T0 + timedelta(minutes=5) - timedelta(seconds=30)
    assert marker.key == b"acme-prod"


async def test_poll_sends_events_then_marker_with_newest_timestamp() -> None:
    records = [_record(1, T0 + timedelta(seconds=1)), _record(2, T0 + timedelta(seconds=9))]
    source = ListSource(records)
    publisher = RecordingPublisher()
    poller = _poller(source, {"k": T0}, publisher)
    cursors = {poller.key: T0}
    poller.read_cursor = cursors.get
    result = await poller.poll_once()

    assert source.asked == [T0]
    assert result.events == 2
    *events, marker = publisher.on("changes")
    assert [ChangeEvent.from_bytes(m.value).source_id for m in events] == ["1", "2"]
    listing_start = T0 + timedelta(minutes=5)  # the poller's clock
    assert CursorMarker.from_bytes(marker.value).cursor == listing_start - timedelta(seconds=30)
    # the next cycle starts from the marker it sent, even before the agent stored it
    await poller.poll_once()
    assert source.asked[-1] == listing_start - timedelta(seconds=30)


async def test_a_bad_record_is_dead_lettered_and_the_page_goes_on() -> None:
    bad = BadRecord(MalformedRecordError("not a string", field="name"), {"id": 7, "name": 12})
    source = ListSource([_record(1, T0), bad, _record(2, T0)])
    publisher = RecordingPublisher()
    poller = _poller(source, {}, publisher)
    poller.read_cursor = {poller.key: T0}.get
    result = await poller.poll_once()
    assert (result.events, result.bad) == (2, 1)
    [letter] = publisher.on("dlq")
    decoded = DeadLetter.from_bytes(letter.value)
    assert (decoded.stage, decoded.field, decoded.original) == (
        "poll",
        "name",
        {"id": 7, "name": 12},
    )


async def test_failed_publish_keeps_the_cursor() -> None:
    source = ListSource([_record(1, T0 + timedelta(seconds=5))])
    publisher = RecordingPublisher(fail_after=0)
    poller = _poller(source, {}, publisher)
    poller.read_cursor = {poller.key: T0}.get
    with pytest.raises(ConnectionError):
        await poller.poll_once()
    assert poller.current_cursor() == T0


async def test_empty_polls_send_no_marker_until_the_last_one_is_a_minute_old() -> None:
    """Markers all go through the one sync agent: an empty poll does not send one,
    yet the next poll still starts from where the empty one left off."""
    source = ListSource([])
    publisher = RecordingPublisher()
    poller = _poller(source, {}, publisher)
    poller.read_cursor = {poller.key: T0}.get
    now = [T0 + timedelta(minutes=5)]
    poller.clock = lambda: now[0]

    await poller.poll_once()  # a new poller always tells the agent where it stands
    assert len(publisher.on("changes")) == 1
    for _ in range(11):  # 11 more empty polls, 5 s apart: 55 s
        now[0] += timedelta(seconds=5)
        result = await poller.poll_once()
        assert result.cursor == now[0] - timedelta(seconds=30)
    assert len(publisher.on("changes")) == 1
    assert source.asked[-1] == now[0] - timedelta(seconds=5) - timedelta(seconds=30)

    now[0] += timedelta(seconds=5)  # the cursor is now 60 s past the last marker's
    await poller.poll_once()
    [_, marker] = publisher.on("changes")
    assert CursorMarker.from_bytes(marker.value).cursor == now[0] - timedelta(seconds=30)


async def test_a_poll_that_found_changes_always_sends_its_marker_behind_them() -> None:
    source = ListSource([])
    publisher = RecordingPublisher()
    poller = _poller(source, {}, publisher)
    poller.read_cursor = {poller.key: T0}.get
    now = [T0 + timedelta(minutes=5)]
    poller.clock = lambda: now[0]
    await poller.poll_once()
    source.records = [_record(1, now[0])]
    now[0] += timedelta(seconds=5)
    result = await poller.poll_once()
    assert result.events == 1
    *_, event, marker = publisher.on("changes")
    assert ChangeEvent.from_bytes(event.value).source_id == "1"
    assert CursorMarker.from_bytes(marker.value).cursor == now[0] - timedelta(seconds=30)
