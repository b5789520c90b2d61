"""P5 fairness: another tenant's sync lag while a 10,000-record ``thirdPartyAll`` runs.

One worker (``create_worker``, the tenants' own 5 s poll interval) serves three tenants:

* **A** gets 10,000 Sellsy companies (stamped two days ago, so its live pollers do not
  see them), then ``sync-streams init --tenant A --job thirdPartyAll`` runs as ops
  would run it, in its own process; the worker applies the 10,000 init events.
* **B** (another partition than A) and **C** (the same partition as A) are in live sync.
  Their users edit companies in Sellsy; each edit is timed until it shows in Altior
  (``LagProbe``: the Altior write's own stamp minus the moment the edit was sent).

Phase "idle": B and C edits while A does nothing.  Phase "init": the same edits right
after A's init has been published.  Figure: B's p95 during the init / B's p95 idle
(target <= 1.25).  An edit not applied ``--wait`` seconds after the last edit of its
phase is censored: a p95 that falls among them is reported as a lower bound.

A's Altior account has a 5 requests/s quota (``--altior-quota``), so the same run
gives P3: A's achieved request and write rates against that quota and its 429s.

    python bench/fairness.py [--quick] [--changes 20] [--wait 90] [--init-records 10000]

Prints its conditions and figures; asserts nothing; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import (
    PARTITIONS,
    BenchTenant,
    LagProbe,
    LagStats,
    Sandboxes,
    add_tenant,
    altior_calls,
    close_tenants,
    company,
    conditions_header,
    emit_figure,
    kafka_broker,
    lag_stats,
    last_id,
    metric,
    run_lag_phase,
    running_worker,
    sandboxes,
    wait_live,
)

from sync_streams.kafka.partitioning import partition_of


def pick_ids() -> tuple[str, str, str]:
    """A, then B on another partition and C on the same partition as A."""
    a = "alpha-init"
    home = partition_of(a, PARTITIONS)
    b = next(f"bravo-live-{i}" for i in range(100) if partition_of(f"bravo-live-{i}", PARTITIONS) != home)
    c = next(f"charlie-live-{i}" for i in range(100) if partition_of(f"charlie-live-{i}", PARTITIONS) == home)
    return a, b, c


async def seed_old_companies(boxes: Sandboxes, tenant: BenchTenant, count: int) -> float:
    """``count`` companies last changed two days ago (out of every live poll window)."""
    started = time.monotonic()
    stamp = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for first in range(0, count, 1000):
        batch = [company(n, updated_at=stamp, prefix="Init") for n in range(first, min(count, first + 1000))]
        await boxes.sellsy.seed(tenant.sellsy_account, companies=batch)
    return time.monotonic() - started


async def run_init_cli(bootstrap: str, prefix: str, tenants_dir: Path, tenant: str, log: Path, timeout: float) -> tuple[int, float]:
    """``sync-streams init --job thirdPartyAll`` in its own process; (exit code, seconds)."""
    started = time.monotonic()
    env = {**os.environ, "SYNC_STREAMS_TOPIC_PARTITIONS": str(PARTITIONS), "SYNC_STREAMS_LOG_LEVEL": "WARNING"}
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sync_streams", "init", "--tenant", tenant,
            "--job", "thirdPartyAll", "--broker", f"kafka://{bootstrap}",
            "--tenants", str(tenants_dir), "--prefix", prefix,
            stdout=out, stderr=asyncio.subprocess.STDOUT, env=env,
        )  # fmt: skip
        try:
            code = await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            code = -9
    return code, time.monotonic() - started


def lag_histogram(runtime: Any, tenant: str) -> tuple[float, float]:
    """(count, sum) of the worker's own lag histogram for a tenant's imports."""
    labels = {"tenant": tenant, "direction": "import"}
    return (
        metric(runtime, "sync_streams_sync_lag_seconds_count", **labels),
        metric(runtime, "sync_streams_sync_lag_seconds_sum", **labels),
    )


def quota_use(calls: list[dict[str, Any]], quota: float, seconds: float) -> dict[str, float]:
    writes = sum(1 for c in calls if c["method"] in ("POST", "PATCH", "PUT", "DELETE"))
    refused = sum(1 for c in calls if c["status"] == 429)
    return {
        "requests": len(calls),
        "writes": writes,
        "refused": refused,
        "request_rate": len(calls) / seconds,
        "write_rate": writes / seconds,
        "quota": quota,
    }


def ratio_text(during: LagStats, idle: LagStats) -> tuple[str, float | None]:
    if idle.p95 is None or idle.p95 <= 0:
        return "n/a (no idle p95)", None
    if during.p95 is None:
        return f"> {during.censored_at / idle.p95:.1f} (p95 not reached within {during.censored_at:.0f} s)", None
    ratio = during.p95 / idle.p95
    return f"{ratio:.2f}", ratio


async def main(args: argparse.Namespace) -> None:
    load = conditions_header("P5 fairness: a tenant's sync lag while another tenant's 10,000-record init runs")
    tmp = Path(tempfile.mkdtemp(prefix="bench-fairness-"))
    a_id, b_id, c_id = pick_ids()
    prefix = f"bf{uuid.uuid4().hex[:8]}"
    tenants: list[BenchTenant] = []
    try:
        async with kafka_broker(tmp) as bootstrap:
            async with sandboxes(tmp / "sandboxes") as boxes:
                tenants_dir = tmp / "tenants"
                a = await add_tenant(boxes, tenants_dir, a_id, poll_interval_seconds=args.poll)
                b = await add_tenant(boxes, tenants_dir, b_id, poll_interval_seconds=args.poll)
                c = await add_tenant(boxes, tenants_dir, c_id, poll_interval_seconds=args.poll)
                tenants = [a, b, c]
                ids: dict[str, list[str]] = {}
                for t in (b, c):
                    seeded = await boxes.sellsy.seed(t.sellsy_account, generate={"companies": args.companies})
                    ids[t.id] = [str(i) for i in seeded["companies"]]
                if args.altior_quota:
                    await boxes.altior.set_quotas(a.worker_altior_key, per_second=args.altior_quota)
                print(
                    f"  set-up  : tenants {a_id} (partition {partition_of(a_id, PARTITIONS)}), "
                    f"{b_id} (partition {partition_of(b_id, PARTITIONS)}), {c_id} (partition "
                    f"{partition_of(c_id, PARTITIONS)}); poll interval {args.poll} s; Sellsy sandbox "
                    f"quota 5 req/s per account (worker paces at 5/s); Altior: worker client paces "
                    f"at {'no limit for ' + a_id + ' (--unpaced), ' if args.unpaced else ''}10 req/s per tenant, sandbox quota {args.altior_quota or 'none'} req/s on "
                    f"{a_id}, none on the others; both sandboxes in their own processes; company "
                    f"filter off (every company syncs)",
                    flush=True,
                )
                async with running_worker(bootstrap, prefix, tmp, tenants) as (app, runtime):
                    if args.unpaced:  # A's writes as fast as the CPU allows: queueing alone
                        pacer = runtime.tenants.get(a_id).altior.pacer
                        pacer.per_second = pacer.per_minute = None
                    live = await wait_live(runtime, [a_id, b_id, c_id], timeout=300)
                    probes = [LagProbe(b, ids[b.id]), LagProbe(c, ids[c.id])]
                    deadline = time.monotonic() + 300
                    for probe in probes:
                        while not set(probe.company_ids) <= await probe.linked():
                            if time.monotonic() > deadline:
                                raise TimeoutError(f"{probe.tenant.id}'s companies never reached Altior")
                            await asyncio.sleep(1)
                        await probe.scan()  # cursor at the end of the listing
                    seeded_in = await seed_old_companies(boxes, a, args.init_records)
                    print(
                        f"  worker  : in this process, Faust stream buffer "
                        f"{app.conf.stream_buffer_maxsize} events, sync agent concurrency 1; "
                        f"tenants live after {live:.0f} s; {args.companies} companies each for "
                        f"{b_id}/{c_id} synced; {args.init_records} companies seeded for {a_id} "
                        f"in {seeded_in:.0f} s",
                        flush=True,
                    )
                    print(f"  phase idle: {args.changes} edits per tenant, about one every {args.spacing:.1f} s ...", flush=True)
                    hist_before = {t: lag_histogram(runtime, t) for t in (b_id, c_id)}
                    idle = await run_lag_phase(probes, changes_per_probe=args.changes, spacing=args.spacing, timeout=args.wait, label="idle")
                    hist_idle = {t: lag_histogram(runtime, t) for t in (b_id, c_id)}

                    a_applied0 = metric(runtime, "sync_streams_events_total", tenant=a_id, direction="import", outcome="applied")
                    calls0 = last_id(await altior_calls(boxes, a.worker_altior_key), "id", 0)
                    print(f"  phase init: sync-streams init --tenant {a_id} --job thirdPartyAll ...", flush=True)
                    code, init_seconds = await run_init_cli(bootstrap, prefix, tenants_dir, a_id, tmp / "init.log", timeout=600)
                    tail = (tmp / "init.log").read_text(errors="replace").strip().splitlines()[-1:]
                    print(f"    init published in {init_seconds:.0f} s (exit {code}): {tail[0] if tail else ''}", flush=True)
                    window_start = time.monotonic()
                    a_applied1 = metric(runtime, "sync_streams_events_total", tenant=a_id, direction="import", outcome="applied")
                    during = await run_lag_phase(probes, changes_per_probe=args.changes, spacing=args.spacing, timeout=args.wait, label="init")
                    window = time.monotonic() - window_start
                    hist_init = {t: lag_histogram(runtime, t) for t in (b_id, c_id)}
                    a_applied2 = metric(runtime, "sync_streams_events_total", tenant=a_id, direction="import", outcome="applied")
                    a_calls = await altior_calls(boxes, a.worker_altior_key, after_id=calls0)
                    a_seconds = init_seconds + window
                    use = quota_use(a_calls, float(args.altior_quota or 10), a_seconds)
                    status = Counter(int(c["status"]) for c in a_calls)
        report(args, load, a_id, b_id, c_id, idle, during, hist_before, hist_idle, hist_init,
               a_applied0, a_applied1, a_applied2, window, use, status, a_seconds)  # fmt: skip
    finally:
        await close_tenants(tenants)
        shutil.rmtree(tmp, ignore_errors=True)


def report(
    args: argparse.Namespace, load: Any, a_id: str, b_id: str, c_id: str,
    idle: dict[str, Any], during: dict[str, Any],
    hist_before: dict[str, tuple[float, float]], hist_idle: dict[str, tuple[float, float]],
    hist_init: dict[str, tuple[float, float]],
    a_applied0: float, a_applied1: float, a_applied2: float, window: float,
    use: dict[str, float], status: Counter[int], a_seconds: float,
) -> None:  # fmt: skip
    print("  results (lag = Sellsy edit sent -> Altior record written, measured from outside):")
    stats: dict[str, tuple[LagStats, LagStats]] = {}
    for tenant, where in ((b_id, "other partition"), (c_id, "same partition as A")):
        s_idle = lag_stats(idle[tenant], args.wait)
        s_init = lag_stats(during[tenant], args.wait)
        stats[tenant] = (s_idle, s_init)
        mean = []
        for before, after in ((hist_before[tenant], hist_idle[tenant]), (hist_idle[tenant], hist_init[tenant])):
            n, total = after[0] - before[0], after[1] - before[1]
            mean.append(f"{total / n:.2f} s over {n:.0f}" if n else "none")
        print(f"    {tenant} ({where}):")
        print(f"      A idle   : {s_idle.line()}")
        print(f"      A init   : {s_init.line()}")
        print(f"      worker's lag histogram (mean, Sellsy 1 s stamps): idle {mean[0]}, init {mean[1]}")
    print(
        f"    {a_id}: {a_applied1 - a_applied0:.0f} init events applied while the init was "
        f"published, {a_applied2 - a_applied1:.0f} more during the {window:.0f} s window "
        f"({(a_applied2 - a_applied1) / window:.1f}/s); {args.init_records - (a_applied2 - a_applied0):.0f} "
        f"still queued when the bench stopped"
    )
    print(
        f"    {a_id} Altior calls over {a_seconds:.0f} s: {use['requests']:.0f} "
        f"({use['request_rate']:.2f}/s), writes {use['writes']:.0f} ({use['write_rate']:.2f}/s), "
        f"statuses {dict(sorted(status.items()))}"
    )
    print(f"    {load.summary()}")
    cond = (
        f"1 worker, 3 tenants, {args.poll} s polls, {args.changes} edits/tenant/phase, "
        f"A's init {args.init_records} records; {load.summary()}"
    )
    tag = " [A's writes unpaced]" if args.unpaced else ""
    b_idle, b_init = stats[b_id]
    text, ratio = ratio_text(b_init, b_idle)
    emit_figure(
        f"P5 fairness{tag}: B p95 lag during A's init / idle (B on another partition)",
        f"{text} (idle p95 {b_idle.fmt(b_idle.p95)}, init p95 "
        f"{b_init.fmt(b_init.p95) if b_init.p95 is not None else f'> {args.wait:.0f} s'})",
        "<= 1.25", cond, met=ratio is not None and ratio <= 1.25,
    )  # fmt: skip
    c_idle, c_init = stats[c_id]
    text, ratio = ratio_text(c_init, c_idle)
    emit_figure(
        f"P5 fairness{tag}: same, tenant on A's partition",
        f"{text} (idle p95 {c_idle.fmt(c_idle.p95)})",
        "<= 1.25", cond, met=ratio is not None and ratio <= 1.25,
    )  # fmt: skip
    if args.altior_quota:
        emit_figure(
            f"P3 quota use: A's init, Altior {args.altior_quota} req/s quota",
            f"requests {use['request_rate'] / args.altior_quota:.2f} of quota, writes "
            f"{use['write_rate'] / args.altior_quota:.2f} of quota, {use['refused']:.0f} x 429",
            ">= 0.9 of quota, 0 x 429",
            f"first {a_seconds:.0f} s of a {args.init_records}-record import init (not to the end); {load.summary()}",
            met=use["write_rate"] / args.altior_quota >= 0.9 and use["refused"] == 0,
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer edits, shorter waits")
    parser.add_argument("--init-records", type=int, default=10_000)
    parser.add_argument("--companies", type=int, default=40, help="synced companies of B and C")
    parser.add_argument("--changes", type=int, default=20, help="edits per tenant and phase")
    parser.add_argument("--spacing", type=float, default=2.0, help="mean seconds between edits")
    parser.add_argument("--wait", type=float, default=90.0, help="censoring wait after the last edit")
    parser.add_argument("--poll", type=int, default=5, help="tenants' poll interval (s, >= 5)")
    parser.add_argument("--altior-quota", type=int, default=5, help="A's Altior quota, req/s (0 = none)")
    parser.add_argument(
        "--unpaced", action="store_true",
        help="no Altior quota for A and its client's pacer off (isolates queueing from quota waits)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.quick:
        args.changes, args.wait = min(args.changes, 10), min(args.wait, 45.0)
    if args.unpaced:
        args.altior_quota = 0
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
