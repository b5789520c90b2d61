"""Contacts: change listing by ``updated``, writes, links to companies."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import Literal

from sync_streams.sellsy.decoding import MalformedSellsyRecord, decode
from sync_streams.sellsy.endpoints.base import EndpointGroup
from sync_streams.sellsy.models import (
    Company,
    Contact,
    ContactCompanyLink,
    ContactCreate,
    ContactUpdate,
    LinkRole,
)
from sync_streams.sellsy.models.writes import LinkRolesWrite
from sync_streams.sellsy.pagination import parse_page
from sync_streams.sellsy.queries import DateRange, Direction, embed_params

log = logging.getLogger(__name__)

ContactOrder = Literal["id", "name", "created_at"]


class ContactEndpoints(EndpointGroup):
    def iter_contacts(
        self,
        *,
        updated: DateRange | None = None,
        companies: Iterable[int] = (),
        is_linked: bool | None = None,
        custom_field_ids: Iterable[int] = (),
        order: ContactOrder = "id",
        direction: Direction = "asc",
        limit: int | None = None,
    ) -> AsyncIterator[Contact | MalformedSellsyRecord]:
        """Contacts changed within ``updated`` (Sellsy's name for it on contacts),
        optionally only those of ``companies`` or only linked/unlinked ones.
        Sellsy cannot order contacts by update time: ``id`` is the stable default."""
        filters = {
            "updated": updated.as_filter() if updated else None,
            "companies": [int(c) for c in companies],
            "is_linked": is_linked,
        }
        return self._search(
            "/contacts/search",
            filters,
            Contact,
            entity="contact",
            order=order,
            direction=direction,
            custom_field_ids=custom_field_ids,
            limit=limit,
        )

    async def get_contact(
        self, contact_id: int, *, custom_field_ids: Iterable[int] = ()
    ) -> Contact:
        return await self._one(
            "GET",
            f"/contacts/{int(contact_id)}",
            Contact,
            entity="contact",
            custom_field_ids=custom_field_ids,
        )

    async def find_contacts(
        self,
        *,
        created: DateRange,
        last_name: str | None = None,
        email: str | None = None,
        custom_field_ids: Iterable[int] = (),
    ) -> list[Contact]:
        """Contacts created within ``created`` with exactly this ``last_name`` and
        ``email`` (each when given), oldest first.  Sellsy cannot search contacts by
        reference: this is how a create whose answer was lost is found."""
        filters = {"created": created.as_filter(), "last_name": last_name, "email": email}
        return await self._collect_search(
            "/contacts/search",
            filters,
            Contact,
            entity="contact",
            order="id",
            custom_field_ids=custom_field_ids,
        )

    async def create_contact(
        self, contact: ContactCreate, *, custom_field_ids: Iterable[int] = ()
    ) -> Contact:
        """Create a contact (not retried on a lost answer; see docs)."""
        return await self._one(
            "POST",
            "/contacts",
            Contact,
            entity="contact",
            custom_field_ids=custom_field_ids,
            json=contact.payload(),
            idempotent=False,
        )

    async def update_contact(
        self, contact_id: int, changes: ContactUpdate, *, custom_field_ids: Iterable[int] = ()
    ) -> Contact:
        return await self._one(
            "PUT",
            f"/contacts/{int(contact_id)}",
            Contact,
            entity="contact",
            custom_field_ids=custom_field_ids,
            json=changes.payload(),
        )

    async def link_contact_to_company(
        self, company_id: int, contact_id: int, *, roles: Iterable[LinkRole] | None = None
    ) -> ContactCompanyLink:
        """Link a contact to a company.  Idempotent: linking twice is no error
        (Sellsy answers 200 "already linked" instead of 201)."""
        body = LinkRolesWrite(roles=list(roles)) if roles is not None else LinkRolesWrite()
        status, _ = await self._session.call_status(
            "POST",
            f"/companies/{int(company_id)}/contacts/{int(contact_id)}",
            json=body.payload(),
            idempotent=True,
        )
        return ContactCompanyLink(
            company_id=int(company_id),
            contact_id=int(contact_id),
            roles=tuple(roles or ()),
            newly_linked=status == 201,
        )

    async def list_contact_companies(
        self, contact_id: int, *, custom_field_ids: Iterable[int] = ()
    ) -> list[Company]:
        """The companies a contact is linked to.

        ``GET /contacts/{id}/companies`` takes no paging parameters in the spec; if
        its answer says more exist than it returned, the list is read again through
        the companies search (``filters.contacts``), which pages.
        """
        path = f"/contacts/{int(contact_id)}/companies"
        body = await self._session.call("GET", path, params=embed_params(custom_field_ids))
        page = parse_page(body, requested_limit=1)
        if page.total is None or page.total <= len(page.data):
            return [decode(Company, raw, entity="company") for raw in page.data]
        log.info("sellsy: contact %s has %s companies, paging a search", contact_id, page.total)
        return await self._collect_search(
            "/companies/search",
            {"contacts": [int(contact_id)]},
            Company,
            entity="company",
            order="id",
            custom_field_ids=custom_field_ids,
        )
