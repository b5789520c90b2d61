"""End-to-end import: records/s and API calls per synced record, through the real stack.

N flagged Sellsy companies (channels, SIRET, as in real data) are seeded in the
Sellsy sandbox; a worker starts with one tenant whose first start runs the initial
load (``thirdPartyAll``: scan both sides, SIRET matching, events on the change
topic) and the sync agent writes every company to Altior.  Everything is real
except the two APIs: Kafka (one local KRaft node), both sandboxes as separate
processes over HTTP, the worker's Faust app as ``sync-streams worker`` assembles it
(here in this process, so that its clients' pacers can be switched off).

Quotas are off everywhere: the Sellsy account's and the Altior tenant's windows,
and the worker's own pacers (Sellsy 5 calls/s per account, Altior 10 calls/s by
default); with them on, the import is bounded by the pacers, not by the sync.

Figures (from the sandboxes' call logs of the worker's own credentials, and the
worker's metrics):

* records/s: N / (worker ready -> the N-th import applied), initial scan included;
* API calls per synced record, per API and per kind of call, until the N-th
  import was applied, and again once the worker's own writes came back as echoes
  (the Altior poller reads the N new third parties once more).

    python bench/e2e_import.py [--records 10000] [--timeout 3600]

Prints its conditions and figures; asserts nothing; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from common import (
    PARTITIONS,
    BenchTenant,
    Sandboxes,
    add_tenant,
    close_tenants,
    company,
    conditions_header,
    emit_figure,
    kafka_broker,
    metric,
    sandboxes,
)

from sync_streams.app import create_worker
from sync_streams.config import ServiceSettings
from sync_streams.kafka.admin import apply_topology
from sync_streams.kafka.declarations import load_topology
from sync_streams.ports import free_port
from sync_streams.runtime.registry import TenantRegistry

TENANT = "bench-import"
FLAG = "Synchronisation Altior"
SEED_CHUNK = 2000


async def seed(boxes: Sandboxes, tenant: BenchTenant, records: int) -> list[int]:
    """N companies with channels and a SIRET, every one flagged for Altior."""
    flag = next(d.id for d in await tenant.sellsy.search_custom_fields() if d.name == FLAG)
    ids: list[int] = []
    for start in range(1, records + 1, SEED_CHUNK):
        bodies = [company(n) for n in range(start, min(records, start + SEED_CHUNK - 1) + 1)]
        made = await boxes.sellsy.seed(tenant.sellsy_account, companies=bodies)
        chunk: list[int] = made["companies"]
        await boxes.sellsy.seed(
            tenant.sellsy_account,
            custom_field_values=[
                {"object": "company", "id": i, "values": [{"id": flag, "value": True}]}
                for i in chunk
            ],
        )
        ids += chunk
    return ids


def _kind(method: str, path: str) -> str:
    """A call's kind for the breakdown: method and path with ids folded."""
    path = re.sub(r"/\d+", "/{id}", path.split("?")[0])
    path = re.sub(r"^.*/(v2|api/v1)", "", path)
    return f"{method} {path}"


async def _sellsy_calls(boxes: Sandboxes, client_id: str) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    since = 0
    while True:
        page = await boxes.sellsy.calls(client_id=client_id, since=since)
        if not page:
            return calls
        calls += page
        since = page[-1]["seq"]


async def _altior_calls(boxes: Sandboxes, api_key: str) -> list[dict[str, Any]]:
    tenant_id, key_id = boxes.altior.keys[api_key]
    calls: list[dict[str, Any]] = []
    while True:
        after = calls[-1]["id"] if calls else 0
        response = await boxes.altior.admin.get(
            f"/_admin/tenants/{tenant_id}/calls",
            params={"key_id": key_id, "after_id": after, "limit": 10_000},
        )
        page: list[dict[str, Any]] = response.json()["items"]
        if not page:
            return calls
        calls += page


async def worker_calls(boxes: Sandboxes, tenant: BenchTenant) -> tuple[Counter[str], Counter[str]]:
    """The worker's calls so far (its own credentials), per kind, on Sellsy and on Altior."""
    sellsy = await _sellsy_calls(boxes, tenant.worker_client_id)
    altior = await _altior_calls(boxes, tenant.worker_altior_key)
    return (
        Counter(_kind(c["method"], c["path"]) for c in sellsy if "/oauth2/" not in c["path"]),
        Counter(_kind(c["method"], c["path"]) for c in altior),
    )


def show_calls(label: str, calls: tuple[Counter[str], Counter[str]], records: int) -> float:
    sellsy, altior = calls
    total = sum(sellsy.values()) + sum(altior.values())
    print(f"  API calls {label}: {total:,} = {total / records:.2f} per synced record")
    for system, counter in (("Sellsy", sellsy), ("Altior", altior)):
        print(f"    {system}: {sum(counter.values()):,}")
        for kind, count in counter.most_common():
            print(f"      {count:>7,}  {count / records:6.3f}/record  {kind}")
    return total / records


