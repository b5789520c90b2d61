"""P1 freshness with many tenants on one worker, and P2 API calls per synced change.

One worker (``create_worker``) serves ``--tenants`` tenants, each polling every
``--poll`` seconds (its tenant file's ``poll_interval_seconds``), Sellsy sandbox at
Sellsy's documented 5 requests/s per account.  After every tenant's first-start init
(``--companies`` companies each), their users edit companies in Sellsy at a steady
pace; each edit is timed until it shows in Altior (``LagProbe``: the Altior write's
own stamp minus the moment the edit was sent).

P1: lag p50/p95 and p95 / poll interval (target: p95 <= poll interval + 2 s).
P2: from both sandboxes' call logs over the same window, the worker's calls that are
not polls (reads and writes made to apply changes) per applied change (target <= 1.1),
and all its calls, polls included, per applied change.

    python bench/freshness.py [--quick] [--tenants 20] [--poll 5] [--changes 5]

Prints its conditions and figures; asserts nothing; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from common import (
    BenchTenant,
    LagProbe,
    Sandboxes,
    add_tenant,
    altior_calls,
    close_tenants,
    conditions_header,
    emit_figure,
    kafka_broker,
    lag_stats,
    last_id,
    run_lag_phase,
    running_worker,
    sandboxes,
    sellsy_calls,
    wait_live,
)


def is_poll(system: str, call: dict[str, Any]) -> bool:
    """A poller's (or token) call: what a tenant costs with no change at all."""
    path = str(call["path"])
    if system == "sellsy":
        return "/search" in path or "/oauth2/" in path
    parts = [p for p in path.split("/") if p]
    return call["method"] == "GET" and not parts[-1].isdigit()  # a listing, not one record


async def call_counts(
    boxes: Sandboxes, tenants: list[BenchTenant], marks: dict[str, tuple[int, int]]
) -> tuple[Counter[str], dict[str, tuple[int, int]]]:
    """Calls of the worker's clients since ``marks``, by kind; and the new marks."""
    counts: Counter[str] = Counter()
    new_marks: dict[str, tuple[int, int]] = {}
    for tenant in tenants:
        seq, after = marks.get(tenant.id, (0, 0))
        sellsy = await sellsy_calls(boxes, tenant, since=seq)
        altior = await altior_calls(boxes, tenant.worker_altior_key, after_id=after)
        for system, calls in (("sellsy", sellsy), ("altior", altior)):
            for call in calls:
                kind = "poll" if is_poll(system, call) else "sync"
                counts[f"{system} {kind}"] += 1
                if call["status"] == 429:
                    counts["429"] += 1
                if kind == "sync":
                    counts[f"{system} {call['method']}"] += 1
        new_marks[tenant.id] = (last_id(sellsy, "seq", seq), last_id(altior, "id", after))
    return counts, new_marks


