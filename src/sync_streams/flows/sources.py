"""What the pollers read: one ``ChangeSource`` per (system, entity) of a tenant.

Each source lists the records changed since a time, in a stable order (by id,
so Sellsy's seek cursor and Altior's cursor stay valid while records change),
and fingerprints them exactly as the writers do (``flows.records``).  A record
the API returns but we cannot read becomes a ``BadRecord``: dead-lettered by the
poller, never silently skipped, never stopping the page.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
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
        reported = reported_bad_records(self.runtime)
        async for item in self._lister(since):
            if isinstance(item, MalformedRecordError):
                raw = getattr(item, "payload", None)
                if reported.first_time(self.system, self.entity, raw):
                    yield BadRecord(item, raw)
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
                if reported.first_time(self.system, self.entity, snapshot):
                    yield BadRecord(exc, snapshot)
                continue
            yield PolledRecord(record.id, record.version, snapshot, record.hash)


class ReportedBadRecords:
    """The malformed versions of a tenant's records already handed out as ``BadRecord``.

    Poll windows overlap (look-back) and a cursor only moves on records it can read,
    so a malformed record would come back -- and be dead-lettered again -- on every
    poll for as long as the tenant is quiet.  Each malformed version is reported
    once per worker process (the initial load and the pollers share this memory);
    a new malformed version of the record is reported again.  A restarted worker
    reports each one once more, which is harmless.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._seen: OrderedDict[str, str] = OrderedDict()

    def first_time(self, system: str, entity: str, raw: Any) -> bool:
        text = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
        fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()
        record_id = raw.get("id") if isinstance(raw, dict) else None
        key = f"{system}|{entity}|{record_id if record_id is not None else fingerprint}"
        if self._seen.get(key) == fingerprint:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = fingerprint
        self._seen.move_to_end(key)
        while len(self._seen) > self.limit:
            self._seen.popitem(last=False)
        return True


_REPORTED = "bad-records"


def reported_bad_records(runtime: TenantRuntime) -> ReportedBadRecords:
    """The tenant's memory of reported malformed records (kept with its adapters)."""
    memory = runtime.adapters_cache.get(_REPORTED)
    if not isinstance(memory, ReportedBadRecords):
        memory = ReportedBadRecords()
        runtime.adapters_cache[_REPORTED] = memory
    return memory


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
