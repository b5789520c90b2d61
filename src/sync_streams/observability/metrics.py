"""The Prometheus metrics of a worker.

One registry per app (not the global one) so tests can run several apps in a
process.  Tenant ids are labels; secrets never are.  Direction labels follow the
connector form: ``import`` is Sellsy -> Altior, ``export`` is Altior -> Sellsy.
Every metric name here is used by the Grafana dashboards and alert rules, which
a test evaluates against a real Prometheus: rename with care.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from sync_streams.domain.events import KNOWN_STAGES
from sync_streams.observability.recent import RecentActivity, flow_of

# Prometheus' text format; aiohttp wants the charset apart from the content type.
CONTENT_TYPE_LATEST = "text/plain; version=0.0.4"

LAG_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)

OUTCOMES = (
    "applied",
    "filtered",
    "duplicate",
    "echo",
    "stale",
    "paused",
    "disabled",
    "waiting",
    "held",
    "twin_deleted",
    "archived",
    "failed",
    "dead_lettered",
)

DIRECTIONS = ("import", "export")

MOVE_OUTCOMES = ("moved", "backwards", "already_there", "no_rule", "unknown_step")
"""Values of ``outcome`` on ``sync_streams_deal_moves_total`` (an Altior quote, order or
closure and the step it would give the linked opportunity)."""

SYNCED_ENTITIES = {
    "sellsy": ("company", "individual", "contact", "opportunity"),
    "altior": ("third_party", "altior_contact", "affaire"),
}
"""``system`` and ``entity`` values of ``sync_streams_deleted_twins_total``."""

FLOW_STATES = ("running", "paused", "disabled", "off", "starting")
"""Values of ``state`` on ``sync_streams_tenant_flow_state``: 1 for the current one, 0 others."""

__all__ = [
    "CONTENT_TYPE_LATEST",
    "DIRECTIONS",
    "FLOW_STATES",
    "MOVE_OUTCOMES",
    "OUTCOMES",
    "WorkerMetrics",
    "direction_of",
]


def direction_of(source_system: str) -> str:
    """``import`` for events read from Sellsy, ``export`` for events read from Altior."""
    return "import" if source_system == "sellsy" else "export"


class WorkerMetrics:
    """Every metric a worker exposes."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        r = self.registry = registry or CollectorRegistry()
        self.ready = Gauge(
            "sync_streams_worker_ready",
            "1 once the worker has joined its group and recovered its tables",
            registry=r,
        )
        self.polled = Counter(
            "sync_streams_events_polled_total",
            "Change events published by pollers and init jobs",
            ["tenant", "system", "entity"],
            registry=r,
        )
        self.events = Counter(
            "sync_streams_events_total",
            "Change events handled by the sync agent, by outcome",
            ["tenant", "direction", "outcome"],
            registry=r,
        )
        self.conflicts = Counter(
            "sync_streams_conflicts_total",
            "Fields changed on both sides between two syncs (resolved by the documented rule)",
            ["tenant", "direction"],
            registry=r,
        )
        self.dead_letters = Counter(
            "sync_streams_dead_letters_total",
            "Messages sent to the dead-letter topic",
            ["tenant", "stage"],
            registry=r,
        )
        self.lag = Histogram(
            "sync_streams_sync_lag_seconds",
            "Source change time to applied in the target",
            ["tenant", "direction"],
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.lane_buffered = Gauge(
            "sync_streams_lane_buffered_events",
            "Events fetched from Kafka and waiting in a sync lane's buffer (live or bulk)",
            ["lane"],
            registry=r,
        )
        self.poller_last_success = Gauge(
            "sync_streams_poller_last_success_timestamp_seconds",
            "Unix time of the last successful poll",
            ["tenant", "system", "entity"],
            registry=r,
        )
        self.poller_failures = Counter(
            "sync_streams_poller_failures_total",
            "Failed poll cycles (retried with backoff)",
            ["tenant", "system", "entity"],
            registry=r,
        )
        self.polls_deferred = Counter(
            "sync_streams_polls_deferred_total",
            "Polls put off by one interval because the tenant's own writes used the API quota",
            ["tenant", "system", "entity"],
            registry=r,
        )
        self.api_calls = Gauge(
            "sync_streams_api_calls",
            "API calls made by this worker's clients since start",
            ["tenant", "system"],
            registry=r,
        )
        self.api_rate_limited = Gauge(
            "sync_streams_api_rate_limited",
            "HTTP 429 answers received since start",
            ["tenant", "system"],
            registry=r,
        )
        self.quota_remaining = Gauge(
            "sync_streams_api_quota_remaining",
            "Last X-Quota-Remaining-By-* value seen",
            ["tenant", "system", "window"],
            registry=r,
        )
        self.siret_ambiguous = Counter(
            "sync_streams_siret_ambiguous_total",
            "SIRETs shared by several records during an init: reported, not merged",
            ["tenant"],
            registry=r,
        )
        self.deal_moves = Counter(
            "sync_streams_deal_moves_total",
            "Opportunity moves asked by Altior quotes, orders and closures, by outcome",
            ["tenant", "outcome"],
            registry=r,
        )
        self.siret_matched = Counter(
            "sync_streams_siret_matched_total",
            "Record pairs linked by SIRET during an init",
            ["tenant"],
            registry=r,
        )
        self.deleted_twins = Counter(
            "sync_streams_deleted_twins_total",
            "Synced records found hard-deleted on one side (system): the delete is not"
            " propagated, the pair is no longer synced and waits for an operator",
            ["tenant", "system", "entity"],
            registry=r,
        )
        self.reconcile_passes = Counter(
            "sync_streams_reconcile_passes_total",
            "Completed reconciliation passes (a full listing re-checked by dedupe)",
            ["tenant", "system", "entity"],
            registry=r,
        )
        self.reconcile_recovered = Counter(
            "sync_streams_reconcile_recovered_total",
            "Changes the polls missed and a reconciliation pass synced",
            ["tenant"],
            registry=r,
        )
        self.tenant_state = Gauge(
            "sync_streams_tenant_flow_state",
            "1 for the current state of each tenant flow (running, paused, disabled)",
            ["tenant", "flow", "state"],
            registry=r,
        )
        # Set by observability.partitions.install_partition_metrics (a worker timer).
        self.consumer_lag = Gauge(
            "sync_streams_consumer_lag_messages",
            "Messages of an assigned change-topic partition not yet committed by this worker",
            ["topic", "partition"],
            registry=r,
        )
        self.tenant_partition = Gauge(
            "sync_streams_tenant_partition_info",
            "1 for each tenant whose change-topic partition this worker is assigned",
            ["tenant", "topic", "partition"],
            registry=r,
        )
        self.recent = RecentActivity(LAG_BUCKETS)
        """Last-hour outcomes and lag per tenant, flow and direction (``sync-streams status``)."""

    def count(
        self, tenant: str, direction: str, outcome: str, *, entity: str | None = None
    ) -> None:
        """Count one handled event (``sync_streams_events_total`` and the last-hour window)."""
        self.events.labels(tenant, direction, outcome).inc()
        self.recent.count(tenant, flow_of(entity), direction, outcome)

    def observe_lag(
        self, tenant: str, direction: str, seconds: float, *, entity: str | None = None
    ) -> None:
        """Observe the sync lag of an applied event (histogram and last-hour window)."""
        self.lag.labels(tenant, direction).observe(seconds)
        self.recent.observe_lag(tenant, flow_of(entity), direction, seconds)

    def init_tenant(self, tenant: str) -> None:
        """Create a served tenant's event series at zero.

        ``rate()``/``increase()`` only see increments of a series that already
        existed, so without this the first failure or dead letter of a tenant is
        invisible to dashboards and alerts, and a healthy tenant shows "no data"
        instead of 0.  Gauges without a meaningful zero (last poll, quota) are
        left alone.  Idempotent.
        """
        for direction in DIRECTIONS:
            for outcome in OUTCOMES:
                self.events.labels(tenant, direction, outcome)
            self.conflicts.labels(tenant, direction)
            self.lag.labels(tenant, direction)
        for stage in KNOWN_STAGES:
            self.dead_letters.labels(tenant, stage)
        self.siret_ambiguous.labels(tenant)
        self.reconcile_recovered.labels(tenant)
        for system, entities in SYNCED_ENTITIES.items():
            for entity in entities:
                self.deleted_twins.labels(tenant, system, entity)
        for move in MOVE_OUTCOMES:
            self.deal_moves.labels(tenant, move)

    def record_clients(self, tenant: str, sellsy: Any, altior: Any) -> None:
        """Copy the API clients' counters (calls, 429s, quota left) into the gauges."""
        for system, stats in (("sellsy", sellsy), ("altior", altior)):
            self.api_calls.labels(tenant, system).set(stats.calls)
            self.api_rate_limited.labels(tenant, system).set(stats.rate_limited)
            for window in ("second", "minute"):
                left = getattr(stats, f"quota_remaining_by_{window}", None)
                if left is not None:
                    self.quota_remaining.labels(tenant, system, window).set(left)

    def render(self) -> bytes:
        return generate_latest(self.registry)
