"""Third parties: Sellsy companies and individuals <-> Altior third parties.

Idempotent creates (a redelivered event must find what it created):
* Sellsy -> Altior: the Altior record carries the external reference
  (EXTERNAL/SELLSY = Sellsy id), searched before any create.
* Altior -> Sellsy: the Sellsy record's ``reference`` is ``ALTIOR-<id>`` (searched
  before creating a company), and the Altior record then gets the Sellsy id as its
  external reference.  Sellsy cannot search individuals by reference: an individual
  whose create answer was lost may be created twice (documented in sync-rules.md).
"""

from __future__ import annotations

from typing import Any

from sync_streams.altior.writes import ThirdPartyCreate, ThirdPartyUpdate
from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import NotFoundError
from sync_streams.flows.records import (
    AdapterBase,
    side_record,
    snapshot_of,
    unique_create,
    version_tag,
)
from sync_streams.http.retry import RetryPolicy, call_with_retries
from sync_streams.pipeline.filters import passes_import_filter
from sync_streams.pipeline.handler import Verdict
from sync_streams.pipeline.mapping import (
    altior_third_party_body,
    external_sellsy_id,
    sellsy_company_body,
    sellsy_individual_body,
    sellsy_reference,
)
from sync_streams.pipeline.sides import SideAdapter, SideRecord
from sync_streams.runtime.tenant import TenantRuntime
from sync_streams.sellsy.models.writes import (
    CompanyCreate,
    CompanyUpdate,
    IndividualCreate,
    IndividualUpdate,
)

SELLSY_ENTITIES = ("company", "individual")
ALTIOR_ENTITY = "third_party"


def altior_marker(altior_id: str | int) -> str:
    """What a Sellsy third party created from Altior holds in ``reference``."""
    return f"ALTIOR-{altior_id}"


class SellsyThirdParties(AdapterBase):
    system = "sellsy"
    create_retry = RetryPolicy(attempts=3, base_delay=1.0)
    """A Sellsy company create that fails without an answer: 1 s, then 2 s, apart."""

    async def anchor(self, record: SideRecord, counterpart_id: str) -> SideRecord:
        return record  # Altior keeps the link (its external reference)

    def _flag_ids(self, entity: str) -> list[int]:
        flag = self.flags.for_entity(entity)
        return [flag.id] if flag is not None else []

    def _record(self, entity: str, model: Any) -> SideRecord:
        return side_record("sellsy", entity, model.id, snapshot_of(model), self.mapping, self.flags)

    async def read(self, record_id: str, entity: str) -> SideRecord | None:
        ids = self._flag_ids(entity)
        try:
            if entity == "individual":
                return self._record(
                    entity, await self.sellsy.get_individual(int(record_id), custom_field_ids=ids)
                )
            return self._record(
                "company", await self.sellsy.get_company(int(record_id), custom_field_ids=ids)
            )
        except NotFoundError:
            return None

    async def find_counterpart(self, source: SideRecord, event: ChangeEvent) -> SideRecord | None:
        entity = "individual" if source.fields.get("kind") == "person" else "company"
        known = external_sellsy_id(source.snapshot, self.mapping)
        if known is not None:
            found = await self.read(known, entity)
            if found is not None:
                return found
        if entity == "company":
            matches = await self.sellsy.find_companies(
                references=[altior_marker(source.id)], custom_field_ids=self._flag_ids(entity)
            )
            if matches:
                return self._record("company", matches[0])
        return None

    async def create(self, source: SideRecord, event: ChangeEvent) -> SideRecord:
        marker = altior_marker(source.id)
        model: Any
        if source.fields.get("kind") == "person":
            body = sellsy_individual_body(source.fields, None, self.mapping, reference=marker)
            model = await self.sellsy.create_individual(IndividualCreate.model_validate(body))
            created = await self.read(str(model.id), "individual")
        else:
            body = sellsy_company_body(source.fields, None, reference=marker)
            model = await self._create_company(CompanyCreate.model_validate(body), marker)
            created = await self.read(str(model.id), "company")
        if created is None:
            raise NotFoundError("record vanished right after creation", system="sellsy")
        await self.altior.update_third_party(
            int(source.id),
            ThirdPartyUpdate.model_validate(
                {"external_references": [sellsy_reference(self.mapping, created.id)]}
            ),
        )
        return created

    async def _create_company(self, body: CompanyCreate, marker: str) -> Any:
        """Sellsy's client does not resend a create whose answer was lost (a 5xx, a
        dropped connection): it may have been made.  The company carries our marker, so
        each retry looks for it before creating again; bounded by ``create_retry``, then
        the event is dead-lettered for a requeue."""
        first = True

        async def attempt() -> Any:
            nonlocal first
            if not first:
                found = await self.sellsy.find_companies(
                    references=[marker], custom_field_ids=self._flag_ids("company")
                )
                if found:
                    return found[0]
            first = False
            return await self.sellsy.create_company(body)

        return await call_with_retries(attempt, self.create_retry)

    async def update(
        self, current: SideRecord, changes: dict[str, Any], event: ChangeEvent
    ) -> SideRecord:
        ids = self._flag_ids(current.entity)
        if current.entity == "individual":
            body = sellsy_individual_body(changes, current.snapshot, self.mapping)
            if not body:
                return current
            model: Any = await self.sellsy.update_individual(
                int(current.id), IndividualUpdate.model_validate(body), custom_field_ids=ids
            )
        else:
            body = sellsy_company_body(changes, current.snapshot)
            if not body:
                return current
            model = await self.sellsy.update_company(
                int(current.id), CompanyUpdate.model_validate(body), custom_field_ids=ids
            )
        return self._record(current.entity, model)


