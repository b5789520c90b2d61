"""Events of a tenant not prepared yet wait for it; they are never dropped as "disabled".

Found by the crash e2e test: a restarted worker consumes its backlog before the
reconcile timer has read the tenant's APIs, and those events were recorded as seen
(flows looked off) and lost.
"""

from __future__ import annotations

import asyncio

import pytest

from sync_streams.pipeline.handler import SyncHandler, TenantNotReady

from .test_handler import World


def _world(*, ready: bool, wait: float) -> World:
    w = World()
    w.runtime.ready = ready
    w.handler = SyncHandler(
        {"acme-prod": w.runtime},  # type: ignore[dict-item]
        w.tables,
        [w.kind],  # type: ignore[list-item]
        w.metrics,
        clock=lambda: w.clock.now,
        ready_wait=wait,
    )
    return w


async def test_an_event_waits_until_its_tenant_is_ready_then_syncs() -> None:
    w = _world(ready=False, wait=30.0)

    async def get_ready() -> None:
        await asyncio.sleep(0.3)
        w.runtime.ready = True

    preparing = asyncio.create_task(get_ready())
    await w.handler.handle(w.sellsy.edit("1", name="Dupré"))
    await preparing
    assert [r["name"] for r in w.altior.records.values()] == ["Dupré"]
    assert w.count("disabled") == 0 and w.count("applied") == 1


async def test_a_tenant_that_stays_unready_costs_one_wait_then_dead_letters_at_once() -> None:
    w = _world(ready=False, wait=0.3)
    with pytest.raises(TenantNotReady) as raised:
        await w.handler.handle(w.sellsy.edit("1", name="Dupré"))
    assert raised.value.retriable and raised.value.stage == "ready"
    w.handler.ready_wait = 3600.0  # a second wait would hit the bound below
    with pytest.raises(TenantNotReady):
        await asyncio.wait_for(w.handler.handle(w.sellsy.edit("2", name="Martin")), 10)
    assert w.altior.records == {}
    w.runtime.ready = True  # ready again: a requeued event syncs
    await w.handler.handle(w.sellsy.edit("1", name="Dupré"))
    assert [r["name"] for r in w.altior.records.values()] == ["Dupré"]
