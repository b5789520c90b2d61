"""Topic declarations loaded from ``topics/*.yaml``, and drift computed against a cluster.

Pure: no Kafka client here, so the rules are unit-tested without a broker.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sync_streams.errors import ConfigError

DEFAULT_PREFIX = "sync-streams"

METADATA_MAX_AGE_SECONDS = 10
"""How old a worker's cluster metadata may get (Kafka's default: five minutes).  A table's
changelog topic created at start is unknown to it until the next refresh, and table
writes are refused meanwhile (fault matrix F5); a refresh every 10 s is one small
request."""


class TopicSpec(BaseModel):
    """One topic as declared; ``name`` is the short name, without prefix."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    purpose: str
    key: str
    value: str
    cleanup_policy: Literal["delete", "compact", "compact,delete"] = "delete"
    retention_ms: int = 604_800_000
    partitions: int | None = Field(default=None, ge=1)
    replication: int | None = Field(default=None, ge=1)

    def config(self) -> dict[str, str]:
        """The topic-level configs we manage (others are left to the cluster)."""
        return {"cleanup.policy": self.cleanup_policy, "retention.ms": str(self.retention_ms)}


class _Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    partitions: int = Field(default=8, ge=1)
    replication: int = Field(default=1, ge=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defaults: _Defaults = _Defaults()
    topics: list[TopicSpec]


class ResolvedTopic(BaseModel):
    """A declared topic with its full name and counts settled."""

    model_config = ConfigDict(frozen=True)

    spec: TopicSpec
    full_name: str
    partitions: int
    replication: int


class Topology(BaseModel):
    prefix: str
    topics: list[ResolvedTopic]

    def name(self, short: str) -> str:
        """Full name of the topic declared as ``short`` (e.g. ``changes.sellsy``)."""
        for topic in self.topics:
            if topic.spec.name == short:
                return topic.full_name
        raise KeyError(short)

    def get(self, short: str) -> ResolvedTopic:
        for topic in self.topics:
            if topic.spec.name == short:
                return topic
        raise KeyError(short)


def default_topics_dir() -> Path:
    """``./topics`` when run from the repository, else the checkout this package lives in."""
    here = Path.cwd() / "topics"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[3] / "topics"


def load_topology(
    directory: Path | None = None,
    *,
    prefix: str | None = None,
    partitions: int | None = None,
    replication: int | None = None,
) -> Topology:
    """Read every ``*.yaml`` of ``directory``; overrides apply to topics without their own count."""
    directory = directory or default_topics_dir()
    prefix = prefix or os.environ.get("SYNC_STREAMS_TOPIC_PREFIX") or DEFAULT_PREFIX
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ConfigError([f"{directory}: no topic declarations (*.yaml) found"])
    resolved: list[ResolvedTopic] = []
    seen: dict[str, Path] = {}
    problems: list[str] = []
    for path in files:
        try:
            parsed = _File.model_validate(yaml.safe_load(path.read_text()) or {})
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                problems.append(f"{path}: {loc}: {err['msg']}")
            continue
        for spec in parsed.topics:
            if spec.name in seen:
                problems.append(
                    f"{path}: topics: {spec.name} is also declared in {seen[spec.name]}"
                )
                continue
            seen[spec.name] = path
            resolved.append(
                ResolvedTopic(
                    spec=spec,
                    full_name=f"{prefix}.{spec.name}",
                    partitions=spec.partitions or partitions or parsed.defaults.partitions,
                    replication=spec.replication or replication or parsed.defaults.replication,
                )
            )
    if problems:
        raise ConfigError(problems)
    return Topology(prefix=prefix, topics=resolved)


class Drift(BaseModel):
    """What differs between a declared topic and the cluster; never auto-repaired."""

    topic: str
    field: str
    declared: str
    actual: str

    def describe(self) -> str:
        return (
            f"{self.topic}: {self.field} is {self.actual} on the cluster, declared {self.declared}"
        )


def drift(
    topic: ResolvedTopic, actual_partitions: int, actual_config: dict[str, str]
) -> list[Drift]:
    """Differences between a declaration and what the cluster has."""
    found: list[Drift] = []
    if actual_partitions != topic.partitions:
        found.append(
            Drift(
                topic=topic.full_name,
                field="partitions",
                declared=str(topic.partitions),
                actual=str(actual_partitions),
            )
        )
    for key, declared in topic.spec.config().items():
        actual = actual_config.get(key)
        if actual is not None and actual != declared:
            found.append(Drift(topic=topic.full_name, field=key, declared=declared, actual=actual))
    return found
