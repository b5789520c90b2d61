"""Events waiting for another record to be synced first.

A Sellsy contact can be seen before its company reaches Altior; a deal before its
client.  Its event is parked under the link key of what it waits for, in a table
of the same partition, and replayed as soon as that record gets an id link.  The
parked copy is the whole event, so nothing is lost across restarts.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from sync_streams.domain.events import ChangeEvent
from sync_streams.pipeline.tables import SyncTables

MAX_PARKED_PER_KEY = 1000


class Parked(BaseModel):
    events: list[dict[str, Any]] = Field(default_factory=list)


class ParkingLot:
    def __init__(self, tables: SyncTables) -> None:
        self.tables = tables

    def park(self, waiting_for: str, event: ChangeEvent) -> None:
        parked = self.tables.parked.get(waiting_for) or Parked()
        kept = [e for e in parked.events if e.get("event_id") != event.event_id]
        # a newer snapshot of the same record replaces the older one
        kept = [
            e
            for e in kept
            if (e.get("system"), e.get("entity"), e.get("source_id"))
            != (event.system, event.entity, event.source_id)
        ]
        kept.append(event.to_json_value())
        self.tables.parked.put(waiting_for, Parked(events=kept[-MAX_PARKED_PER_KEY:]))

    def release(self, keys: list[str]) -> list[ChangeEvent]:
        """Take the events parked under ``keys`` (they are removed from the lot)."""
        released: list[ChangeEvent] = []
        for key in keys:
            parked = self.tables.parked.get(key)
            if parked is None or not parked.events:
                continue
            self.tables.parked.put(key, Parked())
            released.extend(
                ChangeEvent.from_json_value(e).with_origin("requeue") for e in parked.events
            )
        return released
