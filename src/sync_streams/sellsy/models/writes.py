"""Bodies we send to Sellsy.

Unlike the read models these are strict (``extra="forbid"``): the spec refuses
unknown properties on several write bodies, and a typo must fail here, not as a
400 in production.  Only the fields the caller set are sent (``exclude_unset``),
so an explicit ``None`` clears a field and an omitted one is left alone.
Create and update differ as the spec says: e.g. a company's ``type`` can be set
on create only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from sync_streams.sellsy.models.companies import Civility, ThirdPartyType
from sync_streams.sellsy.models.contacts import LinkRole
from sync_streams.sellsy.models.opportunities import OpportunityStatus, RelatedType


class SellsyWrite(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def payload(self) -> dict[str, Any]:
        """The JSON body: only the fields that were set."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


class LegalFranceWrite(SellsyWrite):
    siret: str | None = None
    siren: str | None = None
    vat: str | None = None
    ape_naf_code: str | None = None
    company_type: str | None = None
    rcs_immatriculation: str | None = None


class SocialWrite(SellsyWrite):
    twitter: str | None = None
    facebook: str | None = None
    linkedin: str | None = None
    viadeo: str | None = None


class _ThirdPartyChannels(SellsyWrite):
    email: str | None = None
    website: str | None = None
    phone_number: str | None = None
    mobile_number: str | None = None
    fax_number: str | None = None
    reference: str | None = Field(default=None, max_length=100)
    note: str | None = None
    auxiliary_code: str | None = None
    social: SocialWrite | None = None
    rate_category_id: int | None = None
    accounting_code_id: int | None = None
    accounting_purchase_code_id: int | None = None
    owner_id: int | None = None
    is_archived: bool | None = None
    marketing_campaigns_subscriptions: list[str] | None = None


class CompanyUpdate(_ThirdPartyChannels):
    """``PUT /companies/{id}`` body (no ``type``: the spec does not allow it here)."""

    name: str | None = Field(default=None, max_length=250)
    legal_france: LegalFranceWrite | None = None
    capital: str | None = None
    business_segment: int | None = None
    number_of_employees: int | None = None


class CompanyCreate(CompanyUpdate):
    """``POST /companies`` body."""

    type: ThirdPartyType
    name: str = Field(max_length=250)


class IndividualUpdate(_ThirdPartyChannels):
    """``PUT /individuals/{id}`` body."""

    last_name: str | None = None
    first_name: str | None = None
    civility: Civility | None = None


class IndividualCreate(IndividualUpdate):
    """``POST /individuals`` body."""

    type: ThirdPartyType
    last_name: str


class ContactUpdate(SellsyWrite):
    """``PUT /contacts/{id}`` body."""

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
    note: str | None = None
    social: SocialWrite | None = None
    is_archived: bool | None = None
    owner_id: int | None = None
    marketing_campaigns_subscriptions: list[str] | None = None


class ContactCreate(ContactUpdate):
    """``POST /contacts`` body."""

    last_name: str


class RelatedWrite(SellsyWrite):
    id: int
    type: RelatedType


class OpportunityUpdate(SellsyWrite):
    """``PUT /opportunities/{id}`` body.  ``pipeline`` and ``step`` are ids here."""

    name: str | None = None
    owner_id: int | None = None
    status: OpportunityStatus | None = None
    pipeline: int | None = None
    step: int | None = None
    amount: Decimal | str | None = None
    probability: int | None = None
    source: int | None = None
    due_date: date | None = None
    note: str | None = None
    main_doc_id: int | None = None
    assigned_staff_ids: list[int] | None = None
    contact_ids: list[int] | None = None
    related: list[RelatedWrite] | None = None


class OpportunityCreate(OpportunityUpdate):
    """``POST /opportunities`` body: name, pipeline, step and related are required."""

    name: str
    pipeline: int
    step: int
    related: list[RelatedWrite] = Field(min_length=1)
    number: str | None = None


class LinkRolesWrite(SellsyWrite):
    """``POST /companies/{companyId}/contacts/{contactId}`` body."""

    roles: list[LinkRole] | None = None


class CustomFieldValueWrite(SellsyWrite):
    """One item of ``PUT /{resource}/{id}/custom-fields``: ``{id, value}``.

    ``value`` as the field's kind wants it: ``true``/``false`` for boolean, a list of
    item ids for checkbox, one item id for select/radio, a string for text kinds.
    """

    id: int
    value: JsonValue
