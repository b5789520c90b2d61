"""Deals: Sellsy opportunities <-> Altior affaires, built like third parties.

* Import: an opportunity comes down once it reaches a trigger (pipeline + step, at
  or past it by rank) and carries the filter flag when one is configured; from then
  on (it is linked) the affaire follows it whatever its step.  The affaire is made
  in the trigger's establishment(s), for the Altior third party of the
  opportunity's company or individual (brought along when not synced yet: see
  ``flows.deal_context``), with the external reference EXTERNAL/SELLSY = Sellsy id.
* Export: an affaire becomes an opportunity related to the Sellsy company of its
  third party, in the pipeline/step its Workflow/Etape fields name, else the first
  step of Sellsy's default pipeline.  The affaire then gets the external reference
  and the Workflow/Etape of the new opportunity (so it is found again after a crash
  and its fields say where the deal stands).

An opportunity cannot carry a searchable marker: a create whose answer was lost is
found again by the opportunities of the same company or individual created since
just before it, with the name, pipeline and step we sent, that the sync links to
nothing else (``flows.lost_creates``).  After a crash, the affaire's external
reference (read fresh) names its opportunity; when the crash came before that
reference was written, the same lookup runs from the announced attempt's time
(``pipeline.state.CreateIntent``).

Status changes reach Altior through ``/close`` and ``/reopen``.  Moves asked by
Altior documents are not here: see ``flows.deal_moves``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sync_streams.altior.writes import AffaireCreate, AffaireUpdate
from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import NotFoundError
from sync_streams.flows.deal_context import (
    ALTIOR_ENTITY,
    SELLSY_ENTITY,
    ClientNotSynced,
    DealContext,
    sellsy_client,
)
from sync_streams.flows.lost_creates import (
    CREATE_RETRY,
    create_once,
    creation_window,
    first_unclaimed,
    same_values,
)
from sync_streams.flows.records import (
    AdapterBase,
    side_record,
    snapshot_of,
    unique_create,
    version_tag,
)
from sync_streams.flows.third_parties import ThirdPartySync
from sync_streams.http.retry import RetryPolicy
from sync_streams.pipeline.filters import passes_import_filter
from sync_streams.pipeline.handler import Verdict
from sync_streams.pipeline.mapping import (
    altior_affaire_body,
    altior_status_actions,
    external_sellsy_id,
    sellsy_opportunity_body,
    trigger_reached,
)
from sync_streams.pipeline.sides import Announce, SideAdapter, SideRecord
from sync_streams.pipeline.tables import SyncTables
from sync_streams.runtime.tenant import TenantRuntime
from sync_streams.sellsy.models import Opportunity, RelatedObject
from sync_streams.sellsy.models.writes import OpportunityCreate, OpportunityUpdate
from sync_streams.sellsy.queries import DateRange

__all__ = ["AltiorDeals", "DealSync", "SellsyDeals", "deal_context"]


def deal_context(runtime: TenantRuntime, tables: SyncTables) -> DealContext:
    """The tenant's ``DealContext``, built once per inventory."""
    cached = runtime.adapters_cache.get("deal_context")
    if not isinstance(cached, DealContext):
        cached = DealContext(runtime, tables)
        runtime.adapters_cache["deal_context"] = cached
    return cached


class _Side(AdapterBase):
    def __init__(self, context: DealContext) -> None:
        super().__init__(context.runtime)
        self.context = context

    def third_parties(self, system: str) -> SideAdapter:
        return ThirdPartySync().adapters(self.runtime)[system]


