"""``sync-streams demo`` end to end against the test broker: what a newcomer would check.

One timed run (module fixture) is inspected by several tests: it exits 0 with a
summary, leaves no process behind, writes a tenant file that validates, and the
flagged Sellsy companies reach Altior (the unflagged ones do not).  The final
state is read by reopening the sandboxes' databases after the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync_streams.demo import sample
from sync_streams.demo.altior_desk import AltiorDesk
from sync_streams.demo.run import demo_secret_environment
from sync_streams.demo.tenant_file import example_path
from sync_streams.domain.siret import normalise_siret
from tests.integration.demo.processes import demo_command, processes_mentioning
from tests.support.altior_sandbox import altior_sandbox

pytestmark = pytest.mark.integration

DURATION = 75


@dataclass
class DemoRun:
    directory: Path
    returncode: int
    stdout: str
    stderr: str
    state: dict[str, Any]


@pytest.fixture(scope="module")
def demo_run(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    directory = tmp_path_factory.mktemp("demo") / "var-demo"
    result = subprocess.run(
        demo_command(directory, f"kafka://{kafka_bootstrap}", "--duration", str(DURATION)),
        capture_output=True, text=True, timeout=DURATION + 420, check=False,
    )  # fmt: skip
    state_file = directory / "seeded.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    yield DemoRun(directory, result.returncode, result.stdout, result.stderr, state)


def test_the_run_ends_with_a_summary(demo_run: DemoRun) -> None:
    assert demo_run.returncode == 0, demo_run.stderr[-3000:]
    out = demo_run.stdout
    assert "Seeded: Sellsy 20 companies" in out
    assert "Worker: ready" in out
    assert "Summary after" in out
    assert "Sellsy → Altior" in out and "Altior → Sellsy" in out
    for value in demo_secret_environment().values():
        assert value not in out and value not in demo_run.stderr
    logs = {p.name for p in (demo_run.directory / "logs").iterdir()}
    assert {"sellsy-sandbox.log", "altior-sandbox.log", "worker.log"} <= logs


def test_nothing_is_left_running(demo_run: DemoRun) -> None:
    pids = demo_run.state["pids"]
    assert set(pids) >= {"sellsy-sandbox", "altior-sandbox", "worker"}
    for name, pid in pids.items():
        assert not Path(f"/proc/{pid}").exists() or _zombie(pid), f"{name} ({pid}) still runs"
    assert processes_mentioning(str(demo_run.directory)) == []


def test_the_tenant_file_validates(demo_run: DemoRun) -> None:
    tenant_file = Path(demo_run.state["tenant_file"])
    result = subprocess.run(
        [sys.executable, "-m", "sync_streams", "tenants", "validate", str(tenant_file)],
        capture_output=True, text=True, check=False,
        env={**os.environ, **demo_secret_environment()},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok (tenant acme-prod)" in result.stdout
    written = tenant_file.read_text(encoding="utf-8").splitlines()
    example = example_path().read_text(encoding="utf-8").splitlines()
    differing = [line for line in written[1:] if line not in example]
    assert len(differing) == 3 and all("url:" in line for line in differing)


async def test_flagged_companies_arrived_in_altior(demo_run: DemoRun) -> None:
    """Every flagged company (but the one whose SIRET is ambiguous) is in Altior: created
    with its Sellsy id as external reference, or linked by SIRET to the one already there.
    Unflagged companies are not."""
    sellsy_state, altior_state = demo_run.state["sellsy"], demo_run.state["altior"]
    ids = sellsy_state["ids"]
    async with altior_sandbox(demo_run.directory / "altior.db") as box:
        tenant_id = altior_state["tenant_id"]
        key = (await box.admin.post(f"/_admin/tenants/{tenant_id}/api-keys", json={})).json()
        async with httpx.AsyncClient(timeout=30) as http:
            desk = AltiorDesk(box.base_url, http)
            desk.use_key(key["api_key"])
            third_parties = await desk.list_all("third_party")
    companies = [t for t in third_parties if t["kind"] == "moral"]  # ids of individuals differ
    by_ref = {_sellsy_ref(t): t for t in companies if _sellsy_ref(t)}
    sirets = [normalise_siret(t.get("siret")) for t in third_parties]
    ambiguous = {"croix-rousse"}
    for company in sample.SELLSY_COMPANIES:
        sellsy_id = str(ids[company.key])
        if company.flagged and company.key not in ambiguous:
            siret = normalise_siret(company.body.get("legal_france", {}).get("siret"))
            paired = any(t.matches == company.key for t in sample.ALTIOR.third_parties)
            arrived = sellsy_id in by_ref or (paired and sirets.count(siret) == 1)
            assert arrived, f"flagged company {company.body['name']} is not in Altior"
        elif not company.flagged and company.key != "berard":  # berard is flagged live
            assert sellsy_id not in by_ref, f"unflagged {company.body['name']} reached Altior"


def _sellsy_ref(record: dict[str, Any]) -> str | None:
    for ref in record.get("external_references") or []:
        if ref.get("codification") == "EXTERNAL" and ref.get("key") == "SELLSY":
            return str(ref.get("value"))
    return None


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"
