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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import (
    PARTITIONS,
    BenchTenant,
    Change,
    LagProbe,
    LagStats,
    MachineLoad,
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
    b = next(
        f"bravo-live-{i}" for i in range(100) if partition_of(f"bravo-live-{i}", PARTITIONS) != home
    )
    c = next(
        f"charlie-live-{i}"
        for i in range(100)
        if partition_of(f"charlie-live-{i}", PARTITIONS) == home
    )
    return a, b, c


async def seed_old_companies(boxes: Sandboxes, tenant: BenchTenant, count: int) -> float:
    """``count`` companies last changed two days ago (out of every live poll window)."""
    started = time.monotonic()
    stamp = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for first in range(0, count, 1000):
        batch = [
            company(n, updated_at=stamp, prefix="Init")
            for n in range(first, min(count, first + 1000))
        ]
        await boxes.sellsy.seed(tenant.sellsy_account, companies=batch)
    return time.monotonic() - started


async def run_init_cli(
    bootstrap: str, prefix: str, tenants_dir: Path, tenant: str, log: Path, limit: float
) -> tuple[int, float]:
    """``sync-streams init --job thirdPartyAll`` in its own process; (exit code, seconds)."""
    started = time.monotonic()
    env = {
        **os.environ,
        "SYNC_STREAMS_TOPIC_PARTITIONS": str(PARTITIONS),
        "SYNC_STREAMS_LOG_LEVEL": "WARNING",
    }
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sync_streams", "init", "--tenant", tenant,
            "--job", "thirdPartyAll", "--broker", f"kafka://{bootstrap}",
            "--tenants", str(tenants_dir), "--prefix", prefix,
            stdout=out, stderr=asyncio.subprocess.STDOUT, env=env,
        )  # fmt: skip
        try:
            code = await asyncio.wait_for(process.wait(), limit)
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


def write_phase(calls: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float]:
    """The calls from the backfill's first write on, and how long that phase lasted.

    An import init matches both sides on SIRET before it publishes anything, so its
    first seconds only list records: the quota's use by the backfill's writes is
    measured from its first write to the last call logged.
    """
    from datetime import datetime

    first = next((i for i, c in enumerate(calls) if c["method"] == "POST"), None)
    if first is None or first == len(calls) - 1:
        return [], 0.0
    phase = calls[first:]
    start = datetime.fromisoformat(str(phase[0]["at"]).replace("Z", "+00:00"))
    end = datetime.fromisoformat(str(phase[-1]["at"]).replace("Z", "+00:00"))
    return phase, (end - start).total_seconds()


def refusals(calls: list[dict[str, Any]]) -> list[str]:
    """Each 429: when, which call, and the calls logged in the second before it (what
    the server's sliding window counted), by method and API key."""
    from datetime import datetime

    def at(call: dict[str, Any]) -> float:
        return datetime.fromisoformat(str(call["at"]).replace("Z", "+00:00")).timestamp()

    if not calls:
        return []
    start = at(calls[0])
    lines = []
    for call in calls:
        if call["status"] != 429:
            continue
        moment = at(call)
        window = [c for c in calls if moment - 1.0 <= at(c) < moment]
        kinds = Counter(f"{c['method']} key {c.get('key_id')}" for c in window)
        lines.append(
            f"429 at +{moment - start:.2f} s: {call['method']} {call['path']} "
            f"(key {call.get('key_id')}); the second before: {len(window)} calls {dict(kinds)}"
        )
    return lines


def ratio_text(during: LagStats, idle: LagStats) -> tuple[str, float | None]:
    if idle.p95 is None or idle.p95 <= 0:
        return "n/a (no idle p95)", None
    if during.p95 is None:
        bound = during.censored_at / idle.p95
        return f"> {bound:.1f} (p95 not reached within {during.censored_at:.0f} s)", None
    ratio = during.p95 / idle.p95
    return f"{ratio:.2f}", ratio


def applied(runtime: Any, tenant: str) -> float:
    labels = {"tenant": tenant, "direction": "import", "outcome": "applied"}
    return metric(runtime, "sync_streams_events_total", **labels)


@dataclass
class Measured:
    """What one run measured, for the report."""

    phases: dict[str, dict[str, list[Change]]] = field(default_factory=dict)
    histograms: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    a_applied: list[float] = field(default_factory=list)
    window: float = 0.0
    init_seconds: float = 0.0
    a_calls: list[dict[str, Any]] = field(default_factory=list)


def describe_set_up(args: argparse.Namespace, a_id: str, b_id: str, c_id: str) -> None:
    where = {t: partition_of(t, PARTITIONS) for t in (a_id, b_id, c_id)}
    a_pacing = f"no limit for {a_id} (--unpaced), " if args.unpaced else ""
    print(
        f"  set-up  : tenants {a_id} (partition {where[a_id]}), {b_id} (partition "
        f"{where[b_id]}), {c_id} (partition {where[c_id]}); poll interval {args.poll} s; "
        f"Sellsy sandbox quota 5 req/s per account (worker paces at 5/s); Altior: worker "
        f"client paces at {a_pacing}10 req/s per tenant, sandbox quota "
        f"{args.altior_quota or 'none'} req/s on {a_id}, none on the others; both sandboxes "
        f"in their own processes; company filter off (every company syncs)",
        flush=True,
    )


