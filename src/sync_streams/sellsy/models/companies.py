"""Companies (``/companies``) and individuals (``/individuals``, B2C clients).

Both carry ``updated_at``, the change-capture timestamp of their search filter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sync_streams.sellsy.models.base import IdLabel, Owner, SellsyModel, Social, WithCustomFields

ThirdPartyType = Literal["prospect", "client", "supplier"] | str
Civility = Literal["mr", "mrs", "ms"] | str


class LegalFrance(SellsyModel):
    """French legal identifiers.  ``siret`` is an establishment key (14 digits),
    ``siren`` the legal unit (9 digits); both arrive as Sellsy stores them."""

    siret: str | None = None
    siren: str | None = None
    vat: str | None = None
    ape_naf_code: str | None = None
    company_type: str | None = None
    rcs_immatriculation: str | None = None


class Company(WithCustomFields):
    """A company (legal person): prospect, client or supplier."""

    id: int
    type: ThirdPartyType | None = None
    name: str | None = None
    email: str | None = None
    website: str | None = None
    phone_number: str | None = None
    mobile_number: str | None = None
    fax_number: str | None = None
    legal_france: LegalFrance | None = None
    capital: str | None = None
    reference: str | None = None
    note: str | None = None
    auxiliary_code: str | None = None
    social: Social | None = None
    rate_category_id: int | None = None
    main_contact_id: int | None = None
    dunning_contact_id: int | None = None
    invoicing_contact_id: int | None = None
    invoicing_address_id: int | None = None
    delivery_address_id: int | None = None
    accounting_code_id: int | None = None
    accounting_purchase_code_id: int | None = None
    owner: Owner | None = None
    created: datetime | None = None
    updated_at: datetime | None = None
    is_archived: bool | None = None
    business_segment: IdLabel | None = None
    number_of_employees: IdLabel | None = None
    marketing_campaigns_subscriptions: list[str] | None = None

    @property
    def siret(self) -> str | None:
        """``legal_france.siret``, as stored (not normalised)."""
        return self.legal_france.siret if self.legal_france else None


class Individual(WithCustomFields):
    """A natural person client/prospect/supplier (Sellsy "particulier")."""

    id: int
    type: ThirdPartyType | None = None
    last_name: str | None = None
    first_name: str | None = None
    civility: Civility | None = None
    email: str | None = None
    website: str | None = None
    phone_number: str | None = None
    mobile_number: str | None = None
    fax_number: str | None = None
    reference: str | None = None
    note: str | None = None
    auxiliary_code: str | None = None
    social: Social | None = None
    rate_category_id: int | None = None
    main_contact_id: int | None = None
    dunning_contact_id: int | None = None
    invoicing_contact_id: int | None = None
    invoicing_address_id: int | None = None
    delivery_address_id: int | None = None
    accounting_code_id: int | None = None
    accounting_purchase_code_id: int | None = None
    owner: Owner | None = None
    created: datetime | None = None
    updated_at: datetime | None = None
    is_archived: bool | None = None
    marketing_campaigns_subscriptions: list[str] | None = None
