"""Per-tenant lanes: a tenant's messages in order, tenants concurrent, every message acked."""

from __future__ import annotations

import asyncio

from sync_streams.pipeline.lanes import TenantLanes, Work


class Recorder:
    def __init__(self) -> None:
        self.handled: list[tuple[bytes | None, bytes | None]] = []
        self.acked: list[bytes | None] = []
        self.entered: list[bytes | None] = []
        self.gates: dict[bytes | None, asyncio.Event] = {}
        self.fail: set[bytes] = set()

    async def handle(self, key: bytes | None, value: bytes | None) -> None:
        gate = self.gates.get(key)
        if gate is not None:
            await gate.wait()
        if value in self.fail:
            raise RuntimeError("a bug in the handler")
        self.handled.append((key, value))

    def work(self, key: bytes | None, value: bytes) -> Work:
        async def done() -> None:
            self.acked.append(value)

        return Work(key, value, enter=lambda: self.entered.append(value), done=done)


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_blocked_tenant_holds_back_only_its_own_lane() -> None:
    rec = Recorder()
    rec.gates[b"acme"] = asyncio.Event()  # acme's API answers slowly
    lanes = TenantLanes(rec.handle)
    for value in (b"a1", b"a2"):
        await lanes.submit(rec.work(b"acme", value))
    for value in (b"b1", b"b2"):
        await lanes.submit(rec.work(b"beta", value))
    await _settle()
    assert rec.handled == [(b"beta", b"b1"), (b"beta", b"b2")]
    assert rec.acked == [b"b1", b"b2"]  # acme's stay unacknowledged: a crash redelivers them
    rec.gates[b"acme"].set()
    await lanes.drain()
    assert [v for k, v in rec.handled if k == b"acme"] == [b"a1", b"a2"]  # in order
    assert sorted(v for v in rec.acked if v is not None) == [b"a1", b"a2", b"b1", b"b2"]
    assert rec.entered.index(b"a1") < rec.entered.index(b"a2")
    await lanes.close()


async def test_a_message_that_fails_is_still_acked_and_the_lane_goes_on() -> None:
    rec = Recorder()
    rec.fail.add(b"bad")
    lanes = TenantLanes(rec.handle)
    for value in (b"bad", b"good"):
        await lanes.submit(rec.work(b"acme", value))
    await lanes.drain()
    assert rec.handled == [(b"acme", b"good")]
    assert rec.acked == [b"bad", b"good"]
    await lanes.close()


async def test_a_full_lane_makes_the_agent_wait_and_closing_stops_every_lane() -> None:
    rec = Recorder()
    rec.gates[b"acme"] = asyncio.Event()
    lanes = TenantLanes(rec.handle, depth=2)
    for value in (b"a1", b"a2", b"a3"):  # one in hand, two queued
        await lanes.submit(rec.work(b"acme", value))
    await _settle()
    blocked = asyncio.create_task(lanes.submit(rec.work(b"acme", b"a4")))
    await _settle()
    assert not blocked.done()
    assert lanes.waiting() == 2
    rec.gates[b"acme"].set()
    await blocked
    await lanes.drain()
    assert [v for _, v in rec.handled] == [b"a1", b"a2", b"a3", b"a4"]
    rec.gates[b"acme"].clear()
    await lanes.submit(rec.work(b"acme", b"a5"))
    await lanes.close()  # a5 never handled nor acked: redelivered after the restart
    assert b"a5" not in rec.acked


async def test_idle_waits_until_a_tenants_lane_has_nothing_queued_nor_in_hand() -> None:
    """What the bulk agent waits for: the tenant's live changes first."""
    rec = Recorder()
    rec.gates[b"acme"] = asyncio.Event()
    lanes = TenantLanes(rec.handle)
    await lanes.idle(b"acme")  # a lane never used is idle
    for value in (b"a1", b"a2"):
        await lanes.submit(rec.work(b"acme", value))
    waiting = asyncio.create_task(lanes.idle(b"acme"))
    await _settle()
    assert not waiting.done()
    await lanes.idle(b"beta")  # another tenant's lane is
    rec.gates[b"acme"].set()
    await waiting
    assert [v for _, v in rec.handled] == [b"a1", b"a2"]
    rec.gates[b"acme"].clear()
    await lanes.submit(rec.work(b"acme", b"a3"))
    waiting = asyncio.create_task(lanes.idle(b"acme"))
    await lanes.close()  # stopping releases whoever waits
    await waiting
