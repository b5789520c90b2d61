"""Sync tables that lose what a killed worker loses: the unacknowledged writes."""

from __future__ import annotations

from typing import Any

from sync_streams.pipeline.parking import Parked
from sync_streams.pipeline.state import RecordState
from sync_streams.pipeline.tables import CursorView, SyncTables, TableView


class CrashableStates:
    """Record states as their changelog keeps them.

    A plain ``put`` is sent in the background, so a crash loses every write since
    the last acknowledged one (``put_durably``): ``crash()`` puts the states back to
    what that write had acknowledged.
    """

    def __init__(self) -> None:
        self.backing: dict[str, Any] = {}
        self.acked: dict[str, Any] = {}

    async def durable_put(self, key: str, raw: bytes) -> None:
        self.backing[key] = raw
        self.acked = dict(self.backing)

    def crash(self) -> None:
        self.backing.clear()
        self.backing.update(self.acked)

    def tables(self) -> SyncTables:
        return SyncTables(
            states=TableView(self.backing, RecordState, self.durable_put),
            cursors=CursorView({}),
            parked=TableView({}, Parked),
        )
