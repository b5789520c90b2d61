"""What the sync writes to its tables: every put is a changelog message to Kafka."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime
from typing import Any

from sync_streams.pipeline.state import IdLink, RecordState, SideState, link_key
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
        sellsy=SideState(id="12", entity="company", version=T0.replace(minute=version)),
        altior=SideState(id="340", entity="third_party"),
    )


def test_a_pair_writes_its_link_once_and_its_state_on_every_sync() -> None:
    states, links = CountingDict(), CountingDict()
    tables = SyncTables(
        states=TableView(states, RecordState),
        links=TableView(links, IdLink),
        cursors=CursorView({}),
        parked=TableView({}, RecordState),
    )
    tables.save_state(_pair(1))
    assert (states.writes, links.writes) == (2, 2)  # under each side's key
    tables.save_state(_pair(2))
    tables.save_state(_pair(3))
    assert (states.writes, links.writes) == (6, 2)  # the link did not change
    link = tables.links.get(link_key("acme-prod", "altior", "third_party", "340"))
    assert link is not None and link == _pair(3).link()
