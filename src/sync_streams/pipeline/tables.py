"""The Faust tables of the sync, and a small typed view over them.

Every key starts with the tenant id (``pipeline.state.record_key``) and every
table is written while handling an event of that tenant, so each entry lives in
the partition of its tenant: whoever owns the partition owns the state.

Values are stored as JSON bytes of our own models; the ``TableView`` wrapper keeps
the handler code free of Faust (a plain dict works the same in unit tests).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import faust
from pydantic import BaseModel, TypeAdapter

from sync_streams.errors import StateNotStoredError
from sync_streams.pipeline.state import IdLink, RecordState

Model = TypeVar("Model", bound=BaseModel)

_DATETIME = TypeAdapter(datetime)

DurablePut = Callable[[str, bytes], Awaitable[None]]
"""Store a raw value and return once it is safe from a crash (its changelog acked)."""


class TableView(Generic[Model]):
    """A mapping of key -> model stored as JSON bytes in a Faust table (or a dict)."""

    def __init__(
        self,
        backing: MutableMapping[str, Any],
        model: type[Model],
        durable_put: DurablePut | None = None,
    ) -> None:
        self.backing = backing
        self.model = model
        self._durable_put = durable_put

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

    async def put_durably(self, key: str, value: Model) -> None:
        """Store ``value`` and return only once its changelog message is acknowledged
        (a plain ``put`` is sent in the background: a crash right after may lose it)."""
        raw = value.model_dump_json().encode("utf-8")
        if self._durable_put is None:  # a dict: nothing to lose
            self.backing[key] = raw
        else:
            await self._durable_put(key, raw)


class LinkView:
    """Id links, read from the record states: a state is stored under the key of each
    side it knows, and carries both ids once linked, so it *is* the link.  (A table of
    its own, as before, doubled the changelog messages of every new pair and the
    entries to recover at a restart, for nothing the states did not hold.)"""

    def __init__(self, states: TableView[RecordState]) -> None:
        self.states = states

    def get(self, key: str) -> IdLink | None:
        state = self.states.get(key)
        return state.link() if state is not None else None


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
    """The sync's state: record state per side key (and so the id links), cursors."""

    states: TableView[RecordState]
    cursors: CursorView
    parked: TableView[Any]

    @property
    def links(self) -> LinkView:
        return LinkView(self.states)

    @classmethod
    def in_memory(cls) -> SyncTables:
        """Dict-backed tables for unit tests and benchmarks."""
        from sync_streams.pipeline.parking import Parked

        return cls(
            states=TableView({}, RecordState),
            cursors=CursorView({}),
            parked=TableView({}, Parked),
        )

    def save_state(self, state: RecordState) -> None:
        """Store ``state`` under the key of each known side, unless stored already (a
        poll's re-read of a version already seen changes nothing: no changelog message)."""
        for key in state.table_keys():
            self.states.put_if_changed(key, state)

    async def save_state_durably(self, state: RecordState) -> None:
        """``save_state``, returning once it would survive a crash of this worker."""
        for key in state.table_keys():
            await self.states.put_durably(key, state)


TABLE_NAMES = ("record-state", "poller-cursors", "parked-events")


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
        states=TableView(backing[0], RecordState, acknowledged_put(backing[0])),
        cursors=CursorView(backing[1]),
        parked=TableView(backing[2], Parked),
    )


def acknowledged_put(table: Any) -> DurablePut:
    """A write to a Faust ``table`` that waits for its changelog message's ack.

    ``table[key] = value`` queues the changelog message and returns; the future of
    that message is not kept.  Here the message is sent by hand (same partition as
    the event being handled, as Faust does) and awaited, and the value is stored
    without a second message.
    """

    async def put(key: str, raw: bytes) -> None:
        event = faust.current_event()
        if event is None:
            raise RuntimeError("a durable table write needs the event being handled")
        sent = table.send_changelog(event.message.partition, key, raw)
        table.data[key] = raw
        try:
            await sent
        except Exception as exc:  # aiokafka's errors after its own retries
            raise StateNotStoredError(
                f"the record state was not acknowledged by Kafka ({type(exc).__name__})"
            ) from exc

    return put
