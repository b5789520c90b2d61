"""The Prometheus registry of a worker.

One registry per app (not the global one) so tests can run several apps in a
process.  Tenant ids are labels; secrets never are.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge, generate_latest

# Prometheus' text format; aiohttp wants the charset apart from the content type.
CONTENT_TYPE_LATEST = "text/plain; version=0.0.4"

__all__ = ["CONTENT_TYPE_LATEST", "WorkerMetrics"]


class WorkerMetrics:
    """Metrics every worker exposes, whatever agents it runs."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.ready = Gauge(
            "sync_streams_worker_ready",
            "1 once the worker has joined its group and recovered its tables",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
