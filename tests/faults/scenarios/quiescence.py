"""Scenario 7, quiescence: after convergence, ten poll cycles write nothing on either side.

Counted from the sandboxes' call logs of the worker's own credentials (the harness acts
with other credentials).  Also gives the fault-free calls per record.
"""

from __future__ import annotations

import asyncio
import time

from tests.faults.context import POLL_INTERVAL, Context, converge
from tests.faults.deals import DEAL_FLOWS
from tests.faults.outcome import RunResult
from tests.faults.probes import altior_writes, sellsy_writes, worker_calls
from tests.faults.workload import Workload

NAME = "7 quiescence"
CYCLES = 10


async def run(ctx: Context) -> RunResult:
    async with ctx.stack("quiescence") as stack:
        tenant = await stack.add_tenant("acme-prod", company_filter_field=None, **DEAL_FLOWS)
        work = Workload(stack, tenant, "acme", ctx.rng, deals=True)
        await work.seed(ctx.records)
        started = time.monotonic()
        await stack.start_worker()
        await work.live_edits(rounds=2, pause=POLL_INTERVAL)
        seconds, _ = await converge([work], started, ctx.limit)
        # the echoes of the last writes come back within a few cycles: let them pass once
        await asyncio.sleep(3 * POLL_INTERVAL)
        at_rest = await worker_calls(stack, tenant)
        await asyncio.sleep(CYCLES * POLL_INTERVAL)
        after = (await worker_calls(stack, tenant)).since(at_rest)
        written = sellsy_writes(after.sellsy) + altior_writes(after.altior)
        final = await work.audit()
        return RunResult(
            records=work.records,
            duplicates=final.duplicates,
            lost=final.lost,
            dead_letters=len(await stack.dead_letters()),
            converge_seconds=seconds,
            calls_per_record=at_rest.total / max(1, work.records),
            checks={"writes at rest": len(written)},
            notes=[
                f"{CYCLES} cycles of {POLL_INTERVAL:.0f} s at rest: {after.total} calls, "
                f"{len(written)} writes",
                *(f"write at rest: {c['method']} {c['path']}" for c in written[:10]),
                final.summary(),
            ],
        )
