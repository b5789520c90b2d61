"""Companies and individuals: change listing, lookups, writes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Literal

from sync_streams.sellsy.decoding import MalformedSellsyRecord
from sync_streams.sellsy.endpoints.base import EndpointGroup
from sync_streams.sellsy.models import (
    Company,
    CompanyCreate,
    CompanyUpdate,
    Individual,
    IndividualCreate,
    IndividualUpdate,
)
from sync_streams.sellsy.queries import DateRange, Direction

ThirdPartyOrder = Literal["id", "name", "created_at", "updated_at"]


class CompanyEndpoints(EndpointGroup):
    def iter_companies(
        self,
        *,
        updated_at: DateRange | None = None,
        is_archived: bool | None = None,
        custom_field_ids: Iterable[int] = (),
        order: ThirdPartyOrder = "id",
        direction: Direction = "asc",
        limit: int | None = None,
    ) -> AsyncIterator[Company | MalformedSellsyRecord]:
        """Companies changed within ``updated_at`` (all when None), with the values of
        ``custom_field_ids`` embedded, in a stable ``order``.  A record that does not
        decode is yielded as a ``MalformedSellsyRecord`` and the listing goes on."""
        filters = {
            "updated_at": updated_at.as_filter() if updated_at else None,
            "is_archived": is_archived,
        }
        return self._search(
            "/companies/search",
            filters,
            Company,
            entity="company",
            order=order,
            direction=direction,
            custom_field_ids=custom_field_ids,
            limit=limit,
        )

    async def get_company(
        self, company_id: int, *, custom_field_ids: Iterable[int] = ()
    ) -> Company:
        return await self._one(
            "GET",
            f"/companies/{int(company_id)}",
            Company,
            entity="company",
            custom_field_ids=custom_field_ids,
        )

    async def find_companies(
        self,
        *,
        siret: str | None = None,
        references: Sequence[str] | None = None,
        custom_field_ids: Iterable[int] = (),
    ) -> list[Company]:
        """Companies whose ``legal_france.siret`` equals ``siret`` and/or whose
        ``reference`` is one of ``references`` (exact, case-insensitive, at most 100).
        The SIRET is sent as given: normalise it (14 digits) before asking."""
        if siret is None and not references:
            raise ValueError("find_companies needs a siret or references")
        if references is not None and len(references) > 100:
            raise ValueError("Sellsy accepts at most 100 references per search")
        filters = {"siret": siret, "reference": list(dict.fromkeys(references or ()))}
        return await self._collect_search(
            "/companies/search",
            filters,
            Company,
            entity="company",
            order="id",
            custom_field_ids=custom_field_ids,
        )

    async def create_company(
        self, company: CompanyCreate, *, custom_field_ids: Iterable[int] = ()
    ) -> Company:
        """Create a company.  Not retried on a lost answer (see docs): look it up by
        ``reference`` before trying again."""
        return await self._one(
            "POST",
            "/companies",
            Company,
            entity="company",
            custom_field_ids=custom_field_ids,
            json=company.payload(),
            idempotent=False,
        )

    async def update_company(
        self, company_id: int, changes: CompanyUpdate, *, custom_field_ids: Iterable[int] = ()
    ) -> Company:
        """Change the fields set in ``changes``; returns the company as Sellsy stored it."""
        return await self._one(
            "PUT",
            f"/companies/{int(company_id)}",
            Company,
            entity="company",
            custom_field_ids=custom_field_ids,
            json=changes.payload(),
        )

    def iter_individuals(
        self,
        *,
        updated_at: DateRange | None = None,
        is_archived: bool | None = None,
        custom_field_ids: Iterable[int] = (),
        order: ThirdPartyOrder = "id",
        direction: Direction = "asc",
        limit: int | None = None,
    ) -> AsyncIterator[Individual | MalformedSellsyRecord]:
        """Individuals (B2C) changed within ``updated_at``; as ``iter_companies``."""
        filters = {
            "updated_at": updated_at.as_filter() if updated_at else None,
            "is_archived": is_archived,
        }
        return self._search(
            "/individuals/search",
            filters,
            Individual,
            entity="individual",
            order=order,
            direction=direction,
            custom_field_ids=custom_field_ids,
            limit=limit,
        )

    async def get_individual(
        self, individual_id: int, *, custom_field_ids: Iterable[int] = ()
    ) -> Individual:
        return await self._one(
            "GET",
            f"/individuals/{int(individual_id)}",
            Individual,
            entity="individual",
            custom_field_ids=custom_field_ids,
        )

    async def find_individuals(
        self, *, references: Sequence[str], custom_field_ids: Iterable[int] = ()
    ) -> list[Individual]:
        """Individuals whose ``reference`` is one of ``references`` (exact,
        case-insensitive, 1 to 100): how a create whose answer was lost is found."""
        if not references or len(references) > 100:
            raise ValueError("Sellsy accepts 1 to 100 references per search")
        return await self._collect_search(
            "/individuals/search",
            {"reference": list(dict.fromkeys(references))},
            Individual,
            entity="individual",
            order="id",
            custom_field_ids=custom_field_ids,
        )

    async def create_individual(
        self, individual: IndividualCreate, *, custom_field_ids: Iterable[int] = ()
    ) -> Individual:
        """Create an individual.  Not retried on a lost answer (see docs): look it up
        by ``reference`` before trying again."""
        return await self._one(
            "POST",
            "/individuals",
            Individual,
            entity="individual",
            custom_field_ids=custom_field_ids,
            json=individual.payload(),
            idempotent=False,
        )

    async def update_individual(
        self, individual_id: int, changes: IndividualUpdate, *, custom_field_ids: Iterable[int] = ()
    ) -> Individual:
        return await self._one(
            "PUT",
            f"/individuals/{int(individual_id)}",
            Individual,
            entity="individual",
            custom_field_ids=custom_field_ids,
            json=changes.payload(),
        )
