"""The Grafana dashboards against the worker's metric contract, without a server.

The integration test (tests/integration/observability/) proves the expressions
against a real Prometheus and worker; this one is instant and says precisely
which label or value is wrong: a label a metric does not have, a value the code
never writes (``outcome="faild"``), a panel that ignores the tenant selector.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from sync_streams.domain.events import KNOWN_ENTITIES, KNOWN_STAGES
from sync_streams.observability.metrics import DIRECTIONS, FLOW_STATES, OUTCOMES, WorkerMetrics
from tests.support.prometheus import (
    REPO,
    alert_expressions,
    dashboard_files,
    grouping_labels,
    selectors,
)

TARGET_LABELS = {"job", "instance"}
KNOWN_VALUES: dict[str, tuple[str, ...]] = {
    "outcome": OUTCOMES,
    "direction": DIRECTIONS,
    "state": FLOW_STATES,
    "system": ("sellsy", "altior"),
    "stage": KNOWN_STAGES,
    "entity": tuple(KNOWN_ENTITIES),
}
TENANT_MATCHER = ("tenant", "=~", "$tenant")
PROVISIONING = REPO / "grafana" / "provisioning"


def exposed_series() -> dict[str, set[str]]:
    """Sample name -> label names, for every metric a worker declares."""
    series: dict[str, set[str]] = {}
    for metric in vars(WorkerMetrics()).values():
        if not isinstance(metric, MetricWrapperBase):
            continue
        # prometheus_client keeps these private; a test may read them.
        name, kind, labels = metric._name, metric._type, set(metric._labelnames)
        if kind == "counter":
            series[f"{name}_total"] = labels
        elif kind == "histogram":
            series[f"{name}_bucket"] = labels | {"le"}
            series[f"{name}_sum"] = series[f"{name}_count"] = labels
        else:
            series[name] = labels
    return series


def _panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for panel in panels:
        found.append(panel)
        found.extend(_panels(panel.get("panels") or []))
    return found


def _dashboards() -> list[tuple[str, dict[str, Any]]]:
    return [(p.name, json.loads(p.read_text(encoding="utf-8"))) for p in dashboard_files()]


def _targets() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [
        (f"{name}/{panel['title']}/{target['refId']}", panel, target)
        for name, dashboard in _dashboards()
        for panel in _panels(dashboard["panels"])
        for target in panel.get("targets") or []
    ]


def _expressions() -> list[tuple[str, str]]:
    """Raw expressions (variables not substituted) of every panel and alert rule."""
    panels = [(source, target["expr"]) for source, _, target in _targets()]
    return panels + [(e.id, e.expr) for e in alert_expressions()]


def test_there_is_a_dashboard_with_the_panels_ops_asked_for() -> None:
    dashboards = dict(_dashboards())
    assert "sync-streams.json" in dashboards
    text = json.dumps(dashboards["sync-streams.json"])
    for needle in (
        "histogram_quantile(0.95, sum by (tenant, direction, le) (rate(sync_streams_sync_lag",
        "histogram_quantile(0.50, sum by (tenant, direction, le) (rate(sync_streams_sync_lag",
        "sum by (tenant, direction, outcome) (rate(sync_streams_events_total",
        "sync_streams_dead_letters_total",
        "time() - max by (tenant, system, entity) (sync_streams_poller_last_success",
        "sync_streams_consumer_lag_messages",
        "sync_streams_conflicts_total",
        "sync_streams_api_quota_remaining",
        "sync_streams_api_rate_limited",
    ):
        assert needle in text, needle


@pytest.mark.parametrize(("source", "expr"), _expressions())
def test_every_metric_and_label_exists_on_the_worker(source: str, expr: str) -> None:
    series = exposed_series()
    found = selectors(expr)
    assert found, f"{source}: no sync_streams_ metric in {expr}"
    available: set[str] = set(TARGET_LABELS)
    for selector in found:
        assert selector.name in series, f"{source}: {selector.name} is not a worker metric"
        labels = series[selector.name] | TARGET_LABELS
        available |= labels
        for label, _, value in selector.matchers:
            assert label in labels, f"{source}: {selector.name} has no label {label!r}"
            if label in KNOWN_VALUES and not value.startswith("$"):
                unknown = set(value.split("|")) - set(KNOWN_VALUES[label])
                assert not unknown, f"{source}: {label} values never written: {unknown}"
    assert grouping_labels(expr) <= available, f"{source}: grouping by unknown labels"


@pytest.mark.parametrize(("source", "panel", "target"), _targets())
def test_every_panel_follows_the_tenant_selector(
    source: str, panel: dict[str, Any], target: dict[str, Any]
) -> None:
    series = exposed_series()
    for selector in selectors(target["expr"]):
        if "tenant" in series[selector.name]:
            assert TENANT_MATCHER in selector.matchers, f"{source}: {selector.text}"
    assert any(TENANT_MATCHER in s.matchers for s in selectors(target["expr"])), source
    assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, source
    by = grouping_labels(target["expr"])
    legend = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", target.get("legendFormat", "")))
    assert legend <= by, f"{source}: legend uses {legend - by}, not kept by the expression"


@pytest.mark.parametrize(("name", "dashboard"), _dashboards())
def test_dashboard_layout_and_variables(name: str, dashboard: dict[str, Any]) -> None:
    panels = _panels(dashboard["panels"])
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, f"{name}: {panel['title']}"
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    tenant = variables["tenant"]
    assert tenant["query"]["query"].startswith("label_values(sync_streams_")
    assert tenant["multi"] and tenant["includeAll"]


def test_dashboards_have_distinct_uids() -> None:
    uids = [dashboard["uid"] for _, dashboard in _dashboards()]
    assert len(uids) == len(set(uids))


def test_provisioning_points_grafana_at_prometheus_and_the_dashboards() -> None:
    datasources = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    (source,) = datasources["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    scrape = yaml.safe_load((REPO / "prometheus" / "prometheus.yml").read_text())
    assert source["jsonData"]["timeInterval"] == scrape["global"]["scrape_interval"]
    providers = yaml.safe_load((PROVISIONING / "dashboards" / "sync-streams.yml").read_text())
    (provider,) = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/etc/grafana/dashboards"
    assert Path(REPO / "grafana" / "dashboards").is_dir()
