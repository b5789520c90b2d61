"""Scenario 2, broker restart: the Kafka broker is stopped mid-sync, left down, and
started again on the same data and port, while a ``sync-streams worker`` process syncs
both ways.  Runs on a broker of its own (the matrix's broker serves the others).

Proves: the same outcome as without the outage (every record once on each side, every
last update applied, no dead letter) and the worker rides the outage out instead of
exiting (``worker exits``; an exited worker is started again so the rest is measured).
"""

from __future__ import annotations

import asyncio
import time

from sync_streams.local.kafka import LocalKafka
from sync_streams.ports import free_port
from tests.faults.context import Context, converge
from tests.faults.deals import DEAL_FLOWS
from tests.faults.outcome import RunResult
from tests.faults.workload import Workload

NAME = "2 broker restart"
POLL_SECONDS = 5
DOWN_SECONDS = 15.0


async def run(ctx: Context) -> RunResult:
    kafka = LocalKafka(ctx.directory / f"kafka-restart-{ctx.rng.randrange(10**6)}")
    port = free_port()
    info = await asyncio.to_thread(kafka.start, port)
    try:
        async with ctx.stack("broker", kafka_url=f"kafka://{info.bootstrap}") as stack:
            polls = f"poll_interval_seconds: {POLL_SECONDS}\n"
            tenant = await stack.add_tenant(
                "acme-prod", company_filter_field=None, **DEAL_FLOWS, overrides=polls
            )
            work = Workload(stack, tenant, "acme", ctx.rng, deals=True)
            await work.seed(ctx.records)
            worker = stack.worker_process()
            started = time.monotonic()
            await worker.start(limit=180)
            edits = asyncio.create_task(work.live_edits(rounds=4, pause=POLL_SECONDS))
            await asyncio.sleep(ctx.rng.uniform(2.0, 2.0 * POLL_SECONDS))
            stopped_at = time.monotonic() - started
            await asyncio.to_thread(kafka.stop)
            await asyncio.sleep(DOWN_SECONDS)
            await asyncio.to_thread(kafka.start, port)
            await edits
            exits = 0
            if not worker.running:
                exits += 1
                await worker.start(limit=180)
            seconds, _ = await converge([work], started, ctx.limit)
            await asyncio.sleep(3 * POLL_SECONDS)
            if not worker.running:
                exits += 1
            final = await work.audit()
            letters = await stack.dead_letters()
            await worker.stop()
    finally:
        await asyncio.to_thread(kafka.stop)
    return RunResult(
        records=work.records,
        duplicates=final.duplicates,
        lost=final.lost,
        dead_letters=len(letters),
        converge_seconds=seconds,
        checks={"worker exits": exits},
        notes=[
            f"broker down {DOWN_SECONDS:.0f} s from {stopped_at:.0f} s after the worker started",
            final.summary(),
            *(f"dead letter: {d.stage} {d.field} {d.reason[:120]}" for d in letters[:5]),
        ],
    )
