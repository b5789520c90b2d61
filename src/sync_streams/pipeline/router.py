"""What the sync agent does with one Kafka message of a change topic.

Decode; a cursor marker moves its poller's cursor; a change event goes to the
handler.  Whatever cannot be handled goes to the dead-letter topic and the stream
goes on: a malformed message never stops a partition.

Two agents (live and bulk) share one router: it handles one message per tenant at
a time, in arrival order (``asyncio.Lock`` is fair), so a tenant's records never
race while other tenants go on.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from typing import Protocol

from faust.exceptions import PartitionsMismatch

from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import ApiError, MalformedRecordError, RejectedError, SyncStreamsError
from sync_streams.jobs.messages import AmbiguityReport, LinkProposal
from sync_streams.kafka.declarations import METADATA_MAX_AGE_SECONDS
from sync_streams.observability.metrics import direction_of
from sync_streams.pipeline.deadletters import DeadLetterSink
from sync_streams.pipeline.tables import SyncTables
from sync_streams.pollers.cursor import CursorMarker, is_marker

log = logging.getLogger(__name__)


METADATA_PAUSE = 1.0  # seconds
METADATA_TRIES = 1 + int(2 * METADATA_MAX_AGE_SECONDS / METADATA_PAUSE)
"""Enough to outlast two refreshes of the consumer's metadata (``app.create_app``)."""


class InternalError(SyncStreamsError):
    """An unexpected failure of our own code while handling a message."""


class ChangeHandler(Protocol):
    async def handle(self, event: ChangeEvent) -> None:
        """Sync one change event; raise a SyncStreamsError subclass when it cannot."""

    def propose_link(self, proposal: LinkProposal) -> bool:
        """Link two records matched by an init job unless either is linked already."""

    def report_ambiguity(self, report: AmbiguityReport) -> None:
        """Count a SIRET that several records share."""

    def remember_refusal(self, event: ChangeEvent) -> None:
        """Note that the target refused this version of the record (dead-lettered)."""


class StageError(Protocol):
    stage: str


class ChangeRouter:
    def __init__(
        self, tables: SyncTables, handler: ChangeHandler, dead_letters: DeadLetterSink
    ) -> None:
        self.tables = tables
        self.handler = handler
        self.dead_letters = dead_letters
        self._tenant_locks: defaultdict[str | None, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def on_message(self, key: bytes | None, value: bytes | None) -> None:
        """Handle one message; whatever happens, it ends applied, skipped or dead-lettered.

        An unexpected exception (a bug) must not crash the agent: Faust would restart it
        past the message, and the message would be lost.  It is dead-lettered instead,
        with stage ``internal``, so ``dlq requeue`` can re-feed it once fixed.
        """
        tenant = key.decode("utf-8", "replace") if key else None
        if value is None:
            return
        try:
            async with self._tenant_locks[tenant]:
                await self._route_once_metadata_known(tenant, value)
        except Exception as exc:  # the stream must go on; nothing is lost
            log.exception("unexpected error handling a message of tenant %s", tenant)
            await self.dead_letters.send(
                InternalError(f"{type(exc).__name__}: {exc}"),
                tenant=tenant,
                stage="internal",
                original=value,
            )

    async def _route_once_metadata_known(self, tenant: str | None, value: bytes) -> None:
        """Route; retry while Faust cannot yet tell a changelog's partition count.

        Just after a worker starts, the consumer's metadata may list a table's changelog
        topic with 0 partitions (Faust created it a moment ago), and Faust refuses the
        table write (``PartitionsMismatch``) until the metadata is refreshed: every
        ``METADATA_MAX_AGE_SECONDS`` (by default five minutes: letters for five minutes,
        fault matrix F5).  Handling the message again is safe (the rules make a
        redelivery harmless); dead-lettering it was not needed.
        """
        for attempt in range(1, METADATA_TRIES + 1):
            try:
                await self._route(tenant, value)
                return
            except PartitionsMismatch:
                if attempt == METADATA_TRIES:
                    raise
                log.warning("table metadata not known yet; handling the message again")
                await asyncio.sleep(METADATA_PAUSE)

    async def _route(self, tenant: str | None, value: bytes) -> None:
        try:
            payload = json.loads(value)
        except ValueError:
            await self.dead_letters.send(
                MalformedRecordError("message is not valid JSON"),
                tenant=tenant,
                stage="decode",
                original=value,
            )
            return
        if is_marker(payload):
            await self._on_marker(tenant, payload, value)
            return
        if isinstance(payload, dict) and payload.get("marker") in ("link", "ambiguous"):
            await self._on_job_message(tenant, payload, value)
            return
        try:
            event = ChangeEvent.from_json_value(payload)
        except MalformedRecordError as exc:
            await self.dead_letters.send(exc, tenant=tenant, stage="decode", original=value)
            return
        if tenant is not None and event.tenant != tenant:
            await self.dead_letters.send(
                MalformedRecordError("message key and tenant differ", field="tenant"),
                tenant=tenant,
                stage="decode",
                original=event,
            )
            return
        try:
            await self.handler.handle(event)
        except SyncStreamsError as exc:
            if isinstance(exc, ApiError):  # an API refused or failed after bounded retries
                self.dead_letters.metrics.count(
                    event.tenant, direction_of(event.system), "failed", entity=event.entity
                )
            if isinstance(exc, RejectedError):  # the same version would be refused again
                self.handler.remember_refusal(event)
            stage = getattr(exc, "stage", None) or "write"
            await self.dead_letters.send(
                exc,
                tenant=event.tenant,
                stage=stage,
                original=event,
                attempts=int(getattr(exc, "attempts", 1)),
            )

    async def _on_job_message(
        self, tenant: str | None, payload: dict[str, object], raw: bytes
    ) -> None:
        try:
            if payload.get("marker") == "link":
                self.handler.propose_link(LinkProposal.from_json_value(payload))
            else:
                self.handler.report_ambiguity(AmbiguityReport.from_json_value(payload))
        except MalformedRecordError as exc:
            await self.dead_letters.send(exc, tenant=tenant, stage="decode", original=raw)

    async def _on_marker(self, tenant: str | None, payload: object, raw: bytes) -> None:
        try:
            marker = CursorMarker.from_json_value(payload)
        except MalformedRecordError as exc:
            await self.dead_letters.send(exc, tenant=tenant, stage="decode", original=raw)
            return
        current = self.tables.cursors.get(marker.table_key)
        if current is None or marker.cursor > current:
            self.tables.cursors.put(marker.table_key, marker.cursor)
