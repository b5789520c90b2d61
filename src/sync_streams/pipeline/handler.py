"""The sync agent's work for one change event, in pipeline order.

dedupe / echo / staleness (pure rules) -> flow switch -> filter -> map -> resolve
the counterpart -> merge field by field -> write -> record state and id link.

Everything here is orchestration: the rules are in ``pipeline.rules``, the field
mapping in ``pipeline.mapping``, the writing (counterpart, merge, writes) in
``pipeline.writer``, the API calls behind ``SideAdapter``s.  The state is recorded
only after every write succeeded, so a redelivered event is handled again (and
finds what it created: a unique create's refusal, or an announced create's
lookup), never dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from sync_streams.domain.envelope import System, other_system
from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import (
    FatalError,
    MalformedRecordError,
    RetriableError,
)
from sync_streams.jobs.messages import AmbiguityReport, LinkProposal
from sync_streams.observability.metrics import WorkerMetrics, direction_of
from sync_streams.pipeline.parking import ParkingLot
from sync_streams.pipeline.rosters import Rosters
from sync_streams.pipeline.rules import Outcome, decide
from sync_streams.pipeline.sides import (
    MissingDependency,
    SideAdapter,
    SideRecord,
)
from sync_streams.pipeline.state import (
    RecordState,
    SideState,
    mark_deleted,
    new_state,
    record_seen,
    record_sync,
    state_key,
)
from sync_streams.pipeline.tables import SyncTables
from sync_streams.pipeline.writer import PairWriter, TwinDeleted
from sync_streams.runtime.tenant import FlowName, TenantRuntime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    passes: bool
    reason: str = ""


class KindSync(Protocol):
    """How one kind of record (third party, contact, deal) syncs for a tenant."""

    kind: str
    flow: FlowName

    def handles(self, event: ChangeEvent) -> bool: ...

    def adapters(self, runtime: TenantRuntime) -> dict[System, SideAdapter]: ...

    def admit(self, runtime: TenantRuntime, source: SideRecord, event: ChangeEvent) -> Verdict:
        """Filters of the form (custom field flags, triggers); import and export alike."""


@runtime_checkable
class ActionSync(Protocol):
    """A kind whose events act on a record of another kind instead of syncing a pair
    (an Altior quote moves the linked Sellsy opportunity).

    The handler dedupes its events like any other and records them as seen once
    ``act`` returns; ``act`` checks its own flow switch and returns the outcome
    label to count.  It may raise ``MissingDependency`` to wait for a link.
    """

    kind: str
    flow: FlowName

    def handles(self, event: ChangeEvent) -> bool: ...

    async def act(
        self,
        runtime: TenantRuntime,
        event: ChangeEvent,
        *,
        first_seen: bool,
        metrics: WorkerMetrics,
    ) -> str:
        """Do what the event asks; ``first_seen``: no earlier version of it was handled."""


class StageFailure(MalformedRecordError):
    """A record that cannot go through a stage (the dead letter names the stage)."""

    def __init__(self, reason: str, *, stage: str, field: str | None = None) -> None:
        super().__init__(reason, field=field)
        self.stage = stage


POLLED_ORIGINS = frozenset({"poll", "reconcile"})
"""Origins whose events are re-reads of a source (a refused version is not retried)."""


class TenantLookup(Protocol):
    def get(self, tenant: str) -> TenantRuntime | None: ...


READY_WAIT_SECONDS = 30.0


class TenantNotReady(RetriableError):
    """The tenant's APIs could not be read yet: its event is dead-lettered for a requeue."""

    stage = "ready"


