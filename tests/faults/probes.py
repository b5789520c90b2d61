"""What the matrix reads besides the records: call logs per credential, dead letters,
every topic's bytes, and a search for secret values in all of it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from tests.support.altior_sandbox import AltiorSandbox
from tests.support.stack import Stack, Tenant

SELLSY_WRITES = ("POST", "PUT", "PATCH", "DELETE")


def altior_of(stack: Stack, tenant: Tenant) -> AltiorSandbox:
    return tenant.altior_sandbox or stack.altior_sandbox


async def altior_calls(
    sandbox: AltiorSandbox, api_key: str, *, every_key: bool = False
) -> list[dict[str, Any]]:
    """Every call the Altior sandbox logged for ``api_key`` (or for its whole tenant), paged."""
    tenant_id, key_id = sandbox.keys[api_key]
    calls: list[dict[str, Any]] = []
    after = 0
    while True:
        params: dict[str, int] = {"after_id": after, "limit": 10_000}
        if not every_key:
            params["key_id"] = key_id
        response = await sandbox.admin.get(f"/_admin/tenants/{tenant_id}/calls", params=params)
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        calls += items
        if len(items) < 10_000:
            return calls
        after = int(items[-1]["id"])


async def sellsy_calls(stack: Stack, tenant: Tenant) -> list[dict[str, Any]]:
    """Every Sellsy call made with the worker's API client (token calls included)."""
    return await stack.sellsy_sandbox.calls(client_id=tenant.config.sellsy.client_id)


def sellsy_writes(calls: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        c
        for c in calls
        if c["method"] in SELLSY_WRITES
        and not c["path"].endswith("/search")
        and "/oauth2/" not in c["path"]
    ]


def altior_writes(calls: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in calls if c["method"] in SELLSY_WRITES]


@dataclass
class CallCounts:
    sellsy: list[dict[str, Any]]
    altior: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return len(self.sellsy) + len(self.altior)

    @property
    def writes(self) -> int:
        return len(sellsy_writes(self.sellsy)) + len(altior_writes(self.altior))

    def faulted(self) -> int:
        """Calls answered by an injected fault (5xx, 429, dropped) or refused (401)."""
        sellsy = sum(1 for c in self.sellsy if c["status"] in (0, 401, 429) or c["status"] >= 500)
        altior = sum(1 for c in self.altior if c.get("fault"))
        return sellsy + altior

    def since(self, earlier: CallCounts) -> CallCounts:
        return CallCounts(self.sellsy[len(earlier.sellsy) :], self.altior[len(earlier.altior) :])


async def worker_calls(stack: Stack, tenant: Tenant) -> CallCounts:
    """The calls made with the worker's credentials of ``tenant`` (the users' are apart)."""
    return CallCounts(
        sellsy=await sellsy_calls(stack, tenant),
        altior=await altior_calls(altior_of(stack, tenant), tenant.altior_key),
    )


# --- topics ---------------------------------------------------------------------------


@dataclass
class TopicDump:
    """Keys and values of every message of some topics, as bytes."""

    messages: dict[str, list[bytes]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.messages.values())


async def dump_topics(bootstrap: str, *, prefixes: Iterable[str] = ()) -> TopicDump:
    """Every message of every topic on the broker (or those starting with ``prefixes``),
    internal changelogs included; Kafka's own ``__*`` topics are left out."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if not t.startswith("__")]
        wanted = tuple(prefixes)
        if wanted:
            names = [t for t in names if t.startswith(wanted)]
        described = await admin.describe_topics(names) if names else []
    finally:
        await admin.close()
    partitions = [
        TopicPartition(str(topic["topic"]), int(part["partition"]))
        for topic in described
        for part in topic.get("partitions", [])
    ]
    dump = TopicDump()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        if not partitions:
            return dump
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        for tp in partitions:
            found = dump.messages.setdefault(tp.topic, [])
            while await consumer.position(tp) < ends[tp]:
                batch = await consumer.getmany(tp, timeout_ms=2000)
                for message in batch.get(tp, []):
                    found.append((message.key or b"") + b"\x00" + (message.value or b""))
    finally:
        await consumer.stop()
    return dump


# --- secrets --------------------------------------------------------------------------

BEARER = re.compile(rb"Bearer\s+[A-Za-z0-9._~+/-]{16,}")


@dataclass
class Leak:
    where: str
    secret: str
    """The first 4 characters only: the report must not leak it again."""


def search_secrets(secrets: Iterable[str], haystacks: dict[str, bytes]) -> list[Leak]:
    """Every place (name -> bytes) holding a secret value, or a bearer token."""
    values = sorted({s for s in secrets if len(s) >= 8})
    leaks: list[Leak] = []
    for where, data in haystacks.items():
        for secret in values:
            if secret.encode() in data:
                leaks.append(Leak(where, secret[:4] + "…"))
        if BEARER.search(data):
            leaks.append(Leak(where, "Bearer …"))
    return leaks


def read_logs(paths: Iterable[Path]) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in paths if p.is_file()}
