"""Poller cursors: where the next poll of one (tenant, system, entity) starts.

Pure rules, tested without a network:

* the next window starts ``lookback`` before the cursor, so records written with
  an equal timestamp, or committed late by the API, are read again (dedupe by
  content hash drops what was already seen);
* a cursor only moves forward, to the newest source timestamp actually read;
* a cursor is stored only when its ``CursorMarker`` is consumed from the change
  topic, i.e. after Kafka acknowledged every event the poll produced before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final, Literal

from sync_streams.domain.envelope import Envelope, NonEmpty, System, TenantId, UtcDatetime
from sync_streams.pipeline.state import record_key

MARKER_KIND: Final = "cursor"


class CursorMarker(Envelope):
    """Sent by a poller behind the events of one poll, on the same partition."""

    marker: Literal["cursor"] = "cursor"
    tenant: TenantId
    system: System
    entity: NonEmpty
    cursor: UtcDatetime
    polled_at: UtcDatetime
    events: int = 0

    @property
    def kafka_key(self) -> bytes:
        return self.tenant.encode("utf-8")

    @property
    def table_key(self) -> str:
        return cursor_key(self.tenant, self.system, self.entity)


def cursor_key(tenant: str, system: str, entity: str) -> str:
    """Cursor table key; starts with the tenant like every table key."""
    return record_key(tenant, system, entity, "cursor")


def is_marker(payload: object) -> bool:
    """True for a decoded JSON message that is a cursor marker, not a change event."""
    return isinstance(payload, dict) and payload.get("marker") == MARKER_KIND


def window_start(cursor: datetime | None, lookback: timedelta) -> datetime | None:
    """Start of the next poll window; None means 'from the beginning' (first poll)."""
    if cursor is None:
        return None
    return cursor - lookback


def advance(cursor: datetime | None, seen: Iterable[datetime | None]) -> datetime | None:
    """The cursor after a poll that read records with timestamps ``seen``; never backwards."""
    newest = cursor
    for stamp in seen:
        if stamp is not None and (newest is None or stamp > newest):
            newest = stamp
    return newest


def next_cursor(
    cursor: datetime | None, seen: Iterable[datetime | None], started: datetime
) -> datetime | None:
    """The cursor after a poll that began at ``started``.

    The newest timestamp read, but never past the listing's start: a record edited
    while the listing ran (its new timestamp is after ``started``) may have been
    read at its old version, so the next window must include it.  Never backwards.
    """
    newest = advance(None, seen)
    if newest is None:
        return cursor
    return advance(cursor, [min(newest, started)])
