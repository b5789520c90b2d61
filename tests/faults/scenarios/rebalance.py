"""Scenario 9, rebalance: a second ``sync-streams worker`` process joins the group of a
running one mid-sync and later leaves it (SIGTERM, graceful), while users keep creating
and renaming records on both sides of four tenants spread over the four partitions.

Proves: every record exactly once on each side at its last version, no dead letter, and
no tenant polled by two workers at once.  Both workers poll with the same tenant
credentials, so the sandboxes' call logs tell them apart by time (``tests.faults.polls``):
two polls of one tenant's entity closer than 40 % of the poll interval are two pollers
(``double polls``); once a handover has settled, every entity is polled at the cadence
again (``cadence breaks``: a gap over 3.5 intervals, since a tenant whose own calls keep
its quota in full use is polled every third interval, ``pollers.poller.MAX_DEFERRALS``).
The join must move some tenants to the new worker (``joins without a handover``), else
the scenario proved nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from datetime import UTC, datetime, timedelta

from sync_streams.pollers.poller import MAX_DEFERRALS
from tests.faults.context import Context, converge
from tests.faults.deals import DEAL_FLOWS
from tests.faults.outcome import RunResult
from tests.faults.polls import (
    Gap,
    altior_polls,
    double_polls,
    longest_gaps,
    sellsy_polls,
    spread_tenants,
    within,
)
from tests.faults.probes import worker_calls
from tests.faults.workload import Workload
from tests.support.stack import PARTITIONS, WorkerProcess

NAME = "9 rebalance"
POLL_SECONDS = 5  # the tenant file's minimum
WORDS = ("acme", "beta", "gamma", "delta")
SETTLE = 3 * POLL_SECONDS
"""Seconds after a join or a leave before the cadence must be back."""
TWO_POLLERS = 0.4
"""Polls closer than this share of the interval were made by two pollers."""
CADENCE_BREAK = MAX_DEFERRALS + 1.5
"""A settled entity not polled for this many intervals lost its poller: a saturated
tenant's polls are put off up to ``MAX_DEFERRALS`` intervals in a row (3.5 intervals;
2.5 before polls yielded to writes), so any longer gap is not that rule."""
POLLER_LINE = re.compile(r"\bpoll(?:er)? (started|stopped) tenant=(\S+) (\S+)")
"""The scheduler's log of a poller (``poll started tenant=...``; ``poller started`` before
reconciliation passes got loops of their own, ``reconcile started``, not counted)."""


def _now() -> datetime:
    return datetime.now(UTC)


async def _edit_until(works: list[Workload], stop: asyncio.Event) -> int:
    """Rounds of creates and renames on every tenant, one per poll interval, until ``stop``."""
    rounds = 0
    while not stop.is_set():
        await asyncio.gather(*(w.live_edits(rounds=1, pause=0) for w in works))
        rounds += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_SECONDS)
    return rounds


def _pollers(worker: WorkerProcess) -> dict[str, set[str]]:
    """Tenants whose pollers the worker started / stopped, from its log."""
    seen: dict[str, set[str]] = {"started": set(), "stopped": set()}
    text = worker.log_path.read_text(errors="replace") if worker.log_path.exists() else ""
    for action, tenant, _ in POLLER_LINE.findall(text):
        seen[action].add(tenant)
    return seen


async def run(ctx: Context) -> RunResult:
    async with ctx.stack("rebalance") as stack:
        works: list[Workload] = []
        overrides = f"poll_interval_seconds: {POLL_SECONDS}\n"
        for tenant_id, word in spread_tenants(WORDS, PARTITIONS).items():
            tenant = await stack.add_tenant(
                tenant_id, company_filter_field=None, **DEAL_FLOWS, overrides=overrides
            )
            work = Workload(stack, tenant, word, ctx.rng, deals=True)
            await work.seed(max(4, ctx.records // len(WORDS)))
            works.append(work)
        first, second = stack.worker_process("worker-a"), stack.worker_process("worker-b")
        started = time.monotonic()
        await first.start(limit=180)
        loaded, _ = await converge(works, started, ctx.limit)  # the initial loads
        origin = _now()  # polls from here on; the initial loads' listings came before
        stop = asyncio.Event()
        edits = asyncio.create_task(_edit_until(works, stop))
        await asyncio.sleep(SETTLE)
        joining = _now()
        await second.start(limit=180)
        joined = _now()
        await asyncio.sleep(SETTLE + 6 * POLL_SECONDS)
        leaving = _now()
        await second.stop()
        left = _now()
        leave_status = second.process.returncode if second.process else None
        await asyncio.sleep(SETTLE + 4 * POLL_SECONDS)
        stop.set()
        rounds = await edits
        last_edit = time.monotonic()
        seconds, _ = await converge(works, started, ctx.limit)
        after_edits = time.monotonic() - last_edit
        await asyncio.sleep(3 * POLL_SECONDS)  # redeliveries and echoes after the handovers
        end = _now()
        audits = [await w.audit() for w in works]
        letters = await stack.dead_letters()
        exits = 0 if first.running else 1

        closer = TWO_POLLERS * POLL_SECONDS
        doubles: list[Gap] = []
        breaks: list[Gap] = []
        join_pauses: list[Gap] = []
        leave_pauses: list[Gap] = []
        settled = [(origin, joining), (joined + timedelta(seconds=SETTLE), leaving),
                   (left + timedelta(seconds=SETTLE), end)]  # fmt: skip
        per_tenant = {}
        for work in works:
            calls = await worker_calls(stack, work.tenant)
            polls = within({**sellsy_polls(calls.sellsy), **altior_polls(calls.altior)}, origin)
            per_tenant[work.tenant.id] = polls
        entities = sorted({e for polls in per_tenant.values() for e in polls})
        for tenant_id, polls in per_tenant.items():
            doubles += double_polls(tenant_id, polls, closer_than=closer)
            for window in settled:
                gaps = longest_gaps(tenant_id, polls, entities, window)
                breaks += [g for g in gaps if g.seconds > CADENCE_BREAK * POLL_SECONDS]
            settle = timedelta(seconds=SETTLE)
            join_pauses += longest_gaps(tenant_id, polls, entities, (joining, joined + settle))
            leave_pauses += longest_gaps(tenant_id, polls, entities, (leaving, left + settle))
        moved = _pollers(second)["started"]
        polls_counted = sum(len(t) for polls in per_tenant.values() for t in polls.values())

        def longest(gaps: list[Gap]) -> str:
            worst = max(gaps, key=lambda g: g.seconds, default=None)
            return worst.describe(origin) if worst else "-"

        return RunResult(
            records=sum(w.records for w in works),
            duplicates=sum(a.duplicates for a in audits),
            lost=sum(a.lost for a in audits),
            dead_letters=len(letters),
            converge_seconds=seconds,
            checks={
                "double polls": len(doubles),
                "cadence breaks": len(breaks),
                "joins without a handover": 0 if moved else 1,
                "worker exits": exits,
            },
            notes=[
                f"{len(works)} tenants on partitions "
                f"{sorted(spread_tenants(WORDS, PARTITIONS))}; initial loads converged in "
                + (f"{loaded:.0f} s" if loaded is not None else "NO"),
                f"worker-b joined at {(joining - origin).total_seconds():.0f} s (ready after "
                f"{(joined - joining).total_seconds():.0f} s), left (SIGTERM) at "
                f"{(leaving - origin).total_seconds():.0f} s (exited after "
                f"{(left - leaving).total_seconds():.0f} s, status {leave_status}); "
                f"{rounds} edit rounds; converged {after_edits:.0f} s after the last one",
                f"worker-b polled {sorted(moved)}; worker-a stopped pollers of "
                f"{sorted(_pollers(first)['stopped'])}",
                f"{polls_counted} polls of {entities} counted; longest pause at the join: "
                f"{longest(join_pauses)}; at the leave: {longest(leave_pauses)}",
                *(f"double poll: {g.describe(origin)}" for g in doubles[:10]),
                *(f"cadence break: {g.describe(origin)}" for g in breaks[:10]),
                *(f"{w.word}: {a.summary()}" for w, a in zip(works, audits, strict=True)),
                *(f"dead letter: {d.stage} {d.field} {d.reason[:120]}" for d in letters[:5]),
            ],
        )
