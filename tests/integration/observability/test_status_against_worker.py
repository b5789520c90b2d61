"""``sync-streams status`` against a real worker syncing two tenants.

Real Kafka, both sandboxes, one worker (tests/support/stack.py).  ``acme-prod``
is configured right and syncs a company; ``globex-prod`` names a Sellsy custom
field its account does not have, so its third-party flow is disabled with the
reason.  The command is run as an operator would, through ``cli.main``.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from sync_streams.cli import main
from sync_streams.ports import free_port
from sync_streams.sellsy.models.writes import CompanyCreate
from tests.support.stack import sync_stack, wait_for

pytestmark = pytest.mark.integration

MISSING_FIELD = "Synchro ERP inexistante"


async def _status(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["status", *args])
    return code, capsys.readouterr().out


def _direction(tenant: dict[str, Any], flow: str, direction: str) -> dict[str, Any]:
    item = next(f for f in tenant["flows"] if f["flow"] == flow)
    found: dict[str, Any] = next(d for d in item["directions"] if d["direction"] == direction)
    return found


async def test_status_shows_the_running_tenant_and_why_the_other_is_disabled(
    kafka_url: str, unique_prefix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path / "stack") as stack:
        acme = await stack.add_tenant("acme-prod")
        await stack.add_tenant("globex-prod", company_filter_field=MISSING_FIELD)
        runtime = await stack.start_worker()
        worker = f"http://127.0.0.1:{runtime.settings.web_port}"

        company = await acme.sellsy.create_company(
            CompanyCreate.model_validate({"type": "client", "name": "Boulangerie Dupré"})
        )
        await acme.flag("companies", company.id)

        async def imported() -> bool:
            found = await acme.altior.find_third_party_by_external_reference(str(company.id))
            return found is not None

        await wait_for(imported, "the Sellsy company in Altior", limit=90)
        labels = {"tenant": "acme-prod", "direction": "import", "outcome": "applied"}
        await wait_for(lambda: stack.metric("sync_streams_events_total", **labels) >= 1, "count")

        code, text = await _status(capsys, "--worker", worker)
        assert code == 1, text  # globex-prod's flow is disabled
        assert f"{worker}  ready" in text and "serves acme-prod, globex-prod" in text
        acme_text = text.split("tenant acme-prod")[1].split("tenant globex-prod")[0]
        row = next(
            line.split() for line in acme_text.splitlines() if "third_parties  import" in line
        )
        assert row[2] == "running" and int(row[3]) >= 1  # state, applied in the last hour
        assert "sellsy/company" in acme_text and " UTC (" in acme_text  # last successful poll
        globex_text = text.split("tenant globex-prod")[1]
        assert "third_parties DISABLED:" in globex_text and MISSING_FIELD in globex_text

        code, raw = await _status(capsys, "--worker", worker, "--json")
        report = json.loads(raw)
        assert code == 1 and report["ok"] is False
        tenants = {t["tenant"]: t for t in report["tenants"]}
        assert set(tenants) == {"acme-prod", "globex-prod"}
        good = tenants["acme-prod"]
        assert good["served_by"] == [worker] and good["problems"] == []
        imported_now = _direction(good, "third_parties", "import")
        assert imported_now["state"] == "running"
        assert imported_now["last_hour"]["applied"] >= 1
        assert imported_now["lag"]["p95_seconds"] is not None
        assert _direction(good, "deals", "import")["state"] == "off"
        polls = {(p["system"], p["entity"]): p for p in good["pollers"]}
        assert polls[("sellsy", "company")]["last_success"] is not None
        bad = tenants["globex-prod"]
        disabled = next(f for f in bad["flows"] if f["flow"] == "third_parties")
        assert disabled["state"] == "disabled" and MISSING_FIELD in disabled["reason"]
        assert bad["problems"] == [f"third_parties disabled: {disabled['reason']}"]

        # one tenant alone: all is well for it
        code, raw = await _status(capsys, "--worker", worker, "--tenant", "acme-prod", "--json")
        assert code == 0
        assert [t["tenant"] for t in json.loads(raw)["tenants"]] == ["acme-prod"]

        # a second worker that does not answer is named, and fails the check
        silent = f"http://127.0.0.1:{free_port()}"
        code, text = await _status(
            capsys, "--worker", worker, "--worker", silent, "--tenant", "acme-prod"
        )
        assert code == 1
        assert f"{silent}  UNREACHABLE" in text and "tenant acme-prod" in text
