"""What the sync writes to its tables: every put is a changelog message to Kafka."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from aiokafka.errors import KafkaTimeoutError

from sync_streams.errors import StateNotStoredError
from sync_streams.pipeline.state import RecordState, SideState, link_key
from sync_streams.pipeline.tables import CursorView, SyncTables, TableView, acknowledged_put

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class CountingDict(MutableMapping[str, Any]):
    """A dict that counts writes, as the changelog would."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.writes = 0

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes += 1
        self.data[key] = value

    def __delitem__(self, key: str) -> None:
        del self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def _pair(version: int) -> RecordState:
    return RecordState(
        tenant="acme-prod",
        entity="third_party",
        sellsy=SideState(id="12", entity="company", applied_version=T0.replace(minute=version)),
        altior=SideState(id="340", entity="third_party"),
    )


def test_a_state_is_written_under_each_side_and_only_when_it_changed() -> None:
    states = CountingDict()
    tables = SyncTables(
        states=TableView(states, RecordState),
        cursors=CursorView({}),
        parked=TableView({}, RecordState),
    )
    tables.save_state(_pair(1))
    assert states.writes == 2  # under each side's key
    tables.save_state(_pair(1))  # a poll's re-read of the same version: nothing changes
    assert states.writes == 2
    tables.save_state(_pair(2))
    assert states.writes == 4
    for side in (("altior", "third_party", "340"), ("sellsy", "company", "12")):
        link = tables.links.get(link_key("acme-prod", *side))  # the state is the link
        assert link is not None and link == _pair(2).link()
    assert tables.links.get(link_key("acme-prod", "sellsy", "company", "13")) is None


class FakeChangelogTable:
    """The two things ``acknowledged_put`` uses of a Faust table."""

    def __init__(self, outcome: BaseException | None) -> None:
        self.data: dict[str, bytes] = {}
        self.sent: list[tuple[int, str, bytes]] = []
        self.outcome = outcome

    def send_changelog(self, partition: int, key: str, value: bytes) -> asyncio.Future[None]:
        self.sent.append((partition, key, value))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.outcome is None:
            done.set_result(None)
        else:
            done.set_exception(self.outcome)
        return done


def _current_event(monkeypatch: pytest.MonkeyPatch, partition: int) -> None:
    event = SimpleNamespace(message=SimpleNamespace(partition=partition))
    monkeypatch.setattr(faust, "current_event", lambda: event)


async def test_a_durable_put_sends_one_changelog_message_on_the_events_partition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _current_event(monkeypatch, 3)
    table = FakeChangelogTable(None)
    await acknowledged_put(table)("acme-prod|sellsy|company|1", b"{}")
    assert table.sent == [(3, "acme-prod|sellsy|company|1", b"{}")]
    assert table.data == {"acme-prod|sellsy|company|1": b"{}"}


async def test_a_durable_put_kafka_did_not_acknowledge_is_a_retriable_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _current_event(monkeypatch, 0)
    table = FakeChangelogTable(KafkaTimeoutError())
    with pytest.raises(StateNotStoredError, match="not acknowledged by Kafka") as caught:
        await acknowledged_put(table)("acme-prod|altior|third_party|7", b"{}")
    assert caught.value.retriable and caught.value.stage == "state"


async def test_a_durable_put_outside_an_event_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faust, "current_event", lambda: None)
    table = FakeChangelogTable(None)
    with pytest.raises(RuntimeError, match="event being handled"):
        await acknowledged_put(table)("k", b"{}")
    assert table.sent == []
