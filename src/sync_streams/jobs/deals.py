"""``opportunityAll``: push the Sellsy opportunities already at a trigger through the sync.

The form's deal initialisation (``deals.init.import_all``): every opportunity that
stands at or past an import trigger step of its pipeline (by rank, whatever its
status) and carries the filter flag when one is set is published as a change event
(origin ``init``) on the bulk topic, after the tenant's third parties, so the same
rules and writers apply without delaying other tenants' live changes.  Running it
twice creates nothing new: the second run's events are duplicates, or find their
affaire by its external reference.

Cost: one search per 100 opportunities of the trigger steps (filtered by step ids
server-side, flag embedded).  Their companies come along with them when they are
not in Altior yet (see ``flows.deal_context``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import MalformedRecordError
from sync_streams.flows.deal_context import catalog_of
from sync_streams.flows.deal_sources import flag_ids, opportunity_fingerprint, watched_steps
from sync_streams.flows.records import snapshot_of
from sync_streams.kafka.declarations import Topology
from sync_streams.kafka.publisher import Publisher
from sync_streams.pipeline.filters import passes_import_filter
from sync_streams.pipeline.mapping import trigger_reached
from sync_streams.pollers.poller import BadRecord
from sync_streams.runtime.tenant import TenantRuntime

Clock = Callable[[], datetime]

JOB = "opportunityAll"


@dataclass
class DealsInitReport:
    """What a run did; printed as progress and at the end."""

    tenant: str
    scanned: int = 0
    published: int = 0
    unflagged: int = 0
    before_trigger: int = 0
    unreadable: int = 0
    skipped: str = ""
    """Why nothing ran (flow off, ``deals.init.import_all`` false), else empty."""

    def line(self) -> str:
        if self.skipped:
            return f"{JOB}: nothing to do ({self.skipped})"
        return (
            f"{JOB}: scanned {self.scanned} opportunities at trigger steps | published "
            f"{self.published}, unflagged {self.unflagged}, before their trigger "
            f"{self.before_trigger}, unreadable {self.unreadable}"
        )


def _skipped(runtime: TenantRuntime) -> str:
    if not runtime.flow_on("deals", "import"):
        why = runtime.disabled.get("deals") or "import_from_sellsy is false or tenant paused"
        return f"the deal import flow is off: {why}"
    if not runtime.config.deals.init.import_all:
        return "deals.init.import_all is false"
    return ""


async def run_opportunity_all(
    runtime: TenantRuntime,
    publisher: Publisher,
    topology: Topology,
    *,
    on_bad: Callable[[BadRecord], Awaitable[None]],
    progress: Callable[[DealsInitReport], None] = lambda report: None,
    clock: Clock = lambda: datetime.now(UTC),
) -> DealsInitReport:
    """Scan the trigger steps and publish; returns once Kafka acknowledged every event."""
    report = DealsInitReport(tenant=runtime.tenant, skipped=_skipped(runtime))
    if report.skipped:
        progress(report)
        return report
    deals = runtime.config.deals
    catalog = catalog_of(runtime)
    steps = watched_steps(deals.import_triggers, catalog)
    fingerprint = opportunity_fingerprint(runtime)
    flag = runtime.filter_fields.for_entity("opportunity")
    topic = topology.name("changes.bulk")
    now = clock()
    acks: list[Awaitable[Any]] = []
    listing = runtime.sellsy.iter_opportunities(
        steps=steps, custom_field_ids=flag_ids(runtime), order="id"
    )
    async for item in listing if steps else _nothing():
        if isinstance(item, MalformedRecordError):
            report.unreadable += 1
            await on_bad(BadRecord(item, getattr(item, "payload", None)))
            continue
        report.scanned += 1
        snapshot = snapshot_of(item)
        try:
            record = fingerprint(item.id, snapshot)
            flagged = passes_import_filter("opportunity", snapshot, runtime.mapping, flag)
        except MalformedRecordError as exc:
            report.unreadable += 1
            await on_bad(BadRecord(exc, snapshot))
            continue
        if not flagged.passes:
            report.unflagged += 1
            continue
        if trigger_reached(record.fields, deals, catalog) is None:
            report.before_trigger += 1
            continue
        event = ChangeEvent(
            tenant=runtime.tenant,
            system="sellsy",
            entity="opportunity",
            source_id=record.id,
            content_hash=record.hash,
            snapshot=snapshot,
            observed_at=now,
            origin="init",
        )
        acks.append(await publisher.send(topic, event.kafka_key, event.to_bytes()))
        report.published += 1
        if report.published % 500 == 0:
            progress(report)
    for ack in acks:
        await ack
    progress(report)
    return report


async def _nothing() -> Any:
    return
    yield  # an empty async iterator