class SyncHandler:
    def __init__(
        self,
        tenants: TenantLookup,
        tables: SyncTables,
        kinds: list[KindSync],
        metrics: WorkerMetrics,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        ready_wait: float = READY_WAIT_SECONDS,
    ) -> None:
        self.tenants = tenants
        self.tables = tables
        self.kinds = kinds
        self.metrics = metrics
        self.clock = clock
        self.ready_wait = ready_wait
        self.parking = ParkingLot(tables)
        self.writer = PairWriter(tables, clock)
        self.snapshots = self.writer.snapshots
        """Records kept from the last sync: no read before a conditional write."""
        self.rosters = Rosters()
        """Filled by the reconciliation passes of this worker's tenants."""
        self._gave_up: set[str] = set()

    def propose_link(self, proposal: LinkProposal) -> bool:
        """Record two matched records as one pair, unless either side is linked already.

        The pair's field bases stay empty, so the first sync merges them: where they
        differ, the side whose init event comes first wins; what only one side holds
        is copied to the other.
        """
        tenant = proposal.tenant
        sellsy_key = state_key(tenant, "sellsy", proposal.sellsy_entity, proposal.sellsy_id)
        altior_key = state_key(tenant, "altior", proposal.altior_entity, proposal.altior_id)
        for key in (sellsy_key, altior_key):
            state = self.tables.states.get(key)
            if state is not None and state.link() is not None:
                if state.synced_at is None and state.altior.id == proposal.altior_id:
                    self._keep_listed(proposal, altior_key)  # the same pair, not synced yet
                return False
        self._keep_listed(proposal, altior_key)
        state = RecordState(
            tenant=tenant,
            entity=proposal.kind,
            sellsy=SideState(id=proposal.sellsy_id, entity=proposal.sellsy_entity),
            altior=SideState(id=proposal.altior_id, entity=proposal.altior_entity),
        )
        self.tables.save_state(state)
        self.metrics.siret_matched.labels(tenant).inc()
        return True

    def _keep_listed(self, proposal: LinkProposal, key: str) -> None:
        """Keep the Altior record the proposal carries for the pair's first sync."""
        event = proposal.altior_listed
        runtime = self.tenants.get(proposal.tenant)
        if event is None or runtime is None:
            return
        kind = next((k for k in self.kinds if k.handles(event)), None)
        if kind is None or isinstance(kind, ActionSync):
            return
        adapter = kind.adapters(runtime)["altior"]
        if not adapter.conditional_updates:
            return  # a listing may stand in for a read only before a conditional write
        try:
            self.snapshots.put_listed(key, adapter.view(event))
        except MalformedRecordError:
            return  # its own event is dead-lettered with the reason

    def report_ambiguity(self, report: AmbiguityReport) -> None:
        """Hold every record sharing the SIRET: live changes must not create duplicates
        either.  A later init whose matching no longer finds them ambiguous releases
        them (its event or link proposal for the record)."""
        reason = f"SIRET {report.siret} is shared by several records"
        sides = [("sellsy", "company", i) for i in report.sellsy_ids]
        sides += [("altior", "third_party", i) for i in report.altior_ids]
        for system, entity, record_id in sides:
            key = state_key(report.tenant, system, entity, record_id)
            state = self.tables.states.get(key) or RecordState(
                tenant=report.tenant, entity="third_party"
            ).with_side(system, SideState(id=record_id, entity=entity))  # type: ignore[arg-type]
            if state.link() is None:
                self.tables.states.put(key, state.model_copy(update={"held": reason}))
        self.metrics.siret_ambiguous.labels(report.tenant).inc()
        log.warning(
            "tenant=%s SIRET %s is shared by Sellsy %s and Altior %s: not merged",
            report.tenant,
            report.siret,
            report.sellsy_ids,
            report.altior_ids,
        )

    def remember_refusal(self, event: ChangeEvent) -> None:
        """The target refused ``event``'s record (dead-lettered): its poller's re-reads of
        the same version, inside the look-back window, must not be refused and
        dead-lettered again at every poll."""
        key = state_key(event.tenant, event.system, event.entity, event.source_id)
        state = self.tables.states.get(key) or RecordState(
            tenant=event.tenant, entity=event.entity
        ).with_side(event.system, SideState(id=event.source_id, entity=event.entity))
        self.tables.states.put(key, state.model_copy(update={"refused": event.content_hash}))

    def _count(self, event: ChangeEvent, outcome: str) -> None:
        self.metrics.count(event.tenant, direction_of(event.system), outcome, entity=event.entity)

    async def handle(self, event: ChangeEvent, *, required: bool = False) -> None:
        """Sync one event.  ``required``: another record waits for this one (a deal's
        client), so it is synced whatever its own filter says, even if seen before."""
        runtime = self.tenants.get(event.tenant)
        if runtime is None:
            raise FatalError(f"tenant {event.tenant!r} is not configured on this service")
        if runtime.paused:
            self._count(event, "paused")  # not recorded: the poller re-reads it on resume
            return
        if not runtime.ready:
            runtime = await self._until_ready(event.tenant)
        kind = next((k for k in self.kinds if k.handles(event)), None)
        if kind is None:
            raise StageFailure(f"no sync for {event.system} {event.entity}", stage="map")
        linked = await self._handle(runtime, kind, event, required=required)
        for waiting in self.parking.release(linked):
            log.info(
                "tenant=%s replaying %s now that its dependency is synced",
                event.tenant,
                waiting.event_id,
            )
            await self.handle(waiting)

    async def _until_ready(self, tenant: str) -> TenantRuntime:
        """The tenant's runtime once prepared (APIs' inventory read, filters resolved).

        The worker's reconcile timer prepares tenants shortly after start, but a
        restarted worker's backlog is consumed at once: handled before, its events
        looked like events of switched-off flows, were recorded as seen and lost.
        They wait instead.  A tenant that stays unready (APIs down) costs one wait;
        until it is ready its events are dead-lettered at once (``dlq requeue``).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (0.0 if tenant in self._gave_up else self.ready_wait)
        while True:
            runtime = self.tenants.get(tenant)  # a configuration change replaces it
            if runtime is None:
                raise FatalError(f"tenant {tenant!r} is not configured on this service")
            if runtime.ready:
                self._gave_up.discard(tenant)
                return runtime
            if loop.time() >= deadline:
                self._gave_up.add(tenant)
                raise TenantNotReady(
                    f"tenant {tenant} is not ready (its APIs could not be read yet)"
                )
            await asyncio.sleep(0.2)

    async def _handle(
        self, runtime: TenantRuntime, kind: KindSync, event: ChangeEvent, *, required: bool
    ) -> list[str]:
        """Sync ``event``; return the link keys that became known (to release parked events)."""
        source_system: System = event.system
        target_system = other_system(source_system)
        key = state_key(event.tenant, source_system, event.entity, event.source_id)
        state = self.tables.states.get(key)
        if state is not None and state.held:
            if event.origin != "init":
                self._count(event, "held")
                return []
            state = state.model_copy(update={"held": None})  # an init found it unambiguous
        if state is not None and (deleted := state.deleted) is not None:
            if deleted == source_system:
                # the record listed again after a 404: it exists, the pair syncs again
                state = state.model_copy(update={"deleted": None, "deleted_at": None})
            elif event.force:
                # an operator's forced replay of the survivor: its twin is re-created
                state = state.with_side(deleted, SideState()).model_copy(
                    update={"deleted": None, "deleted_at": None, "synced_at": None}
                )
            else:
                seen = event.content_hash == state.side(source_system).seen_hash
                self.tables.save_state(record_seen(state, event))
                # reported, never re-created; a poll's re-read is only a duplicate
                self._count(event, "duplicate" if seen else "twin_deleted")
                return []
        if (
            state is not None
            and state.refused == event.content_hash
            and event.origin in POLLED_ORIGINS
        ):
            self._count(event, "duplicate")  # this version was refused and dead-lettered
            return []
        decision = decide(event, state)
        if not decision.proceed and not (required and decision.outcome is Outcome.DUPLICATE):
            if state is not None:
                self.tables.save_state(record_seen(state, event))
                if event.origin == "reconcile" and not isinstance(kind, ActionSync):
                    await self._audit_twin(runtime, kind, event, state)
            self._count(event, _OUTCOME_LABEL.get(decision.outcome, decision.outcome.value))
            return []
        if isinstance(kind, ActionSync):
            return await self._act(runtime, kind, event, state)
        direction = direction_of(source_system)
        base = state or new_state(event, kind.kind)
        if not runtime.flow_on(kind.flow, direction):  # type: ignore[arg-type]
            self.tables.save_state(record_seen(base, event))
            self._count(event, "disabled")
            return []
        adapters = kind.adapters(runtime)
        source_adapter, target_adapter = adapters[source_system], adapters[target_system]
        try:
            source = source_adapter.view(event)
        except MalformedRecordError as exc:
            raise StageFailure(exc.reason, stage="map", field=exc.field) from exc
        verdict = Verdict(True) if required else kind.admit(runtime, source, event)
        if not verdict.passes:
            self.tables.save_state(record_seen(base, event))
            self._count(event, "filtered")
            return []
        if source.fields.get("archived") is True and base.side(target_system).id is None:
            # nothing to keep in step: an archived record gets no new twin (it does
            # once un-archived, which is a change like any other)
            self.tables.save_state(record_seen(base, event))
            self._count(event, "archived")
            return []
        try:
            sides, conflict = await self.writer.write(
                base, event, source, source_adapter, target_adapter
            )
        except TwinDeleted as exc:
            self._report_deleted(base, event, exc)
            return []
        except MissingDependency as exc:
            if await self._bring_along(exc):  # its dependency is synced now: once more
                return await self._handle(runtime, kind, event, required=required)
            self.parking.park(exc.waiting_for, event)
            self._count(event, "waiting")
            log.info("tenant=%s %s waits: %s", event.tenant, event.event_id, exc)
            return []
        if conflict:
            self.metrics.conflicts.labels(event.tenant, direction).inc()
        new = record_sync(base, event, sides, self.clock())
        self.tables.save_state(new)
        self._count(event, "applied")
        if event.origin == "reconcile":
            self.metrics.reconcile_recovered.labels(event.tenant).inc()
            log.warning(
                "tenant=%s reconciliation synced %s %s %s, a change the polls missed",
                event.tenant,
                event.system,
                event.entity,
                event.source_id,
            )
        if event.source_updated_at is not None and event.origin == "poll":
            lag = (self.clock() - event.source_updated_at).total_seconds()
            self.metrics.observe_lag(event.tenant, direction, max(lag, 0.0), entity=event.entity)
        link = new.link()
        return list(link.table_keys()) if link is not None else []

    async def _audit_twin(
        self, runtime: TenantRuntime, kind: KindSync, event: ChangeEvent, state: RecordState
    ) -> None:
        """An unchanged survivor brought by a reconciliation pass: is its twin still
        there?  Read only when the twin's side last pass did not list it."""
        twin_system = other_system(event.system)
        twin = state.side(twin_system)
        if twin.id is None or state.deleted is not None:
            return
        entity = twin.entity or state.entity
        if not self.rosters.missing(event.tenant, twin_system, entity, twin.id, state.synced_at):
            return
        if await kind.adapters(runtime)[twin_system].read(twin.id, entity) is None:
            self._report_deleted(state, event, TwinDeleted(twin_system, twin.id), count=False)

    def _report_deleted(
        self, state: RecordState, event: ChangeEvent, exc: TwinDeleted, *, count: bool = True
    ) -> None:
        """Mark the pair: a hard delete is reported, never propagated nor undone."""
        marked = mark_deleted(record_seen(state, event), exc.system, self.clock())
        self.tables.save_state(marked)
        entity = marked.side(exc.system).entity or marked.entity
        self.metrics.deleted_twins.labels(event.tenant, exc.system, entity).inc()
        if count:
            self._count(event, "twin_deleted")
        log.warning(
            "tenant=%s %s %s %s was deleted: its twin %s %s is no longer synced",
            event.tenant,
            exc.system,
            entity,
            exc.record_id,
            event.system,
            event.source_id,
        )

    async def _bring_along(self, exc: MissingDependency) -> bool:
        """Sync the record ``exc`` waits for when it came with it; True once it is linked."""
        if exc.bring_along is None:
            return False
        log.info("tenant=%s %s", exc.bring_along.tenant, exc)
        await self.handle(exc.bring_along, required=True)
        return self.tables.links.get(exc.waiting_for) is not None

    async def _act(
        self,
        runtime: TenantRuntime,
        kind: ActionSync,
        event: ChangeEvent,
        state: RecordState | None,
    ) -> list[str]:
        try:
            outcome = await kind.act(runtime, event, first_seen=state is None, metrics=self.metrics)
        except MissingDependency as exc:
            self.parking.park(exc.waiting_for, event)
            self._count(event, "waiting")
            log.info("tenant=%s %s waits: %s", event.tenant, event.event_id, exc)
            return []
        self.tables.save_state(record_seen(state or new_state(event, kind.kind), event))
        self._count(event, outcome)
        return []


_OUTCOME_LABEL: dict[Outcome, str] = {
    Outcome.DUPLICATE: "duplicate",
    Outcome.ECHO: "echo",
    Outcome.STALE: "stale",
}
