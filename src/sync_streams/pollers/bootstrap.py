"""A tenant's first start: run its initial load before live polling begins.

The form's "Initialisation" jobs are on by default: a tenant that has never been
polled (no cursor in its tables) first gets ``thirdPartyAll`` (with SIRET matching
when asked) then ``opportunityAll`` (when ``deals.init.import_all``), and its
pollers start from the moment that job started, so nothing changed during the job
is missed and nothing is synced without matching first.
A tenant with cursors (a restart, a partition move) resumes from them at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sync_streams.runtime.tenant import TenantRuntime

log = logging.getLogger(__name__)

RETRY_SECONDS = 30.0


@dataclass
class Bootstrapper:
    run_init: Callable[[TenantRuntime], Awaitable[object]]
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _start: dict[str, datetime | None] = field(default_factory=dict)
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _retry_at: dict[str, float] = field(default_factory=dict)

    def live_from(self, runtime: TenantRuntime, has_cursors: bool) -> tuple[bool, datetime | None]:
        """(may poll now, first cursor when none is stored)."""
        tenant = runtime.tenant
        if tenant in self._start:
            return True, self._start[tenant]
        if has_cursors or not _wants_init(runtime):
            self._start[tenant] = None if has_cursors else self.clock()
            return True, self._start[tenant]
        task = self._tasks.get(tenant)
        if task is None:
            loop = asyncio.get_running_loop()
            if loop.time() < self._retry_at.get(tenant, 0.0):
                return False, None
            self._tasks[tenant] = asyncio.create_task(self._run(runtime), name=f"init:{tenant}")
        return False, None

    async def _run(self, runtime: TenantRuntime) -> None:
        started = self.clock()
        log.info(
            "tenant %s: first start, running its initial load before live sync", runtime.tenant
        )
        try:
            await self.run_init(runtime)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # retried later; other tenants go on
            log.error(
                "tenant %s: initial load failed (%s); retry in %.0f s",
                runtime.tenant,
                exc,
                RETRY_SECONDS,
            )
            self._retry_at[runtime.tenant] = asyncio.get_running_loop().time() + RETRY_SECONDS
            return
        finally:
            self._tasks.pop(runtime.tenant, None)
        self._start[runtime.tenant] = started
        log.info("tenant %s: initial load published; live sync starts", runtime.tenant)

    def forget(self, tenant: str) -> None:
        """The tenant moved away or was removed: decide again when it comes back."""
        self._start.pop(tenant, None)
        task = self._tasks.pop(tenant, None)
        if task is not None:
            task.cancel()

    async def stop(self) -> None:
        for tenant in list(self._tasks):
            self.forget(tenant)


def _wants_init(runtime: TenantRuntime) -> bool:
    init = runtime.config.third_parties.init
    deals = runtime.config.deals.init
    return bool(
        (init.import_all and runtime.flow_on("third_parties", "import"))
        or (init.export_all and runtime.flow_on("third_parties", "export"))
        or (deals.import_all and runtime.flow_on("deals", "import"))
    )
