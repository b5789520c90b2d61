"""Worker side of the tenants topic: keep a ``TenantRegistry`` equal to what it says.

Every worker must know every tenant (it may be assigned any partition), so the
follower reads the WHOLE topic with a plain consumer: no group, every partition
assigned, from the beginning, then keeps following.  Until it reaches the end
offsets seen at start it only folds messages (the last one per tenant wins, as
after compaction), then applies the result once and sets ``ready``; afterwards
each message is applied as it arrives.

Secret references are resolved here, in the worker's environment.  A configuration
that does not load (missing variable, unreadable file, invalid value) is logged with
the reason and kept in ``problems``; the tenant stays as it was, except that a pause
or resume still applies to it (pausing must not depend on secrets).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from sync_streams.config import LoadContext, ServiceSettings, TenantConfig
from sync_streams.config.base import CONTEXT_KEY
from sync_streams.config.messages import describe_errors
from sync_streams.errors import ConfigError, SyncStreamsError
from sync_streams.kafka.admin import bootstrap_servers
from sync_streams.kafka.declarations import Topology
from sync_streams.ops.kafka_io import partition_numbers
from sync_streams.ops.tenant_messages import TenantEntry, TenantMessage, decode, fold
from sync_streams.runtime.registry import TenantRegistry

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


def load_config(
    tenant: str,
    data: Mapping[str, Any],
    *,
    service: ServiceSettings,
    secrets_dir: Path,
    environ: Mapping[str, str] | None = None,
) -> TenantConfig:
    """Validate a published configuration and resolve its secret references here.

    Relative ``file:`` references are read from ``secrets_dir`` (the tenants
    directory), as if the file had been loaded from there.  ConfigError lists why.
    """
    context = LoadContext(
        base_dir=secrets_dir,
        resolve_secrets=True,
        environ=dict(os.environ if environ is None else environ),
        allowed_api_hosts=service.allowed_api_hosts,
        allow_plain_http=service.allow_plain_http,
    )
    origin = f"tenants topic [{tenant}]"
    try:
        config = TenantConfig.model_validate(dict(data), context={CONTEXT_KEY: context})
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, origin, model=TenantConfig)) from None
    if config.tenant != tenant:
        raise ConfigError([f"{origin}: tenant: the configuration says {config.tenant!r}"])
    return config


class TenantFollower:
    """Follows the tenants topic into ``registry``; ``await start()``, ``await stop()``."""

    def __init__(
        self,
        registry: TenantRegistry,
        *,
        broker: str,
        topic: str,
        service: ServiceSettings | None = None,
        secrets_dir: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.registry = registry
        self.broker = broker
        self.topic = topic
        self.service = service or ServiceSettings.load()
        self.secrets_dir = secrets_dir or self.service.tenants_dir
        self.environ = environ
        self.problems: dict[str, list[str]] = {}
        """tenant -> why its latest configuration was not applied (for status/logs)."""
        self.applied = 0
        self._entries: dict[str, TenantEntry] = {}
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def for_worker(
        cls, registry: TenantRegistry, settings: ServiceSettings, topology: Topology
    ) -> TenantFollower:
        """The follower of a worker: its broker, its topic prefix, its tenants directory."""
        return cls(
            registry, broker=settings.broker, topic=topology.name("tenants"), service=settings
        )

    @property
    def ready(self) -> bool:
        """Caught up with the topic as it was at start: every known tenant is applied."""
        return self._ready.is_set()

    async def wait_ready(self) -> None:
        """Return once ``ready`` (wrap in ``asyncio.timeout`` to bound the wait)."""
        await self._ready.wait()

    def entries(self) -> dict[str, TenantEntry]:
        """The tenants as the topic says (applied or not)."""
        return dict(self._entries)

    async def start(self) -> None:
        """Start following in the background; returns at once (see ``ready``)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="tenant-follower")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=bootstrap_servers(self.broker),
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
            )
            try:
                await consumer.start()
                await self._follow(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep the worker alive; the follower retries
                log.error("tenants topic %s: %s; retrying in %.0fs", self.topic, exc, RETRY_SECONDS)
            finally:
                await consumer.stop()
            await asyncio.sleep(RETRY_SECONDS)

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        numbers = await partition_numbers(consumer, self.topic)
        if not numbers:
            raise SyncStreamsError(f"topic {self.topic} does not exist (sync-streams topics apply)")
        partitions = [TopicPartition(self.topic, n) for n in numbers]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        # Catch up (at start, and again after a reconnection): fold, then apply the result
        # once, so a tenant removed long ago is never started for a moment.
        entries: dict[str, TenantEntry] = {}
        touched = set(self._entries)
        while not await self._caught_up(consumer, ends):
            for message in self._messages(await consumer.getmany(timeout_ms=500)):
                entries = fold([message], entries)
                touched.add(message.tenant)
        self._entries = entries
        for tenant in sorted(touched):
            await self._apply(tenant, entries.get(tenant))
        if not self.ready:
            self._ready.set()
            log.info("tenants topic %s read: %d tenant(s)", self.topic, len(entries))
        while True:
            for message in self._messages(await consumer.getmany(timeout_ms=500)):
                self._entries = fold([message], self._entries)
                await self._apply(message.tenant, self._entries.get(message.tenant))

    @staticmethod
    async def _caught_up(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
        for tp, end in ends.items():
            if await consumer.position(tp) < end:
                return False
        return True

    def _messages(self, batch: dict[Any, list[Any]]) -> list[TenantMessage]:
        """The readable messages of a batch, in offset order per partition."""
        messages: list[TenantMessage] = []
        for records in batch.values():
            for record in records:
                try:
                    messages.append(decode(record.key, record.value, record.offset))
                except SyncStreamsError as exc:
                    log.error("tenants topic %s@%s: ignored: %s", self.topic, record.offset, exc)
        return messages

    async def _apply(self, tenant: str, entry: TenantEntry | None) -> None:
        """Make the registry hold ``entry`` for ``tenant`` (None: remove it)."""
        try:
            if entry is None:
                await self.registry.remove(tenant)
                self.problems.pop(tenant, None)
            else:
                await self._apply_entry(tenant, entry)
            self.applied += 1
        except Exception:  # one tenant's failure never stops the others
            log.exception("tenant %s: applying the tenants topic failed", tenant)

    async def _apply_entry(self, tenant: str, entry: TenantEntry) -> None:
        assert entry.config is not None  # merge() never keeps an entry without config
        try:
            config = load_config(
                tenant,
                entry.config,
                service=self.service,
                secrets_dir=self.secrets_dir,
                environ=self.environ,
            )
        except ConfigError as exc:
            self.problems[tenant] = exc.problems
            known = self.registry.get(tenant) is not None
            log.error(
                "tenant %s: configuration from the tenants topic not applied (%s): %s",
                tenant,
                "kept the previous one" if known else "tenant not started",
                "; ".join(exc.problems),
            )
            self.registry.set_paused(tenant, entry.paused)
            return
        self.problems.pop(tenant, None)
        await self.registry.upsert(config)
        self.registry.set_paused(tenant, entry.paused)
