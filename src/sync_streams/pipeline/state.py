"""What the sync remembers per record, and the keys it is stored under.

One ``RecordState`` per synced record pair, held in a Faust table under the key of
*each* side (``RecordState.table_keys``) so an event from either system finds it.  Every key
starts with the tenant: two tenants whose Sellsy ids overlap can never read each
other's state or links.  The state is a value: transitions return a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote

from pydantic import BaseModel, ConfigDict, Field

from sync_streams.domain.envelope import SYSTEMS, System, TenantId, UtcDatetime
from sync_streams.domain.events import ChangeEvent
from sync_streams.domain.hashing import value_hash

KEY_SEPARATOR = "|"


def record_key(tenant: str, system: str, entity: str, record_id: str | int) -> str:
    """``tenant|system|entity|id`` with each part %-escaped, so the key is unambiguous."""
    if not tenant:
        raise ValueError("a table key needs a tenant")
    parts = (tenant, system, entity, str(record_id))
    return KEY_SEPARATOR.join(quote(part, safe="") for part in parts)


def state_key(tenant: str, system: str, entity: str, source_id: str | int) -> str:
    """Key of the record-state table for one record of one system."""
    return record_key(tenant, system, entity, source_id)


def link_key(tenant: str, system: str, entity: str, record_id: str | int) -> str:
    """Key of the id-map table: from one side's record to its ``IdLink``."""
    return record_key(tenant, system, entity, record_id)


def parse_key(key: str) -> tuple[str, str, str, str]:
    """(tenant, system, entity, id) of a key made by ``record_key``."""
    parts = key.split(KEY_SEPARATOR)
    if len(parts) != 4:
        raise ValueError(f"not a record key: {key!r}")
    tenant, system, entity, record_id = (unquote(part) for part in parts)
    return tenant, system, entity, record_id


def tenant_prefix(tenant: str) -> str:
    """Every key of ``tenant`` starts with this (and no key of another tenant does)."""
    return quote(tenant, safe="") + KEY_SEPARATOR


def belongs_to(key: str, tenant: str) -> bool:
    """True when ``key`` is one of ``tenant``'s keys."""
    return key.startswith(tenant_prefix(tenant))


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class IdLink(_Value):
    """The same real-world record in both systems (id-map table value).

    ``entity`` is the synced kind (``third_party``, ``contact``, ``deal``); the side
    entities say which collection each id belongs to (a Sellsy company and a Sellsy
    individual may share an id), and default to ``entity``.
    """

    tenant: TenantId
    entity: str
    sellsy_id: str
    altior_id: str
    sellsy_entity: str | None = None
    altior_entity: str | None = None
    linked_at: UtcDatetime | None = None

    def id_of(self, system: System) -> str:
        return self.sellsy_id if system == "sellsy" else self.altior_id

    def entity_of(self, system: System) -> str:
        named = self.sellsy_entity if system == "sellsy" else self.altior_entity
        return named or self.entity

    def key(self, system: System) -> str:
        """``link_key`` of this link seen from ``system``."""
        return link_key(self.tenant, system, self.entity_of(system), self.id_of(system))

    def table_keys(self) -> tuple[str, str]:
        """Both keys: store the link under each, so either side's event finds it."""
        return self.key("sellsy"), self.key("altior")


class SideState(_Value):
    """What the sync knows of one side of a record pair."""

    id: str | None = None
    entity: str | None = None
    seen_hash: str | None = None
    """Hash of the last version of this side we processed (event, or the writer's read)."""
    applied_version: UtcDatetime | None = None
    """Newest version of this side already accounted for: processed, or produced by our
    write.  Anything older is stale."""
    written_hash: str | None = None
    """Hash of what we last wrote to this side: its echo is dropped.  Cleared as soon as
    this side shows anything else, so a later genuine return to that content syncs."""
    synced_hash: str | None = None
    """Hash of this side when both sides last agreed."""
    pending: bool = False
    """This side has a processed change the other side has not received (filtered,
    flow switched off): the next event of the other side must merge, not overwrite."""
    field_hashes: dict[str, str] = Field(default_factory=dict)
    """Per mapped field, ``value_hash`` of the value this side held at the last sync:
    the base that tells which side changed a field (conflict resolution)."""


