"""Benchmark: the Sellsy client's records/s for a full listing of N companies.

The sandbox (``sync-streams sandbox sellsy``) runs as a separate process by
default, so client and server do not share an event loop; quotas are off and the
client's pacer is off, so the figure is the client + sandbox throughput, not
Sellsy's quota.  Every run lists all companies with seek pagination at the given
page size (optionally embedding one custom field, as the poller does).

    python bench/sellsy_client_listing.py                 # 10,000 companies, 3 runs
    python bench/sellsy_client_listing.py --embed --runs 5
    python bench/sellsy_client_listing.py --in-process    # sandbox in this event loop

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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.support (the sandbox runner)

import httpx  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from tests.support.sellsy_sandbox import (  # noqa: E402
    SandboxHandle,
    running_sellsy_sandbox,
    running_sellsy_sandbox_process,
)

from sync_streams.http import QuotaPacer, RetryPolicy  # noqa: E402
from sync_streams.sellsy import MalformedSellsyRecord, SellsyClient  # noqa: E402


class TimingTransport(httpx.AsyncBaseTransport):
    """Times each exchange (request sent -> body read)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.durations: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.durations.append(time.perf_counter() - start)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def one_run(
    sandbox: SandboxHandle, client_id: str, secret: str, page_size: int, cf_ids: list[int]
) -> tuple[int, int, float, float, list[float]]:
    transport = TimingTransport()
    async with SellsyClient(
        base_url=sandbox.base_url,
        token_url=sandbox.token_url,
        client_id=client_id,
        client_secret=SecretStr(secret),
        transport=transport,
        pacer=QuotaPacer(None),
        retry=RetryPolicy(),
        page_size=page_size,
    ) as client:
        await client.list_pipelines()  # token fetched and connection opened outside the timing
        calls_before = client.stats.calls
        transport.durations.clear()
        records = bad = 0
        cpu = time.process_time()
        start = time.perf_counter()
        async for item in client.iter_companies(custom_field_ids=cf_ids):
            if isinstance(item, MalformedSellsyRecord):
                bad += 1
            else:
                records += 1
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        calls = client.stats.calls - calls_before
    if bad:
        print(f"  ! {bad} malformed records")
    return records, calls, elapsed, cpu, transport.durations


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="sellsy-bench-") as tmp:
        db = Path(tmp) / "sellsy.db"
        runner = running_sellsy_sandbox if args.in_process else running_sellsy_sandbox_process
        async with runner(db) as sandbox:
            client_id, secret, account_id = await sandbox.create_account(
                "Bench", per_second=0, per_minute=0
            )
            seed_start = time.perf_counter()
            await sandbox.seed(account_id, generate={"companies": args.records})
            seeded_in = time.perf_counter() - seed_start
            cf_ids: list[int] = []
            if args.embed:
                async with SellsyClient(
                    base_url=sandbox.base_url,
                    token_url=sandbox.token_url,
                    client_id=client_id,
                    client_secret=SecretStr(secret),
                    pacer=QuotaPacer(None),
                ) as setup:
                    fields = await setup.search_custom_fields(related_object="client")
                    cf_ids = [next(f.id for f in fields if f.type == "boolean")]

            print("Sellsy client listing benchmark")
            print(f"  records      : {args.records} companies (seeded in {seeded_in:.1f} s)")
            where = "in this process/event loop" if args.in_process else "separate process"
            print(f"  sandbox      : {where}, aiosqlite file in a temp dir, quotas off")
            embed = f"embed[]=cf.{cf_ids[0]}" if cf_ids else "none"
            print(f"  client       : page size {args.page_size}, pacer off, custom fields: {embed}")
            print(
                f"  machine      : Python {platform.python_version()}, httpx {httpx.__version__},"
                f" {os.cpu_count()} CPUs (shared with other work), {platform.platform()}"
            )
            rates = []
            for run in range(1, args.runs + 1):
                records, calls, elapsed, cpu, durations = await one_run(
                    sandbox, client_id, secret, args.page_size, cf_ids
                )
                rate = records / elapsed
                rates.append(rate)
                print(
                    f"  run {run}: {records} records in {elapsed:.2f} s -> {rate:,.0f} records/s;"
                    f" {calls} calls -> {calls / elapsed:.1f} calls/s;"
                    f" call p50 {percentile(durations, 0.5) * 1000:.0f} ms,"
                    f" p95 {percentile(durations, 0.95) * 1000:.0f} ms;"
                    f" client CPU {cpu:.2f} s ({cpu / elapsed:.0%} of wall)"
                )
            print(
                f"  records/s    : median {statistics.median(rates):,.0f},"
                f" best {max(rates):,.0f} over {len(rates)} run(s)"
            )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--embed", action="store_true", help="embed one custom field per record")
    parser.add_argument("--in-process", action="store_true", help="sandbox in this event loop")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
