"""Opportunities (``/opportunities``), their pipelines and steps.

Opportunities have no "updated" timestamp nor filter: edits are found by reading
them again (snapshot + content hash downstream).  ``created`` and
``updated_status`` are the only time filters.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from sync_streams.sellsy.models.base import IdName, Owner, SellsyModel, WithCustomFields

OpportunityStatus = Literal["open", "won", "lost", "cancelled", "closed", "late"] | str
RelatedType = Literal["company", "individual", "contact"] | str


class Amount(SellsyModel):
    """Amount as Sellsy gives it: a decimal string and an ISO currency code."""

    value: str | None = None
    currency: str | None = None


class RelatedObject(SellsyModel):
    """A company, individual or contact an opportunity belongs to."""

    id: int
    type: RelatedType


class Opportunity(WithCustomFields):
    id: int
    number: str | None = None
    name: str | None = None
    source: IdName | None = None
    due_date: date | None = None
    created: datetime | None = None
    updated_status: datetime | None = None
    status: OpportunityStatus | None = None
    amount: Amount | None = None
    pipeline: IdName | None = None
    step: IdName | None = None
    probability: int | None = None
    note: str | None = None
    owner: Owner | None = None
    assigned_staff_ids: list[int] | None = None
    contact_ids: list[int] | None = None
    company_id: int | None = None
    individual_id: int | None = None
    main_doc_id: int | None = None
    related: list[RelatedObject] | None = None


class Pipeline(SellsyModel):
    """An opportunity pipeline.  ``step`` is the spec's name for its count of steps."""

    id: int
    name: str | None = None
    is_default: bool | None = None
    step: int | None = None
    rank: int | None = None


class Step(SellsyModel):
    """A step of a pipeline; ``rank`` orders the steps within their pipeline."""

    id: int
    name: str | None = None
    probability: int | None = None
    rank: int | None = None