class AltiorThirdParties(AdapterBase):
    system = "altior"
    creates_uniquely = True  # its creates carry the Sellsy id as a unique reference
    conditional_updates = True  # its updates carry the version they were based on

    async def anchor(self, record: SideRecord, counterpart_id: str) -> SideRecord:
        if external_sellsy_id(record.snapshot, self.mapping) == counterpart_id:
            return record
        body = {"external_references": [sellsy_reference(self.mapping, counterpart_id)]}
        model = await self.altior.update_third_party(
            int(record.id), ThirdPartyUpdate.model_validate(body)
        )
        return self._record(model)

    def _record(self, model: Any) -> SideRecord:
        return side_record(
            "altior", ALTIOR_ENTITY, model.id, snapshot_of(model), self.mapping, self.flags
        )

    def _establishment(self) -> int:
        if self.runtime.establishment_id is None:
            raise NotFoundError(
                f"establishment {self.runtime.config.altior.establishment!r} unknown",
                system="altior",
            )
        return self.runtime.establishment_id

    async def read(self, record_id: str, entity: str) -> SideRecord | None:
        try:
            return self._record(await self.altior.get_third_party(int(record_id)))
        except NotFoundError:
            return None

    async def find_counterpart(self, source: SideRecord, event: ChangeEvent) -> SideRecord | None:
        found = await self.altior.find_third_party_by_external_reference(
            source.id,
            key=self.mapping.external_reference.key,
            codification=self.mapping.external_reference.codification,
        )
        return self._record(found) if found is not None else None

    async def create(self, source: SideRecord, event: ChangeEvent) -> SideRecord:
        body = altior_third_party_body(
            source.fields,
            self.mapping,
            existing=None,
            establishment_id=self._establishment(),
            sellsy_id=source.id,
        )
        with unique_create():
            created = await self.altior.create_third_party(ThirdPartyCreate.model_validate(body))
        return self._record(created)

    async def update(
        self, current: SideRecord, changes: dict[str, Any], event: ChangeEvent
    ) -> SideRecord:
        sellsy_id = event.source_id if event.system == "sellsy" else None
        body = altior_third_party_body(
            changes,
            self.mapping,
            existing=current.snapshot,
            establishment_id=self._establishment(),
            sellsy_id=sellsy_id,
        )
        if not body:
            return current
        model = await self.altior.update_third_party(
            int(current.id), ThirdPartyUpdate.model_validate(body), if_match=version_tag(current)
        )
        return self._record(model)


class ThirdPartySync:
    """The ``KindSync`` of third parties (form: "Paramètres pour synchronisation des tiers")."""

    kind = "third_party"
    flow = "third_parties"

    def handles(self, event: ChangeEvent) -> bool:
        if event.system == "sellsy":
            return event.entity in SELLSY_ENTITIES
        return event.entity == ALTIOR_ENTITY

    def adapters(self, runtime: TenantRuntime) -> dict[str, SideAdapter]:
        cached = runtime.adapters_cache.get(self.kind)
        if cached is None:
            cached = {"sellsy": SellsyThirdParties(runtime), "altior": AltiorThirdParties(runtime)}
            runtime.adapters_cache[self.kind] = cached
        return cached  # type: ignore[return-value]

    def admit(self, runtime: TenantRuntime, source: SideRecord, event: ChangeEvent) -> Verdict:
        if event.system != "sellsy":
            return Verdict(True)
        verdict = passes_import_filter(
            event.entity,
            event.snapshot,
            runtime.mapping,
            runtime.filter_fields.for_entity(event.entity),
        )
        return Verdict(verdict.passes, verdict.reason)
