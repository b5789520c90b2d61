"""The status of the tenants a worker knows: what ``/status`` serves, what ``status`` prints.

Built from what the worker already holds, without network: the tenant registry
(flow states and why a flow is disabled), the tenants-topic follower (published
configurations that did not load), the metrics registry (last poll, failures,
dead letters, conflicts, SIRET reports) and the last-hour window of outcomes and
sync lag (``observability.recent``).

Every worker knows every tenant but serves only those of its partitions, so a
report says which tenants the worker serves; ``merge`` combines the reports of
several workers (counts add up, the serving worker's states win), and a tenant
moved by a rebalance keeps the counts its previous worker made.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, computed_field

from sync_streams.kafka.partitioning import partition_of
from sync_streams.observability.metrics import DIRECTIONS, WorkerMetrics
from sync_streams.observability.recent import LagHistogram, flow_of

if TYPE_CHECKING:  # the CLI reads reports without loading the API clients
    from sync_streams.runtime.tenant import TenantRuntime

FLOWS = ("third_parties", "deals")
FINE_STATES = frozenset({"running", "paused", "off"})
"""Flow states that need nobody: syncing, paused by an operator, not enabled in the file."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Lag(_Model):
    """Sync lag over the last hour: bucket counts (to merge workers) and the p95 estimate."""

    bounds: list[float]
    counts: list[int]
    """Observations per bucket, not cumulative; the last one is above the last bound."""

    @property
    def histogram(self) -> LagHistogram:
        return LagHistogram(tuple(self.bounds), tuple(self.counts))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def p95_seconds(self) -> float | None:
        return self.histogram.quantile(0.95)

    @classmethod
    def of(cls, histogram: LagHistogram) -> Lag:
        return cls(bounds=list(histogram.bounds), counts=list(histogram.counts))


class DirectionStatus(_Model):
    direction: str
    state: str
    last_hour: dict[str, int] = Field(default_factory=dict)
    """Outcome -> events handled in the last hour (only outcomes that happened)."""
    since_start: dict[str, int] = Field(default_factory=dict)
    lag: Lag


class FlowStatus(_Model):
    flow: str
    state: str
    reason: str | None = None
    """Why the flow is disabled (configuration names the APIs do not know)."""
    directions: list[DirectionStatus] = Field(default_factory=list)


class PollerStatus(_Model):
    system: str
    entity: str
    flow: str
    last_success: datetime | None = None
    age_seconds: float | None = None
    """Seconds between the last successful poll and the report."""
    failures: int = 0


class TenantStatus(_Model):
    tenant: str
    started: bool = True
    """False when the tenant's configuration never loaded on this worker."""
    served: bool = False
    served_by: list[str] = Field(default_factory=list)
    """Workers serving the tenant (filled by ``merge``)."""
    paused: bool = False
    flows: list[FlowStatus] = Field(default_factory=list)
    pollers: list[PollerStatus] = Field(default_factory=list)
    conflicts: dict[str, int] = Field(default_factory=dict)
    dead_letters: dict[str, int] = Field(default_factory=dict)
    """Stage -> dead letters since the worker started."""
    siret_ambiguous: int = 0
    siret_matched: int = 0
    deleted_twins: dict[str, int] = Field(default_factory=dict)
    """System -> synced records found hard-deleted there since the worker started:
    their twins are no longer synced (docs/sync-rules.md, "Archiving and deleting")."""
    reconcile_recovered: int = 0
    """Changes the polls missed and a reconciliation pass synced (since start)."""
    configuration_problems: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def problems(self) -> list[str]:
        """Why this tenant needs someone (empty: every flow runs, is paused or is off)."""
        found: list[str] = []
        if not self.started:
            found.append("not started: " + "; ".join(self.configuration_problems))
        for flow in self.flows:
            if flow.state == "disabled":
                found.append(f"{flow.flow} disabled: {flow.reason or 'see the worker log'}")
            elif flow.state not in FINE_STATES and flow.flow in FLOWS:
                found.append(f"{flow.flow} {flow.state}")
        for system, count in sorted(self.deleted_twins.items()):
            found.append(
                f"{count} synced record(s) deleted in {system}: their twins are no longer"
                " synced (archive instead of deleting; see docs/sync-rules.md)"
            )
        return found


