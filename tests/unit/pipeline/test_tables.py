"""What the sync writes to its tables: every put is a changelog message to Kafka."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime
from typing import Any

from sync_streams.pipeline.state import RecordState, SideState, link_key
from sync_streams.pipeline.tables import CursorView, SyncTables, TableView

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
