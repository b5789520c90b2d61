"""A tenant with fake Sellsy and Altior clients, the real deal kinds and the real handler.

``World`` makes change events exactly as the pollers would (same fingerprint), so
dedupe, echo suppression, parking and moves run for real; only HTTP is replaced.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from sync_streams.config import load_tenant
from sync_streams.domain.events import ChangeEvent
from sync_streams.domain.hashing import content_hash
from sync_streams.flows.deal_sources import CLOSURE_FIELDS, DOCUMENT_FIELDS, _closure
from sync_streams.flows.records import side_record
from sync_streams.flows.registry import kinds
from sync_streams.observability.metrics import WorkerMetrics
from sync_streams.pipeline.handler import SyncHandler
from sync_streams.pipeline.state import link_key
from sync_streams.runtime.tenant import TenantRuntime
from tests.support.stack import tenant_yaml
from tests.unit.crashable_tables import CrashableStates
from tests.unit.flows.fakes import Clock, FakeAltior, FakeSellsy

TENANT = "acme-prod"
SALES_RULES: dict[str, Any] = {
    "import_triggers": [
        {"pipeline": "Ventes", "step": "Signature", "establishments": ["ACME Paris"]}
    ],
    "on_quote_created": [{"pipeline": "Ventes", "step": "Devis envoyé"}],
    "on_order_created": [{"pipeline": "Ventes", "step": "Commande reçue"}],
    "on_deal_closed": [{"pipeline": "Ventes", "step": "Clôturé"}],
}


class World:
    def __init__(self, runtime: TenantRuntime, sellsy: FakeSellsy, altior: FakeAltior) -> None:
        self.runtime = runtime
        self.sellsy = sellsy
        self.altior = altior
        self.clock = sellsy.clock
        self.states = CrashableStates()
        self.tables = self.states.tables()
        self.metrics = WorkerMetrics()
        self.handler = SyncHandler(
            {TENANT: runtime},
            self.tables,
            kinds(self.tables),
            self.metrics,
            clock=lambda: self.clock.now,
        )

    # --- events as the pollers make them ---------------------------------------------

    def event(self, system: str, entity: str, snapshot: dict[str, Any], **kw: Any) -> ChangeEvent:
        record = side_record(
            system,  # type: ignore[arg-type]
            entity,
            snapshot["id"],
            snapshot,
            self.runtime.mapping,
            self.runtime.filter_fields,
        )
        return ChangeEvent(
            tenant=TENANT,
            system=system,
            entity=entity,
            source_id=record.id,
            source_updated_at=record.version or self.clock.now,
            content_hash=record.hash,
            snapshot=snapshot,
            observed_at=self.clock.tick(),
            **kw,
        )

    def opportunity_event(self, ident: int, **kw: Any) -> ChangeEvent:
        return self.event("sellsy", "opportunity", dict(self.sellsy.opportunities[ident]), **kw)

    def affaire_event(self, ident: int) -> ChangeEvent:
        return self.event("altior", "affaire", dict(self.altior.affaires[ident]))

    def document_event(self, entity: str, document: dict[str, Any]) -> ChangeEvent:
        return ChangeEvent(
            tenant=TENANT,
            system="altior",
            entity=entity,
            source_id=str(document["id"]),
            source_updated_at=self.clock.now,
            content_hash=content_hash(document, DOCUMENT_FIELDS),
            snapshot=document,
            observed_at=self.clock.tick(),
        )

    async def closure_event(self, affaire_id: int) -> ChangeEvent:
        snapshot = _closure(await self.altior.get_affaire(affaire_id))
        return ChangeEvent(
            tenant=TENANT,
            system="altior",
            entity="affaire_closure",
            source_id=str(affaire_id),
            source_updated_at=self.clock.now,
            content_hash=content_hash(snapshot, CLOSURE_FIELDS),
            snapshot=snapshot,
            observed_at=self.clock.tick(),
        )

    async def handle(self, event: ChangeEvent) -> None:
        await self.handler.handle(event)

    async def poll_deals(self) -> None:
        """Every opportunity and affaire re-read, as overlapping poll windows do."""
        for ident in list(self.sellsy.opportunities):
            await self.handle(self.opportunity_event(ident))
        if self.runtime.flow_on("deals", "export"):
            for ident in list(self.altior.affaires):
                await self.handle(self.affaire_event(ident))

    # --- what a user checks ----------------------------------------------------------

    def affaire_of(self, opportunity_id: int) -> dict[str, Any] | None:
        for record in self.altior.affaires.values():
            for ref in record["external_references"]:
                if ref["key"] == "SELLSY" and ref["value"] == str(opportunity_id):
                    return record
        return None

    def linked_opportunity(self, affaire_id: int) -> int | None:
        link = self.tables.links.get(link_key(TENANT, "altior", "affaire", affaire_id))
        return int(link.sellsy_id) if link is not None else None

    def count(self, outcome: str, direction: str = "import") -> float:
        value = self.metrics.registry.get_sample_value(
            "sync_streams_events_total",
            {"tenant": TENANT, "direction": direction, "outcome": outcome},
        )
        return float(value or 0.0)

    def moves(self, outcome: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "sync_streams_deal_moves_total", {"tenant": TENANT, "outcome": outcome}
        )
        return float(value or 0.0)

    def link_company(self, company_id: int, third_party_id: int) -> None:
        """A company already synced (as the third-party sync would have linked it)."""
        from sync_streams.pipeline.state import RecordState, SideState

        state = RecordState(
            tenant=TENANT,
            entity="third_party",
            sellsy=SideState(id=str(company_id), entity="company"),
            altior=SideState(id=str(third_party_id), entity="third_party"),
        )
        self.tables.save_state(state)


MakeWorld = Callable[..., Awaitable[World]]


@pytest.fixture
def make_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MakeWorld:
    """``await make_world(**tenant_yaml options)``: a prepared tenant (deals on both ways)."""

    async def make(**options: Any) -> World:
        monkeypatch.setenv("ALTIOR_KEY_ACME_PROD", "altior-key")
        monkeypatch.setenv("SELLSY_SECRET_ACME_PROD", "sellsy-secret")
        settings: dict[str, Any] = {"deals_import": True, "deals_export": True, **SALES_RULES}
        settings.update(options)
        path = tmp_path / f"{TENANT}.yaml"
        path.write_text(
            tenant_yaml(
                TENANT,
                sellsy_url="http://127.0.0.1:9/v2",
                token_url="http://127.0.0.1:9/token",
                client_id="client",
                account_id=1,
                altior_url="http://127.0.0.1:9",
                env="ACME_PROD",
                **settings,
            )
        )
        clock = Clock()
        sellsy, altior = FakeSellsy(clock), FakeAltior(clock)
        runtime = TenantRuntime(
            config=load_tenant(path),
            sellsy=sellsy,  # type: ignore[arg-type]
            altior=altior,  # type: ignore[arg-type]
        )
        await runtime.prepare()
        return World(runtime, sellsy, altior)

    return make