class SideSync(_Value):
    """What one side holds after a sync step, as the writer reports it."""

    id: str
    entity: str
    hash: str
    """Content hash of this side's record now (read back after our write, or as read)."""
    version: UtcDatetime | None = None
    """This side's record version now (its timestamp after our write)."""
    written: bool = False
    """We wrote to this side in this step (arms echo suppression for ``hash``)."""
    read_hash: str | None = None
    """Hash of this side as the writer read it before writing: a poll event carrying
    that content was merged already and is a duplicate."""
    fields: dict[str, Any] = Field(default_factory=dict)
    """Mapped field values this side holds now (common field names)."""


def field_hashes(fields: Mapping[str, Any]) -> dict[str, str]:
    """``value_hash`` of every mapped field (the per-field base of conflict resolution)."""
    return {name: value_hash(value) for name, value in fields.items()}


def _later(current: datetime | None, candidate: datetime | None) -> datetime | None:
    if current is None:
        return candidate
    if candidate is None:
        return current
    return max(current, candidate)


class CreateIntent(_Value):
    """A create toward ``system`` was about to be sent at ``since`` and may have
    succeeded: until the pair is linked, a create there must look for what that
    attempt made before it creates again.

    Written to the changelog and acknowledged *before* the create is sent, and
    cleared only by the state that records the link, so after any crash either the
    link or the intent is on record.  That is what lets a first attempt skip the
    lookup toward an API without idempotency keys (Sellsy) and still never create
    twice: the lookup costs a call per record, the intent none.
    """

    system: System
    since: UtcDatetime


class RecordState(_Value):
    """Sync state of one record pair of one tenant (record-state table value)."""

    tenant: TenantId
    entity: str
    sellsy: SideState = Field(default_factory=SideState)
    altior: SideState = Field(default_factory=SideState)
    synced_at: UtcDatetime | None = None
    held: str | None = None
    """Why this record is kept out of the sync until a human acts (an ambiguous SIRET)."""
    refused: str | None = None
    """Content hash of the version the target API refused (dead-lettered): the pollers'
    re-reads of that same version are dropped, a requeue or a replay is handled."""
    deleted: System | None = None
    """The side whose record was found hard-deleted.  A delete is never propagated:
    the survivor stays as it is, its changes are no longer synced (nor is the
    deleted record re-created), and the pair is reported until an operator acts."""
    deleted_at: UtcDatetime | None = None
    creating: CreateIntent | None = None
    """A create toward the other system that may have been made (``CreateIntent``)."""

    def side(self, system: System) -> SideState:
        return self.sellsy if system == "sellsy" else self.altior

    def with_side(self, system: System, side: SideState) -> RecordState:
        return self.model_copy(update={system: side})

    def link(self) -> IdLink | None:
        """The id link, once both sides are known."""
        if self.sellsy.id is None or self.altior.id is None:
            return None
        return IdLink(
            tenant=self.tenant,
            entity=self.entity,
            sellsy_id=self.sellsy.id,
            altior_id=self.altior.id,
            sellsy_entity=self.sellsy.entity,
            altior_entity=self.altior.entity,
        )

    def table_keys(self) -> list[str]:
        """``state_key`` of every known side: store the state under each of them."""
        return [
            state_key(self.tenant, system, side.entity or self.entity, side.id)
            for system in SYSTEMS
            if (side := self.side(system)).id is not None
        ]

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes | str) -> RecordState:
        return cls.model_validate_json(data)


def intend_create(state: RecordState, system: System, when: datetime) -> RecordState:
    """``state`` with a create toward ``system`` announced at ``when``."""
    return state.model_copy(update={"creating": CreateIntent(system=system, since=when)})


def attempted_since(state: RecordState, system: System) -> datetime | None:
    """When an earlier attempt to create this record's twin in ``system`` began."""
    intent = state.creating
    return intent.since if intent is not None and intent.system == system else None


