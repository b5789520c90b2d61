"""Kafka topology: topic declarations (pure) and applying them to a cluster (I/O)."""

from sync_streams.kafka.declarations import TopicSpec, Topology, load_topology

__all__ = ["TopicSpec", "Topology", "load_topology"]
