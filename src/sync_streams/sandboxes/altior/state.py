"""Everything one running sandbox holds in memory, around its SQLite store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sync_streams.sandboxes.altior.reference import Reference, load_reference
from sync_streams.sandboxes.altior.store import Store
from sync_streams.sandboxes.altior.tenants import load_settings, save_settings
from sync_streams.sandboxes.altior.traffic import Faults, Quota


@dataclass
class SandboxState:
    store: Store
    seed: dict[str, Any]  # the seed file: default reference data, startup tenants
    references: dict[int, Reference] = field(default_factory=dict)
    faults: dict[int, Faults] = field(default_factory=dict)
    quotas: dict[int, Quota] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.store.delay = self.late_visibility

    def late_visibility(self, tenant_id: int) -> float:
        """Seconds a record of ``tenant_id`` written now stays out of listings."""
        faults = self.faults.get(tenant_id)
        return float(faults.late_visibility_seconds) if faults is not None else 0.0

    @property
    def default_reference(self) -> dict[str, Any]:
        reference: dict[str, Any] = self.seed.get("reference") or {}
        return reference

    async def load(self) -> None:
        """Restore faults and quotas saved with each tenant."""
        for tenant_id, settings in (await load_settings(self.store)).items():
            self.faults[tenant_id] = Faults.from_dict(settings.get("faults") or {})
            self.quotas[tenant_id] = Quota.from_dict(settings.get("quotas") or {})

    async def reference(self, tenant_id: int) -> Reference:
        cached = self.references.get(tenant_id)
        if cached is None:
            cached = await load_reference(self.store, tenant_id)
            self.references[tenant_id] = cached
        return cached

    def forget(self, tenant_id: int | None = None) -> None:
        """Drop cached reference data (after admin changes) for one or all tenants."""
        if tenant_id is None:
            self.references.clear()
            self.faults.clear()
            self.quotas.clear()
        else:
            self.references.pop(tenant_id, None)

    def faults_of(self, tenant_id: int) -> Faults:
        return self.faults.setdefault(tenant_id, Faults())

    def quota_of(self, tenant_id: int) -> Quota:
        return self.quotas.setdefault(tenant_id, Quota())

    async def save(self, tenant_id: int) -> None:
        await save_settings(
            self.store,
            tenant_id,
            {
                # one-shot counters are not kept across restarts
                "faults": {**self.faults_of(tenant_id).to_dict(), "fail_next": 0, "drop_next": 0},
                "quotas": self.quota_of(tenant_id).to_dict(),
            },
        )


STATE_KEY: web.AppKey[SandboxState] = web.AppKey("altior_state", SandboxState)
TENANT_KEY: web.RequestKey[int] = web.RequestKey("altior_tenant", int)


def state_of(request: web.Request) -> SandboxState:
    return request.app[STATE_KEY]


def tenant_of(request: web.Request) -> int:
    return request[TENANT_KEY]