class WorkerStatus(_Model):
    generated_at: datetime
    ready: bool
    partitions: list[int] = Field(default_factory=list)
    """Change-topic partitions assigned to this worker."""
    window_minutes: int
    tenants: list[TenantStatus] = Field(default_factory=list)


class RegistryView(Protocol):
    def get(self, tenant: str) -> TenantRuntime | None: ...

    def ids(self) -> list[str]: ...


def worker_status(
    *,
    metrics: WorkerMetrics,
    registry: RegistryView,
    problems: Mapping[str, list[str]],
    assigned: Collection[int],
    partitions: int,
    ready: bool,
    tenant: str | None = None,
    now: datetime | None = None,
) -> WorkerStatus:
    """The report of one worker; ``tenant`` keeps only that one."""
    now = now or datetime.now(UTC)
    samples = _Samples(metrics)
    ids = sorted(set(registry.ids()) | set(problems))
    statuses = []
    for tenant_id in ids:
        if tenant is not None and tenant_id != tenant:
            continue
        status = _tenant_status(
            tenant_id, registry.get(tenant_id), metrics, samples, problems.get(tenant_id, []), now
        )
        status.served = partition_of(tenant_id, partitions) in assigned
        statuses.append(status)
    return WorkerStatus(
        generated_at=now,
        ready=ready,
        partitions=sorted(assigned),
        window_minutes=metrics.recent.minutes,
        tenants=statuses,
    )


def _tenant_status(
    tenant: str,
    runtime: TenantRuntime | None,
    metrics: WorkerMetrics,
    samples: _Samples,
    problems: list[str],
    now: datetime,
) -> TenantStatus:
    status = TenantStatus(
        tenant=tenant,
        started=runtime is not None,
        configuration_problems=list(problems),
        pollers=_pollers(tenant, samples, now),
        conflicts={
            labels["direction"]: int(value)
            for labels, value in samples.of("sync_streams_conflicts_total", tenant)
        },
        dead_letters={
            labels["stage"]: int(value)
            for labels, value in samples.of("sync_streams_dead_letters_total", tenant)
            if value
        },
        siret_ambiguous=int(samples.total("sync_streams_siret_ambiguous_total", tenant)),
        siret_matched=int(samples.total("sync_streams_siret_matched_total", tenant)),
        deleted_twins=_by_label(samples.of("sync_streams_deleted_twins_total", tenant), "system"),
        reconcile_recovered=int(samples.total("sync_streams_reconcile_recovered_total", tenant)),
    )
    if runtime is None:
        return status
    status.paused = runtime.paused
    status.warnings = list(runtime.warnings)
    recent = metrics.recent
    extra = sorted(recent.flows(tenant) - set(FLOWS))
    for flow in [*FLOWS, *extra]:
        state = runtime.state_of(flow) if flow in FLOWS else "unknown"  # type: ignore[arg-type]
        directions = [
            DirectionStatus(
                direction=direction,
                state=_direction_state(runtime, flow, direction, state),
                last_hour=recent.outcome_counts(tenant, flow, direction, recent=True),
                since_start=recent.outcome_counts(tenant, flow, direction, recent=False),
                lag=Lag.of(recent.lag(tenant, flow, direction, recent=True)),
            )
            for direction in DIRECTIONS
        ]
        status.flows.append(
            FlowStatus(
                flow=flow,
                state=state,
                reason=runtime.disabled.get(flow),
                directions=directions,
            )
        )
    return status


def _direction_state(runtime: TenantRuntime, flow: str, direction: str, state: str) -> str:
    """The flow's state, except ``off`` for a direction the tenant file does not enable."""
    if state != "running" or flow not in FLOWS:
        return state
    section = runtime.config.third_parties if flow == "third_parties" else runtime.config.deals
    enabled = section.import_from_sellsy if direction == "import" else section.export_to_sellsy
    return state if enabled else "off"


def _pollers(tenant: str, samples: _Samples, now: datetime) -> list[PollerStatus]:
    pollers: dict[tuple[str, str], PollerStatus] = {}

    def poller(labels: dict[str, str]) -> PollerStatus:
        key = (labels["system"], labels["entity"])
        if key not in pollers:
            pollers[key] = PollerStatus(system=key[0], entity=key[1], flow=flow_of(key[1]))
        return pollers[key]

    for labels, value in samples.of("sync_streams_poller_last_success_timestamp_seconds", tenant):
        item = poller(labels)
        item.last_success = datetime.fromtimestamp(value, UTC)
        item.age_seconds = max(0.0, now.timestamp() - value)
    for labels, value in samples.of("sync_streams_poller_failures_total", tenant):
        poller(labels).failures = int(value)
    return [pollers[key] for key in sorted(pollers)]


