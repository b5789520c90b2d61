"""Scenario 3, API faults: both APIs answer 10 % 5xx, 5 % 429 and drop 1 % of the
connections, Sellsy tokens live one minute, for the whole two-way sync.  The timeouts
include answers lost **after** the API processed the call: 5 % of the writes (about 1 %
of all calls) are made, then their connection is closed unanswered (``lose_answer_rate``),
so a create may exist although the worker never heard so.

Proves: the sync converges, nothing is duplicated or lost, no event is dead-lettered,
and retries stay bounded (calls per record, beside the fault-free figure of the
quiescence scenario).
"""

from __future__ import annotations

import asyncio
import time

from tests.faults.context import POLL_INTERVAL, Context, converge
from tests.faults.deals import DEAL_FLOWS
from tests.faults.outcome import RunResult
from tests.faults.probes import altior_of, worker_calls
from tests.faults.workload import Workload

NAME = "3 API faults"
FAULTS = {
    "error_rate": 0.10,
    "error_status": 503,
    "rate_limit_rate": 0.05,
    "drop_rate": 0.01,
    "lose_answer_rate": 0.05,  # of writes only: processed, then the answer is lost
}
LOST = "lose_answer"


async def run(ctx: Context) -> RunResult:
    async with ctx.stack("api-faults") as stack:
        tenant = await stack.add_tenant("acme-prod", company_filter_field=None, **DEAL_FLOWS)
        work = Workload(stack, tenant, "acme", ctx.rng, deals=True)
        await work.seed(ctx.records)
        altior = altior_of(stack, tenant)
        await stack.sellsy_sandbox.set_faults(tenant.sellsy_account, **FAULTS, token_lifetime=60)
        await altior.set_faults(tenant.altior_key, **FAULTS, seed=ctx.seed)
        started = time.monotonic()
        await stack.start_worker()
        await work.live_edits(rounds=3, pause=POLL_INTERVAL)
        seconds, _ = await converge([work], started, ctx.limit)
        await asyncio.sleep(3 * POLL_INTERVAL)  # late retries and echoes, still under faults
        await stack.sellsy_sandbox.set_faults(tenant.sellsy_account)
        await altior.set_faults(tenant.altior_key)
        final = await work.audit()
        calls = await worker_calls(stack, tenant)
        letters = await stack.dead_letters()
        tokens = sum(1 for c in calls.sellsy if "/oauth2/" in c["path"])
        lost = [
            f"{system} {c['method']} {c['path']} {c['status']}"
            for system, log in (("sellsy", calls.sellsy), ("altior", calls.altior))
            for c in log
            if c.get("fault") == LOST
        ]
        return RunResult(
            records=work.records,
            duplicates=final.duplicates,
            lost=final.lost,
            dead_letters=len(letters),
            converge_seconds=seconds,
            calls_per_record=calls.total / max(1, work.records),
            notes=[
                f"worker calls {calls.total} ({calls.faulted()} answered by a fault), "
                f"{tokens} token requests, {len(lost)} answers lost after processing",
                *(f"answer lost: {line}" for line in lost),
                final.summary(),
                *(f"dead letter: {d.stage} {d.field} {d.reason}" for d in letters[:5]),
            ],
        )
