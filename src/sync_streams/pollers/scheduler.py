"""Run the pollers of the tenants whose partition this worker owns.

A poller must run exactly once in the whole group.  The rule: a worker runs the
pollers of the tenants whose change-topic partition it is assigned, so pollers
move with their partition (and their cursors, which live in that partition's
table) on every rebalance.  ``reconcile`` is called periodically: it starts
what should run and cancels what should not, and needs no rebalance callbacks
to be right.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sync_streams.kafka.partitioning import partition_of
from sync_streams.pollers.poller import ChangeSource

log = logging.getLogger(__name__)

PollerKey = tuple[str, str, str, str]
"""(tenant, system, entity, role): role ``poll`` or ``reconcile``."""


class Periodic(Protocol):
    """A loop over one source of one tenant: a ``Poller`` or a ``Reconciler``."""

    tenant: str
    source: ChangeSource

    async def run(self, interval: float) -> None: ...


@dataclass(frozen=True)
class PollerSpec:
    """A poller (or reconciler) that should run, and how often."""

    poller: Periodic
    interval: float
    role: str = "poll"

    @property
    def key(self) -> PollerKey:
        source = self.poller.source
        return (self.poller.tenant, source.system, source.entity, self.role)


def owned_tenants(tenants: Iterable[str], owned_partitions: set[int], partitions: int) -> set[str]:
    """The tenants whose partition is in ``owned_partitions``."""
    return {t for t in tenants if partition_of(t, partitions) in owned_partitions}


class PollerScheduler:
    def __init__(self, desired: Callable[[], list[PollerSpec]]) -> None:
        self._desired = desired
        self._tasks: dict[PollerKey, asyncio.Task[None]] = {}
        self._specs: dict[PollerKey, PollerSpec] = {}

    @property
    def running(self) -> set[PollerKey]:
        return {key for key, task in self._tasks.items() if not task.done()}

    def spec(self, key: PollerKey) -> PollerSpec | None:
        """The spec of a started loop (its poller, for a status view or a test)."""
        return self._specs.get(key)

    async def reconcile(self) -> None:
        wanted = {spec.key: spec for spec in self._desired()}
        for key in list(self._tasks):
            spec = wanted.get(key)
            if spec is None or spec is not self._specs.get(key) or self._tasks[key].done():
                await self._stop(key)
        for key, spec in wanted.items():
            if key not in self._tasks:
                self._specs[key] = spec
                self._tasks[key] = asyncio.create_task(
                    spec.poller.run(spec.interval), name=f"poller:{'/'.join(key)}"
                )
                log.info("%s started tenant=%s %s/%s every %ss", key[3], *key[:3], spec.interval)

    async def _stop(self, key: PollerKey) -> None:
        task = self._tasks.pop(key)
        self._specs.pop(key, None)
        task.cancel()
        # a stopped poller's own errors were logged by its loop
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        log.info("%s stopped tenant=%s %s/%s", key[3], *key[:3])

    async def stop_all(self) -> None:
        for key in list(self._tasks):
            await self._stop(key)
