"""What the handler needs from each system for one kind of record.

A ``SideAdapter`` hides one API behind five verbs (view an event's record, read,
find a counterpart, create, update), always speaking the *common* field set of
``pipeline.mapping``.  The handler never sees an API payload, and adapters never
decide anything: the rules live in ``pipeline.rules`` and ``pipeline.handler``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sync_streams.domain.envelope import System
from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import SkippableError


@dataclass(frozen=True)
class SideRecord:
    """One record of one system, in common form, with the hash its poller would compute."""

    id: str
    entity: str
    fields: dict[str, Any]
    hash: str
    version: datetime | None
    snapshot: dict[str, Any] = field(default_factory=dict)


class MissingDependency(SkippableError):
    """The record needs another one synced first (a contact's company, a deal's client).

    The handler parks the event under ``waiting_for`` (a link key) and replays it
    when that record gets linked.  ``bring_along``, when given, is a change event of
    that record: the handler syncs it at once (whatever its own filter says) and, once
    it is linked, handles the waiting event again instead of parking it.
    """

    def __init__(
        self, message: str, *, waiting_for: str, bring_along: ChangeEvent | None = None
    ) -> None:
        super().__init__(message)
        self.waiting_for = waiting_for
        self.bring_along = bring_along


class CounterpartExists(Exception):
    """A create found its counterpart already there (``record_id``): merge into it."""

    def __init__(self, record_id: str) -> None:
        super().__init__(f"counterpart {record_id} already exists")
        self.record_id = record_id


Announce = Callable[[], Awaitable[None]]
"""Called by ``create`` right before its first call that may create a record."""


class SideAdapter(Protocol):
    system: System
    # True when ``create`` refuses a second counterpart of the same source record by
    # raising ``CounterpartExists`` (Altior's unique external references): the
    # handler then creates without looking the counterpart up first.
    creates_uniquely: bool
    # True when ``update`` writes only if the record is still at ``current``'s version
    # (else ``PreconditionFailedError``): a kept snapshot may stand in for a read.
    conditional_updates: bool

    def view(self, event: ChangeEvent) -> SideRecord:
        """The event's own record in common form (MalformedRecordError if unreadable)."""

    async def read(self, record_id: str, entity: str) -> SideRecord | None:
        """The record as it is now, or None if it no longer exists."""

    async def find_counterpart(
        self, source: SideRecord, event: ChangeEvent, *, attempted_since: datetime | None
    ) -> SideRecord | None:
        """A record this system already holds for ``source``.

        ``attempted_since``: an earlier attempt to create it was announced then and
        may have succeeded (a crash lost its answer): look for what it made.  None:
        no attempt was ever made, so only what the records themselves say counts
        (``source`` naming its counterpart), which should cost no search."""

    async def create(
        self, source: SideRecord, event: ChangeEvent, announce: Announce
    ) -> SideRecord:
        """Create the counterpart of ``source``, awaiting ``announce()`` right before the
        first call that may create it (after every check that may refuse or park the
        event); the result as the API answered it."""

    async def update(
        self, current: SideRecord, changes: dict[str, Any], event: ChangeEvent
    ) -> SideRecord:
        """Write ``changes`` (common fields) onto ``current``; the result as read back."""

    async def anchor(self, record: SideRecord, counterpart_id: str) -> SideRecord:
        """Make ``record`` carry its counterpart's id where this system keeps it
        (Altior: the external reference).  Return ``record`` itself when nothing
        had to be written."""
