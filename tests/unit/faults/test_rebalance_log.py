"""Scenario 9 tells which tenants a worker polled from the scheduler's log lines."""

from __future__ import annotations

from tests.faults.scenarios.rebalance import POLLER_LINE

SCHEDULER = "INFO sync_streams.pollers.scheduler"


def test_poll_loops_are_read_from_the_log_and_reconciliation_loops_are_not() -> None:
    log = "\n".join(
        [
            f"{SCHEDULER} poll started tenant=acme-1 sellsy/company every 5.0s",
            f"{SCHEDULER} reconcile started tenant=beta-1 sellsy/company every 21600.0s",
            f"{SCHEDULER} poller started tenant=gamma-1 altior/third_party every 5.0s",
            f"{SCHEDULER} poll stopped tenant=acme-1 sellsy/company",
        ]
    )
    found = [(action, tenant) for action, tenant, _ in POLLER_LINE.findall(log)]
    assert found == [("started", "acme-1"), ("started", "gamma-1"), ("stopped", "acme-1")]