class SellsyDeals(_Side):
    system = "sellsy"
    create_retry: RetryPolicy = CREATE_RETRY
    """A create that fails without an answer (``flows.lost_creates``)."""

    def _ids(self) -> list[int]:
        flag = self.flags.for_entity(SELLSY_ENTITY)
        return [flag.id] if flag is not None else []

    def _record(self, model: Any) -> SideRecord:
        return side_record(
            "sellsy", SELLSY_ENTITY, model.id, snapshot_of(model), self.mapping, self.flags
        )

    async def anchor(self, record: SideRecord, counterpart_id: str) -> SideRecord:
        return record  # Altior keeps the link (its external reference)

    async def read(self, record_id: str, entity: str) -> SideRecord | None:
        try:
            model = await self.sellsy.get_opportunity(int(record_id), custom_field_ids=self._ids())
        except NotFoundError:
            return None
        return self._record(model)

    async def find_counterpart(
        self, source: SideRecord, event: ChangeEvent, *, attempted_since: datetime | None
    ) -> SideRecord | None:
        """The opportunity the affaire's external reference names; after an announced
        attempt, read fresh (the event's snapshot predates the reference written after
        creating), then what that attempt may have made with no reference written."""
        known = external_sellsy_id(source.snapshot, self.mapping)
        if known is None and attempted_since is not None:
            try:
                fresh = await self.altior.get_affaire(int(source.id))
            except NotFoundError:
                return None
            known = external_sellsy_id(snapshot_of(fresh), self.mapping)
        if known is not None:
            return await self.read(known, SELLSY_ENTITY)
        if attempted_since is None:
            return None
        body, related = await self._creation(source, event)
        made = await self._made(body, related, source.id, creation_window(attempted_since))
        return self._record(made) if made is not None else None

    async def _related(self, affaire: SideRecord, event: ChangeEvent) -> dict[str, Any]:
        third_party = affaire.snapshot.get("third_party_id")
        if not isinstance(third_party, int):
            raise ClientNotSynced(f"affaire {affaire.id} has no third party")
        link = self.context.link("altior", "third_party", third_party)
        if link is None:
            raise await self.context.client_missing(
                "altior", "third_party", third_party, event, "export", self.third_parties("altior")
            )
        return {"id": int(link.sellsy_id), "type": link.entity_of("sellsy")}

    def _same(self, found: Opportunity, body: OpportunityCreate) -> bool:
        """``found`` holds the name, pipeline and step we sent."""
        pipeline = found.pipeline.id if found.pipeline is not None else None
        step = found.step.id if found.step is not None else None
        return (pipeline, step) == (body.pipeline, body.step) and same_values(
            found, {"name": body.name}, ("name",)
        )

    def _claimed(self, opportunity_id: int, affaire_id: str) -> bool:
        """The sync already links this opportunity to another affaire."""
        link = self.context.link("sellsy", SELLSY_ENTITY, opportunity_id)
        return link is not None and link.altior_id != affaire_id

    async def _made(
        self, body: OpportunityCreate, related: RelatedObject, affaire_id: str, window: DateRange
    ) -> Opportunity | None:
        """An opportunity created within ``window`` with what ``body`` holds, on the same
        client, linked to nothing else."""
        found = await self.sellsy.find_opportunities(
            created=window, related=[related], custom_field_ids=self._ids()
        )
        return first_unclaimed(
            found,
            lambda opportunity: self._same(opportunity, body),
            lambda opportunity_id: self._claimed(opportunity_id, affaire_id),
        )

    async def _creation(
        self, source: SideRecord, event: ChangeEvent
    ) -> tuple[OpportunityCreate, RelatedObject]:
        """The opportunity to create for the affaire ``source``, and its client."""
        related = await self._related(source, event)
        catalog = await self.context.creation_catalog()
        body = sellsy_opportunity_body(source.fields, None, catalog=catalog, related=[related])
        return OpportunityCreate.model_validate(body), RelatedObject.model_validate(related)

    async def create(
        self, source: SideRecord, event: ChangeEvent, announce: Announce
    ) -> SideRecord:
        body, related = await self._creation(source, event)
        window = creation_window()
        await announce()
        model = await create_once(
            lambda: self.sellsy.create_opportunity(body, custom_field_ids=self._ids()),
            lambda: self._made(body, related, source.id, window),
            self.create_retry,
        )
        created = self._record(model)
        # the affaire remembers its opportunity (found again after a crash) and where it stands
        where = {"pipeline": created.fields["pipeline"], "step": created.fields["step"]}
        patch = altior_affaire_body(
            where, self.mapping, existing=source.snapshot, sellsy_id=created.id
        )
        if patch:
            await self.altior.update_affaire(int(source.id), AffaireUpdate.model_validate(patch))
        return created

    async def update(
        self, current: SideRecord, changes: dict[str, Any], event: ChangeEvent
    ) -> SideRecord:
        body = sellsy_opportunity_body(changes, current.snapshot, catalog=self.context.catalog)
        if not body:
            return current
        model = await self.sellsy.update_opportunity(
            int(current.id), OpportunityUpdate.model_validate(body), custom_field_ids=self._ids()
        )
        return self._record(model)


