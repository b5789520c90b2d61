"""The tenants a worker knows, built from tenant files (and, later, the control topic).

Every worker holds every tenant's configuration and clients, but runs pollers only
for the tenants of its partitions (``pollers.scheduler``).  A tenant whose APIs
cannot be read at start is retried with backoff; it never blocks the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sync_streams.config import TenantConfig
from sync_streams.errors import SyncStreamsError
from sync_streams.http.pacing import QuotaPacer
from sync_streams.runtime.tenant import TenantRuntime, TransportFactory, build_runtime

log = logging.getLogger(__name__)

SELLSY_PER_SECOND = 5.0


@dataclass
class _Retry:
    failures: int = 0
    next_try: float = 0.0


@dataclass
class TenantRegistry:
    transport: TransportFactory | None = None
    clock: Callable[[], float] = time.monotonic
    sellsy_per_second: float = SELLSY_PER_SECOND
    _tenants: dict[str, TenantRuntime] = field(default_factory=dict)
    _pacers: dict[str, QuotaPacer] = field(default_factory=dict)
    _retry: dict[str, _Retry] = field(default_factory=dict)
    version: int = 0
    """Bumped on every change, so dependants (the poller scheduler) rebuild."""

    def get(self, tenant: str) -> TenantRuntime | None:
        return self._tenants.get(tenant)

    def __iter__(self) -> Iterator[TenantRuntime]:
        return iter(list(self._tenants.values()))

    def ids(self) -> list[str]:
        return sorted(self._tenants)

    def _pacer(self, account_id: str) -> QuotaPacer:
        """One pacer per Sellsy account: the quota is the account's, not the tenant's."""
        if account_id not in self._pacers:
            self._pacers[account_id] = QuotaPacer(self.sellsy_per_second)
        return self._pacers[account_id]

    def add(self, config: TenantConfig) -> TenantRuntime:
        """Register a tenant at start-up (no previous runtime to close)."""
        if config.tenant in self._tenants:
            raise ValueError(f"tenant {config.tenant} is already registered")
        runtime = build_runtime(
            config, sellsy_pacer=self._pacer(config.sellsy.account_id), transport=self.transport
        )
        self._tenants[config.tenant] = runtime
        self.version += 1
        return runtime

    async def upsert(self, config: TenantConfig) -> TenantRuntime:
        old = self._tenants.get(config.tenant)
        if old is not None and old.config == config:
            return old
        runtime = build_runtime(
            config, sellsy_pacer=self._pacer(config.sellsy.account_id), transport=self.transport
        )
        self._tenants[config.tenant] = runtime
        self._retry.pop(config.tenant, None)
        self.version += 1
        if old is not None:
            await old.aclose()
        log.info("tenant %s %s", config.tenant, "updated" if old else "added")
        return runtime

    async def remove(self, tenant: str) -> None:
        runtime = self._tenants.pop(tenant, None)
        if runtime is not None:
            self.version += 1
            await runtime.aclose()
            log.info("tenant %s removed", tenant)

    def set_paused(self, tenant: str, paused: bool) -> None:
        runtime = self._tenants.get(tenant)
        if runtime is not None and runtime.paused != paused:
            runtime.paused = paused
            self.version += 1
            log.info("tenant %s %s", tenant, "paused" if paused else "resumed")

    async def prepare_pending(self) -> None:
        """Read the inventory of tenants not ready yet (backoff per tenant on failure)."""
        now = self.clock()
        for runtime in self:
            if runtime.ready:
                continue
            retry = self._retry.setdefault(runtime.tenant, _Retry())
            if now < retry.next_try:
                continue
            try:
                await runtime.prepare()
            except SyncStreamsError:
                retry.failures += 1
                retry.next_try = now + min(2.0**retry.failures, 300.0)
                continue
            self._retry.pop(runtime.tenant, None)
            self.version += 1

    async def aclose(self) -> None:
        for tenant in list(self._tenants):
            await self.remove(tenant)
