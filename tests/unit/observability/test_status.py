"""The status of a worker's tenants, built from its registry, follower and metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sync_streams.config.loader import load_tenant
from sync_streams.config.tenant import TenantConfig
from sync_streams.http.pacing import QuotaPacer
from sync_streams.kafka.partitioning import partition_of
from sync_streams.observability.metrics import WorkerMetrics
from sync_streams.observability.status import (
    TenantStatus,
    WorkerStatus,
    merge,
    worker_status,
)
from sync_streams.runtime.tenant import TenantRuntime, build_runtime

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "tenants" / "acme-prod.yaml"
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
PARTITIONS = 4
REASON = (
    "third_parties.company_filter_field: no Sellsy custom field 'Synchro Altior'; "
    "did you mean 'Synchronisation Altior'?"
)


def config(tenant: str, *, deals: bool = False, export: bool = True) -> TenantConfig:
    base = load_tenant(EXAMPLE, resolve_secrets=False)
    return base.model_copy(
        update={
            "tenant": tenant,
            "third_parties": base.third_parties.model_copy(update={"export_to_sellsy": export}),
            "deals": base.deals.model_copy(
                update={"import_from_sellsy": deals, "export_to_sellsy": deals}
            ),
        }
    )


def runtime(cfg: TenantConfig, *, ready: bool = True, **changes: Any) -> TenantRuntime:
    made = build_runtime(cfg, sellsy_pacer=QuotaPacer(5.0))
    if ready:
        made.inventory = object()  # type: ignore[assignment]  # read; contents unused here
    for name, value in changes.items():
        setattr(made, name, value)
    return made


class Registry:
    def __init__(self, *runtimes: TenantRuntime) -> None:
        self.runtimes = {r.tenant: r for r in runtimes}

    def get(self, tenant: str) -> TenantRuntime | None:
        return self.runtimes.get(tenant)

    def ids(self) -> list[str]:
        return sorted(self.runtimes)


@pytest.fixture
def registry() -> Registry:
    return Registry(
        runtime(config("acme-prod", export=False)),
        runtime(config("globex-prod"), disabled={"third_parties": REASON}),
        runtime(config("initech-prod", deals=True), paused=True),
        runtime(config("umbrella-prod"), ready=False),
    )


def report(
    metrics: WorkerMetrics,
    registry: Registry,
    *,
    problems: dict[str, list[str]] | None = None,
    served: tuple[str, ...] = ("acme-prod", "globex-prod"),
    tenant: str | None = None,
    now: datetime = NOW,
) -> WorkerStatus:
    return worker_status(
        metrics=metrics,
        registry=registry,
        problems=problems or {},
        assigned={partition_of(t, PARTITIONS) for t in served},
        partitions=PARTITIONS,
        ready=True,
        tenant=tenant,
        now=now,
    )


def by_tenant(status: WorkerStatus) -> dict[str, TenantStatus]:
    return {t.tenant: t for t in status.tenants}


def states(status: TenantStatus) -> dict[tuple[str, str], str]:
    return {(f.flow, d.direction): d.state for f in status.flows for d in f.directions}


def test_flow_and_direction_states_say_what_syncs_and_why_not(registry: Registry) -> None:
    tenants = by_tenant(report(WorkerMetrics(), registry))

    assert states(tenants["acme-prod"]) == {
        ("third_parties", "import"): "running",
        ("third_parties", "export"): "off",  # export_to_sellsy: false in its file
        ("deals", "import"): "off",
        ("deals", "export"): "off",
    }
    globex = {f.flow: f for f in tenants["globex-prod"].flows}
    assert globex["third_parties"].state == "disabled"
    assert globex["third_parties"].reason == REASON
    assert tenants["initech-prod"].paused
    assert set(states(tenants["initech-prod"]).values()) == {"paused"}
    assert set(states(tenants["umbrella-prod"]).values()) == {"starting", "off"}


def test_problems_name_disabled_and_starting_flows_only(registry: Registry) -> None:
    tenants = by_tenant(report(WorkerMetrics(), registry))
    assert tenants["acme-prod"].problems() == []
    assert tenants["initech-prod"].problems() == []  # paused by an operator
    assert tenants["globex-prod"].problems() == [f"third_parties disabled: {REASON}"]
    assert tenants["umbrella-prod"].problems() == ["third_parties starting"]


def test_a_configuration_that_never_loaded_shows_the_tenant_not_started(
    registry: Registry,
) -> None:
    problems = {"hooli-prod": ["tenants topic [hooli-prod]: altior.api_key: env:X is not set"]}
    tenants = by_tenant(report(WorkerMetrics(), registry, problems=problems))
    hooli = tenants["hooli-prod"]
    assert not hooli.started and hooli.flows == []
    assert hooli.problems() == [
        "not started: tenants topic [hooli-prod]: altior.api_key: env:X is not set"
    ]


def test_served_tenants_are_those_of_the_assigned_partitions(registry: Registry) -> None:
    status = report(WorkerMetrics(), registry, served=("acme-prod",))
    served = {t.tenant for t in status.tenants if t.served}
    same_partition = {
        t
        for t in registry.ids()
        if partition_of(t, PARTITIONS) == partition_of("acme-prod", PARTITIONS)
    }
    assert served == same_partition
    assert status.partitions == [partition_of("acme-prod", PARTITIONS)]


def test_last_hour_counts_lag_and_polls_come_from_the_metrics(registry: Registry) -> None:
    metrics = WorkerMetrics()
    for _ in range(3):
        metrics.count("acme-prod", "import", "applied", entity="company")
    metrics.count("acme-prod", "import", "duplicate", entity="company")
    metrics.count("acme-prod", "import", "waiting", entity="contact")
    for seconds in (2.5, 4.0, 8.0):
        metrics.observe_lag("acme-prod", "import", seconds, entity="company")
    metrics.poller_last_success.labels("acme-prod", "sellsy", "company").set(
        (NOW - timedelta(seconds=12)).timestamp()
    )
    metrics.poller_failures.labels("acme-prod", "sellsy", "company").inc(2)
    metrics.poller_failures.labels("acme-prod", "sellsy", "contact")
    metrics.dead_letters.labels("acme-prod", "map").inc()
    metrics.dead_letters.labels("acme-prod", "write")  # at zero: not listed
    metrics.conflicts.labels("acme-prod", "import").inc()
    metrics.siret_ambiguous.labels("acme-prod").inc(2)
    metrics.count("globex-prod", "import", "applied", entity="company")  # another tenant

    acme = by_tenant(report(metrics, registry))["acme-prod"]

    flows = {(f.flow, d.direction): d for f in acme.flows for d in f.directions}
    imported = flows[("third_parties", "import")]
    assert imported.last_hour == {"applied": 3, "duplicate": 1, "waiting": 1}
    assert imported.since_start == imported.last_hour
    assert imported.lag.histogram.samples == 3
    assert imported.lag.p95_seconds == pytest.approx(5 + 5 * (2.85 - 2) / 1)  # in (5, 10]
    assert flows[("third_parties", "export")].last_hour == {}
    assert flows[("third_parties", "export")].lag.p95_seconds is None
    pollers = {(p.system, p.entity): p for p in acme.pollers}
    assert pollers[("sellsy", "company")].last_success == NOW - timedelta(seconds=12)
    assert pollers[("sellsy", "company")].age_seconds == pytest.approx(12)
    assert pollers[("sellsy", "company")].failures == 2
    assert pollers[("sellsy", "contact")].last_success is None  # started, not polled yet
    assert pollers[("sellsy", "company")].flow == "third_parties"
    assert acme.dead_letters == {"map": 1}
    assert acme.conflicts["import"] == 1
    assert acme.siret_ambiguous == 2


def test_tenant_filter_and_json_round_trip(registry: Registry) -> None:
    metrics = WorkerMetrics()
    metrics.observe_lag("acme-prod", "import", 1.5, entity="company")
    status = report(metrics, registry, tenant="acme-prod")
    assert [t.tenant for t in status.tenants] == ["acme-prod"]

    served = status.model_dump(mode="json")
    lag = served["tenants"][0]["flows"][0]["directions"][0]["lag"]
    assert lag["p95_seconds"] == pytest.approx(1 + 1 * 0.95)  # readable without recomputing
    assert WorkerStatus.model_validate(served) == status
    assert report(metrics, registry, tenant="nobody").tenants == []


def test_merge_takes_states_from_the_serving_worker_and_adds_counts(registry: Registry) -> None:
    old = WorkerMetrics()  # served acme-prod before a rebalance
    old.count("acme-prod", "import", "applied", entity="company")
    old.observe_lag("acme-prod", "import", 4.0, entity="company")
    old.poller_last_success.labels("acme-prod", "sellsy", "company").set(NOW.timestamp() - 300)
    old.dead_letters.labels("acme-prod", "map").inc()
    new = WorkerMetrics()
    new.count("acme-prod", "import", "applied", entity="company")
    new.count("acme-prod", "import", "applied", entity="company")
    new.observe_lag("acme-prod", "import", 0.7, entity="company")
    new.poller_last_success.labels("acme-prod", "sellsy", "company").set(NOW.timestamp() - 5)
    new.dead_letters.labels("acme-prod", "map").inc()
    stale = Registry(runtime(config("acme-prod", export=False), ready=False))

    merged = merge(
        [
            ("http://w1:6066", report(old, stale, served=())),
            ("http://w2:6066", report(new, registry, served=("acme-prod",))),
        ]
    )

    acme = next(t for t in merged if t.tenant == "acme-prod")
    assert acme.served_by == ["http://w2:6066"]
    assert states(acme)[("third_parties", "import")] == "running"  # w2's, not w1's "starting"
    imported = next(d for f in acme.flows if f.flow == "third_parties" for d in f.directions)
    assert imported.last_hour == {"applied": 3}
    assert imported.lag.histogram.samples == 2
    company = next(p for p in acme.pollers if p.entity == "company")
    assert company.age_seconds == pytest.approx(5)
    assert acme.dead_letters == {"map": 2}
    globex = next(t for t in merged if t.tenant == "globex-prod")
    shares_partition = partition_of("globex-prod", PARTITIONS) == partition_of(
        "acme-prod", PARTITIONS
    )
    assert globex.served_by == (["http://w2:6066"] if shares_partition else [])
