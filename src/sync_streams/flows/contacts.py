"""Contacts: Sellsy contacts <-> Altior contacts, with their link to a company.

A contact linked to a company follows it: it is written only once its company has
an id link, and waits (parked) until then.  A free contact obeys its own flag.
Sellsy keeps no company id on the contact itself: the poller asks
``GET /contacts/{id}/companies`` for each changed contact (one call per change)
and records the first company as ``_company_id`` in the snapshot.

A Sellsy contact cannot carry a searchable marker: a create whose answer was lost
is found again by the contacts created since just before it, with the names and
email we sent, that the sync links to nothing else (``flows.lost_creates``).  After
a crash, the Altior contact's external reference (read fresh) names its contact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sync_streams.altior.writes import ContactCreate as AltiorContactCreate
from sync_streams.altior.writes import ContactUpdate as AltiorContactUpdate
from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import NotFoundError
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
from sync_streams.http.retry import RetryPolicy
from sync_streams.pipeline.filters import passes_import_filter
from sync_streams.pipeline.handler import Verdict
from sync_streams.pipeline.mapping import (
    altior_contact_body,
    external_sellsy_id,
    sellsy_contact_body,
    sellsy_reference,
)
from sync_streams.pipeline.sides import Announce, MissingDependency, SideAdapter, SideRecord
from sync_streams.pipeline.state import link_key
from sync_streams.pipeline.tables import SyncTables
from sync_streams.runtime.tenant import TenantRuntime
from sync_streams.sellsy.models import Contact
from sync_streams.sellsy.models.writes import ContactCreate, ContactUpdate
from sync_streams.sellsy.queries import DateRange

SELLSY_COMPANY = "_company_id"
ALTIOR_ENTITY = "altior_contact"
SAME_PERSON = ("first_name", "last_name", "email")
"""What a contact found after a lost create must hold as we sent it."""

__all__ = ["SELLSY_COMPANY", "ContactSync", "company_id_of"]


def company_id_of(snapshot: dict[str, Any], field: str) -> int | None:
    value = snapshot.get(field)
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


class _Side(AdapterBase):
    def __init__(self, runtime: TenantRuntime, tables: SyncTables) -> None:
        super().__init__(runtime)
        self.tables = tables

    def linked_id(self, system: str, entity: str, record_id: int, other: str) -> str:
        """The other system's id of a linked company; MissingDependency until it has one."""
        key = link_key(self.runtime.tenant, system, entity, record_id)
        link = self.tables.links.get(key)
        if link is None:
            raise MissingDependency(
                f"its company ({system} {entity} {record_id}) is not synced yet", waiting_for=key
            )
        return link.sellsy_id if other == "sellsy" else link.altior_id


