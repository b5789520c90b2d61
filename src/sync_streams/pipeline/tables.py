"""The Faust tables of the sync, and a small typed view over them.

Every key starts with the tenant id (``pipeline.state.record_key``) and every
table is written while handling an event of that tenant, so each entry lives in
the partition of its tenant: whoever owns the partition owns the state.

Values are stored as JSON bytes of our own models; the ``TableView`` wrapper keeps
the handler code free of Faust (a plain dict works the same in unit tests).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import faust
from pydantic import BaseModel, TypeAdapter

from sync_streams.pipeline.state import IdLink, RecordState

Model = TypeVar("Model", bound=BaseModel)

_DATETIME = TypeAdapter(datetime)


class TableView(Generic[Model]):
    """A mapping of key -> model stored as JSON bytes in a Faust table (or a dict)."""

    def __init__(self, backing: MutableMapping[str, Any], model: type[Model]) -> None:
        self.backing = backing
        self.model = model

    def get(self, key: str) -> Model | None:
        raw = self.backing.get(key)
        if raw is None:
            return None
        return self.model.model_validate_json(raw)

    def put(self, key: str, value: Model) -> None:
        self.backing[key] = value.model_dump_json().encode("utf-8")

    def put_if_changed(self, key: str, value: Model) -> bool:
        """Store ``value`` unless it is stored already: each put is a changelog message."""
        raw = value.model_dump_json().encode("utf-8")
        if self.backing.get(key) == raw:
            return False
        self.backing[key] = raw
        return True


class CursorView:
    """Poller cursors: key -> UTC datetime."""

    def __init__(self, backing: MutableMapping[str, Any]) -> None:
        self.backing = backing

    def get(self, key: str) -> datetime | None:
        raw = self.backing.get(key)
        if raw is None:
            return None
        return _DATETIME.validate_json(raw)

    def put(self, key: str, value: datetime) -> None:
        self.backing[key] = _DATETIME.dump_json(value)


@dataclass
class SyncTables:
    """The sync's state: record state per side key, id links per side key, cursors."""

    states: TableView[RecordState]
    links: TableView[IdLink]
    cursors: CursorView
    parked: TableView[Any]

    @classmethod
    def in_memory(cls) -> SyncTables:
        """Dict-backed tables for unit tests and benchmarks."""
        from sync_streams.pipeline.parking import Parked

        return cls(
            states=TableView({}, RecordState),
            links=TableView({}, IdLink),
            cursors=CursorView({}),
            parked=TableView({}, Parked),
        )

    def save_state(self, state: RecordState) -> None:
        """Store ``state`` under the key of each known side, and its id link if complete."""
        for key in state.table_keys():
            self.states.put(key, state)
        link = state.link()
        if link is not None:  # set once per pair: an update of a linked pair rewrites no link
            for key in link.table_keys():
                self.links.put_if_changed(key, link)


TABLE_NAMES = ("record-state", "id-links", "poller-cursors", "parked-events")


def declare_faust_tables(app: Any, partitions: int) -> SyncTables:
    """Declare the tables on a Faust app (same partition count as the change topics)."""
    backing = [
        app.Table(
            name,
            default=None,
            partitions=partitions,
            # value_type=bytes makes the table's own serializer "raw": without it Faust
            # JSON-decodes the changelog on recovery and a restarted worker reads dicts
            key_type=str,
            value_type=bytes,
            schema=faust.Schema(
                key_type=str, value_type=bytes, key_serializer="json", value_serializer="raw"
            ),
        )
        for name in TABLE_NAMES
    ]
    from sync_streams.pipeline.parking import Parked

    return SyncTables(
        states=TableView(backing[0], RecordState),
        links=TableView(backing[1], IdLink),
        cursors=CursorView(backing[2]),
        parked=TableView(backing[3], Parked),
    )
