"""Metrics and logging of the workers."""

from sync_streams.observability.metrics import WorkerMetrics

__all__ = ["WorkerMetrics"]
