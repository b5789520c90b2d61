"""Apply a topology to a Kafka cluster: create what is missing, report drift.

Never deletes, never shrinks, never rewrites configs: a drift is reported for
an operator to decide (changing partitions moves tenants between partitions,
which needs a planned migration of the tables).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from sync_streams.errors import FatalError
from sync_streams.kafka.declarations import Drift, Topology, drift


@dataclass
class ApplyReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drifts: list[Drift] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"created   {name}" for name in self.created]
        out += [f"ok        {name}" for name in self.unchanged]
        out += [f"DRIFT     {d.describe()}" for d in self.drifts]
        return out


def bootstrap_servers(broker: str) -> str:
    """``kafka://h1:9092;h2:9092`` (Faust style) -> ``h1:9092,h2:9092`` (aiokafka style)."""
    urls = broker.replace(";", ",").split(",")
    return ",".join(url.strip().removeprefix("kafka://").rstrip("/") for url in urls if url.strip())


async def describe(
    admin: AIOKafkaAdminClient, names: list[str]
) -> dict[str, tuple[int, dict[str, str]]]:
    """Partition count and managed configs of the existing topics among ``names``."""
    existing = set(await admin.list_topics())
    present = [n for n in names if n in existing]
    if not present:
        return {}
    result: dict[str, tuple[int, dict[str, str]]] = {}
    for topic in await admin.describe_topics(present):
        result[topic["topic"]] = (len(topic["partitions"]), {})
    resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in present]
    for response in await admin.describe_configs(resources):
        for resource in response.resources:
            name = resource[3]
            configs: dict[str, str] = {entry[0]: entry[1] for entry in resource[4]}
            if name in result:
                result[name] = (result[name][0], configs)
    return result


async def apply_topology(broker: str, topology: Topology) -> ApplyReport:
    """Create missing topics of ``topology`` on ``broker``; report drift of existing ones."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers(broker), request_timeout_ms=15000
    )
    try:
        await admin.start()
    except Exception as exc:
        await admin.close()
        raise FatalError(f"cannot reach Kafka at {broker}: {exc}") from exc
    report = ApplyReport()
    try:
        names = [t.full_name for t in topology.topics]
        current = await describe(admin, names)
        missing = [t for t in topology.topics if t.full_name not in current]
        if missing:
            response: Any = await admin.create_topics(
                [
                    NewTopic(
                        t.full_name, t.partitions, t.replication, topic_configs=t.spec.config()
                    )
                    for t in missing
                ]
            )
            for name, code, *rest in response.topic_errors:
                if code not in (0, 36):  # 36: TOPIC_ALREADY_EXISTS (a concurrent apply)
                    raise FatalError(f"creating {name} failed: Kafka error {code} {rest}")
            report.created.extend(t.full_name for t in missing)
        for topic in topology.topics:
            if topic.full_name in current:
                partitions, configs = current[topic.full_name]
                found = drift(topic, partitions, configs)
                if found:
                    report.drifts.extend(found)
                else:
                    report.unchanged.append(topic.full_name)
    finally:
        await admin.close()
    return report
