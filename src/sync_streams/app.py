"""Assemble the Faust application of a worker.

Only this module and ``cli`` wire pieces together: the pure core, the API
clients and the agents never import each other's assembly.  Flows (pollers,
sync agents, tables) are attached by the ``install_*`` functions of later
packages; the skeleton here gives every worker its settings, health and
metrics endpoints and its Kafka topology.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import faust
from faust.web import Request, Response, View

from sync_streams.config.service import ServiceSettings
from sync_streams.kafka import bulkstore
from sync_streams.kafka.declarations import METADATA_MAX_AGE_SECONDS, Topology, load_topology
from sync_streams.observability.metrics import CONTENT_TYPE_LATEST, WorkerMetrics
from sync_streams.observability.partitions import install_partition_metrics
from sync_streams.observability.status import assigned_partitions, worker_status
from sync_streams.ops.tenant_follower import TenantFollower
from sync_streams.pipeline.agents import SyncComponents, install_sync
from sync_streams.ports import free_port
from sync_streams.runtime.registry import TenantRegistry


@dataclass
class Runtime:
    """What agents and views share inside one worker process."""

    settings: ServiceSettings
    topology: Topology
    metrics: WorkerMetrics
    tenants: TenantRegistry = field(default_factory=TenantRegistry)
    sync: SyncComponents | None = None
    follower: TenantFollower | None = None

    def ready(self, app: faust.App) -> bool:
        """Tables recovered and the tenants topic caught up."""
        return is_ready(app) and (self.follower is None or self.follower.ready)


bulkstore.register()
STORE_URLS = {"memory": f"{bulkstore.SCHEME}://", "rocksdb": "rocksdb://"}
"""``table_store`` → Faust store URL: the memory store loads changelogs in bulk (P6)."""


def create_app(
    settings: ServiceSettings,
    *,
    topology: Topology | None = None,
    **faust_options: Any,
) -> tuple[faust.App, Runtime]:
    """A Faust app configured from ``settings``; ``faust_options`` override (tests)."""
    topology = topology or load_topology(partitions=settings.topic_partitions)
    options: dict[str, Any] = {
        "broker": settings.broker,
        "store": STORE_URLS[settings.table_store],
        "datadir": str(settings.data_dir),
        "web_host": settings.web_host,
        "web_port": settings.web_port or free_port(settings.web_host),
        "web_enabled": True,
        "topic_partitions": settings.topic_partitions,
        "topic_allow_declare": True,
        "consumer_auto_offset_reset": "earliest",
        "producer_acks": -1,
        # Faust stops fetching a partition whose agent buffer (stream_buffer_maxsize,
        # 4096) is 80 % full, but still delivers the batch already fetched; a batch
        # that overflows the buffer blocks delivery to every agent.  Batches of at most
        # 500 records always fit the last 20 %, so a bulk lane full of one tenant's init
        # never stalls the live lane.
        "broker_max_poll_records": 500,
        "consumer_metadata_max_age_ms": METADATA_MAX_AGE_SECONDS * 1000,
        "producer_metadata_max_age_ms": METADATA_MAX_AGE_SECONDS * 1000,
        "autodiscover": False,
        "web_in_thread": False,
    }
    options.update(faust_options)
    app = faust.App(settings.app_id, **options)
    runtime = Runtime(settings=settings, topology=topology, metrics=WorkerMetrics())
    _install_health(app, runtime)
    return app, runtime


def create_worker(
    settings: ServiceSettings,
    *,
    tenants: TenantRegistry | None = None,
    topology: Topology | None = None,
    poll_interval: float | None = None,
    follow_tenants_topic: bool = True,
    **faust_options: Any,
) -> tuple[faust.App, Runtime]:
    """A worker app with the sync installed: tables, the sync agent, the pollers,
    the follower of the ``tenants`` control topic and the partition metrics.

    ``poll_interval`` overrides the tenants' intervals (tests and benchmarks).
    """
    from sync_streams.flows.registry import kinds, sources_for

    app, runtime = create_app(settings, topology=topology, **faust_options)
    if tenants is not None:
        runtime.tenants = tenants

    faust_app: Any = app
    install_partition_metrics(
        app,
        runtime.metrics,
        topics=[
            runtime.topology.name("changes.sellsy"),
            runtime.topology.name("changes.altior"),
            runtime.topology.name("changes.bulk"),
        ],
        tenants=runtime.tenants.ids,
        partitions=settings.topic_partitions,
    )
    if follow_tenants_topic:
        follower = TenantFollower.for_worker(runtime.tenants, settings, runtime.topology)
        runtime.follower = follower

        async def start_follower() -> None:
            await follower.start()

        async def stop_follower(app: Any, **kwargs: Any) -> None:
            await follower.stop()

        faust_app.task(start_follower)
        faust_app.on_before_shutdown.connect(stop_follower)
    runtime.sync = install_sync(
        app,
        topology=runtime.topology,
        partitions=settings.topic_partitions,
        metrics=runtime.metrics,
        registry=runtime.tenants,
        kinds=kinds,
        sources_for=sources_for,
        is_ready=lambda: is_ready(app),
        poll_interval=poll_interval,
        reconcile_interval=settings.reconcile_interval_seconds,
    )
    return app, runtime


def is_ready(app: faust.App) -> bool:
    """Joined the group and finished recovering tables from their changelogs."""
    tables = app.tables
    recovery = getattr(tables, "recovery", None)
    return bool(recovery is not None and recovery.completed.is_set() and not app.rebalancing)


def _install_health(app: faust.App, runtime: Runtime) -> None:
    @app.page("/healthz")
    class Health(View):
        """Liveness: the process serves HTTP."""

        async def get(self, request: Request) -> Response:
            return self.json({"status": "ok"})

    @app.page("/readyz")
    class Ready(View):
        """Readiness: safe to route traffic / count this worker as serving."""

        async def get(self, request: Request) -> Response:
            ready = runtime.ready(app)
            runtime.metrics.ready.set(1 if ready else 0)
            return self.json({"ready": ready}, status=200 if ready else 503)

    @app.page("/metrics")
    class Metrics(View):
        """Prometheus exposition of this worker's registry."""

        async def get(self, request: Request) -> Response:
            runtime.metrics.ready.set(1 if runtime.ready(app) else 0)
            return self.bytes(runtime.metrics.render(), content_type=CONTENT_TYPE_LATEST)

    @app.page("/status")
    class Status(View):
        """Per tenant and flow: state, last polls, last-hour counts (``?tenant=ID``)."""

        async def get(self, request: Request) -> Response:
            report = worker_status(
                metrics=runtime.metrics,
                registry=runtime.tenants,
                problems=runtime.follower.problems if runtime.follower else {},
                assigned=assigned_partitions(app, runtime.topology.name("changes.sellsy")),
                partitions=runtime.settings.topic_partitions,
                ready=runtime.ready(app),
                tenant=request.query.get("tenant"),
            )
            return self.json(report.model_dump(mode="json"))
