"""Scenario 5, tenant isolation: three tenants on one worker whose Sellsy ids overlap
(three accounts numbering from 1) and whose Altior ids overlap (three Altior databases
numbering from 1), syncing both ways at once.

Proves, from the sandboxes' call logs per credential: every call made with a tenant's
credentials went to that tenant's account / database, no tenant's account or database
was called with another's credentials, no write carries another tenant's data; and each
tenant ends with exactly its own records on both sides.
"""

from __future__ import annotations

import asyncio
import time

from tests.faults.context import POLL_INTERVAL, Context, converge
from tests.faults.deals import DEAL_FLOWS
from tests.faults.outcome import RunResult
from tests.faults.probes import altior_calls, altior_of, altior_writes
from tests.faults.workload import Workload
from tests.support.stack import Stack, Tenant

NAME = "5 tenant isolation"
TENANTS = {"acme-prod": "acme", "beta-paris": "beta", "gamma-lyon": "gamma"}


async def _cross_calls(stack: Stack, tenant: Tenant, others: list[str]) -> list[str]:
    """Calls that crossed tenants, as seen by the sandboxes (described, not secret)."""
    crossed: list[str] = []
    worker_client = tenant.config.sellsy.client_id
    own_clients = {worker_client, tenant.sellsy.credentials.client_id}
    for client_id in own_clients:
        for call in await stack.sellsy_sandbox.calls(client_id=client_id):
            if call["account_id"] not in (None, tenant.sellsy_account):
                crossed.append(f"sellsy {call['method']} {call['path']} to another account")
    for call in await stack.sellsy_sandbox.calls(tenant.sellsy_account):
        if call["client_id"] not in own_clients:
            crossed.append(f"sellsy {call['method']} {call['path']} by a foreign client")
    sandbox = altior_of(stack, tenant)
    mine = sandbox.tenant_of(tenant.altior_key)
    own_keys = {key_id for tid, key_id in sandbox.keys.values() if tid == mine}
    calls = await altior_calls(sandbox, tenant.altior_key, every_key=True)
    crossed += [f"altior {c['method']} {c['path']} by a foreign key" for c in calls
                if c["key_id"] not in own_keys]  # fmt: skip
    for call in altior_writes(calls):
        body = str(call.get("body") or "")
        crossed += [f"altior write carrying {word!r} data" for word in others if word in body]
    # Sellsy's log holds no bodies: foreign data written there shows as foreign records
    return crossed


async def run(ctx: Context) -> RunResult:
    async with ctx.stack("isolation") as stack:
        works: list[Workload] = []
        for index, (tenant_id, word) in enumerate(TENANTS.items()):
            altior = None if index == 0 else await stack.add_altior_sandbox()
            tenant = await stack.add_tenant(
                tenant_id, company_filter_field=None, **DEAL_FLOWS, altior=altior
            )
            work = Workload(stack, tenant, word, ctx.rng, deals=True)
            await work.seed(max(4, ctx.records // len(TENANTS)))
            works.append(work)
        started = time.monotonic()
        await stack.start_worker()
        await asyncio.gather(*(w.live_edits(rounds=2, pause=POLL_INTERVAL) for w in works))
        seconds, _ = await converge(works, started, ctx.limit)
        await asyncio.sleep(2 * POLL_INTERVAL)
        audits = [await w.audit() for w in works]
        crossed: list[str] = []
        for work in works:
            others = [w for w in TENANTS.values() if w != work.word]
            crossed += await _cross_calls(stack, work.tenant, others)
        ids = [set(w.sellsy_ids.values()) for w in works]
        overlap = len(set.intersection(*ids))
        letters = await stack.dead_letters()
        return RunResult(
            records=sum(w.records for w in works),
            duplicates=sum(a.duplicates for a in audits),
            lost=sum(a.lost for a in audits),
            dead_letters=len(letters),
            converge_seconds=seconds,
            checks={
                "cross-tenant calls": len(crossed),
                "foreign records": sum(a.sellsy.foreign + a.altior.foreign for a in audits),
            },
            notes=[
                f"{len(works)} tenants; {overlap} Sellsy ids held by all three",
                *(f"{w.word}: {a.summary()}" for w, a in zip(works, audits, strict=True)),
                *crossed[:10],
            ],
        )
