"""The Faust side of the sync: tables, the two sync agents, the poller timer.

Thin on purpose: the agents decode nothing themselves and hand each message to
its tenant's lane (``pipeline.lanes``), which calls the ``ChangeRouter``.  Two
agents, concurrency 1 each, one ordered lane per tenant inside each:

* ``sync`` consumes the live change topics (pollers' events);
* ``sync-bulk`` consumes ``changes.bulk`` (init jobs, replays).

A tenant's 10,000-record init waits in the bulk agent, not in front of other
tenants' live changes; a tenant whose API is slow holds back its own lane only.
The router handles one message per tenant at a time across both agents, so a
Sellsy event and an Altior event of the same record never race; a tenant's live
changes interleave with its own init one by one.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import faust
from faust.streams import _current_event

from sync_streams.jobs.deals import run_opportunity_all
from sync_streams.jobs.third_parties import run_third_party_all
from sync_streams.kafka.declarations import Topology
from sync_streams.kafka.publisher import FaustPublisher
from sync_streams.observability.metrics import FLOW_STATES, WorkerMetrics
from sync_streams.pipeline.deadletters import DeadLetterSink
from sync_streams.pipeline.handler import KindSync, SyncHandler
from sync_streams.pipeline.lanes import TenantLanes, Work
from sync_streams.pipeline.router import ChangeRouter
from sync_streams.pipeline.tables import SyncTables, declare_faust_tables
from sync_streams.pollers.bootstrap import Bootstrapper
from sync_streams.pollers.cursor import cursor_key
from sync_streams.pollers.poller import BadRecord, ChangeSource, Poller
from sync_streams.pollers.reconcile import Reconciler
from sync_streams.pollers.scheduler import PollerScheduler, PollerSpec, owned_tenants
from sync_streams.runtime.registry import TenantRegistry
from sync_streams.runtime.tenant import FlowName, TenantRuntime

log = logging.getLogger(__name__)

DEFAULT_LOOKBACK = timedelta(seconds=30)
FROM_THE_BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)

FLOWS: tuple[FlowName, ...] = ("third_parties", "deals")

SourcesFor = Callable[[TenantRuntime], list[ChangeSource]]
"""The change sources (system, entity) a tenant's pollers read, given its flows."""


def make_current(event: Any) -> None:
    """Make ``event`` the current one of this task: Faust writes a table entry to the
    changelog partition of the current event (the tenant's), and refuses without one.
    A lane's task was made for its tenant's first event, so each event sets its own."""
    _current_event.set(weakref.ref(event))


@dataclass
class SyncComponents:
    tables: SyncTables
    handler: SyncHandler
    router: ChangeRouter
    publisher: FaustPublisher
    dead_letters: DeadLetterSink
    scheduler: PollerScheduler


