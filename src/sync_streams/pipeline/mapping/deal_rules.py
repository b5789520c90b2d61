"""Which opportunities descend into Altior, and where Altior documents move them.

Names come from the configuration as users typed them, so pipelines and steps are
compared without case or accents ("Étude" = "etude").  Moves never go backwards:
a late quote after the order leaves the opportunity where it stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from sync_streams.config.deals import DealEvent, DealsSettings, ImportTrigger
from sync_streams.pipeline.mapping.common import same_name
from sync_streams.pipeline.mapping.pipelines import PipelineCatalog

EventKind = Literal["quote", "order", "closed"]
DEAL_EVENT_OF: Final[dict[str, DealEvent]] = {
    "quote": "quote_created",
    "order": "order_created",
    "closed": "deal_closed",
}


def trigger_for(opportunity: Mapping[str, Any], deals: DealsSettings) -> ImportTrigger | None:
    """The import trigger the opportunity (common form) stands on, if any."""
    for trigger in deals.import_triggers:
        if same_name(trigger.pipeline, opportunity.get("pipeline")) and same_name(
            trigger.step, opportunity.get("step")
        ):
            return trigger
    return None


def trigger_reached(
    opportunity: Mapping[str, Any], deals: DealsSettings, catalog: PipelineCatalog
) -> ImportTrigger | None:
    """The trigger the opportunity stands on *or has passed* (by step rank), if any.

    What ``opportunityAll`` imports.  Of several triggers passed, the last one wins;
    an unknown step or pipeline passes nothing.
    """
    exact = trigger_for(opportunity, deals)
    if exact is not None:
        return exact
    rank = catalog.rank(opportunity.get("pipeline"), opportunity.get("step"))
    if rank is None:
        return None
    best: tuple[int, ImportTrigger] | None = None
    for trigger in deals.import_triggers:
        if not same_name(trigger.pipeline, opportunity.get("pipeline")):
            continue
        trigger_rank = catalog.rank(trigger.pipeline, trigger.step)
        if trigger_rank is None or trigger_rank > rank:
            continue
        if best is None or trigger_rank > best[0]:
            best = (trigger_rank, trigger)
    return best[1] if best else None


def target_step(
    event_kind: EventKind, current_pipeline: str | None, deals: DealsSettings
) -> str | None:
    """The step ``on_quote_created``/``on_order_created``/``on_deal_closed`` gives for the
    opportunity's pipeline; None when no rule names that pipeline."""
    if current_pipeline is None:
        return None
    for rule in deals.rules_for(DEAL_EVENT_OF[event_kind]):
        if same_name(rule.pipeline, current_pipeline):
            return rule.step
    return None


def is_backwards(current_step_rank: int, target_step_rank: int) -> bool:
    """True when moving to the target would send the opportunity to an earlier step."""
    return target_step_rank < current_step_rank


class StepMove(BaseModel):
    """What an Altior document or closure does to the linked opportunity."""

    model_config = ConfigDict(frozen=True)

    move: bool
    step: str | None = None
    """The target step name (as configured) when ``move``."""
    outcome: Literal["move", "no_rule", "unknown_step", "already_there", "backwards"]
    reason: str


def plan_move(
    event_kind: EventKind,
    opportunity: Mapping[str, Any],
    deals: DealsSettings,
    catalog: PipelineCatalog,
) -> StepMove:
    """Decide the move for ``event_kind`` on an opportunity in common form.

    ``no_rule`` (log once per pipeline), ``backwards`` (count as skipped),
    ``unknown_step`` (the configured step is not in the pipeline: a start-up check
    should have said so) and ``already_there`` move nothing.
    """
    pipeline, current = opportunity.get("pipeline"), opportunity.get("step")
    step = target_step(event_kind, pipeline, deals)
    if step is None:
        return StepMove(
            move=False,
            outcome="no_rule",
            reason=f"no on_{DEAL_EVENT_OF[event_kind]} rule for pipeline {pipeline!r}",
        )
    if same_name(step, current):
        return StepMove(
            move=False, step=step, outcome="already_there", reason=f"already at {step!r}"
        )
    target_rank = catalog.rank(pipeline, step)
    if target_rank is None:
        return StepMove(
            move=False,
            step=step,
            outcome="unknown_step",
            reason=f"step {step!r} is not a step of pipeline {pipeline!r}",
        )
    current_rank = catalog.rank(pipeline, current)
    if current_rank is not None and is_backwards(current_rank, target_rank):
        return StepMove(
            move=False,
            step=step,
            outcome="backwards",
            reason=f"{step!r} (rank {target_rank}) is before {current!r} (rank {current_rank})",
        )
    return StepMove(move=True, step=step, outcome="move", reason=f"{current!r} -> {step!r}")
