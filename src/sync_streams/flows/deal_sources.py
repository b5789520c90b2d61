"""What the deal pollers read: opportunities without an "updated" filter, and the
Altior documents (quotes, orders) and closures that move opportunities.

Change capture of opportunities (Sellsy has no "updated since" for them).  Each
cycle reads, with the filter flag embedded (no extra call):

1. the **open** opportunities (``open``, ``late``) standing at or past an import
   trigger step of a trigger pipeline -- the ones that may come down or whose
   amount, name or flag may change without anything else moving;
2. every opportunity whose ``updated_status`` is within the poll window (cursor
   minus look-back): Sellsy moves it on each step or status change, so moves,
   wins, losses and pipeline changes are caught anywhere.

Cost per cycle: ``ceil(open watched / 100) + ceil(changed in window / 100)`` calls,
at least 2, independent of the closed history (``bench/opportunity_polling.py``).
Hashes published by the last successful cycle are kept in memory, so only changed
opportunities become events (after a restart the first cycle re-publishes the open
set once; dedupe by hash drops it downstream).  Not seen until their step or
status moves: edits of name or amount on closed opportunities, or on open ones
before the trigger or outside the trigger pipelines.

Opportunities have no modification time: their events carry the time the cycle
started (an observation time, as docs/sync-rules.md says of their version), which
is also what moves the poller's cursor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sync_streams.domain.envelope import System
from sync_streams.domain.hashing import content_hash
from sync_streams.errors import MalformedRecordError
from sync_streams.flows.deal_context import catalog_of
from sync_streams.flows.records import side_record, snapshot_of
from sync_streams.pipeline.mapping import PipelineCatalog
from sync_streams.pipeline.sides import SideRecord
from sync_streams.pollers.poller import BadRecord, PolledRecord
from sync_streams.runtime.tenant import TenantRuntime
from sync_streams.sellsy.queries import DateRange

OPEN_STATUSES = ("open", "late")
CLOSURE_ENTITY = "affaire_closure"

Fingerprint = Callable[[int, dict[str, Any]], SideRecord]


def watched_steps(config_triggers: Iterable[Any], catalog: PipelineCatalog) -> list[int]:
    """Ids of the steps at or past an import trigger (by rank) in its pipeline."""
    steps: set[int] = set()
    for trigger in config_triggers:
        pipeline = catalog.pipeline(trigger.pipeline)
        rank = catalog.rank(trigger.pipeline, trigger.step)
        if pipeline is None or rank is None:
            continue
        steps.update(s.id for s in pipeline.steps if s.rank >= rank)
    return sorted(steps)


@dataclass
class CycleStats:
    """What the last cycle read (for logs and the benchmark)."""

    listed: int = 0
    unchanged: int = 0
    published: int = 0


@dataclass
class OpportunitySource:
    """The Sellsy opportunity poller's source (strategy in the module docstring)."""

    sellsy: Any
    steps: list[int]
    fingerprint: Fingerprint
    flag_ids: list[int] = field(default_factory=list)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    system: System = "sellsy"
    entity: str = "opportunity"
    stats: CycleStats = field(default_factory=CycleStats)
    _published: dict[str, str] = field(default_factory=dict)
    _pending: dict[str, str] = field(default_factory=dict)
    _bad: set[str] = field(default_factory=set)
    _last_since: datetime | None = None

    def _settle(self, since: datetime | None) -> None:
        """Keep the previous cycle's hashes only if it succeeded: its cursor moved."""
        if since is not None and self._last_since is not None and since > self._last_since:
            self._published.update(self._pending)
        self._pending = {}
        self._last_since = since

    def _listings(self, since: datetime | None) -> list[AsyncIterator[Any]]:
        listings = []
        if self.steps:
            listings.append(
                self.sellsy.iter_opportunities(
                    steps=self.steps,
                    statuses=OPEN_STATUSES,
                    custom_field_ids=self.flag_ids,
                    order="id",
                )
            )
        if since is not None:
            listings.append(
                self.sellsy.iter_opportunities(
                    updated_status=DateRange(start=since),
                    custom_field_ids=self.flag_ids,
                    order="id",
                )
            )
        return listings

    async def changed_since(
        self, since: datetime | None
    ) -> AsyncIterator[PolledRecord | BadRecord]:
        listed_at = self.clock()
        self._settle(since)
        self.stats = CycleStats()
        seen: set[str] = set()
        for listing in self._listings(since):
            async for item in listing:
                if isinstance(item, MalformedRecordError):
                    raw = getattr(item, "payload", None)
                    if self._first_bad(raw):
                        yield BadRecord(item, raw)
                    continue
                ident = str(item.id)
                if ident in seen:
                    continue
                seen.add(ident)
                self.stats.listed += 1
                snapshot = snapshot_of(item)
                try:
                    record = self.fingerprint(item.id, snapshot)
                except MalformedRecordError as exc:
                    if self._first_bad(snapshot):
                        yield BadRecord(exc, snapshot)
                    continue
                if self._published.get(ident) == record.hash:
                    self.stats.unchanged += 1
                    continue
                self._pending[ident] = record.hash
                self.stats.published += 1
                yield PolledRecord(ident, listed_at, snapshot, record.hash)

    def _first_bad(self, raw: Any) -> bool:
        """A malformed record is dead-lettered once per content, not every cycle."""
        key = content_hash({"raw": raw if isinstance(raw, dict) else str(raw)})
        if key in self._bad:
            return False
        self._bad.add(key)
        return True


