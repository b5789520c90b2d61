"""The Prometheus alert rules: valid, unit-tested by promtool, and actionable.

``promtool`` comes with the Debian package ``prometheus`` (installed by
``.ci/run``).  ``promtool test rules`` runs prometheus/alerts.test.yml: each
alert fires on synthetic series where it should and stays quiet where it
should not.  Every alert links to the operations guide section saying what to do.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.prometheus import ALERTS_FILE, REPO, alert_rules

REQUIRED_ALERTS = {"SyncLagHigh", "PollerStale", "DeadLettersGrowing", "TenantDisabled"}
OPERATIONS = REPO / "docs" / "operations.md"


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is not on PATH: apt-get install prometheus (see .ci/run)")
    return subprocess.run(
        [binary, *args], cwd=REPO / "prometheus", capture_output=True, text=True, timeout=120
    )


def github_anchors(markdown: str) -> set[str]:
    """Anchors GitHub derives from headings: lower case, punctuation dropped, spaces to '-'."""
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", markdown, flags=re.MULTILINE):
        text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
        anchors.add(text.replace(" ", "-"))
    return anchors


def test_promtool_accepts_the_rules() -> None:
    result = _promtool("check", "rules", str(ALERTS_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_unit_tests_of_the_alerts_pass() -> None:
    result = _promtool("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_reference_scrape_config() -> None:
    result = _promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_four_alerts_ops_rely_on_exist() -> None:
    names = {rule.get("alert") for rule in alert_rules()}
    assert names >= REQUIRED_ALERTS


def test_every_alert_unit_test_covers_every_alert() -> None:
    text = Path(REPO / "prometheus" / "alerts.test.yml").read_text(encoding="utf-8")
    tested = set(re.findall(r"alertname:\s*(\w+)", text))
    assert tested >= {rule["alert"] for rule in alert_rules() if "alert" in rule}


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r.get("alert", "?"))
def test_every_alert_waits_names_a_severity_and_says_what_to_do(rule: dict[str, Any]) -> None:
    assert re.fullmatch(r"\d+[smh]", rule["for"]), "a 'for:' keeps one bad scrape from paging"
    assert rule["labels"]["severity"] in {"warning", "critical"}
    annotations = rule["annotations"]
    assert "{{ $labels.tenant }}" in annotations["summary"]
    assert len(annotations["description"]) > 80
    page, _, anchor = annotations["runbook_url"].partition("#")
    assert page == "docs/operations.md"
    assert anchor in github_anchors(OPERATIONS.read_text(encoding="utf-8")), anchor