async def run(records: int, limit: float, workdir: Path) -> None:
    load = conditions_header(f"E2E import: {records:,} Sellsy companies -> Altior, quotas off")
    async with kafka_broker(workdir) as bootstrap, sandboxes(workdir / "sandboxes") as boxes:
        tenant = await add_tenant(
            boxes, workdir / "tenants", TENANT, company_filter_field=FLAG, poll_interval_seconds=5
        )
        try:
            await boxes.sellsy.set_quota(tenant.sellsy_account, per_second=0, per_minute=0)
            seeded_at = time.monotonic()
            ids = await seed(boxes, tenant, records)
            took = time.monotonic() - seeded_at
            print(
                f"  seeded  : {len(ids):,} flagged companies in {took:.1f} s"
                " (admin seed, not timed below)"
            )
            print(
                "  setup   : one tenant (one partition: its events are handled one at a time),"
                " both flows on, initial load with SIRET matching (Altior empty), poll every 5 s;"
                " sandboxes in their own processes, worker in this one"
            )
            await measure(bootstrap, boxes, tenant, ids, limit)
        finally:
            await close_tenants([tenant])
    print(f"  load    : {load.summary()}")


async def measure(
    bootstrap: str, boxes: Sandboxes, tenant: BenchTenant, ids: list[int], limit: float
) -> None:
    records = len(ids)
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    kafka_url = f"kafka://{bootstrap}"
    topology = load_topology(prefix=prefix, partitions=PARTITIONS)
    await apply_topology(kafka_url, topology)
    settings = ServiceSettings.load(
        broker=kafka_url,
        app_id=prefix,
        web_port=free_port(),
        data_dir=tenant.path.parent.parent / "worker",
        topic_partitions=PARTITIONS,
        log_level="WARNING",
    )
    registry = TenantRegistry(sellsy_per_second=0)  # 0: no pacing
    runtime_tenant = registry.add(tenant.config)
    runtime_tenant.altior.pacer.per_second = None  # Altior pacer off too
    runtime_tenant.sellsy.pacer.per_second = None
    app, runtime = create_worker(settings, tenants=registry, topology=topology)
    started = time.monotonic()
    await app.start()
    try:

        def applied(direction: str, outcome: str) -> float:
            return metric(
                runtime,
                "sync_streams_events_total",
                tenant=TENANT,
                direction=direction,
                outcome=outcome,
            )

        deadline = started + limit
        ready_at = first_at = None
        while applied("import", "applied") < records:
            now = time.monotonic()
            if ready_at is None and runtime_tenant.ready and runtime.ready(app):
                ready_at = now
            if first_at is None and applied("import", "applied") >= 1:
                first_at = now
            if now > deadline:
                raise TimeoutError(
                    f"only {applied('import', 'applied'):.0f} of {records} applied in {limit} s"
                )
            await asyncio.sleep(0.2)
        done_at = time.monotonic()
        ready_at = ready_at or started
        first_at = first_at or done_at
        at_done = await worker_calls(boxes, tenant)

        # the worker's own writes come back from the Altior poller: wait until each
        # has been recognised as an echo, then count the calls again
        while applied("export", "echo") + applied("export", "duplicate") < records:
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        echoes_at = time.monotonic()
        handled_import = {o: applied("import", o) for o in ("applied", "duplicate", "filtered")}
        polled_total = "sync_streams_events_polled_total"
        polled = {
            e: metric(runtime, polled_total, tenant=TENANT, system=s, entity=e)
            for s, e in (("sellsy", "company"), ("altior", "third_party"))
        }
        await asyncio.sleep(6)  # one more poll cycle of every poller
        settled = await worker_calls(boxes, tenant)
    finally:
        await app.stop()

    linked = Counter[str]()
    async for page in tenant.altior.third_party_pages(limit=200):
        for item in page.items:
            linked[item.external_value() or ""] += 1
    exact = linked == Counter({str(i): 1 for i in ids})

    wall = done_at - ready_at
    rate = records / wall
    print(f"  worker  : started to ready {ready_at - started:.1f} s")
    print(
        f"  import  : {records:,} applied in {wall:.1f} s after ready = {rate:,.0f} records/s "
        f"(first applied {first_at - ready_at:.1f} s after ready: initial scan and publish; "
        f"then {records / max(done_at - first_at, 1e-9):,.0f} records/s)"
    )
    print(
        f"  echoes  : {applied('export', 'echo'):,.0f} echo + "
        f"{applied('export', 'duplicate'):,.0f} duplicate events, all in "
        f"{echoes_at - done_at:.1f} s after the import"
    )
    print(
        "  events  : published by the initial load and pollers: "
        f"{polled['company']:,.0f} Sellsy company, {polled['third_party']:,.0f} Altior third "
        "party; import events handled: "
        + ", ".join(f"{n:,.0f} {o}" for o, n in handled_import.items())
        + " (look-back windows re-read recent records: duplicates are dropped by hash)"
    )
    print(f"  target  : Altior holds each company exactly once: {'yes' if exact else 'NO'}")
    per_record = show_calls("until the last import applied", at_done, records)
    per_record_settled = show_calls("once echoes were handled (+1 poll cycle)", settled, records)
    conditions = (
        f"{records:,} flagged companies, 1 tenant, quotas and pacers off, Kafka + sandboxes "
        f"on 127.0.0.1, 2 shared CPUs"
    )
    emit_figure("e2e import records/s", f"{rate:,.0f}", "-", conditions)
    emit_figure("e2e API calls per synced record", f"{per_record:.2f}", "-", conditions)
    emit_figure(
        "e2e API calls per synced record incl. echoes", f"{per_record_settled:.2f}", "-", conditions
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000, help="companies (10,000)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="give up after (s)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="e2e-import-"))
    try:
        asyncio.run(run(args.records, args.timeout, workdir))
    finally:
        if args.keep:
            print(f"  kept    : {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
