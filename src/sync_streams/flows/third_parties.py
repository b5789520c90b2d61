"""Third parties: Sellsy companies and individuals <-> Altior third parties.

Idempotent creates (a redelivered event must find what it created):
* Sellsy -> Altior: the Altior record carries the external reference
  (EXTERNAL/SELLSY = Sellsy id), searched before any create.
* Altior -> Sellsy: the Sellsy company or individual's ``reference`` is
  ``ALTIOR-<id>``, searched before each further attempt of a create whose answer was
  lost (``flows.lost_creates``) and before any create that follows an announced one
  (``pipeline.state.CreateIntent``: a crash may have lost the answer); the Altior
  record then gets the Sellsy id as its external reference.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sync_streams.altior.writes import ThirdPartyCreate, ThirdPartyUpdate
from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import NotFoundError
from sync_streams.flows.lost_creates import CREATE_RETRY, create_once
from sync_streams.flows.records import (
    AdapterBase,
    side_record,
    snapshot_of,
    unique_create,
    version_tag,
)
from sync_streams.http.retry import RetryPolicy
from sync_streams.pipeline.filters import passes_import_filter
from sync_streams.pipeline.handler import Verdict
from sync_streams.pipeline.mapping import (
    altior_third_party_body,
    external_sellsy_id,
    reference_value,
    sellsy_company_body,
    sellsy_individual_body,
    sellsy_reference,
    stored_reference,
)
from sync_streams.pipeline.sides import Announce, SideAdapter, SideRecord
from sync_streams.runtime.tenant import TenantRuntime
from sync_streams.sellsy.models.writes import (
    CompanyCreate,
    CompanyUpdate,
    IndividualCreate,
    IndividualUpdate,
)

SELLSY_ENTITIES = ("company", "individual")
ALTIOR_ENTITY = "third_party"


def _sellsy_entity(source: SideRecord) -> str:
    """The Sellsy collection an Altior third party goes to."""
    return "individual" if source.fields.get("kind") == "person" else "company"


def altior_marker(altior_id: str | int) -> str:
    """What a Sellsy third party created from Altior holds in ``reference``."""
    return f"ALTIOR-{altior_id}"


class SellsyThirdParties(AdapterBase):
    system = "sellsy"
    create_retry: RetryPolicy = CREATE_RETRY
    """A create that fails without an answer (``flows.lost_creates``)."""

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

    async def find_counterpart(
        self, source: SideRecord, event: ChangeEvent, *, attempted_since: datetime | None
    ) -> SideRecord | None:
        """The record the Altior third party names, else (after an announced attempt
        only) the one carrying our marker."""
        entity = _sellsy_entity(source)
        known = external_sellsy_id(source.snapshot, self.mapping)
        if known is not None:
            found = await self.read(known, entity)
            if found is not None:
                return found
        if attempted_since is None:
            return None
        marked = await self._marked(entity, altior_marker(source.id))
        return self._record(entity, marked) if marked is not None else None

    async def _marked(self, entity: str, marker: str) -> Any:
        """The company or individual carrying our ``marker`` in ``reference``, if any."""
        ids = self._flag_ids(entity)
        if entity == "individual":
            people = await self.sellsy.find_individuals(references=[marker], custom_field_ids=ids)
            return people[0] if people else None
        companies = await self.sellsy.find_companies(references=[marker], custom_field_ids=ids)
        return companies[0] if companies else None

    async def create(
        self, source: SideRecord, event: ChangeEvent, announce: Announce
    ) -> SideRecord:
        """POST with the flag fields embedded in the answer, which is the record as its
        poller will list it: no read-back.  Then Altior gets the Sellsy id."""
        marker = altior_marker(source.id)
        entity = _sellsy_entity(source)
        ids = self._flag_ids(entity)

        async def find() -> Any:
            return await self._marked(entity, marker)

        model: Any
        if entity == "individual":
            person = IndividualCreate.model_validate(
                sellsy_individual_body(source.fields, None, self.mapping, reference=marker)
            )
            await announce()
            model = await create_once(
                lambda: self.sellsy.create_individual(person, custom_field_ids=ids),
                find,
                self.create_retry,
            )
        else:
            company = CompanyCreate.model_validate(
                sellsy_company_body(source.fields, None, reference=marker)
            )
            await announce()
            model = await create_once(
                lambda: self.sellsy.create_company(company, custom_field_ids=ids),
                find,
                self.create_retry,
            )
        created = self._record(entity, model)
        await self.altior.update_third_party(
            int(source.id),
            ThirdPartyUpdate.model_validate(
                {
                    "external_references": [
                        sellsy_reference(
                            self.mapping, created.id, individual=created.entity == "individual"
                        )
                    ]
                }
            ),
        )
        return created

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
        individual = record.fields.get("kind") == "person"
        wanted = reference_value(counterpart_id, individual=individual)
        if stored_reference(record.snapshot, self.mapping) == wanted:
            return record
        reference = sellsy_reference(self.mapping, counterpart_id, individual=individual)
        body = {"external_references": [reference]}
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

    async def find_counterpart(
        self, source: SideRecord, event: ChangeEvent, *, attempted_since: datetime | None
    ) -> SideRecord | None:
        found = await self.altior.find_third_party_by_external_reference(
            reference_value(source.id, individual=source.entity == "individual"),
            key=self.mapping.external_reference.key,
            codification=self.mapping.external_reference.codification,
        )
        return self._record(found) if found is not None else None

    async def create(
        self, source: SideRecord, event: ChangeEvent, announce: Announce
    ) -> SideRecord:
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