async def synced(probes: list[LagProbe], limit: float) -> None:
    """Wait until every probed company has its Altior counterpart; cursors at the end."""
    deadline = time.monotonic() + limit
    for probe in probes:
        while not set(probe.company_ids) <= await probe.linked():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{probe.tenant.id}'s companies never reached Altior")
            await asyncio.sleep(1)
        await probe.scan()


async def measure(
    args: argparse.Namespace, bootstrap: str, boxes: Sandboxes, tmp: Path,
    tenants: list[BenchTenant], ids: dict[str, list[str]],
) -> Measured:  # fmt: skip
    a, b, c = tenants
    prefix = f"bf{uuid.uuid4().hex[:8]}"
    out = Measured()
    async with running_worker(bootstrap, prefix, tmp, tenants) as (app, runtime):
        if args.unpaced:  # A's writes as fast as the CPU allows: queueing alone
            pacer = runtime.tenants.get(a.id).altior.pacer
            pacer.per_second = pacer.per_minute = None
        live = await wait_live(runtime, [t.id for t in tenants], limit=300)
        probes = [LagProbe(b, ids[b.id]), LagProbe(c, ids[c.id])]
        await synced(probes, 300)
        seeded_in = await seed_old_companies(boxes, a, args.init_records)
        print(
            f"  worker  : in this process, Faust stream buffer "
            f"{app.conf.stream_buffer_maxsize} events, sync agent concurrency 1; tenants live "
            f"after {live:.0f} s; {args.companies} companies each for {b.id}/{c.id} synced; "
            f"{args.init_records} companies seeded for {a.id} in {seeded_in:.0f} s",
            flush=True,
        )

        def histograms() -> dict[str, tuple[float, float]]:
            return {t.id: lag_histogram(runtime, t.id) for t in (b, c)}

        async def phase(label: str) -> None:
            out.phases[label] = await run_lag_phase(
                probes, changes_per_probe=args.changes, spacing=args.spacing,
                wait=args.wait, label=label,
            )  # fmt: skip
            out.histograms[label] = histograms()

        print(
            f"  phase idle: {args.changes} edits per tenant, ~1 every {args.spacing} s", flush=True
        )
        out.histograms["start"] = histograms()
        await phase("idle")
        out.a_applied.append(applied(runtime, a.id))
        calls_before = last_id(await altior_calls(boxes, a.worker_altior_key), "id", 0)
        print(f"  phase init: sync-streams init --tenant {a.id} --job thirdPartyAll", flush=True)
        log = tmp / "init.log"
        code, out.init_seconds = await run_init_cli(
            bootstrap, prefix, tmp / "tenants", a.id, log, limit=600
        )
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
        print(f"    published in {out.init_seconds:.0f} s (exit {code}): {tail[0]}", flush=True)
        started = time.monotonic()
        out.a_applied.append(applied(runtime, a.id))
        await phase("init")
        out.window = time.monotonic() - started
        out.a_applied.append(applied(runtime, a.id))
        out.a_calls = await altior_calls(boxes, a.worker_altior_key, after_id=calls_before)
    return out


async def main(args: argparse.Namespace) -> None:
    title = "P5 fairness: a tenant's sync lag while another tenant's 10,000-record init runs"
    load = conditions_header(title)
    tmp = Path(tempfile.mkdtemp(prefix="bench-fairness-"))
    a_id, b_id, c_id = pick_ids()
    tenants: list[BenchTenant] = []
    try:
        async with kafka_broker(tmp) as bootstrap, sandboxes(tmp / "sandboxes") as boxes:
            for tenant_id in (a_id, b_id, c_id):
                tenants.append(
                    await add_tenant(
                        boxes, tmp / "tenants", tenant_id, poll_interval_seconds=args.poll
                    )
                )
            ids: dict[str, list[str]] = {}
            for t in tenants[1:]:
                seeded = await boxes.sellsy.seed(
                    t.sellsy_account, generate={"companies": args.companies}
                )
                ids[t.id] = [str(i) for i in seeded["companies"]]
            if args.altior_quota:
                await boxes.altior.set_quotas(
                    tenants[0].worker_altior_key, per_second=args.altior_quota
                )
            describe_set_up(args, a_id, b_id, c_id)
            measured = await measure(args, bootstrap, boxes, tmp, tenants, ids)
        report(args, load, (a_id, b_id, c_id), measured)
    finally:
        await close_tenants(tenants)
        shutil.rmtree(tmp, ignore_errors=True)


