"""Benchmark: the Sellsy sandbox's requests/s for a full listing of N companies.

The sandbox runs as ``sync-streams sandbox sellsy`` in its own process (or in
this event loop with ``--in-process``), N companies are seeded through
``/_admin``, the account's quotas are off, and one plain httpx client (no spec
checks, no pacing) lists every company with ``POST /companies/search`` and the
seek cursor, page after page, in each configured order.  The figure is what the
sandbox serves, not what Sellsy's quotas would allow (5/s documented).

    python bench/sellsy_sandbox_throughput.py                # 10,000 companies, 3 runs
    python bench/sellsy_sandbox_throughput.py --embed --runs 5 --limit 50

Prints its conditions and figures; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.support (the sandbox runners)

import httpx  # noqa: E402
from tests.support.sellsy_sandbox import (  # noqa: E402
    SandboxHandle,
    running_sellsy_sandbox,
    running_sellsy_sandbox_process,
)


async def list_all(
    api: httpx.AsyncClient, limit: int, order: str, embed: list[str]
) -> tuple[int, int, list[float]]:
    """(requests, records, per-request seconds) for one full listing."""
    offset: str | None = None
    requests = records = 0
    durations: list[float] = []
    while True:
        params: list[tuple[str, str | int | float | bool | None]] = [
            ("limit", limit),
            ("order", order),
        ]
        params += [("embed[]", e) for e in embed]
        if offset:
            params.append(("offset", offset))
        started = time.perf_counter()
        answer = await api.post("/companies/search", params=params, json={"filters": {}})
        body: dict[str, Any] = answer.json()
        durations.append(time.perf_counter() - started)
        answer.raise_for_status()
        requests += 1
        records += body["pagination"]["count"]
        if body["pagination"]["count"] < limit:
            return requests, records, durations
        offset = body["pagination"]["offset"]


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        runner = (
            running_sellsy_sandbox(db) if args.in_process else running_sellsy_sandbox_process(db)
        )
        async with runner as sandbox:
            await measure(sandbox, args)


async def measure(sandbox: SandboxHandle, args: argparse.Namespace) -> None:
    client_id, secret, account_id = await sandbox.create_account("Bench", per_second=0)
    started = time.perf_counter()
    await sandbox.seed(account_id, generate={"companies": args.companies})
    seeded = time.perf_counter() - started
    embed: list[str] = []
    token = await sandbox.token(client_id, secret)
    async with httpx.AsyncClient(
        base_url=sandbox.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as api:
        if args.embed:
            fields = (await api.get("/custom-fields")).json()["data"]
            sync = next(f for f in fields if f["code"] == "synchronisation-altior")
            embed = [f"cf.{sync['id']}"]
        print("Sellsy sandbox throughput")
        print(
            f"  python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs"
        )
        mode = "in-process (same event loop)" if args.in_process else "separate process"
        print(f"  sandbox: {mode}; quotas off; no faults; SQLite WAL in a temp dir")
        print(f"  data: {args.companies} companies (seeded in {seeded:.2f} s via /_admin)")
        print(
            f"  listing: POST /companies/search, limit {args.limit}, seek cursor, "
            f"embed {embed or 'none'}, {args.runs} run(s) per order, one client, sequential"
        )
        for order in args.orders:
            rates, record_rates, all_durations = [], [], []
            for _ in range(args.runs):
                began = time.perf_counter()
                requests, records, durations = await list_all(api, args.limit, order, embed)
                elapsed = time.perf_counter() - began
                assert records == args.companies, (records, args.companies)
                rates.append(requests / elapsed)
                record_rates.append(records / elapsed)
                all_durations += durations
            all_durations.sort()
            p50 = all_durations[len(all_durations) // 2] * 1000
            p95 = all_durations[int(len(all_durations) * 0.95)] * 1000
            print(
                f"  order={order:<10} {statistics.median(rates):7.1f} requests/s "
                f"(min {min(rates):.1f}, max {max(rates):.1f}), "
                f"{statistics.median(record_rates):8.0f} records/s, "
                f"page latency p50 {p50:.1f} ms, p95 {p95:.1f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--orders", nargs="+", default=["id", "updated_at"])
    parser.add_argument("--embed", action="store_true", help="embed[]=cf.<Synchronisation Altior>")
    parser.add_argument("--in-process", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