async def main(args: argparse.Namespace) -> None:
    load = conditions_header(f"P1 freshness: sync lag with {args.tenants} tenants on one worker")
    tmp = Path(tempfile.mkdtemp(prefix="bench-freshness-"))
    tenants: list[BenchTenant] = []
    prefix = f"bfr{uuid.uuid4().hex[:8]}"
    try:
        async with kafka_broker(tmp) as bootstrap, sandboxes(tmp / "sandboxes") as boxes:
            ids: dict[str, list[str]] = {}
            for n in range(args.tenants):
                tenant = await add_tenant(
                    boxes, tmp / "tenants", f"fresh-{n:03d}", poll_interval_seconds=args.poll
                )
                seeded = await boxes.sellsy.seed(
                    tenant.sellsy_account, generate={"companies": args.companies}
                )
                ids[tenant.id] = [str(i) for i in seeded["companies"]]
                tenants.append(tenant)
            print(
                f"  set-up  : {args.tenants} tenants, {args.companies} companies each, poll "
                f"interval {args.poll} s; Sellsy sandbox quota 5 req/s per account, Altior none "
                f"(the worker paces Altior at 10 req/s per tenant); both sandboxes in their own "
                f"processes; worker in this process",
                flush=True,
            )
            async with running_worker(bootstrap, prefix, tmp, tenants, ready_timeout=600) as (
                _app,
                runtime,
            ):
                live = await wait_live(runtime, [t.id for t in tenants], limit=600)
                probes = [LagProbe(t, ids[t.id]) for t in tenants]
                deadline = time.monotonic() + 600
                for probe in probes:
                    while not set(probe.company_ids) <= await probe.linked():
                        if time.monotonic() > deadline:
                            raise TimeoutError(
                                f"{probe.tenant.id}'s companies never reached Altior"
                            )
                        await asyncio.sleep(1)
                    await probe.scan()
                synced = time.monotonic()
                print(
                    f"  worker  : all tenants live after {live:.0f} s; initial loads done; "
                    f"settling {args.poll * 2} s",
                    flush=True,
                )
                await asyncio.sleep(args.poll * 2)  # echoes of the init writes pass
                _, marks = await call_counts(boxes, tenants, {})
                # a quiet window: what tenants cost with no change at all
                quiet_start = time.monotonic()
                await asyncio.sleep(args.quiet)
                quiet, marks = await call_counts(boxes, tenants, marks)
                quiet_seconds = time.monotonic() - quiet_start
                window_start, cpu_start = time.monotonic(), time.process_time()
                spacing = args.interval * args.tenants
                print(
                    f"  edits   : {args.changes} per tenant, one edit somewhere every "
                    f"~{args.interval:.2f} s ({args.changes * args.tenants} in all) ...",
                    flush=True,
                )
                changes = await run_lag_phase(
                    probes,
                    changes_per_probe=args.changes,
                    spacing=spacing,
                    wait=args.wait,
                    label="fresh",
                )
                await asyncio.sleep(args.poll * 2)  # the echoes of the last writes
                window = time.monotonic() - window_start
                cpu = (time.process_time() - cpu_start) / window
                busy, marks = await call_counts(boxes, tenants, marks)
        all_changes = [c for per in changes.values() for c in per]
        stats = lag_stats(all_changes, args.wait)
        applied = stats.seen
        summary = load.summary()
        print("  results (lag = Sellsy edit sent -> Altior record written, measured from outside):")
        print(f"    lag: {stats.line()}")
        worst = sorted((c.lag for c in all_changes if c.lag is not None), reverse=True)[:5]
        print(f"    five slowest: {', '.join(f'{w:.2f} s' for w in worst)}")
        poll_rate = (quiet["sellsy poll"] + quiet["altior poll"]) / quiet_seconds
        print(
            f"    quiet {quiet_seconds:.0f} s: {poll_rate:.1f} poll calls/s for {args.tenants} "
            f"tenants ({poll_rate / args.tenants * 60:.1f} per tenant-minute), sync calls "
            f"{quiet['sellsy sync'] + quiet['altior sync']}, 429s {quiet['429']}"
        )
        sync_calls = busy["sellsy sync"] + busy["altior sync"]
        polls = busy["sellsy poll"] + busy["altior poll"]
        extra_polls = max(0.0, polls - poll_rate * window)
        detail = ", ".join(
            f"{k} {v}"
            for k, v in sorted(busy.items())
            if k.split()[-1] not in ("poll", "sync", "429")
        )
        print(
            f"    edit window {window:.0f} s: {applied} changes applied; worker calls: sync "
            f"{sync_calls} ({detail}), polls {polls}, 429s {busy['429']}"
        )
        print(
            f"    this process (worker + probe) used {cpu:.2f} cores during the edit window "
            f"(one event loop: 1 core at most)"
        )
        print(f"    {summary}")
        cond = (
            f"{args.tenants} tenants at {args.poll} s polls on 1 worker, {len(all_changes)} edits "
            f"(~1 every {args.interval:.2f} s), Sellsy at 5 req/s per account; {summary}"
        )
        target = args.poll + 2
        p95 = stats.p95
        p95_text = stats.fmt(p95) if p95 is not None else f"> {args.wait:.0f} s"
        never = f", {stats.censored} never applied" if stats.censored else ""
        emit_figure(
            f"P1 freshness: lag p50 / p95 ({args.tenants} tenants, {args.poll} s polls)",
            f"p50 {stats.fmt(stats.p50)}, p95 {p95_text}{never}",
            f"p95 <= {target} s", cond, met=p95 is not None and p95 <= target,
        )  # fmt: skip
        emit_figure(
            "P1 freshness: lag p95 / poll interval",
            f"{p95 / args.poll:.2f}" if p95 is not None else "n/a",
            f"<= {target / args.poll:.2f}", cond, met=p95 is not None and p95 <= target,
        )  # fmt: skip
        if applied:
            emit_figure(
                "P2 API efficiency: worker calls (polls excluded) per synced change",
                f"{sync_calls / applied:.2f} ({detail})",
                "<= 1.1 (limit 1.0)", cond, met=sync_calls / applied <= 1.1,
            )  # fmt: skip
            emit_figure(
                "P2 (context): all worker calls per synced change, polls included",
                f"{(sync_calls + polls) / applied:.1f} (of which polls beyond the quiet rate: "
                f"{extra_polls / applied:.2f})",
                "-", cond,
            )  # fmt: skip
        del synced
    finally:
        await close_tenants(tenants)
        shutil.rmtree(tmp, ignore_errors=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 tenants, 3 edits each")
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--companies", type=int, default=10, help="companies per tenant")
    parser.add_argument("--poll", type=int, default=5, help="tenants' poll interval (s, >= 5)")
    parser.add_argument("--changes", type=int, default=5, help="edits per tenant")
    parser.add_argument(
        "--interval", type=float, default=0.5, help="mean seconds between two edits"
    )
    parser.add_argument(
        "--quiet", type=float, default=30.0, help="seconds without edits, for the poll rate"
    )
    parser.add_argument(
        "--wait", type=float, default=60.0, help="censoring wait after the last edit"
    )
    args = parser.parse_args()
    if args.quick:
        args.tenants, args.changes, args.quiet = min(args.tenants, 10), min(args.changes, 3), 15.0
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
