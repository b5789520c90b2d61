"""One tenant inside a worker: its configuration, its two API clients, its state.

Flows are switched per tenant: a flow whose configured names do not exist in the
APIs is disabled with the reason (and only that flow, only that tenant), so a
typo in one client's form never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import httpx

from sync_streams.altior import AltiorClient
from sync_streams.config import TenantConfig, check_against_apis
from sync_streams.domain.envelope import System
from sync_streams.errors import ConfigError, SyncStreamsError
from sync_streams.http.pacing import QuotaPacer
from sync_streams.pipeline.filters import FilterFields, resolve_filter_fields
from sync_streams.pipeline.mapping import MappingConfig
from sync_streams.runtime.inventory import Inventory, read_inventory
from sync_streams.sellsy import SellsyClient

log = logging.getLogger(__name__)

FlowName = Literal["third_parties", "deals"]
Direction = Literal["import", "export"]
TransportFactory = Callable[[str], httpx.AsyncBaseTransport | None]


@dataclass
class TenantRuntime:
    config: TenantConfig
    sellsy: SellsyClient
    altior: AltiorClient
    inventory: Inventory | None = None
    paused: bool = False
    disabled: dict[str, str] = field(default_factory=dict)
    """flow -> why it is off (configuration names the APIs do not know)."""
    warnings: tuple[str, ...] = ()
    filter_fields: FilterFields = field(default_factory=FilterFields)
    establishment_id: int | None = None
    adapters_cache: dict[str, object] = field(default_factory=dict)
    """Per-kind side adapters, built once per inventory (see ``flows``)."""

    @cached_property
    def mapping(self) -> MappingConfig:
        return MappingConfig.from_tenant(self.config)

    @property
    def tenant(self) -> str:
        return self.config.tenant

    @property
    def ready(self) -> bool:
        return self.inventory is not None

    def pacer_of(self, system: System) -> QuotaPacer:
        """The quota pacer of this tenant's client toward ``system`` (its polls and its
        writes share it)."""
        return self.sellsy.pacer if system == "sellsy" else self.altior.pacer

    def flow_on(self, flow: FlowName, direction: Direction) -> bool:
        """Configured on, not disabled by a start-up check, tenant not paused."""
        if self.paused or flow in self.disabled or self.inventory is None:
            return False
        section = self.config.third_parties if flow == "third_parties" else self.config.deals
        return bool(
            section.import_from_sellsy if direction == "import" else section.export_to_sellsy
        )

    def state_of(self, flow: FlowName) -> str:
        if self.paused:
            return "paused"
        if flow in self.disabled:
            return "disabled"
        section = self.config.third_parties if flow == "third_parties" else self.config.deals
        if not (section.import_from_sellsy or section.export_to_sellsy):
            return "off"
        return "running" if self.inventory is not None else "starting"

    async def prepare(self) -> None:
        """Read the APIs' inventory and check the configured names against it."""
        try:
            inventory = await read_inventory(self.sellsy, self.altior)
        except SyncStreamsError as exc:
            log.warning("tenant %s: cannot read the APIs yet (%s)", self.tenant, exc)
            raise
        report = check_against_apis(self.config, inventory.for_checks())
        self.disabled = {}
        for flow in report.flows_to_disable:
            lines = report.by_flow.get(flow, ())
            self.disabled[flow] = "; ".join(lines) or "configuration does not match the APIs"
            for line in lines:
                log.error("tenant %s: %s flow disabled: %s", self.tenant, flow, line)
        self.filter_fields = self._filter_fields(inventory)
        self.establishment_id = inventory.establishment_id(self.config.altior.establishment)
        self.adapters_cache = {}
        self.warnings = tuple(report.warnings)
        for warning in self.warnings:
            log.warning("tenant %s: %s", self.tenant, warning)
        self.inventory = inventory

    def _filter_fields(self, inventory: Inventory) -> FilterFields:
        """Resolve the filter flags; one that does not resolve disables only its flow
        (the opportunity flag the deals, the others the third parties)."""
        config = self.mapping
        try:
            return resolve_filter_fields(config, inventory.sellsy_field_definitions)
        except ConfigError as exc:
            problems = exc.problems
        failed: dict[FlowName, list[str]] = {}
        for line in problems:
            setting = line.split(":", 1)[0]
            flow: FlowName = "deals" if setting == "opportunity_filter_field" else "third_parties"
            failed.setdefault(flow, []).append(line)
            if setting in type(config).model_fields:
                config = config.model_copy(update={setting: None})
        for flow, lines in failed.items():
            reason = "; ".join(lines)
            self.disabled[flow] = self.disabled.get(flow) or reason
            log.error("tenant %s: %s flow disabled: %s", self.tenant, flow, reason)
        try:
            return resolve_filter_fields(config, inventory.sellsy_field_definitions)
        except ConfigError:
            return FilterFields()

    async def aclose(self) -> None:
        await self.sellsy.aclose()
        await self.altior.aclose()


def build_runtime(
    config: TenantConfig,
    *,
    sellsy_pacer: QuotaPacer,
    altior_pacer: QuotaPacer | None = None,
    transport: TransportFactory | None = None,
) -> TenantRuntime:
    """Clients for ``config``; ``sellsy_pacer`` is shared by tenants of one Sellsy account."""
    sellsy = SellsyClient(
        base_url=config.sellsy.api_url,
        token_url=config.sellsy.token_url,
        client_id=config.sellsy.client_id,
        client_secret=config.sellsy.client_secret,
        pacer=sellsy_pacer,
        timeout=config.sellsy.timeout_seconds,
        transport=transport("sellsy") if transport else None,
    )
    altior = AltiorClient(
        config.altior.api_url,
        config.altior.api_key,
        user_login=config.altior.reference_user,
        pacer=altior_pacer,
        timeout=config.altior.timeout_seconds,
        transport=transport("altior") if transport else None,
    )
    return TenantRuntime(config=config, sellsy=sellsy, altior=altior, paused=config.paused)
