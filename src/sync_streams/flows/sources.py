"""What the pollers read: one ``ChangeSource`` per (system, entity) of a tenant.

Each source lists the records changed since a time, in a stable order (by id,
so Sellsy's seek cursor and Altior's cursor stay valid while records change),
and fingerprints them exactly as the writers do (``flows.records``).  A record
the API returns but we cannot read becomes a ``BadRecord``: dead-lettered by the
poller, never silently skipped, never stopping the page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from sync_streams.domain.envelope import System
from sync_streams.errors import MalformedRecordError
from sync_streams.flows.records import side_record, snapshot_of
from sync_streams.pollers.poller import BadRecord, PolledRecord
from sync_streams.runtime.tenant import TenantRuntime
from sync_streams.sellsy.queries import DateRange

Lister = Callable[[datetime | None], AsyncIterator[Any]]


class RecordSource:
    """A change source over a lister yielding models or malformed-record errors."""

    def __init__(
        self,
        runtime: TenantRuntime,
        system: System,
        entity: str,
        lister: Lister,
        enrich: Callable[[Any, dict[str, Any]], Any] | None = None,
    ) -> None:
        self.runtime = runtime
        self.system = system
        self.entity = entity
        self._lister = lister
        self._enrich = enrich

    async def changed_since(
        self, since: datetime | None
    ) -> AsyncIterator[PolledRecord | BadRecord]:
        async for item in self._lister(since):
            if isinstance(item, MalformedRecordError):
                yield BadRecord(item, getattr(item, "payload", None))
                continue
            snapshot = snapshot_of(item)
            try:
                if self._enrich is not None:
                    await self._enrich(item, snapshot)
                record = side_record(
                    self.system,
                    self.entity,
                    item.id,
                    snapshot,
                    self.runtime.mapping,
                    self.runtime.filter_fields,
                )
            except MalformedRecordError as exc:
                yield BadRecord(exc, snapshot)
                continue
            yield PolledRecord(record.id, record.version, snapshot, record.hash)


def _flag_ids(runtime: TenantRuntime, entity: str) -> list[int]:
    flag = runtime.filter_fields.for_entity(entity)
    return [flag.id] if flag is not None else []


def sellsy_companies(runtime: TenantRuntime) -> RecordSource:
    def lister(since: datetime | None) -> AsyncIterator[Any]:
        return runtime.sellsy.iter_companies(
            updated_at=DateRange(start=since) if since else None,
            custom_field_ids=_flag_ids(runtime, "company"),
            order="id",
        )

    return RecordSource(runtime, "sellsy", "company", lister)


def sellsy_individuals(runtime: TenantRuntime) -> RecordSource:
    def lister(since: datetime | None) -> AsyncIterator[Any]:
        return runtime.sellsy.iter_individuals(
            updated_at=DateRange(start=since) if since else None,
            custom_field_ids=_flag_ids(runtime, "individual"),
            order="id",
        )

    return RecordSource(runtime, "sellsy", "individual", lister)


async def _items(pages: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for page in pages:
        for error in page.errors:
            yield error
        for item in page.items:
            yield item


def altior_third_parties(runtime: TenantRuntime) -> RecordSource:
    def lister(since: datetime | None) -> AsyncIterator[Any]:
        return _items(runtime.altior.third_party_pages(updated_since=since))

    return RecordSource(runtime, "altior", "third_party", lister)


def sellsy_contacts(runtime: TenantRuntime) -> RecordSource:
    from sync_streams.flows.contacts import SELLSY_COMPANY

    def lister(since: datetime | None) -> AsyncIterator[Any]:
        return runtime.sellsy.iter_contacts(
            updated=DateRange(start=since) if since else None,
            custom_field_ids=_flag_ids(runtime, "contact"),
            order="id",
        )

    async def enrich(model: Any, snapshot: dict[str, Any]) -> None:
        companies = await runtime.sellsy.list_contact_companies(int(model.id))
        snapshot[SELLSY_COMPANY] = companies[0].id if companies else None

    return RecordSource(runtime, "sellsy", "contact", lister, enrich)


def altior_contacts(runtime: TenantRuntime) -> RecordSource:
    def lister(since: datetime | None) -> AsyncIterator[Any]:
        return _items(runtime.altior.contact_pages(updated_since=since))

    return RecordSource(runtime, "altior", "altior_contact", lister)


def altior_affaires(runtime: TenantRuntime) -> RecordSource:
    def lister(since: datetime | None) -> AsyncIterator[Any]:
        return _items(runtime.altior.affaire_pages(updated_since=since))

    return RecordSource(runtime, "altior", "affaire", lister)
