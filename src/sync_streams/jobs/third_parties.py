"""``thirdPartyAll``: push every third party and contact of a tenant through the sync.

A full scan of each side the form's "Initialisation" asks for, published as
change events (origin ``init``) on the ``changes.bulk`` topic: the same rules and
writers apply (running it twice creates nothing new), but a second agent handles
them, so a big init never queues in front of other tenants' live changes.

With SIRET matching on, Sellsy companies and Altior legal persons are paired by
normalised, valid SIRET before any event goes out; each pair is proposed as a link
on the bulk topic (ahead of the events) and on both live topics (ahead of any live
change of those records), so neither side creates a duplicate.
A SIRET shared by several records is reported and those records are left out of
the job: a human decides, nothing is merged or duplicated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sync_streams.domain.siret import match_by_siret
from sync_streams.flows.sources import (
    RecordSource,
    altior_contacts,
    altior_third_parties,
    sellsy_companies,
    sellsy_contacts,
    sellsy_individuals,
)
from sync_streams.jobs.messages import AmbiguityReport, LinkProposal
from sync_streams.kafka.declarations import Topology
from sync_streams.kafka.publisher import Publisher
from sync_streams.pipeline.mapping import external_sellsy_id
from sync_streams.pollers.poller import BadRecord, PolledRecord, change_event
from sync_streams.runtime.tenant import TenantRuntime

Clock = Callable[[], datetime]


@dataclass
class InitReport:
    """What a run did; printed as progress and at the end."""

    tenant: str
    scanned: dict[str, int] = field(default_factory=dict)
    published: int = 0
    unreadable: int = 0
    matched: int = 0
    ambiguous: list[AmbiguityReport] = field(default_factory=list)
    invalid_siret: list[str] = field(default_factory=list)
    left_out: int = 0

    def line(self) -> str:
        scanned = ", ".join(f"{k} {v}" for k, v in sorted(self.scanned.items()))
        return (
            f"scanned: {scanned or 'nothing'} | SIRET matched {self.matched}, "
            f"ambiguous {len(self.ambiguous)}, invalid {len(self.invalid_siret)} | "
            f"published {self.published}, left out {self.left_out}, unreadable {self.unreadable}"
        )


@dataclass
class _Scanned:
    source: RecordSource
    records: list[PolledRecord]


async def _scan(
    source: RecordSource, report: InitReport, on_bad: Callable[[BadRecord], Awaitable[None]]
) -> _Scanned:
    records: list[PolledRecord] = []
    async for item in source.changed_since(None):
        if isinstance(item, BadRecord):
            report.unreadable += 1
            await on_bad(item)
            continue
        records.append(item)
        key = f"{source.system} {source.entity}"
        report.scanned[key] = report.scanned.get(key, 0) + 1
    return _Scanned(source, records)


def _matches(
    sellsy: _Scanned, altior: _Scanned, runtime: TenantRuntime, report: InitReport, now: datetime
) -> tuple[list[LinkProposal], set[str]]:
    """Link proposals for SIRET pairs; the keys of records left out (ambiguous)."""
    mapping = runtime.mapping
    linked_altior = {
        r.source_id for r in altior.records if external_sellsy_id(r.snapshot, mapping) is not None
    }
    linked_sellsy = {
        r.source_id
        for r in sellsy.records
        if str(r.snapshot.get("reference") or "").startswith("ALTIOR-")
    }
    sources = [
        (r.source_id, (r.snapshot.get("legal_france") or {}).get("siret"))
        for r in sellsy.records
        if r.source_id not in linked_sellsy
    ]
    targets = [
        (r.source_id, r.snapshot.get("siret"))
        for r in altior.records
        if r.snapshot.get("kind") == "moral" and r.source_id not in linked_altior
    ]
    result = match_by_siret(sources, targets)
    report.matched = len(result.matched)
    report.invalid_siret = [f"sellsy {i.id}: {i.raw!r}" for i in result.invalid_sources] + [
        f"altior {i.id}: {i.raw!r}" for i in result.invalid_targets
    ]
    left_out: set[str] = set()
    for amb in result.ambiguous:
        report.ambiguous.append(
            AmbiguityReport(
                tenant=runtime.tenant,
                siret=amb.siret,
                sellsy_ids=amb.source_ids,
                altior_ids=amb.target_ids,
                reported_at=now,
            )
        )
        left_out |= {f"sellsy/{i}" for i in amb.source_ids}
        left_out |= {f"altior/{i}" for i in amb.target_ids}
    proposals = [
        LinkProposal(
            tenant=runtime.tenant,
            kind="third_party",
            sellsy_entity="company",
            sellsy_id=m.source_id,
            altior_entity="third_party",
            altior_id=m.target_id,
            reason=f"same SIRET {m.siret}",
            proposed_at=now,
        )
        for m in result.matched
    ]
    return proposals, left_out


async def run_third_party_all(
    runtime: TenantRuntime,
    publisher: Publisher,
    topology: Topology,
    *,
    on_bad: Callable[[BadRecord], Awaitable[None]],
    progress: Callable[[InitReport], None] = lambda report: None,
    clock: Clock = lambda: datetime.now(UTC),
) -> InitReport:
    """Scan, match, publish; returns once Kafka acknowledged every message."""
    settings = runtime.config.third_parties.init
    report = InitReport(tenant=runtime.tenant)
    now = clock()
    topics = {"sellsy": topology.name("changes.sellsy"), "altior": topology.name("changes.altior")}
    bulk = topology.name("changes.bulk")  # the events: beside live changes, not ahead of them
    scans: list[_Scanned] = []
    if settings.import_all and runtime.flow_on("third_parties", "import"):
        for make in (sellsy_companies, sellsy_individuals, sellsy_contacts):
            scans.append(await _scan(make(runtime), report, on_bad))
            progress(report)
    if settings.export_all and runtime.flow_on("third_parties", "export"):
        for make in (altior_third_parties, altior_contacts):
            scans.append(await _scan(make(runtime), report, on_bad))
            progress(report)
    acks: list[Awaitable[Any]] = []
    left_out: set[str] = set()
    companies = next((s for s in scans if s.source.entity == "company"), None)
    altior_tps = next((s for s in scans if s.source.entity == "third_party"), None)
    if settings.match_on_siret and companies is not None and altior_tps is not None:
        proposals, left_out = _matches(companies, altior_tps, runtime, report, now)
        messages: list[LinkProposal | AmbiguityReport] = [*proposals, *report.ambiguous]
        listed = {r.source_id: r for r in altior_tps.records}
        for message in messages:
            # ahead of the events on the bulk topic, and of any live change of the
            # matched records on the live topics: whichever agent sees one first links
            for topic in topics.values():
                acks.append(await publisher.send(topic, message.kafka_key, message.to_bytes()))
            if isinstance(message, LinkProposal):  # beside its events: the listing too
                record = listed[message.altior_id]
                event = change_event(runtime.tenant, altior_tps.source, record, now, "init")
                message = message.model_copy(update={"altior_listed": event})
            acks.append(await publisher.send(bulk, message.kafka_key, message.to_bytes()))
    for scanned in scans:
        for record in scanned.records:
            if f"{scanned.source.system}/{record.source_id}" in left_out:
                report.left_out += 1
                continue
            event = change_event(runtime.tenant, scanned.source, record, now, "init")
            acks.append(await publisher.send(bulk, event.kafka_key, event.to_bytes()))
            report.published += 1
            if report.published % 500 == 0:
                progress(report)
    for ack in acks:
        await ack
    progress(report)
    return report