class SellsyContacts(_Side):
    system = "sellsy"
    create_retry: RetryPolicy = CREATE_RETRY
    """A create that fails without an answer (``flows.lost_creates``)."""

    async def anchor(self, record: SideRecord, counterpart_id: str) -> SideRecord:
        return record  # Altior keeps the link (its external reference)

    def _ids(self) -> list[int]:
        flag = self.flags.for_entity("contact")
        return [flag.id] if flag is not None else []

    async def record(self, model: Any) -> SideRecord:
        snapshot = snapshot_of(model)
        companies = await self.sellsy.list_contact_companies(int(model.id))
        snapshot[SELLSY_COMPANY] = companies[0].id if companies else None
        return side_record("sellsy", "contact", model.id, snapshot, self.mapping, self.flags)

    async def read(self, record_id: str, entity: str) -> SideRecord | None:
        try:
            return await self.record(
                await self.sellsy.get_contact(int(record_id), custom_field_ids=self._ids())
            )
        except NotFoundError:
            return None

    async def find_counterpart(
        self, source: SideRecord, event: ChangeEvent, *, attempted_since: datetime | None
    ) -> SideRecord | None:
        """The contact the Altior contact's external reference names; after an announced
        attempt, read fresh (the event's snapshot predates the reference written after
        creating), then what that attempt may have made with no reference written."""
        known = external_sellsy_id(source.snapshot, self.mapping)
        if known is None and attempted_since is not None:
            try:
                fresh = await self.altior.get_contact(int(source.id))
            except NotFoundError:
                return None
            known = external_sellsy_id(snapshot_of(fresh), self.mapping)
        if known is not None:
            return await self.read(known, "contact")
        if attempted_since is None:
            return None
        body = ContactCreate.model_validate(sellsy_contact_body(source.fields, None, self.mapping))
        made = await self._made(body, source.id, creation_window(attempted_since))
        return await self.record(made) if made is not None else None

    def _claimed(self, contact_id: int, altior_id: str) -> bool:
        """The sync already links this Sellsy contact to another Altior contact."""
        link = self.tables.links.get(link_key(self.runtime.tenant, "sellsy", "contact", contact_id))
        return link is not None and link.altior_id != altior_id

    async def _made(self, body: ContactCreate, altior_id: str, window: DateRange) -> Contact | None:
        """A contact created within ``window`` with what ``body`` holds, linked to nothing else."""
        sent = body.payload()
        found = await self.sellsy.find_contacts(
            created=window, last_name=body.last_name, custom_field_ids=self._ids()
        )
        return first_unclaimed(
            found,
            lambda contact: same_values(contact, sent, SAME_PERSON),
            lambda contact_id: self._claimed(contact_id, altior_id),
        )

    async def _link(self, contact_id: int, source: SideRecord) -> int | None:
        """Link the contact to its company's twin; that company's Sellsy id."""
        third_party = company_id_of(source.snapshot, "third_party_id")
        if third_party is None:
            return None
        company = int(self.linked_id("altior", "third_party", third_party, "sellsy"))
        await self.sellsy.link_contact_to_company(company, contact_id)
        return company

    async def create(
        self, source: SideRecord, event: ChangeEvent, announce: Announce
    ) -> SideRecord:
        """POST (after a lost answer, adopt what that attempt made), link to the company,
        give Altior the Sellsy id.  The created contact is known from the POST answer
        and the link just made: no read-back."""
        third_party = company_id_of(source.snapshot, "third_party_id")
        if third_party is not None:  # fail before creating anything if the company waits
            self.linked_id("altior", "third_party", third_party, "sellsy")
        body = ContactCreate.model_validate(sellsy_contact_body(source.fields, None, self.mapping))
        window = creation_window()
        await announce()
        model = await create_once(
            lambda: self.sellsy.create_contact(body, custom_field_ids=self._ids()),
            lambda: self._made(body, source.id, window),
            self.create_retry,
        )
        company = await self._link(int(model.id), source)
        await self.altior.update_contact(
            int(source.id),
            AltiorContactUpdate.model_validate(
                {"external_references": [sellsy_reference(self.mapping, model.id)]}
            ),
        )
        snapshot = snapshot_of(model)
        snapshot[SELLSY_COMPANY] = company
        return side_record("sellsy", "contact", model.id, snapshot, self.mapping, self.flags)

    async def update(
        self, current: SideRecord, changes: dict[str, Any], event: ChangeEvent
    ) -> SideRecord:
        body = sellsy_contact_body(changes, current.snapshot, self.mapping)
        result = current
        if body:
            model = await self.sellsy.update_contact(
                int(current.id), ContactUpdate.model_validate(body), custom_field_ids=self._ids()
            )
            result = await self.record(model)
        if event.system == "altior":
            await self._link(int(current.id), event_record(event))
        return result


