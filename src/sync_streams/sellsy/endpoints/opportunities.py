"""Opportunities (re-read for change capture), pipelines and steps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Literal

from sync_streams.sellsy.decoding import MalformedSellsyRecord
from sync_streams.sellsy.endpoints.base import EndpointGroup
from sync_streams.sellsy.models import (
    Opportunity,
    OpportunityCreate,
    OpportunityStatus,
    OpportunityUpdate,
    Pipeline,
    RelatedObject,
    Step,
)
from sync_streams.sellsy.queries import DateRange, Direction

OpportunityOrder = Literal["id", "created", "step_rank", "due_date"]


class OpportunityEndpoints(EndpointGroup):
    def iter_opportunities(
        self,
        *,
        pipelines: Iterable[int] = (),
        steps: Iterable[int] = (),
        statuses: Iterable[OpportunityStatus] = (),
        created: DateRange | None = None,
        updated_status: DateRange | None = None,
        custom_field_ids: Iterable[int] = (),
        order: OpportunityOrder = "id",
        direction: Direction = "asc",
        limit: int | None = None,
    ) -> AsyncIterator[Opportunity | MalformedSellsyRecord]:
        """Opportunities matching the filters, in a stable order.

        Sellsy has no "updated" filter on opportunities: change capture reads them
        all again (narrowed by pipeline/step/status) and compares content hashes.
        """
        filters = {
            "pipeline": [int(p) for p in pipelines],
            "step": [int(s) for s in steps],
            "statuses": list(dict.fromkeys(statuses)),
            "created": created.as_filter() if created else None,
            "updated_status": updated_status.as_filter() if updated_status else None,
        }
        return self._search(
            "/opportunities/search",
            filters,
            Opportunity,
            entity="opportunity",
            order=order,
            direction=direction,
            custom_field_ids=custom_field_ids,
            limit=limit,
        )

    async def get_opportunity(
        self, opportunity_id: int, *, custom_field_ids: Iterable[int] = ()
    ) -> Opportunity:
        return await self._one(
            "GET",
            f"/opportunities/{int(opportunity_id)}",
            Opportunity,
            entity="opportunity",
            custom_field_ids=custom_field_ids,
        )

    async def find_opportunities(
        self,
        *,
        created: DateRange,
        name: str | None = None,
        related: Iterable[RelatedObject] = (),
        custom_field_ids: Iterable[int] = (),
    ) -> list[Opportunity]:
        """Opportunities created within ``created``, named ``name`` and related to one
        of ``related`` (each when given), oldest first.  Sellsy cannot search them by
        reference: this is how a create whose answer was lost is found."""
        filters = {
            "created": created.as_filter(),
            "name": name,
            "related_objects": [{"type": r.type, "id": int(r.id)} for r in related],
        }
        return await self._collect_search(
            "/opportunities/search",
            filters,
            Opportunity,
            entity="opportunity",
            order="id",
            custom_field_ids=custom_field_ids,
        )

    async def create_opportunity(
        self, opportunity: OpportunityCreate, *, custom_field_ids: Iterable[int] = ()
    ) -> Opportunity:
        """Create an opportunity (not retried on a lost answer; see docs)."""
        return await self._one(
            "POST",
            "/opportunities",
            Opportunity,
            entity="opportunity",
            custom_field_ids=custom_field_ids,
            json=opportunity.payload(),
            idempotent=False,
        )

    async def update_opportunity(
        self,
        opportunity_id: int,
        changes: OpportunityUpdate,
        *,
        custom_field_ids: Iterable[int] = (),
    ) -> Opportunity:
        return await self._one(
            "PUT",
            f"/opportunities/{int(opportunity_id)}",
            Opportunity,
            entity="opportunity",
            custom_field_ids=custom_field_ids,
            json=changes.payload(),
        )

    async def move_opportunity_to_step(
        self, opportunity_id: int, step_id: int, *, pipeline_id: int | None = None
    ) -> Opportunity:
        """Put an opportunity in ``step_id`` (of ``pipeline_id`` when it changes
        pipeline).  Done with ``PUT /opportunities/{id}``, which answers the updated
        opportunity (``PATCH .../step-rank`` answers nothing, and ranks are not synced)."""
        changes = (
            OpportunityUpdate(step=step_id)
            if pipeline_id is None
            else OpportunityUpdate(pipeline=pipeline_id, step=step_id)
        )
        return await self.update_opportunity(opportunity_id, changes)

    async def list_pipelines(self) -> list[Pipeline]:
        """Every opportunity pipeline of the account, by rank."""
        return await self._collect_get(
            "/opportunities/pipelines",
            Pipeline,
            entity="pipeline",
            params=[("order", "rank"), ("direction", "asc")],
        )

    async def list_steps(self, pipeline_id: int) -> list[Step]:
        """The steps of one pipeline, by rank (their order in the pipeline)."""
        return await self._collect_get(
            f"/opportunities/pipelines/{int(pipeline_id)}/steps",
            Step,
            entity="step",
            params=[("order", "rank"), ("direction", "asc")],
        )