def report(
    args: argparse.Namespace, load: MachineLoad, ids: tuple[str, str, str], m: Measured
) -> None:
    a_id, b_id, c_id = ids
    print("  results (lag = Sellsy edit sent -> Altior record written, measured from outside):")
    stats: dict[str, tuple[LagStats, LagStats]] = {}
    for tenant, where in ((b_id, "other partition"), (c_id, "same partition as A")):
        s_idle = lag_stats(m.phases["idle"][tenant], args.wait)
        s_init = lag_stats(m.phases["init"][tenant], args.wait)
        stats[tenant] = (s_idle, s_init)
        mean = []
        for before, after in (("start", "idle"), ("idle", "init")):
            n = m.histograms[after][tenant][0] - m.histograms[before][tenant][0]
            total = m.histograms[after][tenant][1] - m.histograms[before][tenant][1]
            mean.append(f"{total / n:.2f} s over {n:.0f}" if n else "none")
        print(f"    {tenant} ({where}):")
        print(f"      A idle   : {s_idle.line()}")
        print(f"      A init   : {s_init.line()}")
        print(f"      worker's lag histogram (mean; Sellsy 1 s stamps): {' / '.join(mean)}")
    during_publish = m.a_applied[1] - m.a_applied[0]
    during_window = m.a_applied[2] - m.a_applied[1]
    left = args.init_records - (m.a_applied[2] - m.a_applied[0])
    print(
        f"    {a_id}: {during_publish:.0f} init events applied while the init was published, "
        f"{during_window:.0f} during the {m.window:.0f} s window "
        f"({during_window / m.window:.1f}/s); "
        f"{left:.0f} still queued when the bench stopped"
    )
    seconds = m.init_seconds + m.window
    use = quota_use(m.a_calls, float(args.altior_quota or 10), seconds)
    status = Counter(int(c["status"]) for c in m.a_calls)
    print(
        f"    {a_id} Altior calls over {seconds:.0f} s: {use['requests']:.0f} "
        f"({use['request_rate']:.2f}/s), writes {use['writes']:.0f} ({use['write_rate']:.2f}/s), "
        f"statuses {dict(sorted(status.items()))}"
    )
    for line in refusals(m.a_calls):
        print(f"    {line}")
    summary = load.summary()
    print(f"    {summary}")
    cond = (
        f"1 worker, 3 tenants, {args.poll} s polls, {args.changes} edits/tenant/phase, "
        f"A's init {args.init_records} records; {summary}"
    )
    tag = " [A's writes unpaced]" if args.unpaced else ""
    b_idle, b_init = stats[b_id]
    text, ratio = ratio_text(b_init, b_idle)
    init_p95 = b_init.fmt(b_init.p95) if b_init.p95 is not None else f"> {args.wait:.0f} s"
    emit_figure(
        f"P5 fairness{tag}: B p95 lag during A's init / idle (B on another partition)",
        f"{text} (idle p95 {b_idle.fmt(b_idle.p95)}, init p95 {init_p95})",
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
        quota = args.altior_quota
        emit_figure(
            f"P3 quota use: A's init, Altior {quota} req/s quota",
            f"requests {use['request_rate'] / quota:.2f} of quota, writes "
            f"{use['write_rate'] / quota:.2f} of quota, {use['refused']:.0f} x 429",
            ">= 0.9 of quota, 0 x 429",
            f"first {seconds:.0f} s of a {args.init_records}-record import init; {summary}",
            met=use["write_rate"] / quota >= 0.9 and use["refused"] == 0,
        )
        phase, span = write_phase(m.a_calls)
        if span > 0:
            during = quota_use(phase, float(quota), span)
            emit_figure(
                f"P3 quota use during the backfill's writes: A, Altior {quota} req/s quota",
                f"requests {during['request_rate'] / quota:.2f} of quota, writes "
                f"{during['write_rate'] / quota:.2f} of quota, {during['refused']:.0f} x 429",
                ">= 0.9 of quota, 0 x 429",
                f"{span:.0f} s from the init's first write; {summary}",
                met=during["write_rate"] / quota >= 0.9 and during["refused"] == 0,
            )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer edits, shorter waits")
    parser.add_argument("--init-records", type=int, default=10_000)
    parser.add_argument("--companies", type=int, default=40, help="synced companies of B and C")
    parser.add_argument("--changes", type=int, default=20, help="edits per tenant and phase")
    parser.add_argument("--spacing", type=float, default=2.0, help="mean seconds between edits")
    parser.add_argument(
        "--wait", type=float, default=90.0, help="censoring wait after the last edit"
    )
    parser.add_argument("--poll", type=int, default=5, help="tenants' poll interval (s, >= 5)")
    parser.add_argument(
        "--altior-quota", type=int, default=5, help="A's Altior quota, req/s (0 = none)"
    )
    parser.add_argument(
        "--unpaced", action="store_true",
        help="no Altior quota for A, its client's pacer off (queueing without quota waits)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.quick:
        args.changes, args.wait = min(args.changes, 10), min(args.wait, 45.0)
    if args.unpaced:
        args.altior_quota = 0
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
