"""Contacts (``/contacts``): people at companies.

Their change-capture timestamp is ``updated`` (not ``updated_at``), and a contact
is linked to companies through ``/companies/{companyId}/contacts/{contactId}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from sync_streams.sellsy.models.base import Owner, SellsyModel, Social, WithCustomFields
from sync_streams.sellsy.models.companies import Civility

LinkRole = Literal["main", "invoicing", "dunning"] | str


class ContactSync(SellsyModel):
    mailchimp: bool | None = None
    mailjet: bool | None = None
    simplemail: bool | None = None


class Contact(WithCustomFields):
    """A contact; ``civility`` is ``mr``, ``mrs`` or ``ms`` (or something newer)."""

    id: int
    civility: Civility | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    website: str | None = None
    phone_number: str | None = None
    mobile_number: str | None = None
    fax_number: str | None = None
    position: str | None = None
    birth_date: str | None = None
    avatar: str | None = None
    note: str | None = None
    invoicing_address_id: int | None = None
    delivery_address_id: int | None = None
    social: Social | None = None
    sync: ContactSync | None = None
    owner: Owner | None = None
    created: datetime | None = None
    updated: datetime | None = None
    is_archived: bool | None = None
    marketing_campaigns_subscriptions: list[str] | None = None


class ContactCompanyLink(BaseModel):
    """A contact linked to a company.  Sellsy answers a link request with no body:
    ``newly_linked`` is True for 201 (linked now), False for 200 (already linked)."""

    model_config = ConfigDict(frozen=True)

    company_id: int
    contact_id: int
    roles: tuple[LinkRole, ...] = ()
    newly_linked: bool = True
