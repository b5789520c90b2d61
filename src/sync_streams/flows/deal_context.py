"""What both sides of a deal share for one tenant: pipelines, establishments, clients.

A deal hangs on a third party: an affaire needs the Altior third party of the
opportunity's company (or individual), an opportunity needs the Sellsy company of
the affaire's third party.  When that client is not linked yet it *comes along*:
``client_missing`` reads it and returns a ``MissingDependency`` carrying its change
event, which the handler syncs through the third-party kind at once (whatever the
company's own filter flag says), so the deal is written right after.  With the
third-party flow of that direction off, the deal cannot be attached: it is
dead-lettered (``ClientNotSynced``) with that reason.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sync_streams.domain.envelope import System
from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import SkippableError
from sync_streams.pipeline.mapping import Pipeline, PipelineCatalog, PipelineStep
from sync_streams.pipeline.sides import MissingDependency, SideAdapter, SideRecord
from sync_streams.pipeline.state import IdLink, link_key
from sync_streams.pipeline.tables import SyncTables
from sync_streams.runtime.tenant import Direction, TenantRuntime

SELLSY_ENTITY = "opportunity"
ALTIOR_ENTITY = "affaire"
CLIENT_ENTITIES = ("company", "individual")


class ClientNotSynced(SkippableError):
    """A deal whose client cannot be brought along (third-party flow off, client gone)."""


def catalog_of(runtime: TenantRuntime, defaults: dict[int, bool] | None = None) -> PipelineCatalog:
    """The tenant's Sellsy pipelines and ranked steps, from its start-up inventory."""
    pipelines = runtime.inventory.pipelines if runtime.inventory is not None else []
    return PipelineCatalog(
        pipelines=tuple(
            Pipeline(
                id=p.id,
                name=p.name,
                is_default=bool((defaults or {}).get(p.id)),
                steps=tuple(PipelineStep(id=s.id, name=s.name, rank=s.rank) for s in p.steps),
            )
            for p in pipelines
        )
    )


def sellsy_client(snapshot: dict[str, Any]) -> tuple[str, int] | None:
    """(``company`` | ``individual``, id) an opportunity belongs to; the company first."""
    for entity in CLIENT_ENTITIES:
        value = snapshot.get(f"{entity}_id")
        if isinstance(value, int) and not isinstance(value, bool):
            return entity, value
        if isinstance(value, str) and value.isdigit():
            return entity, int(value)
    return None


class DealContext:
    """Per tenant, built once per inventory (cached with the adapters)."""

    def __init__(self, runtime: TenantRuntime, tables: SyncTables) -> None:
        self.runtime = runtime
        self.tables = tables
        self.catalog = catalog_of(runtime)
        self._creation_catalog: PipelineCatalog | None = None

    @property
    def tenant(self) -> str:
        return self.runtime.tenant

    async def creation_catalog(self) -> PipelineCatalog:
        """The catalog knowing Sellsy's default pipeline (one call, the first time):
        where an opportunity from an affaire naming no known pipeline is created."""
        if self._creation_catalog is None:
            listed = await self.runtime.sellsy.list_pipelines()
            defaults = {p.id: bool(p.is_default) for p in listed}
            self._creation_catalog = catalog_of(self.runtime, defaults)
        return self._creation_catalog

    def establishment_ids(self, names: tuple[str, ...]) -> list[int]:
        """Ids of a trigger's establishments; none named = the tenant's establishment."""
        inventory = self.runtime.inventory
        ids = [inventory.establishment_id(n) for n in names] if inventory is not None else []
        found = [i for i in ids if i is not None]
        if found:
            return found
        if self.runtime.establishment_id is None:
            raise ClientNotSynced(
                f"establishment {self.runtime.config.altior.establishment!r} is unknown in Altior"
            )
        return [self.runtime.establishment_id]

    def link(self, system: System, entity: str, record_id: str | int) -> IdLink | None:
        return self.tables.links.get(link_key(self.tenant, system, entity, record_id))

    async def client_missing(
        self,
        system: System,
        entity: str,
        record_id: int,
        deal: ChangeEvent,
        direction: Direction,
        third_parties: SideAdapter,
    ) -> MissingDependency:
        """The dependency to raise for a client not linked yet, with its change event."""
        where = "Altior" if system == "sellsy" else "Sellsy"
        what = f"its {system} {entity} {record_id}"
        if not self.runtime.flow_on("third_parties", direction):
            why = self.runtime.disabled.get("third_parties") or "switched off in the tenant file"
            raise ClientNotSynced(
                f"{deal.entity} {deal.source_id}: {what} is not in {where} and the "
                f"third-party {direction} is off ({why})"
            )
        record = await third_parties.read(str(record_id), entity)
        if record is None:
            raise ClientNotSynced(f"{deal.entity} {deal.source_id}: {what} no longer exists")
        return MissingDependency(
            f"{what} is not in {where} yet: it comes along with the deal",
            waiting_for=link_key(self.tenant, system, entity, record_id),
            bring_along=client_event(deal, system, record),
        )


def client_event(deal: ChangeEvent, system: System, record: SideRecord) -> ChangeEvent:
    """A change event of the client as just read, handled like its poller's would be."""
    return ChangeEvent(
        tenant=deal.tenant,
        system=system,
        entity=record.entity,
        source_id=record.id,
        source_updated_at=record.version,
        content_hash=record.hash,
        snapshot=record.snapshot,
        observed_at=datetime.now(UTC),
        origin=deal.origin,
    )
