"""P4 pipeline overhead: the sync agent's throughput with target writes stubbed, against a
plain aiokafka consume -> same transform -> produce loop, same broker, same events, same run.

N change events (real Sellsy company snapshots, read once from the sandbox by the
pollers' own source, cloned under distinct ids) are published for T tenants over the
change topic's partitions.  Then, one after the other:

* **faust**: the worker's Faust app (``create_app`` + ``install_sync``, as
  ``create_worker`` assembles it) with the same tables and sync agent, but the kinds'
  side adapters replaced by in-memory stubs (no API call; the record's mapping into
  common form, the rules, the state and id links are the real ones);
* **plain**: an ``AIOKafkaConsumer`` on the same partitions feeding the same
  ``ChangeRouter``/``SyncHandler`` over dict tables whose writes are produced to a
  changelog-like topic with ``producer.send`` (not awaited one by one);
* **naive** (reference): the plain loop awaiting each send before the next event.

Figure: faust events/s / plain events/s (target >= 0.5).

    python bench/pipeline_overhead.py [--quick] [--events 20000] [--tenants 8]

Prints its conditions and figures; asserts nothing; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import shutil
import tempfile
import time
import uuid
from collections.abc import MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from common import (
    PARTITIONS,
    BenchTenant,
    add_tenant,
    close_tenants,
    conditions_header,
    emit_figure,
    kafka_broker,
    sandboxes,
)

from sync_streams.app import create_app, is_ready
from sync_streams.config import ServiceSettings
from sync_streams.domain.events import ChangeEvent
from sync_streams.flows.records import AdapterBase
from sync_streams.flows.sources import sellsy_companies
from sync_streams.flows.third_parties import ThirdPartySync
from sync_streams.kafka.admin import apply_topology
from sync_streams.kafka.declarations import Topology, load_topology
from sync_streams.kafka.partitioning import partition_of
from sync_streams.observability.metrics import WorkerMetrics
from sync_streams.pipeline.agents import install_sync
from sync_streams.pipeline.deadletters import DeadLetterSink
from sync_streams.pipeline.handler import KindSync, SyncHandler
from sync_streams.pipeline.router import ChangeRouter
from sync_streams.pipeline.sides import Announce, SideAdapter, SideRecord
from sync_streams.pipeline.state import RecordState
from sync_streams.pipeline.tables import CursorView, SyncTables, TableView
from sync_streams.pollers.poller import PolledRecord
from sync_streams.ports import free_port
from sync_streams.runtime.registry import TenantRegistry
from sync_streams.runtime.tenant import TenantRuntime

# --- stubbed target writes ------------------------------------------------------------


class StubAdapter(AdapterBase):
    """Reads the event's record for real (``view``); every API call answers from memory.

    Each side keeps its real adapter's write guarantees, so the handler takes the path
    it takes in production: Altior's creates are unique and its updates conditional
    (nothing to announce), a create toward Sellsy is announced first."""

    def __init__(self, runtime: TenantRuntime, system: str) -> None:
        super().__init__(runtime)
        self.system = system
        self.creates_uniquely = system == "altior"
        self.conditional_updates = system == "altior"

    async def read(self, record_id: str, entity: str) -> SideRecord | None:
        return None

    async def find_counterpart(
        self, source: SideRecord, event: ChangeEvent, *, attempted_since: datetime | None
    ) -> SideRecord | None:
        return None

    async def create(
        self, source: SideRecord, event: ChangeEvent, announce: Announce
    ) -> SideRecord:
        await announce()
        entity = "third_party" if self.system == "altior" else "company"
        return SideRecord(
            f"9{source.id}", entity, dict(source.fields), source.hash, datetime.now(UTC)
        )

    async def update(
        self, current: SideRecord, changes: dict[str, Any], event: ChangeEvent
    ) -> SideRecord:
        return SideRecord(
            current.id,
            current.entity,
            {**current.fields, **changes},
            current.hash,
            datetime.now(UTC),
        )

    async def anchor(self, record: SideRecord, counterpart_id: str) -> SideRecord:
        return record


class StubThirdParties(ThirdPartySync):
    def adapters(self, runtime: TenantRuntime) -> dict[str, SideAdapter]:
        cached = runtime.adapters_cache.get("bench-stub")
        if cached is None:
            cached = {
                "sellsy": StubAdapter(runtime, "sellsy"),
                "altior": StubAdapter(runtime, "altior"),
            }
            runtime.adapters_cache["bench-stub"] = cached
        return cached  # type: ignore[return-value]


def stub_kinds(tables: SyncTables) -> list[KindSync]:
    return [StubThirdParties()]  # type: ignore[list-item]


def applied(metrics: WorkerMetrics) -> float:
    """Events the handler applied (a stub that no longer fits the handler dead-letters
    every event: fast, and meaningless)."""
    return sum(
        sample.value
        for family in metrics.registry.collect()
        for sample in family.samples
        if sample.name == "sync_streams_events_total" and sample.labels.get("outcome") == "applied"
    )


# --- events -------------------------------------------------------------------------------


async def sample_records(runtime: TenantRuntime) -> list[PolledRecord]:
    records: list[PolledRecord] = []
    async for item in sellsy_companies(runtime).changed_since(None):
        if isinstance(item, PolledRecord):
            records.append(item)
    return records


def make_events(samples: list[PolledRecord], tenants: list[str], count: int) -> list[ChangeEvent]:
    now = datetime.now(UTC)
    events = []
    for n in range(count):
        record = samples[n % len(samples)]
        source_id = str(1_000_000 + n)
        events.append(
            ChangeEvent(
                tenant=tenants[n % len(tenants)],
                system="sellsy",
                entity="company",
                source_id=source_id,
                source_updated_at=record.updated_at,
                content_hash=record.content_hash,
                snapshot={**record.snapshot, "id": int(source_id)},
                observed_at=now,
                origin="poll",
            )
        )
    return events


async def publish(bootstrap: str, topic: str, events: list[ChangeEvent]) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    started = time.monotonic()
    try:
        futures = [await producer.send(topic, key=e.kafka_key, value=e.to_bytes()) for e in events]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return time.monotonic() - started


# --- the plain loop -------------------------------------------------------------------


class ProducedDict(dict[str, Any]):
    """A table backing whose writes are also produced to a changelog-like topic."""

    def __init__(self, outbox: list[tuple[str, bytes]]) -> None:
        super().__init__()
        self.outbox = outbox

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.outbox.append((key, value))


def produced_tables(outbox: list[tuple[str, bytes]]) -> SyncTables:
    from sync_streams.pipeline.parking import Parked

    def backing() -> MutableMapping[str, Any]:
        return ProducedDict(outbox)

    return SyncTables(
        states=TableView(backing(), RecordState), cursors=CursorView(backing()),
        parked=TableView(backing(), Parked),
    )  # fmt: skip


async def plain_loop(
    bootstrap: str, topology: Topology, registry: TenantRegistry, count: int, changelog: str,
    *, naive: bool,
) -> dict[str, float]:  # fmt: skip
    """Consume -> ChangeRouter (same decode, rules, mapping, state) -> produce state writes."""
    outbox: list[tuple[str, bytes]] = []
    tables = produced_tables(outbox)
    metrics = WorkerMetrics()
    # the naive loop waits for each send: batching delay would only add to its wait
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=0 if naive else 5, acks="all"
    )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
        max_poll_records=500,
    )  # fmt: skip
    await producer.start()
    await consumer.start()
    topic = topology.name("changes.sellsy")

    async def dead_letter(key: bytes, value: bytes) -> None:
        await producer.send_and_wait(topology.name("deadletter"), key=key, value=value)

    router = ChangeRouter(
        tables,
        SyncHandler(registry, tables, stub_kinds(tables), metrics),
        DeadLetterSink(dead_letter, metrics),
    )
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    handled = 0
    pending: list[Any] = []
    first = last = 0.0
    cpu = time.process_time()
    try:
        while handled < count:
            batches = await consumer.getmany(timeout_ms=1000)
            for messages in batches.values():
                for message in messages:
                    if not handled:
                        first = time.monotonic()
                    await router.on_message(message.key, message.value)
                    tenant = (message.key or b"").decode()
                    for key, value in outbox:
                        send = producer.send(
                            changelog, key=json.dumps(key).encode(), value=value,
                            partition=partition_of(tenant, PARTITIONS),
                        )  # fmt: skip
                        if naive:
                            await (await send)
                        else:
                            pending.append(await send)
                    outbox.clear()
                    handled += 1
            if len(pending) > 5000:
                await asyncio.gather(*pending)
                pending.clear()
        last = time.monotonic()
        flush = time.monotonic()
        await asyncio.gather(*pending)
        flush = time.monotonic() - flush
        cpu = time.process_time() - cpu
    finally:
        await consumer.stop()
        await producer.stop()
    return {
        "events": handled, "seconds": last - first, "flush": flush, "cpu": cpu,
        "applied": applied(metrics),
    }  # fmt: skip


# --- the Faust agent -------------------------------------------------------------------


async def faust_agent(
    bootstrap: str, prefix: str, topology: Topology, registry: TenantRegistry, count: int,
    tmp: Path, *, profile: bool = False,
) -> dict[str, float]:  # fmt: skip
    settings = ServiceSettings.load(
        broker=f"kafka://{bootstrap}", app_id=f"{prefix}-faust", web_port=free_port(),
        data_dir=tmp / "faust", topic_partitions=PARTITIONS, log_level="WARNING",
    )  # fmt: skip
    app, runtime = create_app(settings, topology=topology)
    runtime.tenants = registry
    components = install_sync(
        app, topology=topology, partitions=PARTITIONS, metrics=runtime.metrics, registry=registry,
        kinds=stub_kinds, sources_for=lambda r: [], is_ready=lambda: is_ready(app),
    )  # fmt: skip
    router = components.router
    original = router.on_message
    seen = {"handled": 0, "first": 0.0, "last": 0.0}
    done = asyncio.Event()

    async def timed(key: bytes | None, value: bytes | None) -> None:
        if not seen["handled"]:
            seen["first"] = time.monotonic()
        await original(key, value)
        seen["handled"] += 1
        if seen["handled"] >= count:
            seen["last"] = time.monotonic()
            done.set()

    router.on_message = timed  # type: ignore[method-assign]
    cpu = time.process_time()
    profiler = cProfile.Profile() if profile else None
    await app.start()
    try:
        if profiler is not None:
            profiler.enable()
        await asyncio.wait_for(done.wait(), timeout=max(120.0, count / 20))
    except TimeoutError:
        seen["last"] = time.monotonic()
    finally:
        if profiler is not None:
            profiler.disable()
        cpu = time.process_time() - cpu
        await app.stop()
    if profiler is not None:
        print("  profile of the faust run (cProfile, top 25 by own time):")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print("\n".join("    " + line for line in out.getvalue().splitlines() if line.strip()))
    return {
        "events": seen["handled"], "seconds": seen["last"] - seen["first"], "flush": 0.0,
        "cpu": cpu, "buffer": float(app.conf.stream_buffer_maxsize),
        "applied": applied(runtime.metrics),
    }  # fmt: skip


async def main(args: argparse.Namespace) -> None:
    load = conditions_header(
        "P4 pipeline overhead: sync agent (writes stubbed) vs a plain aiokafka loop"
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    tenants: list[BenchTenant] = []
    prefix = f"bp{uuid.uuid4().hex[:8]}"
    try:
        async with kafka_broker(tmp) as bootstrap, sandboxes(tmp / "sandboxes") as boxes:
            for n in range(args.tenants):
                tenants.append(
                    await add_tenant(boxes, tmp / "tenants", f"overhead-{n}", initial_load=False)
                )
            await boxes.sellsy.seed(tenants[0].sellsy_account, generate={"companies": 200})
            registry = TenantRegistry()
            for tenant in tenants:
                registry.add(tenant.config)
            await registry.prepare_pending()
            samples = await sample_records(registry.get(tenants[0].id))  # type: ignore[arg-type]
            topology = load_topology(prefix=prefix, partitions=PARTITIONS)
            await apply_topology(f"kafka://{bootstrap}", topology)
            changelog = f"{prefix}.bench-changelog"
            admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
            await admin.start()
            await admin.create_topics([NewTopic(changelog, PARTITIONS, 1)])
            await admin.close()
            events = make_events(samples, [t.id for t in tenants], args.events)
            spread = sorted({partition_of(t.id, PARTITIONS) for t in tenants})
            published = await publish(bootstrap, topology.name("changes.sellsy"), events)
            size = sum(len(e.to_bytes()) for e in events[:200]) / 200
            print(
                f"  set-up  : {args.events} events ({size:.0f} bytes each on average, real Sellsy "
                f"company snapshots) for {args.tenants} tenants on partitions {spread}, published "
                f"in {published:.1f} s; every event is a new record: map, rules, stub create, "
                f"state + id link written (4 table writes); all in this one process",
                flush=True,
            )
            results: dict[str, dict[str, float]] = {}
            for name in args.order:
                if name == "faust":
                    results[name] = await faust_agent(
                        bootstrap,
                        prefix,
                        topology,
                        registry,
                        args.events,
                        tmp,
                        profile=args.profile,
                    )
                else:
                    naive = name == "naive"  # slow by design: its rate needs fewer events
                    count = min(args.events, args.naive_events) if naive else args.events
                    results[name] = await plain_loop(
                        bootstrap, topology, registry, count, changelog, naive=naive
                    )
                r = results[name]
                rate = r["events"] / r["seconds"] if r["seconds"] > 0 else 0.0
                r["rate"] = rate
                print(
                    f"  {name:<6}: {r['events']:.0f} events in {r['seconds']:.1f} s -> {rate:,.0f} "
                    f"events/s; CPU {r['cpu'] / max(r['events'], 1) * 1000:.2f} ms/event"
                    + (f"; final flush {r['flush']:.2f} s (not counted)" if r["flush"] else "")
                    + f"; applied {r['applied']:.0f}",
                    flush=True,
                )
            await registry.aclose()
        summary = load.summary()
        print(f"  {summary}")
        if not {"faust", "plain"} <= set(results):
            return
        unapplied = {n: r["events"] - r["applied"] for n, r in results.items()}
        if any(unapplied.values()):
            print(f"  INVALID: events not applied (dead-lettered?) per loop: {unapplied}")
            emit_figure(
                "P4 pipeline overhead: Faust agent / plain aiokafka loop",
                "invalid: not every event was applied", ">= 0.5", str(unapplied), met=False,
            )  # fmt: skip
            return
        ratio = results["faust"]["rate"] / results["plain"]["rate"]
        cond = (
            f"{args.events} events, {args.tenants} tenants, {PARTITIONS} partitions, one process, "
            f"faust {results['faust']['rate']:,.0f}/s vs plain "
            f"{results['plain']['rate']:,.0f}/s; {summary}"
        )
        emit_figure(
            "P4 pipeline overhead: Faust agent / plain aiokafka loop",
            f"{ratio:.2f}",
            ">= 0.5",
            cond,
            met=ratio >= 0.5,
        )
        if "naive" in results:
            emit_figure(
                "P4 reference: naive loop (awaits each send) / plain loop",
                f"{results['naive']['rate'] / results['plain']['rate']:.2f}",
                "about 0.2 (issue 10)",
                cond,
            )
    finally:
        await close_tenants(tenants)
        shutil.rmtree(tmp, ignore_errors=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 events")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--tenants", type=int, default=8)
    parser.add_argument(
        "--order", type=lambda s: s.split(","), default=["plain", "faust", "naive"],
        help="runs, in order (plain,faust,naive)",
    )  # fmt: skip
    parser.add_argument("--naive-events", type=int, default=2_000, help="events of the naive run")
    parser.add_argument("--profile", action="store_true", help="cProfile the faust run")
    args = parser.parse_args()
    if args.quick:
        args.events = min(args.events, 5_000)
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