def opportunity_fingerprint(runtime: TenantRuntime) -> Fingerprint:
    def fingerprint(record_id: int, snapshot: dict[str, Any]) -> SideRecord:
        return side_record(
            "sellsy", "opportunity", record_id, snapshot, runtime.mapping, runtime.filter_fields
        )

    return fingerprint


def flag_ids(runtime: TenantRuntime) -> list[int]:
    flag = runtime.filter_fields.for_entity("opportunity")
    return [flag.id] if flag is not None else []


def sellsy_opportunities(runtime: TenantRuntime) -> OpportunitySource:
    steps = watched_steps(runtime.config.deals.import_triggers, catalog_of(runtime))
    return OpportunitySource(
        runtime.sellsy, steps, opportunity_fingerprint(runtime), flag_ids(runtime)
    )


# --- Altior documents and closures ---------------------------------------------------

DOCUMENT_FIELDS = ("affaire_id", "number", "label", "amount", "status")
CLOSURE_FIELDS = ("affaire_id", "status", "closed_at")

Pages = Callable[[datetime | None], AsyncIterator[Any]]


@dataclass
class DocumentSource:
    """Altior quotes, orders or affaire closures changed since a time.

    A closure is an affaire seen through its status only (``affaire_id``,
    ``status``, ``closed_at``): its hash changes when it is closed, reopened or
    closed again, never for other edits.
    """

    entity: str
    pages: Pages
    snapshot: Callable[[Any], dict[str, Any]]
    fields: tuple[str, ...]
    system: System = "altior"

    async def changed_since(
        self, since: datetime | None
    ) -> AsyncIterator[PolledRecord | BadRecord]:
        async for page in self.pages(since):
            for error in page.errors:
                yield BadRecord(error, getattr(error, "payload", None))
            for item in page.items:
                snapshot = self.snapshot(item)
                yield PolledRecord(
                    str(item.id), item.updated_at, snapshot, content_hash(snapshot, self.fields)
                )


def _closure(affaire: Any) -> dict[str, Any]:
    return {
        "affaire_id": affaire.id,
        "status": affaire.status,
        "closed_at": affaire.closed_at.isoformat() if affaire.closed_at else None,
        "updated_at": affaire.updated_at.isoformat(),
    }


def altior_quotes(runtime: TenantRuntime) -> DocumentSource:
    return DocumentSource(
        "quote",
        lambda since: runtime.altior.quote_pages(updated_since=since),
        snapshot_of,
        DOCUMENT_FIELDS,
    )


def altior_orders(runtime: TenantRuntime) -> DocumentSource:
    return DocumentSource(
        "order",
        lambda since: runtime.altior.order_pages(updated_since=since),
        snapshot_of,
        DOCUMENT_FIELDS,
    )


def altior_closures(runtime: TenantRuntime) -> DocumentSource:
    return DocumentSource(
        CLOSURE_ENTITY,
        lambda since: runtime.altior.affaire_pages(updated_since=since),
        _closure,
        CLOSURE_FIELDS,
    )