class AltiorContacts(_Side):
    system = "altior"
    creates_uniquely = True  # its creates carry the Sellsy id as a unique reference
    conditional_updates = True  # its updates carry the version they were based on

    async def anchor(self, record: SideRecord, counterpart_id: str) -> SideRecord:
        if external_sellsy_id(record.snapshot, self.mapping) == counterpart_id:
            return record
        body = {"external_references": [sellsy_reference(self.mapping, counterpart_id)]}
        model = await self.altior.update_contact(
            int(record.id), AltiorContactUpdate.model_validate(body)
        )
        return self._record(model)

    def _record(self, model: Any) -> SideRecord:
        return side_record(
            "altior", ALTIOR_ENTITY, model.id, snapshot_of(model), self.mapping, self.flags
        )

    def _third_party(self, source: SideRecord) -> int | None:
        company = company_id_of(source.snapshot, SELLSY_COMPANY)
        if company is None:
            return None
        return int(self.linked_id("sellsy", "company", company, "altior"))

    async def read(self, record_id: str, entity: str) -> SideRecord | None:
        try:
            return self._record(await self.altior.get_contact(int(record_id)))
        except NotFoundError:
            return None

    async def find_counterpart(
        self, source: SideRecord, event: ChangeEvent, *, attempted_since: datetime | None
    ) -> SideRecord | None:
        ref = self.mapping.external_reference
        found = await self.altior.find_contact_by_external_reference(
            source.id, key=ref.key, codification=ref.codification
        )
        return self._record(found) if found is not None else None

    def _establishment(self) -> int:
        if self.runtime.establishment_id is None:
            raise NotFoundError("establishment unknown", system="altior")
        return self.runtime.establishment_id

    async def create(
        self, source: SideRecord, event: ChangeEvent, announce: Announce
    ) -> SideRecord:
        body = altior_contact_body(
            source.fields,
            self.mapping,
            existing=None,
            establishment_id=self._establishment(),
            sellsy_id=source.id,
            third_party_id=self._third_party(source),
        )
        with unique_create():
            created = await self.altior.create_contact(AltiorContactCreate.model_validate(body))
        return self._record(created)

    async def update(
        self, current: SideRecord, changes: dict[str, Any], event: ChangeEvent
    ) -> SideRecord:
        from_sellsy = event.system == "sellsy"
        kwargs: dict[str, Any] = {}
        if from_sellsy:
            kwargs["third_party_id"] = self._third_party(event_record(event))
        body = altior_contact_body(
            changes,
            self.mapping,
            existing=current.snapshot,
            establishment_id=self._establishment(),
            sellsy_id=event.source_id if from_sellsy else None,
            **kwargs,
        )
        if not body:
            return current
        model = await self.altior.update_contact(
            int(current.id),
            AltiorContactUpdate.model_validate(body),
            if_match=version_tag(current),
        )
        return self._record(model)


def event_record(event: ChangeEvent) -> SideRecord:
    """The event's record with only what the link helpers read (its snapshot)."""
    return SideRecord(
        event.source_id, event.entity, {}, event.content_hash, event.version, event.snapshot
    )


class ContactSync:
    """The ``KindSync`` of contacts not managed as third parties."""

    kind = "contact"
    flow = "third_parties"

    def __init__(self, tables: SyncTables) -> None:
        self.tables = tables

    def handles(self, event: ChangeEvent) -> bool:
        return (event.system, event.entity) in (("sellsy", "contact"), ("altior", ALTIOR_ENTITY))

    def adapters(self, runtime: TenantRuntime) -> dict[str, SideAdapter]:
        cached = runtime.adapters_cache.get(self.kind)
        if cached is None:
            cached = {
                "sellsy": SellsyContacts(runtime, self.tables),
                "altior": AltiorContacts(runtime, self.tables),
            }
            runtime.adapters_cache[self.kind] = cached
        return cached  # type: ignore[return-value]

    def admit(self, runtime: TenantRuntime, source: SideRecord, event: ChangeEvent) -> Verdict:
        if event.system != "sellsy":
            return Verdict(True)
        company = company_id_of(event.snapshot, SELLSY_COMPANY)
        # a linked contact follows its company: it is admitted and waits for it if needed
        verdict = passes_import_filter(
            "contact",
            event.snapshot,
            runtime.mapping,
            runtime.filter_fields.for_entity("contact"),
            linked_company_synced=None if company is None else True,
        )
        return Verdict(verdict.passes, verdict.reason)
