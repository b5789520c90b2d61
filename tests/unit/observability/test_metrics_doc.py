"""docs/metrics.md documents every metric a worker exposes, and only those."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client.metrics import MetricWrapperBase

from sync_streams.observability.metrics import OUTCOMES, WorkerMetrics

DOC = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"


def _exposed_names() -> set[str]:
    names = set()
    for metric in vars(WorkerMetrics()).values():
        if isinstance(metric, MetricWrapperBase):
            suffix = "_total" if metric._type == "counter" else ""  # private: test-only read
            names.add(metric._name + suffix)
    return names


def _table_rows(text: str) -> dict[str, str]:
    return {
        m.group(1): m.group(0) for m in re.finditer(r"^\| `(sync_streams_\w+)` \|.*$", text, re.M)
    }


def test_every_metric_is_documented_with_its_labels() -> None:
    rows = _table_rows(DOC.read_text(encoding="utf-8"))
    assert set(rows) == _exposed_names()
    for metric in vars(WorkerMetrics()).values():
        if isinstance(metric, MetricWrapperBase):
            name = metric._name + ("_total" if metric._type == "counter" else "")
            for label in metric._labelnames:
                assert f"`{label}`" in rows[name], f"{name}: label {label} not documented"


def test_every_outcome_is_explained() -> None:
    text = DOC.read_text(encoding="utf-8")
    for outcome in OUTCOMES:
        assert re.search(rf"^\| `{outcome}` \|", text, re.M), outcome