def mark_deleted(state: RecordState, system: System, when: datetime) -> RecordState:
    """``system``'s record of the pair no longer exists (its API answered 404)."""
    return state.model_copy(update={"deleted": system, "deleted_at": when})


def new_state(event: ChangeEvent, entity: str | None = None) -> RecordState:
    """Empty state for the record ``event`` is about (``entity`` = synced kind)."""
    side = SideState(id=event.source_id, entity=event.entity)
    state = RecordState(tenant=event.tenant, entity=entity or event.entity)
    return state.with_side(event.system, side)


def _check_tenant(state: RecordState, event: ChangeEvent) -> None:
    if state.tenant != event.tenant:
        raise ValueError("state and event belong to different tenants")


def record_seen(state: RecordState, event: ChangeEvent) -> RecordState:
    """``event`` was processed without a sync (filtered out, an echo, flow off).

    Its hash becomes the last seen and its version the newest accounted for; the
    echo guard stays armed if this was the echo itself, or a copy read before our
    write (older than it): a poll's re-read of the content we wrote over says
    nothing of what the side holds now.  Disarmed by it, the guard could no longer
    tell a user's undo of our write from such a copy, and the undo was lost as a
    duplicate (fault matrix F8: an un-archive right after the sync's archive).
    """
    _check_tenant(state, event)
    side = state.side(event.system)
    is_echo = event.content_hash == side.written_hash
    older = (
        event.version is not None
        and side.applied_version is not None
        and event.version < side.applied_version
    )
    updated = side.model_copy(
        update={
            "id": event.source_id,
            "entity": event.entity,
            "seen_hash": event.content_hash,
            "applied_version": _later(side.applied_version, event.version),
            "written_hash": side.written_hash if is_echo or older else None,
            "pending": side.synced_hash is not None and event.content_hash != side.synced_hash,
        }
    )
    return state.with_side(event.system, updated)


def record_sync(
    state: RecordState,
    event: ChangeEvent,
    sides: Mapping[System, SideSync],
    synced_at: datetime,
) -> RecordState:
    """Both sides agree after handling ``event``; ``sides`` says what each now holds.

    The event's side is marked seen at the event's hash (unless we wrote it back in
    a merge); a side we wrote to remembers the written hash for echo suppression and
    the hash it had before the write as seen.
    """
    _check_tenant(state, event)
    result = state
    for system, sync in sides.items():
        side = state.side(system)
        from_event = system == event.system
        seen: str | None
        if from_event:
            seen = event.content_hash
            version = _later(side.applied_version, event.version)
        else:
            # after a write, "seen" is the pre-write content (None for a creation), so
            # the poller's copy of our write is counted as an echo, not a duplicate
            seen = sync.read_hash if sync.written else sync.hash
            version = side.applied_version
        if sync.written:
            written: str | None = sync.hash
        elif from_event:
            written = side.written_hash if event.content_hash == side.written_hash else None
        else:
            written = side.written_hash
        updated = SideState(
            id=sync.id,
            entity=sync.entity,
            seen_hash=seen,
            applied_version=_later(version, sync.version),
            written_hash=written,
            synced_hash=sync.hash,
            pending=False,
            field_hashes=field_hashes(sync.fields),
        )
        result = result.with_side(system, updated)
    return result.model_copy(update={"synced_at": synced_at, "refused": None, "creating": None})


def record_applied(
    state: RecordState,
    event: ChangeEvent,
    *,
    source_fields: Mapping[str, Any],
    target: SideSync,
    synced_at: datetime,
) -> RecordState:
    """One-way sync: ``event`` was written to the other side as ``target`` reports."""
    source = SideSync(
        id=event.source_id,
        entity=event.entity,
        hash=event.content_hash,
        version=event.version,
        fields=dict(source_fields),
    )
    target_system: System = "altior" if event.system == "sellsy" else "sellsy"
    return record_sync(state, event, {event.system: source, target_system: target}, synced_at)
