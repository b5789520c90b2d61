"""Scenario 6, secrets: every secret value created by the whole matrix (Sellsy client
secrets and Altior API keys, the worker's and the users'), searched in every worker log,
every message of every topic the matrix used (change, tenants, jobs, dead letters, the
tables' changelogs), the /metrics and /status answers and the outputs of the operators'
commands.  Bearer tokens are searched too.  Runs last.

This run adds the situations where a secret is most likely to slip out: a worker
process whose Sellsy tokens are revoked mid-run (re-authentication), a malformed
record (a dead letter carrying its original), and ``status``, ``dlq list``, ``tenants
show`` and ``tenants validate`` run against it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import httpx

from tests.faults.context import Context, converge
from tests.faults.deals import DEAL_FLOWS
from tests.faults.outcome import RunResult
from tests.faults.probes import Leak, dump_topics, read_logs, search_secrets
from tests.faults.workload import Workload
from tests.support.stack import PARTITIONS, Stack

NAME = "6 secrets"
POLL_SECONDS = 5


async def _command(ctx: Context, stack: Stack, *args: str) -> None:
    env = {**os.environ, "SYNC_STREAMS_TOPIC_PARTITIONS": str(PARTITIONS)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sync_streams", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    out, _ = await process.communicate()
    ctx.outputs[f"sync-streams {' '.join(args[:2])} ({stack.prefix})"] = out


async def search_matrix(ctx: Context) -> tuple[list[Leak], str]:
    """Every secret the matrix created so far, in everything it left: the leaks, and a
    sentence saying what was searched."""
    dump = await dump_topics(ctx.bootstrap, prefixes=ctx.prefixes)
    logs = read_logs(ctx.logs)
    haystacks = {**logs, **ctx.outputs}
    haystacks |= {f"topic {name}": b"\n".join(m) for name, m in dump.messages.items()}
    searched = (
        f"{len(set(ctx.secrets))} secret values searched in {len(logs)} logs, "
        f"{dump.count} messages of {len(dump.messages)} topics, {len(ctx.outputs)} "
        "command outputs and HTTP answers"
    )
    return search_secrets(ctx.secrets, haystacks), searched


async def run(ctx: Context) -> RunResult:
    async with ctx.stack("secrets") as stack:
        tenant = await stack.add_tenant(
            "acme-prod",
            company_filter_field=None,
            **DEAL_FLOWS,
            overrides=f"poll_interval_seconds: {POLL_SECONDS}\n",
        )
        work = Workload(stack, tenant, "acme", ctx.rng, deals=True)
        await work.seed(max(6, ctx.records // 4))
        [bad] = await work.add_sellsy(1)
        work.excluded.add(bad)
        await stack.raw_sellsy_edit(
            tenant.sellsy_account, "company", work.sellsy_ids[bad], legal_france="texte"
        )
        worker = stack.worker_process()
        started = time.monotonic()
        await worker.start(limit=180)
        await stack.sellsy_sandbox.expire_tokens(tenant.sellsy_account)
        await work.live_edits(rounds=2, pause=POLL_SECONDS)
        seconds, _ = await converge([work], started, ctx.limit)
        async with httpx.AsyncClient(timeout=10.0) as client:
            for path in ("/metrics", "/status", "/healthz", "/readyz"):
                ctx.outputs[f"GET {path} ({stack.prefix})"] = (
                    await client.get(worker.url + path)
                ).content
        tenant_file = str(stack.directory / "acme-prod.yaml")
        broker = ("--broker", stack.kafka_url, "--prefix", stack.prefix)
        await _command(ctx, stack, "status", "--worker", worker.url)
        await _command(ctx, stack, "status", "--worker", worker.url, "--json")
        await _command(ctx, stack, "dlq", "list", *broker, "--json")
        await _command(ctx, stack, "dlq", "list", *broker)
        await _command(ctx, stack, "tenants", "show", tenant_file)
        await _command(ctx, stack, "tenants", "validate", tenant_file)
        final = await work.audit()
        letters = await stack.dead_letters()
        await worker.stop()
    # the stack is closed: its secrets and logs are registered with the others
    leaks, searched = await search_matrix(ctx)
    return RunResult(
        records=work.records,
        duplicates=final.duplicates,
        lost=final.lost,
        dead_letters=len(letters),
        dead_letters_expected=1,
        converge_seconds=seconds,
        checks={"secret hits": len(leaks)},
        notes=[
            searched,
            *(f"LEAK {leak.secret} in {leak.where}" for leak in leaks[:20]),
        ],
    )
