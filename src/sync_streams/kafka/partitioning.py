"""Which partition a tenant's messages live in.

Kafka's default partitioner (murmur2 of the key bytes), the same one the Java
clients and aiokafka use, so a message keyed by the tenant id and an ownership
check computed here always agree.
"""

from __future__ import annotations

from aiokafka.partitioner import murmur2


def partition_of(tenant: str, partitions: int) -> int:
    """Partition of ``tenant`` on a topic with ``partitions`` partitions."""
    if partitions < 1:
        raise ValueError("a topic has at least one partition")
    hashed: int = murmur2(tenant.encode("utf-8"))
    return (hashed & 0x7FFFFFFF) % partitions