class _Samples:
    """The registry's samples by name, read once per report."""

    def __init__(self, metrics: WorkerMetrics) -> None:
        self._by_name: dict[str, list[tuple[dict[str, str], float]]] = {}
        for family in metrics.registry.collect():
            for sample in family.samples:
                self._by_name.setdefault(sample.name, []).append((sample.labels, sample.value))

    def of(self, name: str, tenant: str) -> list[tuple[dict[str, str], float]]:
        return [(lab, v) for lab, v in self._by_name.get(name, []) if lab.get("tenant") == tenant]

    def total(self, name: str, tenant: str) -> float:
        return sum(value for _, value in self.of(name, tenant))


def merge(reports: Iterable[tuple[str, WorkerStatus]]) -> list[TenantStatus]:
    """One status per tenant from several workers' reports.

    States, reasons and configuration problems come from the worker serving the
    tenant (any worker knowing it when none does); counts add up over every
    worker, since a rebalance moves a tenant but not the counts already made.
    """
    views: dict[str, list[tuple[str, TenantStatus]]] = {}
    for worker, report in reports:
        for status in report.tenants:
            views.setdefault(status.tenant, []).append((worker, status))
    return [_merge_tenant(views[tenant]) for tenant in sorted(views)]


def _merge_tenant(views: list[tuple[str, TenantStatus]]) -> TenantStatus:
    served_by = [worker for worker, status in views if status.served]
    primary = next((s for _, s in views if s.served), views[0][1])
    merged = primary.model_copy(deep=True)
    merged.served_by = served_by
    merged.served = bool(served_by)
    others = [s for _, s in views if s is not primary]
    if not others:
        return merged
    for other in others:
        _add(merged.conflicts, other.conflicts)
        _add(merged.dead_letters, other.dead_letters)
        merged.siret_ambiguous += other.siret_ambiguous
        merged.siret_matched += other.siret_matched
        _add(merged.deleted_twins, other.deleted_twins)
        merged.reconcile_recovered += other.reconcile_recovered
        _merge_pollers(merged, other.pollers)
        _merge_flows(merged, other.flows)
    return merged


def _by_label(samples: list[tuple[dict[str, str], float]], label: str) -> dict[str, int]:
    """Non-zero counts summed by one label's value."""
    counts: dict[str, int] = {}
    for labels, value in samples:
        if value:
            counts[labels[label]] = counts.get(labels[label], 0) + int(value)
    return counts


def _add(into: dict[str, int], counts: Mapping[str, int]) -> None:
    for key, value in counts.items():
        into[key] = into.get(key, 0) + value


def _merge_pollers(merged: TenantStatus, pollers: list[PollerStatus]) -> None:
    mine = {(p.system, p.entity): p for p in merged.pollers}
    for other in pollers:
        item = mine.get((other.system, other.entity))
        if item is None:
            merged.pollers.append(other.model_copy())
            continue
        item.failures += other.failures
        if other.last_success is not None and (
            item.last_success is None or other.last_success > item.last_success
        ):
            item.last_success, item.age_seconds = other.last_success, other.age_seconds
    merged.pollers.sort(key=lambda p: (p.system, p.entity))


def _merge_flows(merged: TenantStatus, flows: list[FlowStatus]) -> None:
    mine = {(f.flow, d.direction): d for f in merged.flows for d in f.directions}
    for flow in flows:
        for other in flow.directions:
            item = mine.get((flow.flow, other.direction))
            if item is None:
                continue  # a flow the primary does not know (older worker): its states win
            _add(item.last_hour, other.last_hour)
            _add(item.since_start, other.since_start)
            if item.lag.bounds == other.lag.bounds:
                item.lag = Lag.of(item.lag.histogram + other.lag.histogram)


def assigned_partitions(app: Any, topic: str) -> set[int]:
    """The partitions of ``topic`` the worker's consumer is assigned (none before it starts)."""
    consumer = app.consumer
    if consumer is None:
        return set()
    return {tp.partition for tp in consumer.assignment() if tp.topic == topic}
