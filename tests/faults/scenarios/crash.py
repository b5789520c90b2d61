"""Scenario 1, worker crash: a ``sync-streams worker`` process is killed with SIGKILL at
random moments of a two-way sync (initial load, then live edits on both sides) and
started again on the same data directory each time.

Proves: every record exactly once on each side, every last update applied, no dead
letter (the restarted worker recovers its tables from the changelogs, finds what the
killed one had created through the external references, and resumes from the cursors).
"""

from __future__ import annotations

import asyncio
import time

from tests.faults.context import Context, converge
from tests.faults.deals import DEAL_FLOWS
from tests.faults.outcome import RunResult
from tests.faults.workload import Workload

NAME = "1 worker crash"
POLL_SECONDS = 5  # the tenant file's minimum


async def run(ctx: Context, kills: int | None = None) -> RunResult:
    kills = ctx.kills if kills is None else kills
    async with ctx.stack("crash") as stack:
        tenant = await stack.add_tenant(
            "acme-prod",
            company_filter_field=None,
            **DEAL_FLOWS,
            overrides=f"poll_interval_seconds: {POLL_SECONDS}\n",
        )
        work = Workload(stack, tenant, "acme", ctx.rng, deals=True)
        await work.seed(ctx.records)
        worker = stack.worker_process()
        started = time.monotonic()
        await worker.start(limit=180)
        edits = asyncio.create_task(work.live_edits(rounds=kills + 1, pause=POLL_SECONDS))
        moments: list[float] = []
        for _ in range(kills):
            await asyncio.sleep(ctx.rng.uniform(1.0, 4.0 * POLL_SECONDS))
            moments.append(time.monotonic() - started)
            await worker.kill()
            await worker.start(limit=180)
        await edits
        seconds, _ = await converge([work], started, ctx.limit)
        await asyncio.sleep(3 * POLL_SECONDS)  # redeliveries and echoes after the last start
        final = await work.audit()
        letters = await stack.dead_letters()
        return RunResult(
            records=work.records,
            duplicates=final.duplicates,
            lost=final.lost,
            dead_letters=len(letters),
            converge_seconds=seconds,
            checks={},
            notes=[
                f"SIGKILL at {', '.join(f'{m:.0f}' for m in moments)} s after the first start",
                final.summary(),
                *(f"dead letter: {d.stage} {d.field} {d.reason[:120]}" for d in letters[:5]),
            ],
        )
