"""Turn API models into ``SideRecord``s exactly as the pollers see them.

Pollers and writers must fingerprint a record the same way, or echo suppression
cannot recognise our own writes: both go through ``sellsy_record`` /
``altior_record`` here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel

from sync_streams.domain.envelope import System
from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import AlreadyExistsError
from sync_streams.pipeline.filters import FilterFields
from sync_streams.pipeline.mapping import MappingConfig, source_version, sync_hash, to_common
from sync_streams.pipeline.sides import CounterpartExists, SideRecord
from sync_streams.runtime.tenant import TenantRuntime


def snapshot_of(model: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """The JSON snapshot of an API model (unknown fields kept, aliases as the API spells them)."""
    if isinstance(model, dict):
        return model
    return model.model_dump(mode="json", by_alias=True)


def side_record(
    system: System,
    entity: str,
    record_id: str | int,
    snapshot: dict[str, Any],
    mapping: MappingConfig,
    flags: FilterFields,
) -> SideRecord:
    return SideRecord(
        id=str(record_id),
        entity=entity,
        fields=to_common(system, entity, snapshot, mapping),
        hash=sync_hash(system, entity, snapshot, mapping, flags.for_entity(entity)),
        version=source_version(system, entity, snapshot),
        snapshot=snapshot,
    )


@contextmanager
def unique_create() -> Iterator[None]:
    """Turn the API's "already exists" answer to a create into ``CounterpartExists``."""
    try:
        yield
    except AlreadyExistsError as exc:
        raise CounterpartExists(str(exc.existing_id)) from None


def version_tag(record: SideRecord) -> str | None:
    """The ``updated_at`` text ``record`` was read at: an Altior write's precondition."""
    stamp = record.snapshot.get("updated_at")
    return stamp if isinstance(stamp, str) else None


class AdapterBase:
    """What every side adapter of a tenant holds, and how it reads an event's record."""

    creates_uniquely = False
    conditional_updates = False
    """``update`` writes only if the record is still at the version of ``current``
    (else ``PreconditionFailedError``): a snapshot kept from the last sync may then
    stand in for a read before the write (``SyncHandler``)."""

    def __init__(self, runtime: TenantRuntime) -> None:
        self.runtime = runtime
        self.sellsy = runtime.sellsy
        self.altior = runtime.altior
        self.mapping = runtime.mapping
        self.flags = runtime.filter_fields

    def view(self, event: ChangeEvent) -> SideRecord:
        """The event's record in common form, with the hash and version the event carries."""
        record = side_record(
            event.system, event.entity, event.source_id, event.snapshot, self.mapping, self.flags
        )
        return SideRecord(
            record.id,
            record.entity,
            record.fields,
            event.content_hash,
            event.version,
            event.snapshot,
        )