class AltiorDeals(_Side):
    system = "altior"
    creates_uniquely = True  # its creates carry the Sellsy id as a unique reference
    conditional_updates = True  # its updates carry the version they were based on

    def _record(self, model: Any) -> SideRecord:
        return side_record(
            "altior", ALTIOR_ENTITY, model.id, snapshot_of(model), self.mapping, self.flags
        )

    async def anchor(self, record: SideRecord, counterpart_id: str) -> SideRecord:
        if external_sellsy_id(record.snapshot, self.mapping) == counterpart_id:
            return record
        body = altior_affaire_body(
            {}, self.mapping, existing=record.snapshot, sellsy_id=counterpart_id
        )
        model = await self.altior.update_affaire(int(record.id), AffaireUpdate.model_validate(body))
        return self._record(model)

    async def read(self, record_id: str, entity: str) -> SideRecord | None:
        try:
            return self._record(await self.altior.get_affaire(int(record_id)))
        except NotFoundError:
            return None

    async def find_counterpart(
        self, source: SideRecord, event: ChangeEvent, *, attempted_since: datetime | None
    ) -> SideRecord | None:
        ref = self.mapping.external_reference
        found = await self.altior.find_affaire_by_external_reference(
            source.id, key=ref.key, codification=ref.codification
        )
        return self._record(found) if found is not None else None

    async def _third_party(self, opportunity: SideRecord, event: ChangeEvent) -> int:
        client = sellsy_client(opportunity.snapshot)
        if client is None:
            raise ClientNotSynced(f"opportunity {opportunity.id} has no company nor individual")
        entity, client_id = client
        link = self.context.link("sellsy", entity, client_id)
        if link is None:
            raise await self.context.client_missing(
                "sellsy", entity, client_id, event, "import", self.third_parties("sellsy")
            )
        return int(link.altior_id)

    async def _set_status(self, record: SideRecord, wanted: dict[str, Any]) -> SideRecord:
        for action in altior_status_actions(wanted, record.snapshot):
            if action.action == "close":
                model = await self.altior.close_affaire(int(record.id), action.status or "closed")
            else:
                model = await self.altior.reopen_affaire(int(record.id))
            record = self._record(model)
        return record

    async def create(
        self, source: SideRecord, event: ChangeEvent, announce: Announce
    ) -> SideRecord:
        third_party = await self._third_party(source, event)
        trigger = trigger_reached(source.fields, self.runtime.config.deals, self.context.catalog)
        establishments = self.context.establishment_ids(trigger.establishments if trigger else ())
        body = altior_affaire_body(
            source.fields,
            self.mapping,
            existing=None,
            establishment_ids=establishments,
            third_party_id=third_party,
            sellsy_id=source.id,
        )
        with unique_create():
            affaire = await self.altior.create_affaire(AffaireCreate.model_validate(body))
        created = self._record(affaire)
        return await self._set_status(created, source.fields)

    async def update(
        self, current: SideRecord, changes: dict[str, Any], event: ChangeEvent
    ) -> SideRecord:
        from_sellsy = event.system == "sellsy"
        third_party = None
        if from_sellsy:
            third_party = await self._third_party(self.view(event), event)
        body = altior_affaire_body(
            changes,
            self.mapping,
            existing=current.snapshot,
            third_party_id=third_party,
            sellsy_id=event.source_id if from_sellsy else None,
        )
        result = current
        if body:
            model = await self.altior.update_affaire(
                int(current.id), AffaireUpdate.model_validate(body), if_match=version_tag(current)
            )
            result = self._record(model)
        return await self._set_status(result, changes)


class DealSync:
    """The ``KindSync`` of deals (form: "Paramètres pour synchronisation des affaires")."""

    kind = "deal"
    flow = "deals"

    def __init__(self, tables: SyncTables) -> None:
        self.tables = tables

    def handles(self, event: ChangeEvent) -> bool:
        return (event.system, event.entity) in (
            ("sellsy", SELLSY_ENTITY),
            ("altior", ALTIOR_ENTITY),
        )

    def adapters(self, runtime: TenantRuntime) -> dict[str, SideAdapter]:
        cached = runtime.adapters_cache.get(self.kind)
        if cached is None:
            context = deal_context(runtime, self.tables)
            cached = {"sellsy": SellsyDeals(context), "altior": AltiorDeals(context)}
            runtime.adapters_cache[self.kind] = cached
        return cached  # type: ignore[return-value]

    def admit(self, runtime: TenantRuntime, source: SideRecord, event: ChangeEvent) -> Verdict:
        """Import only: a linked opportunity follows; a new one needs its flag and a trigger."""
        if event.system != "sellsy":
            return Verdict(True)
        context = deal_context(runtime, self.tables)
        if context.link("sellsy", SELLSY_ENTITY, event.source_id) is not None:
            return Verdict(True, "already in Altior: the affaire follows it")
        flagged = passes_import_filter(
            SELLSY_ENTITY,
            event.snapshot,
            runtime.mapping,
            runtime.filter_fields.for_entity(SELLSY_ENTITY),
        )
        if not flagged.passes:
            return Verdict(False, flagged.reason)
        trigger = trigger_reached(source.fields, runtime.config.deals, context.catalog)
        if trigger is None:
            where = f"{source.fields.get('pipeline')!r} / {source.fields.get('step')!r}"
            return Verdict(False, f"{where} has not reached an import trigger")
        return Verdict(True, f"reached the trigger {trigger.pipeline!r} / {trigger.step!r}")
