"""Publish tenant changes on the compacted ``tenants`` topic, and read what it says.

Every worker follows that topic (``ops.tenant_follower``), so an ``apply``,
``pause``, ``resume`` or ``remove`` takes effect without a restart.  Only secret
*references* travel: the file is validated with ``resolve_secrets=False`` and the
``ControlCommand`` model refuses a payload that looks like it carries a value.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

from sync_streams.config import TenantConfig
from sync_streams.domain.control import ControlCommand
from sync_streams.errors import FatalError, SyncStreamsError
from sync_streams.kafka.declarations import Topology
from sync_streams.ops.kafka_io import partitions_of, read_spans, reader, spans, writer
from sync_streams.ops.tenant_messages import TenantEntry, decode, fold, upsert_command

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class UnknownTenantError(FatalError):
    """The tenants topic has no configuration for this tenant."""

    def __init__(self, tenant: str) -> None:
        super().__init__(
            f"tenant {tenant} is not on the tenants topic (see `sync-streams tenants list`)"
        )
        self.tenant = tenant


@dataclass
class TenantsView:
    """The tenants topic folded: one entry per configured tenant, and unreadable messages."""

    tenants: dict[str, TenantEntry] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    messages: int = 0


@dataclass(frozen=True)
class Published:
    """What a command published, for the operator's report."""

    tenant: str
    action: Literal["added", "updated", "unchanged", "paused", "resumed", "removed"]
    paused: bool
    offset: int
    note: str = ""


class TenantControl:
    """Operator side of the tenants topic."""

    def __init__(
        self, broker: str, topology: Topology, clock: Clock = lambda: datetime.now(UTC)
    ) -> None:
        self.broker = broker
        self.topic = topology.name("tenants")
        self.clock = clock

    async def read(self) -> TenantsView:
        """Every tenant the topic holds now (compaction or not, the last message wins)."""
        view = TenantsView()
        async with reader(self.broker) as consumer:
            ranges = await spans(consumer, await partitions_of(consumer, self.topic))
            async for record in read_spans(consumer, ranges):
                view.messages += 1
                try:
                    message = decode(record.key, record.value, record.offset)
                except SyncStreamsError as exc:
                    view.problems.append(f"{self.topic}[{record.partition}]@{record.offset}: {exc}")
                    continue
                view.tenants = fold([message], view.tenants)
        return view

    async def _publish(self, tenant: str, value: bytes | None) -> int:
        async with writer(self.broker) as producer:
            metadata = await producer.send_and_wait(self.topic, value, key=tenant.encode("utf-8"))
        offset: int = metadata.offset
        return offset

    async def apply(self, config: TenantConfig) -> Published:
        """Publish ``config``; a tenant paused on the topic stays paused."""
        current = (await self.read()).tenants.get(config.tenant)
        stays_paused = current is not None and current.paused and not config.paused
        paused = config.paused or stays_paused
        command = upsert_command(config, paused=paused, issued_at=self.clock())
        offset = await self._publish(config.tenant, command.to_bytes())
        if current is None:
            action: Literal["added", "updated", "unchanged"] = "added"
        elif current.config == command.payload["config"] and current.paused == paused:
            action = "unchanged"
        else:
            action = "updated"
        note = f"stays paused: run `sync-streams tenants resume {config.tenant}`"
        return Published(config.tenant, action, paused, offset, note if stays_paused else "")

    async def set_paused(self, tenant: str, paused: bool) -> Published:
        """Republish ``tenant``'s configuration with the pause flag set."""
        current = (await self.read()).tenants.get(tenant)
        if current is None:
            raise UnknownTenantError(tenant)
        kind = "tenant_pause" if paused else "tenant_resume"
        entry = replace(current, paused=paused, kind=kind, issued_at=self.clock())
        offset = await self._publish(tenant, entry.command().to_bytes())
        note = "" if current.paused != paused else "it already was"
        return Published(tenant, "paused" if paused else "resumed", paused, offset, note)

    async def remove(self, tenant: str) -> Published:
        """Publish a tombstone: workers drop the tenant, compaction forgets its config."""
        if tenant not in (await self.read()).tenants:
            raise UnknownTenantError(tenant)
        offset = await self._publish(tenant, None)
        return Published(tenant, "removed", False, offset)

    async def publish_command(self, command: ControlCommand) -> int:
        """Publish a prepared command as is (tests, tools)."""
        return await self._publish(command.tenant, command.to_bytes())


__all__ = [
    "Published",
    "TenantControl",
    "TenantEntry",
    "TenantsView",
    "UnknownTenantError",
]
