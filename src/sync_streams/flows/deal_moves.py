"""Altior quotes, orders and closures move the linked Sellsy opportunity.

An ``ActionSync`` (see ``pipeline.handler``): these events pair with nothing; each
asks for a move of the opportunity linked to its affaire, to the step the
configuration gives for the opportunity's *current* pipeline (``on_quote_created``,
``on_order_created``, ``on_deal_closed``).  Rules, in ``mapping.plan_move``:

* never backwards: a target step ranked before where the opportunity stands is
  skipped and counted (a late quote after the order leaves it at the order step);
* no rule for its pipeline: nothing moves, logged once per pipeline and event;
* a closure also carries Altior's status (won, lost, closed) when Sellsy differs.

Idempotent: a quote or order acts the first time it is seen only (its later edits,
a redelivery, a replay do nothing: dedupe, then ``first_seen``); a closure acts
once per closing (reopening and closing again is a new closing).  Even replayed
from scratch, a move is planned against where the opportunity stands now, so it
never goes back.  The move is a Sellsy change like a salesperson's: the
opportunity poller sees it and the deal sync carries the new step to Altior's
Etape field.

A document of an affaire not linked yet waits for it when affaires are exported
(the affaire is on its way); otherwise there is no opportunity to move.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import NotFoundError
from sync_streams.flows.deal_context import ALTIOR_ENTITY, SELLSY_ENTITY
from sync_streams.flows.deal_sources import CLOSURE_ENTITY
from sync_streams.flows.deals import deal_context
from sync_streams.observability.metrics import WorkerMetrics
from sync_streams.pipeline.mapping import EventKind, plan_move
from sync_streams.pipeline.mapping.deals import sellsy_opportunity_to_common
from sync_streams.pipeline.sides import MissingDependency
from sync_streams.pipeline.state import link_key
from sync_streams.pipeline.tables import SyncTables
from sync_streams.runtime.tenant import TenantRuntime
from sync_streams.sellsy.models.writes import OpportunityUpdate

log = logging.getLogger(__name__)

EVENT_KIND: Final[dict[str, EventKind]] = {
    "quote": "quote",
    "order": "order",
    CLOSURE_ENTITY: "closed",
}
CLOSED: Final = ("won", "lost", "closed")
MOVE_LABEL: Final = {"move": "moved"}


class DealMoveSync:
    """The ``ActionSync`` of Altior quotes, orders and affaire closures."""

    kind = "deal_move"
    flow = "deals"

    def __init__(self, tables: SyncTables) -> None:
        self.tables = tables
        self._told: set[tuple[str, str, str]] = set()

    def handles(self, event: ChangeEvent) -> bool:
        return event.system == "altior" and event.entity in EVENT_KIND

    async def act(
        self,
        runtime: TenantRuntime,
        event: ChangeEvent,
        *,
        first_seen: bool,
        metrics: WorkerMetrics,
    ) -> str:
        if not (runtime.flow_on("deals", "import") or runtime.flow_on("deals", "export")):
            return "disabled"
        kind = EVENT_KIND[event.entity]
        status = event.snapshot.get("status")
        if kind == "closed" and status not in CLOSED:
            return "filtered"  # an open (or reopened) affaire asks for nothing
        if kind != "closed" and not first_seen:
            return "filtered"  # an edit of a document already handled
        affaire = event.snapshot.get("affaire_id")
        key = link_key(runtime.tenant, "altior", ALTIOR_ENTITY, str(affaire))
        link = self.tables.links.get(key)
        if link is None:
            if runtime.flow_on("deals", "export"):
                raise MissingDependency(
                    f"its affaire {affaire} is not linked to an opportunity yet", waiting_for=key
                )
            log.info(
                "tenant=%s %s %s: affaire %s is linked to no opportunity; nothing to move",
                runtime.tenant,
                event.entity,
                event.source_id,
                affaire,
            )
            return "filtered"
        return await self._move(runtime, event, kind, int(link.sellsy_id), metrics)

    async def _move(
        self,
        runtime: TenantRuntime,
        event: ChangeEvent,
        kind: EventKind,
        opportunity_id: int,
        metrics: WorkerMetrics,
    ) -> str:
        try:
            opportunity = await runtime.sellsy.get_opportunity(opportunity_id)
        except NotFoundError:
            log.info("tenant=%s opportunity %s is gone", runtime.tenant, opportunity_id)
            return "filtered"
        current = sellsy_opportunity_to_common(opportunity.model_dump(mode="json"))
        catalog = deal_context(runtime, self.tables).catalog
        plan = plan_move(kind, current, runtime.config.deals, catalog)
        metrics.deal_moves.labels(runtime.tenant, MOVE_LABEL.get(plan.outcome, plan.outcome)).inc()
        changes: dict[str, Any] = {}
        if plan.move:
            step = catalog.step(current["pipeline"], plan.step)
            if step is not None:
                changes["step"] = step.id
        else:
            self._tell(runtime, event, kind, current, plan.outcome, plan.reason)
        status = event.snapshot.get("status")
        if kind == "closed" and status != current["status"]:
            changes["status"] = status
        if not changes:
            return "filtered"
        await runtime.sellsy.update_opportunity(opportunity_id, OpportunityUpdate(**changes))
        log.info(
            "tenant=%s %s %s moved %s %s: %s%s",
            runtime.tenant,
            event.entity,
            event.source_id,
            SELLSY_ENTITY,
            opportunity_id,
            plan.reason,
            f", status {status}" if "status" in changes else "",
        )
        return "applied"

    def _tell(
        self,
        runtime: TenantRuntime,
        event: ChangeEvent,
        kind: EventKind,
        current: dict[str, Any],
        outcome: str,
        reason: str,
    ) -> None:
        if outcome == "no_rule":
            told = (runtime.tenant, kind, str(current.get("pipeline")))
            if told in self._told:
                return
            self._told.add(told)
            log.warning("tenant=%s %s events move nothing: %s", runtime.tenant, kind, reason)
            return
        log.info(
            "tenant=%s %s %s: opportunity not moved (%s: %s)",
            runtime.tenant,
            event.entity,
            event.source_id,
            outcome,
            reason,
        )
