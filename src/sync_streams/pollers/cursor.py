"""Poller cursors: where the next poll of one (tenant, system, entity) starts.

Pure rules, tested without a network:

* after a poll, the cursor is the moment its listing began minus ``lookback``, so
  records written with an equal timestamp, committed late by the API, or stamped by
  a clock a little off are read again (dedupe by content hash drops the copies);
* a cursor only moves forward;
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


def advance(cursor: datetime | None, seen: Iterable[datetime | None]) -> datetime | None:
    """The cursor after a poll that read records with timestamps ``seen``; never backwards."""
    newest = cursor
    for stamp in seen:
        if stamp is not None and (newest is None or stamp > newest):
            newest = stamp
    return newest


def next_cursor(cursor: datetime | None, started: datetime, lookback: timedelta) -> datetime:
    """The cursor after a poll whose listing began at ``started`` (the worker's clock).

    Every change committed before the listing began, with a timestamp older than
    ``started - lookback``, has been read: that is the new cursor, and the next
    window starts there.  ``lookback`` absorbs clock skew between the worker and the
    API and commits that land late; each change is therefore read again for
    ``lookback`` seconds at most (dedupe drops the copies), never forever, and a
    record edited while a listing ran is read again by the next one.  Never backwards.
    """
    candidate = started - lookback
    return candidate if cursor is None or candidate > cursor else cursor
