"""``sync-streams status``: reading the workers' answers, the table, the exit code."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from sync_streams.cli import main
from sync_streams.cli.status import Answer, exit_code, fetch, render, tenant_problems
from sync_streams.observability.recent import LagHistogram
from sync_streams.observability.status import (
    DirectionStatus,
    FlowStatus,
    Lag,
    PollerStatus,
    TenantStatus,
    WorkerStatus,
    merge,
)
from sync_streams.ports import free_port

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
BOUNDS = (1.0, 2.0, 5.0)


def direction(name: str, state: str, **last_hour: int) -> DirectionStatus:
    lag = Lag.of(
        LagHistogram(BOUNDS, (0, 4, 0, 0)) if last_hour else LagHistogram(BOUNDS, (0,) * 4)
    )
    return DirectionStatus(direction=name, state=state, last_hour=last_hour, lag=lag)


def tenant(name: str, state: str = "running", reason: str | None = None) -> TenantStatus:
    return TenantStatus(
        tenant=name,
        served=True,
        flows=[
            FlowStatus(
                flow="third_parties",
                state=state,
                reason=reason,
                directions=[
                    direction("import", state, applied=4, echo=2),
                    direction("export", state),
                ],
            ),
            FlowStatus(
                flow="deals",
                state="off",
                directions=[direction("import", "off"), direction("export", "off")],
            ),
        ],
        pollers=[
            PollerStatus(
                system="sellsy",
                entity="company",
                flow="third_parties",
                last_success=NOW,
                age_seconds=7,
                failures=1,
            )
        ],
        dead_letters={"map": 2},
    )


def worker(*tenants: TenantStatus) -> WorkerStatus:
    return WorkerStatus(
        generated_at=NOW, ready=True, partitions=[0, 1], window_minutes=60, tenants=list(tenants)
    )


REASON = "third_parties.company_filter_field: no Sellsy custom field 'Synchro'"


def test_table_shows_states_last_hour_counts_lag_polls_and_the_disabled_reason() -> None:
    both = worker(tenant("acme-prod"), tenant("globex-prod", "disabled", REASON))
    answers = [
        Answer("http://w1:6066", both),
        Answer("http://w2:6066", error="no answer (ConnectError: connection refused)"),
    ]
    tenants = merge((a.url, a.report) for a in answers if a.report)
    problems = {t.tenant: tenant_problems(t) for t in tenants}
    text = "\n".join(render(answers, tenants, problems))

    assert "http://w1:6066  ready  partitions 0, 1  serves acme-prod, globex-prod" in text
    assert "http://w2:6066  UNREACHABLE: no answer (ConnectError: connection refused)" in text
    acme = text.split("tenant acme-prod")[1].split("tenant globex-prod")[0]
    assert "served by http://w1:6066" in acme
    row = next(line.split() for line in acme.splitlines() if "third_parties  import" in line)
    # flow direction state applied skipped waiting held failed dead-lettered lag p95
    assert row[:8] == ["third_parties", "import", "running", "4", "2", "0", "0", "0"]
    assert row[9] == "1.9"  # p95 of 4 observations in (1, 2]: 1 + 0.95
    assert "sellsy/company" in acme and "2026-05-04 10:00:00 UTC (7 s ago)" in acme
    assert "dead letters 2 (map 2)" in acme
    globex = text.split("tenant globex-prod")[1]
    assert f"third_parties DISABLED: {REASON}" in globex
    assert problems == {"acme-prod": [], "globex-prod": [f"third_parties disabled: {REASON}"]}


def test_exit_code_is_0_only_when_every_worker_answers_and_every_flow_is_fine() -> None:
    fine: dict[str, list[str]] = {"acme-prod": []}
    up = [Answer("http://w1:6066", worker())]
    down = [*up, Answer("http://w2:6066", error="no answer")]
    assert exit_code(up, fine, wanted=None) == 0
    assert exit_code(down, fine, wanted=None) == 1
    assert exit_code(up, {"acme-prod": [], "globex-prod": ["deals disabled: x"]}, wanted=None) == 1
    assert exit_code(up, {}, wanted="nobody") == 2  # a typo, not an outage
    assert exit_code(down, {}, wanted="nobody") == 1  # the silent worker may know it


def test_a_tenant_served_by_none_of_the_workers_asked_is_a_problem() -> None:
    unserved = tenant("acme-prod").model_copy(update={"served": False})
    [merged] = merge([("http://w1:6066", worker(unserved))])
    assert tenant_problems(merged) == [
        "served by none of the workers asked (list every worker with --worker)"
    ]


async def test_fetch_reads_a_report_and_names_what_went_wrong_otherwise() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "good":
            return httpx.Response(200, json=worker(tenant("acme-prod")).model_dump(mode="json"))
        if request.url.host == "broken":
            return httpx.Response(500, text="oops")
        if request.url.host == "other":
            return httpx.Response(200, json={"hello": "world"})
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        good = await fetch(client, "http://good:6066", "acme-prod")
        broken = await fetch(client, "http://broken:6066", None)
        other = await fetch(client, "http://other:6066", None)
        gone = await fetch(client, "http://gone:6066", None)

    assert good.report is not None and good.report.tenants[0].tenant == "acme-prod"
    assert str(seen[0].url) == "http://good:6066/status?tenant=acme-prod"
    assert broken.error == "HTTP 500 on /status"
    assert other.error == "/status did not answer a sync-streams status"
    assert gone.report is None and "connection refused" in (gone.error or "")


def test_an_unreachable_worker_is_named_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code = main(["status", "--worker", url, "--json", "--timeout", "2"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 1
    assert printed["ok"] is False
    assert printed["workers"][0]["url"] == url
    assert printed["workers"][0]["reachable"] is False
    assert printed["workers"][0]["error"].startswith("no answer")
