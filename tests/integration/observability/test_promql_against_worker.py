"""Every PromQL expression we ship, evaluated by a real Prometheus scraping a real worker.

The dashboards (grafana/dashboards/*.json) and alert rules (prometheus/alerts.yml)
are code that no compiler checks: a renamed metric or label leaves a panel
silently empty.  Here a real ``prometheus`` scrapes real workers every second and
every expression goes through its HTTP API.

- Now (bare worker, no tenant): every expression is valid PromQL, and every
  metric it names is declared by a worker's ``/metrics`` (Prometheus' target
  metadata lists families even before they have samples).
- Two-tenant sync stack (tests/support/stack.py: real Kafka, both sandboxes, a
  worker syncing two tenants one change each way): every panel and variable
  expression returns series for exactly both tenants; every alert's inner
  selectors do too, while the alerts themselves stay quiet.  Series not wired
  yet are listed in PENDING_WIRING (with who produces them); the list can only
  shrink.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from tests.integration.observability.conftest import ScrapedStack
from tests.support.prometheus import (
    Expression,
    Prometheus,
    alert_expressions,
    dashboard_expressions,
    running_prometheus,
    selectors,
)

pytestmark = pytest.mark.integration

PLACEHOLDER_TENANTS = ("acme-prod", "globex.recette")  # a dot: the regex escaping is exercised


def _all_expressions(tenants: tuple[str, ...]) -> list[Expression]:
    return dashboard_expressions(tenants) + alert_expressions()


def _families_needed(expressions: list[Expression]) -> dict[str, list[str]]:
    needed: dict[str, list[str]] = {}
    for expression in expressions:
        for selector in selectors(expression.expr):
            needed.setdefault(selector.family, []).append(expression.id)
    return needed


async def test_every_metric_used_by_dashboards_and_alerts_is_declared_by_a_worker(
    bare_worker: str, tmp_path: Path
) -> None:
    expressions = _all_expressions(PLACEHOLDER_TENANTS)
    async with running_prometheus(tmp_path / "prometheus", [bare_worker]) as prometheus:
        families = await prometheus.metric_families()
    assert "sync_streams_worker_ready" in families  # the scrape itself worked
    missing = {
        family: users for family, users in _families_needed(expressions).items()
        if family not in families
    }  # fmt: skip
    assert not missing, f"metrics used but not exposed by a worker: {missing}"


async def test_every_expression_is_valid_promql_for_prometheus(
    bare_worker: str, tmp_path: Path
) -> None:
    expressions = _all_expressions(PLACEHOLDER_TENANTS)
    assert len(expressions) >= 20
    errors = []
    async with running_prometheus(tmp_path / "prometheus", [bare_worker]) as prometheus:
        for expression in expressions:
            try:
                await prometheus.query(expression.expr)
            except AssertionError as exc:
                errors.append(f"{expression.id}: {exc}")
    assert not errors, "\n".join(errors)


# Series the worker does not produce yet, with who is to produce them.  An
# expression containing one of these is reported, not failed; once it returns
# series for both tenants the test FAILS until its entry is removed here, so this
# list can only shrink.
PENDING_WIRING: dict[str, str] = {}


async def _tenants_in(prometheus: Prometheus, expr: str) -> set[str]:
    return {series["metric"].get("tenant", "") for series in await prometheus.query(expr)}


def _pending(expr: str) -> list[str]:
    return [needle for needle in PENDING_WIRING if needle in expr]


async def test_every_expression_returns_series_for_both_synced_tenants(
    two_tenant_stack: ScrapedStack, tmp_path: Path
) -> None:
    """Dashboards and alerts see both tenants of a real two-tenant sync."""
    tenants = set(two_tenant_stack.tenants)
    assert len(tenants) == 2
    panels = dashboard_expressions(two_tenant_stack.tenants)
    alerts = alert_expressions()
    # What each check evaluates: panel/variable expressions as written; for alerts,
    # each inner metric selector (the alert itself must not fire on a healthy run).
    checks = [(e.id, e.expr) for e in panels] + [
        (f"{e.id} selector {s.text}", s.text) for e in alerts for s in selectors(e.expr)
    ]
    async with running_prometheus(tmp_path / "prometheus", two_tenant_stack.targets) as prom:
        # rate() needs two samples in its window: wait until every due check is answered.
        async def all_answered() -> bool:
            for _, expr in checks:
                if not _pending(expr) and not tenants <= await _tenants_in(prom, expr):
                    return False
            return True

        with contextlib.suppress(AssertionError):  # reported below, per expression
            await prom.wait_for(all_answered, 60.0, "series for both tenants")
        answered: dict[str, set[str]] = {expr: await _tenants_in(prom, expr) for _, expr in checks}
        firing = {e.id: await prom.query(e.expr) for e in alerts}

    problems = [
        f"{source}: tenants {sorted(answered[expr])} (want {sorted(tenants)})"
        for source, expr in checks
        if not _pending(expr) and answered[expr] != tenants
    ]
    assert not problems, "\n".join(problems)
    wired_now = [
        needle
        for needle in PENDING_WIRING
        if all(answered[expr] == tenants for _, expr in checks if needle in expr)
    ]
    assert not wired_now, f"wired now, remove from PENDING_WIRING: {wired_now}"
    assert not any(firing.values()), f"alerts whose condition holds on a healthy run: {firing}"