def install_sync(
    app: faust.App,
    *,
    topology: Topology,
    partitions: int,
    metrics: WorkerMetrics,
    registry: TenantRegistry,
    kinds: Callable[[SyncTables], list[KindSync]],
    sources_for: SourcesFor,
    is_ready: Callable[[], bool],
    reconcile_every: float = 1.0,
    poll_interval: float | None = None,
    lookback: timedelta = DEFAULT_LOOKBACK,
    reconcile_interval: float = 0.0,
) -> SyncComponents:
    """Declare the tables, the sync agent and the poller timer on ``app``.

    ``poll_interval`` overrides every tenant's interval (tests and benchmarks only).
    ``reconcile_interval``: seconds between two reconciliation passes of each
    source (``pollers.reconcile``); 0 runs none.
    """
    tables = declare_faust_tables(app, partitions)
    publisher = FaustPublisher(app, partitions)
    dead_letter_topic = topology.name("deadletter")

    async def publish_dead_letter(key: bytes, value: bytes) -> None:
        await publisher.send_and_wait(dead_letter_topic, key, value)

    dead_letters = DeadLetterSink(publish_dead_letter, metrics)
    handler = SyncHandler(registry, tables, kinds(tables), metrics)
    router = ChangeRouter(tables, handler, dead_letters)
    change_topics = {
        "sellsy": topology.name("changes.sellsy"),
        "altior": topology.name("changes.altior"),
    }

    def raw_topic(*names: str) -> Any:
        return app.topic(
            *names, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
        )

    async def route(key: bytes | None, value: bytes | None) -> None:
        await router.on_message(key, value)  # looked up per call: benchmarks wrap it

    live_lanes = TenantLanes(route)

    async def after_live(key: bytes | None, value: bytes | None) -> None:
        """A bulk message waits until its tenant has no live change pending: a tenant's
        live changes (its users' edits, the echoes of its init's writes) come first,
        so its live lane never fills up and holds the live agent back."""
        await live_lanes.idle(key)
        await route(key, value)

    lanes: dict[str, TenantLanes] = {
        "live": live_lanes,
        "bulk": TenantLanes(after_live),
    }

    def lane(name: str) -> Callable[[Any], Any]:
        async def sync(stream: Any) -> None:
            manual = stream.noack()  # acked by the tenant's lane once handled
            tenants = lanes[name]
            try:
                async for event in manual.events():
                    await tenants.submit(
                        Work(
                            event.key,
                            event.value,
                            enter=partial(make_current, event),
                            done=partial(manual.ack, event),
                        )
                    )
            finally:
                await tenants.close()

        return sync

    faust_app: Any = app  # Faust's decorators are untyped: register without them
    live = raw_topic(*change_topics.values())
    faust_app.agent(live, concurrency=1, name="sync")(lane("live"))
    bulk = raw_topic(topology.name("changes.bulk"))
    faust_app.agent(bulk, concurrency=1, name="sync-bulk")(lane("bulk"))

    async def lane_depths() -> None:
        for name, tenants in lanes.items():
            depth = tenants.waiting()
            metrics.lane_buffered.labels(name).set(depth)
            log.debug("lane %s: %d events buffered", name, depth)

    faust_app.timer(5.0, name="lane-depths")(lane_depths)

    LoopKey = tuple[str, str, str, str]  # (tenant, system, entity, role)
    pollers: dict[LoopKey, tuple[TenantRuntime, PollerSpec]] = {}
    """The loops of the last round, with the runtime each was built for: a loop is
    rebuilt only when its tenant's runtime is (a new configuration), not when any
    tenant of the registry changes."""

    async def initial_load(runtime: TenantRuntime) -> object:
        async def on_bad(bad: BadRecord) -> None:
            await dead_letters.send(
                bad.error, tenant=runtime.tenant, stage="init", original=bad.raw
            )

        await run_third_party_all(runtime, publisher, topology, on_bad=on_bad)
        # after the third parties on the same partition: deals find their clients linked
        return await run_opportunity_all(runtime, publisher, topology, on_bad=on_bad)

    bootstrap = Bootstrapper(initial_load)
    known: set[str] = set()

    def bootstrapped_elsewhere(mine: set[str]) -> set[str]:
        """Tenants this worker no longer owns (their init must be decided again later)."""
        gone = known - mine
        known.clear()
        known.update(mine)
        return gone

    def desired() -> list[PollerSpec]:
        assignment = app.consumer.assignment() if app.consumer else set()
        owned = {tp.partition for tp in assignment if tp.topic == change_topics["sellsy"]}
        mine = owned_tenants(registry.ids(), owned, partitions)
        wanted: dict[LoopKey, tuple[TenantRuntime, PollerSpec]] = {}
        for tenant in bootstrapped_elsewhere(mine):
            bootstrap.forget(tenant)
            handler.rosters.forget(tenant)
        for runtime in registry:
            if runtime.tenant not in mine or runtime.paused or not runtime.ready:
                continue
            sources = sources_for(runtime)
            stored = {
                (s.system, s.entity): tables.cursors.get(
                    cursor_key(runtime.tenant, s.system, s.entity)
                )
                for s in sources
            }
            has_cursors = any(cursor is not None for cursor in stored.values())
            may_poll, start_from = bootstrap.live_from(runtime, has_cursors)
            if not may_poll:
                continue
            for source in sources:
                key = (runtime.tenant, source.system, source.entity, "poll")
                entity_start = start_from
                if has_cursors and stored[(source.system, source.entity)] is None:
                    # a crash right after the initial load: this entity's first cursor
                    # was lost with it, the others' were stored (no new load runs).
                    # Read it all once; dedupe drops what was synced already.
                    entity_start = FROM_THE_BEGINNING
                kept = pollers.get(key)
                if kept is not None and kept[0] is runtime:
                    wanted[key] = kept
                else:
                    spec = PollerSpec(
                        Poller(
                            tenant=runtime.tenant,
                            source=source,
                            publisher=publisher,
                            topic=change_topics[source.system],
                            read_cursor=tables.cursors.get,
                            dead_letters=dead_letters,
                            metrics=metrics,
                            lookback=lookback,
                            start_from=entity_start,
                            quota_saturated=runtime.pacer_of(source.system).saturated,
                        ),
                        interval=poll_interval or float(runtime.config.poll_interval_seconds),
                    )
                    wanted[key] = (runtime, spec)
                if reconcile_interval > 0:
                    reconcile_key = (runtime.tenant, source.system, source.entity, "reconcile")
                    kept = pollers.get(reconcile_key)
                    if kept is None or kept[0] is not runtime:
                        kept = reconciler(runtime, source)
                    wanted[reconcile_key] = kept
        pollers.clear()
        pollers.update(wanted)
        return [spec for _, spec in wanted.values()]

    def reconciler(
        runtime: TenantRuntime, source: ChangeSource
    ) -> tuple[TenantRuntime, PollerSpec]:
        return runtime, PollerSpec(
            Reconciler(
                tenant=runtime.tenant,
                source=source,
                publisher=publisher,
                topic=topology.name("changes.bulk"),
                dead_letters=dead_letters,
                metrics=metrics,
                rosters=handler.rosters,
            ),
            interval=reconcile_interval,
            role="reconcile",
        )

    scheduler = PollerScheduler(desired)

    shown: dict[tuple[str, str], tuple[TenantRuntime, str]] = {}
    """(tenant, flow) -> the runtime and state its gauges show: set again only on change
    (every second for 1,000 tenants was 5 % of the event loop, docs/performance.md)."""

    async def reconcile() -> None:
        await registry.prepare_pending()
        for runtime in registry:
            metrics.record_clients(runtime.tenant, runtime.sellsy.stats, runtime.altior.stats)
            for flow in FLOWS:
                current = runtime.state_of(flow)
                seen = shown.get((runtime.tenant, flow))
                if seen is not None and seen[0] is runtime and seen[1] == current:
                    continue
                metrics.init_tenant(runtime.tenant)
                for state in FLOW_STATES:
                    value = 1 if current == state else 0
                    metrics.tenant_state.labels(runtime.tenant, flow, state).set(value)
                shown[(runtime.tenant, flow)] = (runtime, current)
        if is_ready():
            await scheduler.reconcile()
        else:
            await scheduler.stop_all()

    async def stop_pollers(app: Any, **kwargs: Any) -> None:
        await bootstrap.stop()
        await scheduler.stop_all()

    faust_app.timer(reconcile_every, name="reconcile-pollers")(reconcile)
    faust_app.on_before_shutdown.connect(stop_pollers)

    return SyncComponents(tables, handler, router, publisher, dead_letters, scheduler)
